// @vscode/v8-heap-parser 0.1.0 (Rust → WASM): decode the whole file, then the class groups sorted
// by retained size, which makes it compute dominators and retained sizes.
//   node bench/drivers/v8-heap-parser.mjs <file.heapsnapshot>
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { report, since } from './result.mjs';

const require = createRequire(import.meta.url);
const file = process.argv[2];
const t0 = performance.now();
const { decode_bytes, init_panic_hook } = require('@vscode/v8-heap-parser');
init_panic_hook(); // a Rust panic then prints its message, not only "RuntimeError: unreachable"
const bytes = readFileSync(file);
const read = since(t0);
const graph = decode_bytes(bytes);
const decoded = since(t0);
const groups = graph.get_class_groups(0, 20, false);
const top = groups.map((g) => ({ name: g.name(), retained: Number(g.retained_size) }));
report({ tool: 'v8-heap-parser', stages: { read, decode: decoded, full: since(t0) }, topRetained: top.slice(0, 3) });
