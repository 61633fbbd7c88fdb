// Hostile snapshot files: names of a megabyte, a header that lies about its size, snapshots of two
// processes given as one. Each gets a clear answer in time proportional to the file.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { analyzeSnapshotFiles } from '../../src/core/analyzeFiles';
import { SnapshotAnalyzer } from '../../src/core/worker/analyzer';
import { parseSnapshotFile } from '../../src/core/heap/file';
import { SnapshotParser } from '../../src/core/heap/parser';
import { MAX_STRING_CHARS } from '../../src/core/heap/strings';
import { realProcessHooks } from './cdp-support';

/** The fewest fields a snapshot needs. */
const META = {
  node_fields: ['type', 'name', 'id', 'self_size', 'edge_count'],
  node_types: [['hidden', 'array', 'string', 'object', 'synthetic']],
  edge_fields: ['type', 'name_or_index', 'to_node'],
  edge_types: [['context', 'element', 'property', 'internal', 'weak']],
};

/** root → one object `Foo` with a property named by strings[3] → a string; `header` is the "snapshot" object's other fields. */
function smallSnapshot(header: string, strings = ['', 'GC roots', 'Foo', 'x']): string {
  return `{"snapshot":{"meta":${JSON.stringify(META)}${header}},"nodes":[4,0,1,0,1,3,2,3,32,1,2,3,5,16,0],"edges":[2,2,5,2,3,10],"strings":${JSON.stringify(strings)}}`;
}

/**
 * Takes `count` snapshots of one run of `program` (JavaScript source), `gapMs` apart, through the
 * process's own inspector session; returns the files in the order taken.
 */
function snapshotsOf(dir: string, name: string, program: string, count: number, gapMs: number): string[] {
  const script = path.join(dir, `${name}.js`);
  const files = Array.from({ length: count }, (_, k) => path.join(dir, `${name}-${k}.heapsnapshot`));
  fs.writeFileSync(
    script,
    `${program}
const inspector = require('node:inspector');
const fs = require('node:fs');
const session = new inspector.Session();
session.connect();
const post = (m) => new Promise((res, rej) => session.post(m, {}, (e, r) => (e ? rej(e) : res(r))));
(async () => {
  for (const file of ${JSON.stringify(files)}) {
    await new Promise((r) => setTimeout(r, ${gapMs}));
    const out = fs.openSync(file, 'w');
    const write = (m) => fs.writeSync(out, m.params.chunk);
    session.on('HeapProfiler.addHeapSnapshotChunk', write);
    await post('HeapProfiler.takeHeapSnapshot');
    session.off('HeapProfiler.addHeapSnapshotChunk', write);
    fs.closeSync(out);
  }
  process.exit(0);
})();
`,
  );
  execFileSync(process.execPath, [script], { stdio: 'inherit' });
  return files;
}

