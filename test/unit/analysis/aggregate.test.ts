import * as assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { aggregateTypes, cohortOf, maxObjectId } from '../../../src/core/analysis/aggregate';
import type { HeapGraph } from '../../../src/core/heap/graph';
import { parseSnapshotFile } from '../../../src/core/heap/file';
import type { TypeStat } from '../../../src/core/report';
import { fixture } from '../../fixtures/index';
import { snapshotFile, startInspected } from '../../fixtures/harness';

const NODE_TYPES = ['hidden', 'array', 'string', 'object', 'code', 'closure', 'regexp', 'number', 'native', 'synthetic',
  'concatenated string', 'sliced string', 'symbol', 'bigint', 'object shape'];
const EDGE_TYPES = ['context', 'element', 'property', 'internal', 'hidden', 'shortcut', 'weak'];

interface TinyNode {
  type: string;
  name: string;
  id: number;
  size?: number;
  props?: string[];
}

/** A HeapGraph from a list of nodes; `props` become property edges to node 0. */
function tinyGraph(nodes: TinyNode[]): HeapGraph {
  const strings: string[] = [];
  const str = (s: string) => {
    const i = strings.indexOf(s);
    return i >= 0 ? i : strings.push(s) - 1;
  };
  const firstEdge = new Uint32Array(nodes.length + 1);
  const edges: { type: number; name: number }[] = [];
  nodes.forEach((n, i) => {
    firstEdge[i] = edges.length;
    for (const p of n.props ?? []) edges.push({ type: EDGE_TYPES.indexOf('property'), name: str(p) });
    if (n.props) edges.push({ type: EDGE_TYPES.indexOf('internal'), name: str('map') });
  });
  firstEdge[nodes.length] = edges.length;
  return {
    nodeCount: nodes.length,
    edgeCount: edges.length,
    nodeType: Uint8Array.from(nodes.map((n) => NODE_TYPES.indexOf(n.type))),
    nodeName: Uint32Array.from(nodes.map((n) => str(n.name))),
    nodeId: Uint32Array.from(nodes.map((n) => n.id)),
    nodeSelfSize: Uint32Array.from(nodes.map((n) => n.size ?? 10)),
    nodeTraceId: new Uint32Array(nodes.length),
    nodeDetachedness: new Uint8Array(nodes.length),
    firstEdge,
    edgeType: Uint8Array.from(edges.map((e) => e.type)),
    edgeNameOrIndex: Uint32Array.from(edges.map((e) => e.name)),
    edgeTo: new Uint32Array(edges.length),
    strings,
    nodeTypeNames: NODE_TYPES,
    edgeTypeNames: EDGE_TYPES,
    locations: { count: 0, node: new Uint32Array(0), scriptId: new Uint32Array(0), line: new Uint32Array(0), column: new Uint32Array(0) },
    totalSize: nodes.reduce((a, n) => a + (n.size ?? 10), 0),
  };
}

const row = (stats: TypeStat[], name: string) => stats.find((s) => s.name === name);

