// The house's walls: src/core knows nothing of VS Code; its layers import one way only, downward
// (heap/ ← analysis/ ← worker/ ← watch.ts and the files beside it); no file imports itself through
// others (an import cycle); and no bundle carries code it does not run. The checks read the
// sources' import lines (relative imports, type-only ones included) and esbuild's metafile.
import * as assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import * as esbuild from 'esbuild';

const root = join(__dirname, '../..');

/** Every .ts file under dir, relative to the repository. */
function sources(dir: string): string[] {
  return readdirSync(join(root, dir)).flatMap((name) => {
    const p = join(dir, name);
    return statSync(join(root, p)).isDirectory() ? sources(p) : p.endsWith('.ts') && !p.endsWith('.d.ts') ? [p] : [];
  });
}

/** The module specifiers a file imports (static, dynamic, require, re-exports). */
function specifiers(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/(?:\bfrom\s+|\bimport\s*\(\s*|\brequire\(\s*|^\s*import\s+)['"]([^'"]+)['"]/gm)) out.push(m[1]);
  return out;
}

/** The file a relative specifier names, or undefined (a package, or a generated file). */
function resolveImport(from: string, spec: string): string | undefined {
  if (!spec.startsWith('.')) return undefined;
  const base = join(dirname(from), spec);
  return [`${base}.ts`, join(base, 'index.ts'), base].find((p) => p.endsWith('.ts') && existsSync(join(root, p)));
}

type ImportGraph = Map<string, string[]>;

/** The import graph of src/: file → the files it imports. */
function importGraph(): ImportGraph {
  return new Map(sources('src').map((f) => [f, specifiers(readFileSync(join(root, f), 'utf8')).flatMap((s) => resolveImport(f, s) ?? [])]));
}