describe('reliability: hostile snapshot files', function () {
  this.timeout(180_000);
  const { workerPath } = realProcessHooks();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leak-watch-input-'));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('a name of a megabyte is kept cut in the middle, its two ends whole', () => {
    const big = `HEAD-${'é'.repeat(1 << 20)}😀-TAIL`;
    const parser = new SnapshotParser();
    const text = smallSnapshot('', ['', 'GC roots', big, 'x']);
    for (let i = 0; i < text.length; i += 100_000) parser.push(text.slice(i, i + 100_000));
    const name = parser.finish().strings[2];
    assert.ok(name.length <= MAX_STRING_CHARS, `cut to ${name.length} chars`);
    assert.ok(name.startsWith('HEAD-éé') && name.endsWith('é😀-TAIL') && name.includes('…'), 'both ends kept, the cut marked');
    assert.doesNotMatch(name, /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/, 'no surrogate pair split');
  });

  it('real snapshots whose most-used names are a megabyte long: analysed in time proportional to the file', async () => {
    // Three snapshots of one process, and the same three with their 3 most-used property names
    // (`id` among them: a key of 70 shapes) and a node name made 1 MB longer (each file grows by
    // 4 MB; V8 itself cuts names at 1024 characters).
    const plain = snapshotsOf(dir, 'shapes', "globalThis.keep = Array.from({ length: 3000 }, (_, i) => ({ id: [i], ['k' + (i % 10)]: [i], ['j' + (i % 7)]: [i] }));", 3, 50);
    const inflated = plain.map((file, k) => {
      const s = JSON.parse(fs.readFileSync(file, 'utf8'));
      const nf = s.snapshot.meta.node_fields.length;
      const property = s.snapshot.meta.edge_types[0].indexOf('property');
      const uses = new Map<number, number>();
      const bump = (i: number) => uses.set(i, (uses.get(i) ?? 0) + 1);
      bump(s.nodes[nf * 2 + 1]); // a node name
      for (let i = 0; i < s.edges.length; i += 3) if (s.edges[i] === property && s.strings[s.edges[i + 1]] !== '__proto__') bump(s.edges[i + 1]);
      for (const [i] of [...uses].sort((a, b) => b[1] - a[1]).slice(0, 4)) s.strings[i] += 'Z'.repeat(1 << 20);
      const out = path.join(dir, `inflated-${k}.heapsnapshot`);
      fs.writeFileSync(out, JSON.stringify(s));
      return out;
    });
    const analyzer = new SnapshotAnalyzer({ workerPath: workerPath(), maxHeapMb: 2048 });
    try {
      const timed = async (files: string[]) => {
        const started = performance.now();
        const report = await analyzeSnapshotFiles(files, analyzer);
        return { report, ms: performance.now() - started, bytes: files.reduce((sum, f) => sum + fs.statSync(f).size, 0) };
      };
      await timed(plain); // warm the worker up
      const base = await timed(plain);
      const big = await timed(inflated);
      // Before: 9 s of CPU and 20-70 s of wall time for these 3 files (each of the thousands of object
      // shapes named by the 1 MB keys it holds), against 0.6 s for the plain ones.
      const perByte = (r: { ms: number; bytes: number }) => r.ms / r.bytes;
      assert.ok(perByte(big) < 3 * perByte(base) + 2e-7, `plain: ${Math.round(base.ms)} ms for ${base.bytes} bytes; inflated: ${Math.round(big.ms)} ms for ${big.bytes} bytes`);
      const json = JSON.stringify(big.report).length;
      assert.ok(json < big.bytes / 4, `the report (${json} chars) is not made of copies of the names`);
      for (const t of big.report.types) assert.ok(t.name.length <= 8 * MAX_STRING_CHARS + 20, `type name of ${t.name.length} chars`);
    } finally {
      await analyzer.dispose();
    }
  });

  it('a header that claims 10^12 nodes: a one-line error saying so, before any memory is asked for', async () => {
    const file = path.join(dir, 'huge-count.heapsnapshot');
    fs.writeFileSync(file, smallSnapshot(',"node_count":1000000000000,"edge_count":2'));
    await assert.rejects(parseSnapshotFile(file), (e: Error) => {
      assert.equal(e.message, `${file}: corrupt heap snapshot: its header says 1,000,000,000,000 nodes, more than a file of ${fs.statSync(file).size} bytes can hold`);
      return true;
    });
    const edges = path.join(dir, 'huge-edges.heapsnapshot');
    fs.writeFileSync(edges, smallSnapshot(',"node_count":3,"edge_count":1e15'));
    await assert.rejects(parseSnapshotFile(edges), /its header says 1,000,000,000,000,000 edges, more than a file of \d+ bytes can hold$/);
    // Streamed (no size known): the header is only a hint for the first allocation, and the nodes are read.
    const parser = new SnapshotParser();
    parser.push(smallSnapshot(',"node_count":1000000000000,"edge_count":1000000000000'));
    assert.equal(parser.finish().nodeCount, 3);
  });

  it('snapshots of two processes of one program: said so, and growth is measured from the other process on', async () => {
    const program = 'class Rec {}; const kept = []; setInterval(() => { for (let i = 0; i < 50; i++) kept.push(new Rec()); }, 10);';
    const [a0, a1, a2] = snapshotsOf(dir, 'run-a', program, 3, 300);
    const [, b1] = snapshotsOf(dir, 'run-b', program, 2, 300);
    const analyzer = new SnapshotAnalyzer({ workerPath: workerPath(), maxHeapMb: 1024 });
    try {
      const one = await analyzeSnapshotFiles([a0, a1, a2], analyzer);
      assert.equal(one.notes, undefined, 'one process: no note');
      assert.equal(one.types.find((t) => t.name === 'Rec')?.verdict !== 'ok', true, 'one process: Rec grows');
      const two = await analyzeSnapshotFiles([a0, a1, b1], analyzer);
      assert.deepEqual(two.notes, [`${b1} is not a snapshot of the same process as ${a1} (the objects their ids name differ: another process, or V8's ids were reset between them); growth is measured from it on.`]);
      assert.deepEqual(two.samples.map((s) => !!s.otherProcess), [false, false, true]);
      assert.ok(two.types.every((t) => t.verdict === 'ok'), 'no growth across the two processes');
    } finally {
      await analyzer.dispose();
    }
  });
});