describe('aggregateTypes', () => {
  it('names types as DevTools’ Summary does and skips synthetic roots', () => {
    const g = tinyGraph([
      { type: 'synthetic', name: '', id: 1 },
      { type: 'synthetic', name: '(GC roots)', id: 3 },
      { type: 'object', name: 'Session', id: 5, size: 40 },
      { type: 'object', name: 'Session', id: 7, size: 40 },
      { type: 'closure', name: 'onRequest', id: 9 },
      { type: 'string', name: 'hello', id: 11 },
      { type: 'concatenated string', name: 'a+b', id: 13 },
      { type: 'sliced string', name: 'ell', id: 15 },
      { type: 'array', name: '(object elements)', id: 17 },
      { type: 'code', name: 'foo', id: 19 },
      { type: 'hidden', name: 'system / PropertyArray', id: 21 },
      { type: 'regexp', name: '^a+$', id: 23 },
      { type: 'number', name: 'heap number', id: 25 },
      { type: 'bigint', name: 'bigint', id: 27 },
      { type: 'symbol', name: 'symbol', id: 29 },
      { type: 'native', name: 'Node / TCPWrap', id: 30 },
      { type: 'object shape', name: 'system / Map', id: 31 },
    ]);
    const stats = aggregateTypes(g, [], 0);
    assert.deepEqual(
      stats.map((s) => s.name).sort(),
      ['(array)', '(bigint)', '(closure)', '(compiled code)', '(number)', '(object shape)', '(regexp)',
        '(string)', '(symbol)', '(system)', 'Node / TCPWrap', 'Session'],
    );
    assert.equal(row(stats, '(string)')?.count, 3, 'flat, concatenated and sliced strings are all (string)');
    assert.deepEqual(row(stats, 'Session'), { name: 'Session', count: 2, bytes: 80, newCount: 2, newBytes: 80, cohorts: [2] });
    assert.equal(stats[0].name, 'Session', 'sorted by bytes');
  });

  it('names plain objects by their properties; dictionaries and empty objects stay Object', () => {
    const many = Array.from({ length: 9 }, (_, i) => `k${i}`);
    const stats = aggregateTypes(
      tinyGraph([
        { type: 'synthetic', name: '', id: 1 },
        { type: 'object', name: 'Object', id: 3, props: ['id', 'body'] },
        { type: 'object', name: 'Object', id: 5, props: ['id', 'body', '__proto__'] },
        { type: 'object', name: 'Object', id: 7, props: ['body', 'id'] },
        { type: 'object', name: 'Object', id: 9, props: [] },
        { type: 'object', name: 'Object', id: 11, props: many },
        { type: 'object', name: 'Object', id: 13, props: many.slice(0, 8) },
        // A shape that is the start of one already seen, and one named by a symbol-keyed and a plain property.
        { type: 'object', name: 'Object', id: 15, props: ['id'] },
        { type: 'object', name: 'Object', id: 17, props: ['<symbol kState>', 'id'] },
      ]),
      [],
      0,
    );
    assert.deepEqual(
      stats.map((s) => [s.name, s.count]).sort(),
      [['Object', 2], ['{body, id}', 1], ['{id, body}', 2], ['{id}', 2], [`{${many.slice(0, 8).join(', ')}}`, 1]],
    );
  });

  it('counts new objects and birth cohorts by id watermark; embedder nodes (even ids) in neither', () => {
    const nodes: TinyNode[] = [{ type: 'synthetic', name: '', id: 1 }];
    for (const id of [3, 99, 101, 103, 199, 201, 205, 299, 301, 401]) nodes.push({ type: 'object', name: 'Item', id, size: 8 });
    nodes.push({ type: 'native', name: 'Item', id: 1_000_000_000, size: 8 });
    const stats = aggregateTypes(tinyGraph(nodes), [101, 201, 301], 301);
    // cohorts: ≤101 | (101,201] | (201,301] | >301
    assert.deepEqual(row(stats, 'Item'), { name: 'Item', count: 11, bytes: 88, newCount: 1, newBytes: 8, cohorts: [3, 3, 3, 1] });
    assert.equal(maxObjectId(tinyGraph(nodes)), 401, 'the native node’s even id is not an object id');
  });

  it('finds cohorts by binary search at the edges', () => {
    const marks = [10, 20, 30];
    assert.deepEqual([1, 10, 11, 20, 21, 30, 31, 1e9].map((id) => cohortOf(marks, id)), [0, 0, 1, 1, 2, 2, 3, 3]);
    assert.equal(cohortOf([], 5), 0);
  });

  it('aggregates two million nodes quickly, without an object per node', () => {
    const n = 2_000_000;
    const names = ['Object', 'Session', 'Array', 'Map', 'system / Context'];
    const nodeType = new Uint8Array(n);
    const nodeName = new Uint32Array(n);
    const nodeId = new Uint32Array(n);
    for (let i = 0; i < n; i++) {
      nodeType[i] = [3, 3, 2, 5, 1][i % 5]; // object, object, string, closure, array
      nodeName[i] = i % names.length;
      nodeId[i] = 2 * i + 1;
    }
    const g: HeapGraph = {
      ...tinyGraph([{ type: 'synthetic', name: '', id: 1 }]),
      nodeCount: n,
      nodeType,
      nodeName,
      nodeId,
      nodeSelfSize: new Uint32Array(n).fill(16),
      firstEdge: new Uint32Array(n + 1),
      strings: names,
    };
    const marks = Array.from({ length: 50 }, (_, j) => (j + 1) * 80_000);
    const started = process.hrtime.bigint();
    const stats = aggregateTypes(g, marks, marks[49]);
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    assert.equal(stats.reduce((a, s) => a + s.count, 0), n);
    assert.equal(stats.reduce((a, s) => a + s.cohorts.reduce((x, y) => x + y, 0), 0), n);
    assert.ok(ms < 3000, `took ${ms.toFixed(0)} ms`);
  });

  describe('on real snapshots of a real process', function () {
    this.timeout(60_000);
    let dir: string;
    let files: string[];
    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'leak-watch-aggregate-'));
      files = [join(dir, 'a.heapsnapshot'), join(dir, 'b.heapsnapshot')];
      const program = await startInspected(fixture('leak-listeners').file);
      try {
        await new Promise((r) => setTimeout(r, 500));
        await snapshotFile(program, files[0]);
        await new Promise((r) => setTimeout(r, 500));
        await snapshotFile(program, files[1]);
      } finally {
        program.close();
      }
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    it('per-type counts, bytes, new objects and cohorts equal a hand count over JSON.parse of the same files', async () => {
      const [first, second] = await Promise.all(files.map((f) => parseSnapshotFile(f)));
      const previous = maxObjectId(first);
      const stats = aggregateTypes(second, [previous], previous);
      const expected = handCount(JSON.parse(readFileSync(files[1], 'utf8')), previous);
      assert.ok(expected.size > 50, 'the hand count saw many types');
      const actual = new Map(stats.map((s) => [s.name, s]));
      for (const [name, want] of expected) {
        const got = actual.get(name);
        assert.ok(got, `aggregateTypes has no "${name}"`);
        assert.deepEqual([got.count, got.bytes, got.newCount, got.newBytes, got.cohorts], [want.count, want.bytes, want.newCount, want.newBytes, want.cohorts], name);
      }
      assert.equal(actual.size, expected.size);
      const contexts = actual.get('RequestContext');
      assert.ok(contexts && contexts.newCount > 0 && contexts.cohorts[0] > 0, 'the leak is seen old and new');
      // Each RequestContext holds one `{accept, id}` (V8 may keep one more as the literal's boilerplate).
      const headers = actual.get('{accept, id}')?.count ?? 0;
      assert.ok(headers >= contexts.count && headers <= contexts.count + 1, `${headers} {accept, id} for ${contexts.count} RequestContext`);
    });
  });
});

