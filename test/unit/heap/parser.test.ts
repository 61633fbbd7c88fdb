import * as assert from 'node:assert/strict';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseSnapshotFile } from '../../../src/core/heap/file';
import { SnapshotParser } from '../../../src/core/heap/parser';
import { parseFileOnTwoThreads } from '../../../src/core/worker/edgeHelper';
import { ArrayRecycler } from '../../../src/core/heap/columns';
import { edgeName, nodeTypeName, type HeapGraph } from '../../../src/core/heap/graph';
import { takeSnapshotOf } from '../helpers/takeSnapshot';
import { builtBundles } from '../helpers/bundles';

/** Parses text fed in pieces of `size` bytes (to put chunk boundaries everywhere). */
function parseInPieces(text: string, size: number, asString = false): HeapGraph {
  const parser = new SnapshotParser();
  if (asString) {
    for (let i = 0; i < text.length; i += size) parser.push(text.slice(i, i + size));
  } else {
    const bytes = Buffer.from(text, 'utf8');
    for (let i = 0; i < bytes.length; i += size) parser.push(bytes.subarray(i, i + size));
  }
  return parser.finish();
}

/** A tiny hand-written snapshot: root → a → b, with unicode and escaped strings. */
function tinySnapshot(strings: string[], extra = ''): string {
  const meta = {
    node_fields: ['type', 'name', 'id', 'self_size', 'edge_count', 'trace_node_id', 'detachedness'],
    node_types: [['hidden', 'array', 'string', 'object', 'code', 'closure', 'regexp', 'number', 'native', 'synthetic'], 'string', 'number', 'number', 'number', 'number', 'number'],
    edge_fields: ['type', 'name_or_index', 'to_node'],
    edge_types: [['context', 'element', 'property', 'internal', 'hidden', 'shortcut', 'weak'], 'string_or_number', 'node'],
    location_fields: ['object_index', 'script_id', 'line', 'column'],
  };
  // nodes: root(synthetic, name 0), A(object, name 1, id 3, size 32, 2 edges), B(string, name 2, id 5, size 1234567, 0 edges)
  return `{"snapshot":{"meta":${JSON.stringify(meta)},"node_count":3,"edge_count":3},
"nodes":[9,0,1,0,1,0,0
,3,1,3,32,2,0,1
,2,2,5,1234567,0,0,0],
"edges":[2,3,7
,2,4,14,1,0,14],
"locations":[7,12,40,2],
${extra}"strings":${JSON.stringify(strings)}}`;
}