/** The layers, lowest first: a file may import its own folder's files and files of lower layers only. */
const LAYERS: { name: string; rank: number; test: RegExp }[] = [
  { name: 'schemas', rank: 0, test: /^src\/core\/(report|format|requests)\.ts$/ },
  { name: 'heap', rank: 1, test: /^src\/core\/heap\// },
  { name: 'cdp', rank: 1, test: /^src\/core\/cdp\// },
  { name: 'sources', rank: 1, test: /^src\/core\/sources\// },
  { name: 'analysis', rank: 2, test: /^src\/core\/analysis\// },
  { name: 'worker', rank: 3, test: /^src\/core\/worker\// },
  { name: 'watch', rank: 4, test: /^src\/core\/[^/]+\.ts$/ },
  // Two runs compared: reads the saved watches and programs of the files beside watch.ts.
  { name: 'compare', rank: 4.5, test: /^src\/core\/compare\// },
  // The panel's messages carry comparisons.
  { name: 'protocol', rank: 4.75, test: /^src\/protocol\.ts$/ },
  { name: 'display', rank: 4, test: /^src\/display\// },
  { name: 'cli', rank: 5, test: /^src\/cli\// },
  { name: 'extension', rank: 5, test: /^src\/extension\// },
  { name: 'webview', rank: 5, test: /^src\/webview\// },
];

function layerOf(file: string): { name: string; rank: number } {
  const layer = LAYERS.find((l) => l.test.test(file.split('\\').join('/')));
  if (!layer) throw new Error(`${file} is in no layer: add it to LAYERS`);
  return layer;
}

/** Imports that go up, or sideways into another folder of the same layer. */
function upwardImports(graph: ImportGraph): string[] {
  const out: string[] = [];
  for (const [from, targets] of graph) {
    const a = layerOf(from);
    for (const to of targets) {
      const b = layerOf(to);
      if (a.name !== b.name && b.rank >= a.rank) out.push(`${from} (${a.name}) imports ${to} (${b.name})`);
    }
  }
  return out;
}

/** The import cycles: strongly connected sets of more than one file, or a file that imports itself (Tarjan). */
function importCycles(graph: ImportGraph): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  let next = 0;
  const visit = (v: string) => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const set: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        set.push(w);
      } while (w !== v);
      if (set.length > 1 || (graph.get(v) ?? []).includes(v)) cycles.push(set.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return cycles;
}

/** The source files of src/ one bundle is built from. */
async function bundleInputs(entry: string, platform: 'node' | 'browser' = 'node'): Promise<string[]> {
  const result = await esbuild.build({ entryPoints: [join(root, entry)], bundle: true, platform, format: 'cjs', write: false, metafile: true, logLevel: 'silent', external: ['vscode'], loader: { '.css': 'empty', '.ttf': 'empty' }, absWorkingDir: root });
  return Object.keys(result.metafile.inputs).map((p) => relative(root, join(root, p)));
}

describe('layers', () => {
  const graph = importGraph();

  it('src/core imports nothing from vscode, the extension or the webview', () => {
    const core = sources('src/core');
    assert.ok(core.length > 0, 'src/core has sources');
    const offenders = core.filter((file) => specifiers(readFileSync(join(root, file), 'utf8')).some((s) => s === 'vscode' || /\.\.?\/.*(extension|webview)\//.test(s)));
    assert.deepEqual(offenders, []);
  });

  it('every layer imports only its own folder and the layers below it', () => {
    assert.ok(graph.size > 50, 'the sources were read');
    assert.deepEqual(upwardImports(graph), []);
  });

  it('finds an upward or sideways import when one is planted', () => {
    const planted = new Map(graph);
    planted.set('src/core/heap/graph.ts', [...graph.get('src/core/heap/graph.ts')!, 'src/core/worker/session.ts']);
    planted.set('src/core/analysis/naming.ts', [...graph.get('src/core/analysis/naming.ts')!, 'src/core/watch.ts']);
    planted.set('src/core/heap/columns.ts', [...graph.get('src/core/heap/columns.ts')!, 'src/core/sources/scripts.ts']);
    const before = new Set(upwardImports(graph));
    assert.deepEqual(
      upwardImports(planted).filter((line) => !before.has(line)),
      [
        'src/core/heap/graph.ts (heap) imports src/core/worker/session.ts (worker)',
        'src/core/analysis/naming.ts (analysis) imports src/core/watch.ts (watch)',
        'src/core/heap/columns.ts (heap) imports src/core/sources/scripts.ts (sources)',
      ].sort((x, y) => [...planted.keys()].indexOf(x.split(' ')[0]) - [...planted.keys()].indexOf(y.split(' ')[0])),
    );
  });

  it('has no import cycle among files', () => {
    assert.deepEqual(importCycles(graph), []);
  });

  it('finds an import cycle when one is planted', () => {
    const planted = new Map(graph);
    planted.set('src/core/heap/columns.ts', [...graph.get('src/core/heap/columns.ts')!, 'src/core/heap/parser.ts']);
    const cycles = importCycles(planted);
    assert.ok(cycles.some((c) => c.includes('src/core/heap/columns.ts') && c.includes('src/core/heap/parser.ts')), JSON.stringify(cycles));
  });

  it('bundles carry only what they run: no parser or analysis in the extension host or the CLI, no explanations in the helper threads', async function () {
    this.timeout(60_000);
    const [extension, cli, helper] = await Promise.all([bundleInputs('src/extension/extension.ts'), bundleInputs('src/cli/main.ts'), bundleInputs('src/core/worker/helperThread.ts')]);
    const has = (inputs: string[], pattern: RegExp) => inputs.filter((p) => pattern.test(p.split('\\').join('/')));
    for (const [name, inputs] of [['extension', extension], ['cli', cli]] as const) {
      assert.ok(inputs.length > 10, `${name} bundle read`);
      assert.deepEqual(has(inputs, /^src\/core\/(heap\/(?!errors\.ts)|worker\/(session|worker|threadedEngine))|^src\/core\/analysis\/(dominators|distances|explain|pipeline)/), [], `${name} bundle`);
    }
    assert.deepEqual(has(helper, /^src\/core\/(worker\/session|analysis\/(explain|retainers|aggregate))|^src\/core\/sources\/|node_modules\/(acorn|source-map)/), [], 'helper bundle');
  });
});