/** An independent reading of a snapshot: JSON.parse, then the Summary rules written out plainly. */
function handCount(snapshot: any, previousMaxId: number): Map<string, { count: number; bytes: number; newCount: number; newBytes: number; cohorts: number[] }> {
  const meta = snapshot.snapshot.meta;
  const nf: string[] = meta.node_fields;
  const ef: string[] = meta.edge_fields;
  const types: string[] = meta.node_types[0];
  const edgeTypes: string[] = meta.edge_types[0];
  const at = (f: string) => nf.indexOf(f);
  const out = new Map<string, { count: number; bytes: number; newCount: number; newBytes: number; cohorts: number[] }>();
  let edge = 0;
  for (let i = 0; i < snapshot.nodes.length; i += nf.length) {
    const type = types[snapshot.nodes[i + at('type')]];
    const name: string = snapshot.strings[snapshot.nodes[i + at('name')]];
    const id: number = snapshot.nodes[i + at('id')];
    const size: number = snapshot.nodes[i + at('self_size')];
    const edgeCount: number = snapshot.nodes[i + at('edge_count')];
    const props: string[] = [];
    for (let e = edge; e < edge + edgeCount; e++) {
      const base = e * ef.length;
      if (edgeTypes[snapshot.edges[base + ef.indexOf('type')]] !== 'property') continue;
      const key: string = snapshot.strings[snapshot.edges[base + ef.indexOf('name_or_index')]];
      if (key !== '__proto__' && !key.startsWith('<symbol')) props.push(key);
    }
    edge += edgeCount;
    let cls: string;
    if (type === 'synthetic') continue;
    else if (type === 'object' && name === 'Object') cls = props.length === 0 || props.length > 8 ? 'Object' : `{${props.join(', ')}}`;
    else if (type === 'object' || type === 'native') cls = name;
    else if (type === 'hidden') cls = '(system)';
    else if (type === 'code') cls = '(compiled code)';
    else if (type === 'string' || type === 'concatenated string' || type === 'sliced string') cls = '(string)';
    else cls = `(${type})`;
    let row = out.get(cls);
    if (!row) out.set(cls, (row = { count: 0, bytes: 0, newCount: 0, newBytes: 0, cohorts: [0, 0] }));
    row.count++;
    row.bytes += size;
    if (id % 2 === 1) {
      row.cohorts[id > previousMaxId ? 1 : 0]++;
      if (id > previousMaxId) {
        row.newCount++;
        row.newBytes += size;
      }
    }
  }
  return out;
}