describe('streaming snapshot parser', () => {
  const strings = ['', 'Café "quoted" \\ \n\t 😀 \u2028', 'lone \ud800 surrogate', 'child', 'back'];

  it('reads a hand-written snapshot at every chunk boundary, as bytes and as strings', () => {
    const text = tinySnapshot(strings);
    for (const size of [1, 2, 3, 5, 7, 64, 1 << 16]) {
      for (const asString of [false, true]) {
        const g = parseInPieces(text, size, asString);
        assert.equal(g.nodeCount, 3);
        assert.equal(g.edgeCount, 3);
        assert.deepEqual(g.strings, strings, `strings at piece size ${size}`);
        assert.deepEqual([...g.nodeId], [1, 3, 5]);
        assert.deepEqual([...g.nodeSelfSize], [0, 32, 1234567]);
        assert.deepEqual([...g.firstEdge], [0, 1, 3, 3]);
        assert.deepEqual([...g.edgeTo], [1, 2, 2]);
        assert.equal(edgeName(g, 0), 'child');
        assert.equal(edgeName(g, 2), '[0]');
        assert.equal(nodeTypeName(g, 0), 'synthetic');
        assert.equal(nodeTypeName(g, 2), 'string');
        assert.equal(g.totalSize, 32 + 1234567);
        assert.equal(g.locations.count, 1);
        assert.equal(g.locations.node[0], 1);
        assert.equal(g.locations.line[0], 40);
      }
    }
  });

  it('handles empty arrays and skips unknown sections', () => {
    const meta = { node_fields: ['type', 'name', 'id', 'self_size', 'edge_count'], node_types: [['synthetic']], edge_fields: ['type', 'name_or_index', 'to_node'], edge_types: [['property']] };
    const text = `{"snapshot":{"meta":${JSON.stringify(meta)}},"future":{"x":[1,{"y":"]}"}]},"nodes":[0,0,1,0,0],"edges":[],"samples":[],"locations":[],"strings":[""],"flag":true}`;
    const g = parseInPieces(text, 3);
    assert.equal(g.nodeCount, 1);
    assert.equal(g.edgeCount, 0);
    assert.equal(g.locations.count, 0);
  });

  it('parses trace_function_infos and a nested trace_tree', () => {
    const extra = `"trace_function_infos":[1,3,4,7,10,5, 2,4,4,7,20,9],"trace_tree":[1,0,0,0,[2,1,3,96,[],3,0,1,32,[4,1,2,64,[]]]],`;
    const text = tinySnapshot(strings, extra).replace('"meta":{', '"meta":{"trace_function_info_fields":["function_id","name","script_name","script_id","line","column"],"trace_node_fields":["id","function_info_index","count","size","children"],');
    for (const size of [1, 4, 1000]) {
      const g = parseInPieces(text, size);
      const t = g.traces!;
      assert.ok(t, 'traces present');
      assert.equal(t.functionCount, 2);
      assert.deepEqual([...t.functionLine], [10, 20]);
      assert.deepEqual([...t.traceId], [1, 2, 3, 4]);
      assert.deepEqual([...t.traceFunction], [0, 1, 0, 1]);
      assert.deepEqual([...t.traceParent], [-1, 0, 0, 2]);
    }
  });

  it('refuses truncated, corrupt, empty and non-snapshot input with a clear message', () => {
    const text = tinySnapshot(strings);
    const parse = (t: string) => parseInPieces(t, 7);
    assert.throws(() => parse(text.slice(0, text.length - 10)), /truncated heap snapshot/);
    assert.throws(() => parse(''), /not a V8 heap snapshot: it is empty/);
    assert.throws(() => parse('hello world'), /not a V8 heap snapshot/);
    assert.throws(() => parse('{"a":1}'), /not a V8 heap snapshot: it has no "snapshot" section/);
    assert.throws(() => parse(text.replace('"edge_count":3', '"edge_count":3').replace(',2,4,14,1,0,14]', ',2,4,14]')), /declare 3 edges but "edges" holds 2/);
    assert.throws(() => parse(text.replace('1,0,14]', '1,0,21]')), /outside "nodes"/);
    assert.throws(() => parse(text.replace('[9,0,1,', '[9,x,1,')), /corrupt heap snapshot: unexpected 'x'/);
  });

  it('counts types exactly as an independent JSON.parse reading of a real snapshot', async function () {
    const file = takeSnapshotOf(`
      class LeakWatchProbe { constructor(i) { this.i = i; this.label = 'é' + i; } }
      globalThis.keep = Array.from({ length: 5000 }, (_, i) => new LeakWatchProbe(i));
    `);
    const g = await parseSnapshotFile(file, { highWaterMark: 4099 });
    const json = JSON.parse(readFileSync(file, 'utf8'));
    const nf = json.snapshot.meta.node_fields.length;
    assert.equal(g.nodeCount, json.nodes.length / nf);
    assert.equal(g.edgeCount, json.edges.length / json.snapshot.meta.edge_fields.length);
    assert.deepEqual(g.strings, json.strings);
    // Per (type, name): count and bytes.
    const expected = new Map<string, [number, number]>();
    const types = json.snapshot.meta.node_types[0];
    for (let i = 0; i < json.nodes.length; i += nf) {
      const key = `${types[json.nodes[i]]}:${json.strings[json.nodes[i + 1]]}`;
      const e = expected.get(key) ?? [0, 0];
      e[0]++;
      e[1] += json.nodes[i + 3];
      expected.set(key, e);
    }
    const actual = new Map<string, [number, number]>();
    for (let n = 0; n < g.nodeCount; n++) {
      const key = `${nodeTypeName(g, n)}:${g.strings[g.nodeName[n]]}`;
      const e = actual.get(key) ?? [0, 0];
      e[0]++;
      e[1] += g.nodeSelfSize[n];
      actual.set(key, e);
    }
    assert.deepEqual(actual, expected);
    assert.equal(expected.get('object:LeakWatchProbe')?.[0], 5000);
    // Edges: every target and name matches.
    const ef = json.snapshot.meta.edge_fields.length;
    for (let e = 0; e < g.edgeCount; e += 997) {
      assert.equal(g.edgeTo[e], json.edges[e * ef + 2] / nf);
      assert.equal(g.edgeNameOrIndex[e], json.edges[e * ef + 1]);
    }
  });

  it('reads allocation traces from a snapshot taken with tracking on', async () => {
    const file = takeSnapshotOf(
      `class TracedThing { constructor() { this.x = 1; } }
       globalThis.traced = [];
       for (let i = 0; i < 200; i++) globalThis.traced.push(new TracedThing());`,
      { trackAllocations: true },
    );
    const g = await parseSnapshotFile(file);
    assert.ok(g.traces, 'trace tree present');
    assert.ok(g.traces!.traceCount > 1);
    let traced = 0;
    for (let n = 0; n < g.nodeCount; n++) if (g.strings[g.nodeName[n]] === 'TracedThing' && g.nodeTraceId[n] > 0) traced++;
    assert.ok(traced >= 190, `TracedThing objects with a trace id: ${traced}`);
  });

  it('reads the same graph into the recycled buffers of an earlier one as into fresh memory', async () => {
    const program = `class Recycled { constructor(i) { this.i = i; this.s = 'r' + i; } }
       globalThis.kept = Array.from({ length: 3000 }, (_, i) => new Recycled(i));`;
    // The earlier graph has allocation trace ids everywhere; the next one has none: stale numbers
    // left in a reused buffer (zeros are never written) would show up.
    const earlier = await parseSnapshotFile(takeSnapshotOf(program, { trackAllocations: true }));
    const file = takeSnapshotOf(program);
    const fresh = await parseSnapshotFile(file);
    const recycler = new ArrayRecycler(0);
    const arrays = (g: HeapGraph) => [g.nodeType, g.nodeName, g.nodeId, g.nodeSelfSize, g.nodeTraceId, g.nodeDetachedness, g.firstEdge, g.edgeType, g.edgeNameOrIndex, g.edgeTo];
    recycler.give(arrays(earlier));
    const given = recycler.bytes;
    const reused = await parseSnapshotFile(file, { recycler, highWaterMark: 65_537 });
    assert.ok(recycler.bytes < given / 2, `buffers taken: ${given - recycler.bytes} of ${given} bytes`);
    assert.ok(arrays(reused).some((a) => arrays(earlier).some((b) => a.buffer === b.buffer)), 'some buffer reused');
    assert.ok(earlier.nodeTraceId.some((t) => t > 0), 'the earlier graph has trace ids');
    const names = ['nodeType', 'nodeName', 'nodeId', 'nodeSelfSize', 'nodeTraceId', 'nodeDetachedness', 'firstEdge', 'edgeType', 'edgeNameOrIndex', 'edgeTo'];
    arrays(reused).forEach((a, k) => assert.deepEqual(a, arrays(fresh)[k], names[k]));
    assert.equal(reused.totalSize, fresh.totalSize);
  });

  describe('on two threads ("edges" parsed by the edge helper)', () => {
    const worker = builtBundles().worker;
    // The helper must win its race with the parser for these small files: the parser waits for its claim.
    const two = { edgeWorker: worker, parallelMinBytes: 0, helperWaitMs: 10_000 };
    /** Parses on two threads; says who parsed "edges" in the end. */
    const parseTwo = async (file: string, extra: { highWaterMark?: number; blockBytes?: number; meetAfterBlocks?: number } = {}) => {
      let by = '';
      let tail = { numbers: 0, total: 0 };
      const graph = await parseFileOnTwoThreads(file, { ...two, ...extra, onEdges: (who, t) => ((by = who), (tail = t ?? tail)) });
      return { graph, by, tail };
    };
    const arrays = (g: HeapGraph) => [g.nodeType, g.nodeName, g.nodeId, g.nodeSelfSize, g.nodeTraceId, g.firstEdge, g.edgeType, g.edgeNameOrIndex, g.edgeTo];
    const sameGraph = (a: HeapGraph, b: HeapGraph) => {
      assert.equal(a.nodeCount, b.nodeCount);
      assert.equal(a.edgeCount, b.edgeCount);
      assert.deepEqual(a.strings, b.strings);
      arrays(a).forEach((x, k) => assert.ok(Buffer.from(x.buffer, x.byteOffset, x.byteLength).equals(Buffer.from(arrays(b)[k].buffer, arrays(b)[k].byteOffset, arrays(b)[k].byteLength)), `array ${k}`));
      assert.equal(a.totalSize, b.totalSize);
    };
    let real = '';
    let text = '';
    const dir = mkdtempSync(join(tmpdir(), 'leak-watch-two-'));
    before(() => {
      real = takeSnapshotOf(`class Twice { constructor(i) { this.i = i; this.next = null; } }
        globalThis.kept = Array.from({ length: 20000 }, (_, i) => new Twice(i));
        for (let i = 1; i < kept.length; i++) kept[i].next = kept[i - 1];`);
      text = readFileSync(real, 'utf8');
    });
    /** The real snapshot with its text changed, as a file. */
    const variant = (name: string, edit: (t: string) => string) => {
      const f = join(dir, `${name}.heapsnapshot`);
      writeFileSync(f, edit(text));
      return f;
    };

    it('reads the same graph as one thread, with the edges in shared memory', async () => {
      const one = await parseSnapshotFile(real);
      const both = await parseTwo(real);
      sameGraph(both.graph, one);
      assert.match(both.by, /^(helper|both)$/);
      // Small reads put the parser's chunk boundaries everywhere around the key and the brackets.
      const small = await parseTwo(real, { highWaterMark: 4099 });
      sameGraph(small.graph, one);
      assert.match(small.by, /^(helper|both)$/);
    });

    it('shares "edges" out in blocks, the helper from the front and the parser from the back, and the two meet anywhere', async () => {
      const one = await parseSnapshotFile(real);
      const edgesBytes = text.length - text.indexOf('"edges":[');
      // Block sizes that put the meeting inside numbers, between them and inside rows; the helper
      // waits after a few blocks until the parser has claimed one, so both take part.
      for (const [blockBytes, meetAfterBlocks] of [[4096, 3], [4099, 1], [1000, 7], [64, 40], [65_537, 1]]) {
        const r = await parseTwo(real, { blockBytes, meetAfterBlocks, highWaterMark: 10_007 });
        sameGraph(r.graph, one);
        assert.equal(r.by, 'both', `${blockBytes}-byte blocks: both threads parsed "edges"`);
        assert.equal(r.tail.total, one.edgeCount * 3);
        assert.ok(r.tail.numbers > 0 && r.tail.numbers < r.tail.total, `${blockBytes}-byte blocks: the parser took ${r.tail.numbers} of ${r.tail.total} numbers`);
        assert.ok(blockBytes * meetAfterBlocks < edgesBytes);
      }
    });

    it('words errors in the part of "edges" the parser reads from the back as one thread does', async () => {
      const close = text.indexOf(']', text.indexOf('"edges":['));
      const cases = [
        // A byte V8 never writes, a target outside "nodes", a negative number: near the end of "edges".
        variant('tail-bad-byte', (t) => t.slice(0, close - 40) + 'x' + t.slice(close - 39)),
        variant('tail-bad-target', (t) => t.slice(0, close).replace(/\d+(\s*)$/, '999999999$1') + t.slice(close)),
        // One edge more declared by the last node than "edges" holds.
        variant('tail-short', (t) => t.replace(/("nodes":\[[\s\S]*?)(,\d+,\d+,\d+,\d+,)(\d+)(,\d+,\d+\s*\])/, (_, a, b, n, c) => `${a}${b}${Number(n) + 1}${c}`)),
      ];
      for (const f of cases) {
        const serial = await parseSnapshotFile(f).then(() => 'parsed', (e: Error) => e.message);
        const parallel = await parseFileOnTwoThreads(f, { ...two, blockBytes: 4096, meetAfterBlocks: 2 }).then(() => 'parsed', (e: Error) => e.message);
        assert.match(serial, /corrupt/, f);
        assert.equal(parallel, serial, f);
      }
      // A sign, which one thread reads as a zero: the parser leaves its tail to one thread, and the graph is the same.
      const minus = variant('tail-minus', (t) => t.slice(0, close).replace(/,(\d+)(\s*)$/, ',-$1$2') + t.slice(close));
      const r = await parseTwo(minus, { blockBytes: 4096, meetAfterBlocks: 2 });
      assert.equal(r.by, 'parser');
      sameGraph(r.graph, await parseSnapshotFile(minus));
    });

    it('reads "edges" that come before "nodes" (not V8\'s order) on two threads, the parser\'s tail included', async () => {
      const nodesAt = text.indexOf('"nodes":[');
      const edgesAt = text.indexOf('"edges":[');
      const edgesEnd = text.indexOf(']', edgesAt) + 1;
      const swapped = variant('edges-first', (t) => t.slice(0, nodesAt) + t.slice(edgesAt, edgesEnd) + ',\n' + t.slice(nodesAt, edgesAt) + t.slice(edgesEnd + 1));
      const one = await parseSnapshotFile(real);
      sameGraph(await parseSnapshotFile(swapped), one);
      const r = await parseTwo(swapped, { blockBytes: 4096, meetAfterBlocks: 2 });
      sameGraph(r.graph, one);
      assert.equal(r.by, 'both');
    });

    it('falls back to one thread when the header under-counts the edges or the nodes', async () => {
      const one = await parseSnapshotFile(real);
      const fewerEdges = variant('fewer-edges', (t) => t.replace(/"edge_count":(\d+)/, (_, n) => `"edge_count":${Math.floor(Number(n) / 2)}`));
      const fewerNodes = variant('fewer-nodes', (t) => t.replace(/"node_count":(\d+)/, (_, n) => `"node_count":${Number(n) - 1}`));
      for (const f of [fewerEdges, fewerNodes]) {
        const { graph, by } = await parseTwo(f);
        sameGraph(graph, one);
        assert.equal(by, 'parser', `${f}: parsed again on one thread`);
      }
    });

    it('words errors in "edges" and truncation as one thread does', async () => {
      const edgesAt = text.indexOf('"edges":[');
      const cases = [
        variant('cut-in-edges', (t) => t.slice(0, edgesAt + 5000)),
        variant('bad-target', (t) => t.slice(0, edgesAt) + t.slice(edgesAt).replace(/^("edges":\[\s*\d+\s*,\s*\d+\s*,\s*)\d+/, '$1999999999')),
        variant('bad-byte', (t) => t.slice(0, edgesAt + 3000) + 'x' + t.slice(edgesAt + 3001)),
      ];
      for (const f of cases) {
        const serial = await parseSnapshotFile(f).then(() => 'parsed', (e: Error) => e.message);
        const parallel = await parseFileOnTwoThreads(f, two).then(() => 'parsed', (e: Error) => e.message);
        assert.match(serial, /truncated|corrupt/, f);
        assert.equal(parallel, serial, f);
      }
    });

    it('gives a helper the shared buffers of the graph before, and takes them back if it never claims "edges"', async () => {
      const recycler = new ArrayRecycler(0);
      const earlier = (await parseTwo(real)).graph;
      const earlierBuffers = new Set(arrays(earlier).map((a) => a.buffer));
      recycler.give(arrays(earlier));
      // A helper thread that never gets to its search: the parser, not waiting, reads "edges" itself.
      const idle = join(dir, 'idle-helper.js');
      writeFileSync(idle, 'setInterval(() => {}, 1000);');
      let by = '';
      const graph = await parseFileOnTwoThreads(real, { edgeWorker: idle, parallelMinBytes: 0, helperWaitMs: 0, recycler, onEdges: (who) => (by = who) });
      assert.equal(by, 'parser');
      sameGraph(graph, await parseSnapshotFile(real));
      // The helper's edge columns came from the earlier graph and went back for the parser's own table.
      for (const [k, a] of [graph.edgeType, graph.edgeNameOrIndex, graph.edgeTo].entries()) assert.ok(earlierBuffers.has(a.buffer), `edge column ${k} reused`);
    });

    it('refuses a helper that found another "edges" than the parser', async () => {
      // An "edges" key nested in an unknown top-level value (legal JSON, never V8's): the helper's
      // search finds it first; the parser sees the offset is not its own and reads "edges" itself.
      const f = variant('decoy', (t) => `{"decoy": {"edges":[0]},${t.slice(1)}`);
      const { graph, by } = await parseTwo(f);
      sameGraph(graph, await parseSnapshotFile(real));
      assert.equal(by, 'parser', 'the parser read "edges" itself');
    });
  });

  it('names the file in errors', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'leak-watch-bad-'));
    const bad = join(dir, 'bad.heapsnapshot');
    writeFileSync(bad, '{"snapshot":{"meta":');
    await assert.rejects(parseSnapshotFile(bad), (e: Error) => e.message.startsWith(`${bad}: `) && /truncated|corrupt/.test(e.message));
    await assert.rejects(parseSnapshotFile(join(dir, 'missing.heapsnapshot')), /no such file/);
  });
});
