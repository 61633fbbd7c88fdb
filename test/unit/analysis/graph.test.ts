import * as assert from 'node:assert/strict';
import { pathFromRoot, BASE_SYSTEM_DISTANCE, NO_DISTANCE } from '../../../src/core/analysis/distances';
import { retainedByMarks, retainedBySet } from '../../../src/core/analysis/dominators';
import { buildRetainers, edgeSource, isEssentialEdge, markNonEssentialRange, readEdgeKinds } from '../../../src/core/analysis/edges';
import type { HeapGraph } from '../../../src/core/heap/graph';
import { distancesOf, dominatorsOf, nonEssentialOf } from '../helpers/steps';
import { GraphBuilder } from '../why-programs/builder';

/** Reference dominators by the textbook data-flow fixpoint over sets (small graphs only). */
function naiveDominators(g: HeapGraph): number[] {
  const n = g.nodeCount;
  const k = readEdgeKinds(g);
  const preds: number[][] = Array.from({ length: n }, () => []);
  for (let v = 0; v < n; v++)
    for (let e = g.firstEdge[v]; e < g.firstEdge[v + 1]; e++) if (isEssentialEdge(g, k, v, e)) preds[g.edgeTo[e]].push(v);
  // reachable set; like computeDominators, nodes the root cannot reach hang off the root (ordinal order)
  const reach = new Set([0]);
  const flood = (start: number) => {
    const q = [start];
    reach.add(start);
    while (q.length) {
      const v = q.pop()!;
      for (let e = g.firstEdge[v]; e < g.firstEdge[v + 1]; e++)
        if (isEssentialEdge(g, k, v, e) && !reach.has(g.edgeTo[e])) reach.add(g.edgeTo[e]), q.push(g.edgeTo[e]);
    }
  };
  flood(0);
  for (let v = 1; v < n; v++) if (!reach.has(v)) (preds[v].push(0), flood(v));
  const all = [...reach];
  const dom = new Map<number, Set<number>>(all.map((v) => [v, v === 0 ? new Set([0]) : new Set(all)]));
  let changed = true;
  while (changed) {
    changed = false;
    for (const v of all) {
      if (v === 0) continue;
      let s: Set<number> | undefined;
      for (const p of preds[v]) {
        if (!reach.has(p)) continue;
        const dp = dom.get(p)!;
        s = s ? new Set([...s].filter((x) => dp.has(x))) : new Set(dp);
      }
      s = s ?? new Set();
      s.add(v);
      if (s.size !== dom.get(v)!.size) (dom.set(v, s), (changed = true));
    }
  }
  // idom: the strict dominator with the largest dominator set
  return Array.from({ length: n }, (_, v) => {
    if (v === 0 || !reach.has(v)) return 0;
    let best = 0;
    for (const d of dom.get(v)!) if (d !== v && dom.get(d)!.size > dom.get(best)!.size) best = d;
    return best;
  });
}

function randomGraph(seed: number, n: number, m: number): HeapGraph {
  let s = seed;
  const rnd = () => ((s = (s * 1103515245 + 12345) & 0x7fffffff), s / 0x80000000);
  const b = new GraphBuilder();
  for (let i = 1; i < n; i++) b.obj('N' + (i % 3), 10 + i);
  for (let i = 0; i < 3; i++) b.edge(0, 'element', i, 1 + Math.floor(rnd() * (n - 1)));
  const types = ['property', 'property', 'element', 'internal', 'weak', 'shortcut'];
  for (let j = 0; j < m; j++) {
    const t = types[Math.floor(rnd() * types.length)];
    b.edge(1 + Math.floor(rnd() * (n - 1)), t, t === 'element' ? j : 'p' + j, 1 + Math.floor(rnd() * (n - 1)));
  }
  return b.build();
}

/** T(10) → T(20) and O(5) → T(7), both held by the root: T retains 37 bytes, not 57. */
function nestedMembers() {
  const b = new GraphBuilder();
  const a = b.obj('T', 10);
  const a2 = b.obj('T', 20);
  const o = b.obj('O', 5);
  const t3 = b.obj('T', 7);
  b.edge(0, 'shortcut', 'a', a).prop(a, 'x', a2).edge(0, 'shortcut', 'o', o).prop(o, 't', t3);
  return { g: b.build(), a, a2, o, t3 };
}

describe('analysis: distances', () => {
  it('walks user roots first, skips weak edges, and keeps BFS parents', () => {
    const b = new GraphBuilder();
    const gcRoots = b.node('synthetic', '(GC roots)');
    const global = b.obj('global');
    const a = b.obj('A');
    const c = b.obj('C');
    const weakOnly = b.obj('W');
    b.edge(0, 'element', 1, gcRoots).edge(0, 'shortcut', 'global', global);
    b.edge(gcRoots, 'element', 0, c); // system path to C is shorter, but user roots go first
    b.prop(global, 'a', a).prop(a, 'c', c).edge(a, 'weak', 'w', weakOnly);
    const g = b.build();
    const d = distancesOf(g);
    assert.equal(d.distance[global], 1);
    assert.equal(d.distance[a], 2);
    assert.equal(d.distance[c], 3, 'C reached from the user root');
    assert.equal(d.distance[gcRoots], BASE_SYSTEM_DISTANCE + 1);
    assert.equal(d.distance[weakOnly], NO_DISTANCE);
    const path = pathFromRoot(g, d, c);
    assert.deepEqual(path.map((e) => g.strings[g.edgeNameOrIndex[e]]), ['global', 'a', 'c']);
  });

  it('reaches a WeakMap value only once both its key and its table are reached', () => {
    const b = new GraphBuilder();
    const holder = b.obj('Holder');
    const key = b.obj('Key');
    const wm = b.obj('WeakMap');
    const table = b.node('array', '(object elements)', 16, 1001);
    const value = b.obj('Value', 16, 1003);
    const name = (i: number) => `${i} / part of key (Key @${g0.key}) -> value (Value @1003) pair in WeakMap (table @1001)`;
    const g0 = { key: 5 };
    b.nodes[key].id = 5;
    b.edge(0, 'shortcut', 'h', holder).prop(holder, 'map', wm).edge(wm, 'internal', 'table', table);
    b.edge(table, 'internal', name(1), value);
    b.prop(holder, 'later', b.obj('Mid'));
    b.prop(b.nodes.length - 1, 'key', key);
    b.edge(key, 'internal', name(2), value);
    const g = b.build();
    const d = distancesOf(g);
    // table reached at 3, key at 3; the value needs both halves: only the second one leads to it
    assert.equal(d.distance[value], 4);
    const parent = edgeSource(g, d.parentEdge[value]);
    assert.equal(d.parentNode[value], parent, 'parentNode is the parent edge\'s source');
    assert.equal(parent, key, 'the value is reached through the half seen second');
  });
});

describe('analysis: dominators', () => {
  it('matches a textbook diamond and computes retained sizes', () => {
    const b = new GraphBuilder();
    const r = b.obj('R', 1);
    const x = b.obj('X', 10);
    const y = b.obj('Y', 100);
    const z = b.obj('Z', 1000);
    const w = b.obj('W', 10000);
    b.edge(0, 'shortcut', 'r', r).prop(r, 'x', x).prop(r, 'y', y).prop(x, 'z', z).prop(y, 'z', z).prop(z, 'w', w);
    b.edge(w, 'weak', 'back', r).prop(w, 'self', w);
    const g = b.build();
    const dom = dominatorsOf(g);
    assert.equal(dom.dominator[z], r);
    assert.equal(dom.dominator[w], z);
    assert.equal(dom.dominator[x], r);
    assert.equal(dom.retained[z], 11000);
    assert.equal(dom.retained[r], 11111);
    assert.equal(dom.retained[0], 11111);
  });

  /** A WeakMap entry as V8 writes it: its table and its key both point at the value. */
  const weakMapEntry = () => {
    const b = new GraphBuilder();
    const key = b.obj('Key', 10, 5);
    const wm = b.obj('WeakMap', 10);
    const table = b.node('array', '(object elements)', 10, 1001);
    const value = b.obj('Value', 500, 1003);
    const nm = (i: number) => `${i} / part of key (Key @5) -> value (Value @1003) pair in WeakMap (table @1001)`;
    b.edge(0, 'shortcut', 'k', key).edge(0, 'shortcut', 'm', wm).edge(wm, 'internal', 'table', table);
    b.edge(table, 'internal', nm(1), value).edge(key, 'internal', nm(2), value);
    return { b, key, wm, table, value };
  };

  it('skips the table half of a WeakMap entry: the key dominates the value', () => {
    const { b, key, table, value } = weakMapEntry();
    const g = b.build();
    const dom = dominatorsOf(g);
    assert.equal(dom.dominator[value], key);
    assert.equal(dom.retained[key], 510);
    assert.equal(dom.retained[table], 10);
  });

  it("marks, one bit per edge, exactly the edges isEssentialEdge refuses (weak, self, shortcut but the root's, a WeakMap table's value)", () => {
    const { b, key, wm, value } = weakMapEntry();
    b.edge(key, 'shortcut', 's', value).edge(value, 'property', 'self', value).edge(wm, 'weak', 'w', value);
    const graphs = [b.build(), ...Array.from({ length: 30 }, (_, i) => randomGraph(100 + i, 10 + i, 40 + 5 * i))];
    for (const g of graphs) {
      const bits = nonEssentialOf(g);
      assert.ok(bits.buffer instanceof SharedArrayBuffer, 'in shared memory');
      const k = readEdgeKinds(g);
      for (let v = 0; v < g.nodeCount; v++) {
        for (let e = g.firstEdge[v]; e < g.firstEdge[v + 1]; e++) assert.equal(((bits[e >>> 5] >>> (e & 31)) & 1) === 1, !isEssentialEdge(g, k, v, e), `edge ${e}`);
      }
    }
    const first = graphs[0];
    const marked = Array.from({ length: first.edgeCount }, (_, e) => (nonEssentialOf(first)[e >>> 5] >>> (e & 31)) & 1).reduce((a, x) => a + x, 0);
    assert.equal(marked, 4, 'the table half, the shortcut from Key, the self edge and the weak edge');
  });

  it('marks the same bits range by range, ranges meeting anywhere (nodes without edges at the seams too)', () => {
    const { b, key, wm, value } = weakMapEntry();
    b.edge(key, 'shortcut', 's', value).edge(value, 'property', 'self', value).edge(wm, 'weak', 'w', value);
    const dense = Array.from({ length: 20 }, (_, i) => randomGraph(300 + i, 10 + 3 * i, 60 + 17 * i));
    const sparse = Array.from({ length: 10 }, (_, i) => randomGraph(400 + i, 150, 40 + 9 * i)); // most nodes without edges
    for (const g of [b.build(), ...dense, ...sparse]) {
      const whole = Buffer.from(nonEssentialOf(g).buffer);
      const k = readEdgeKinds(g);
      for (const step of [32, 64, 96]) {
        const bits = new Uint32Array((g.edgeCount >>> 5) + 1);
        for (let from = 0; from < g.edgeCount; from += step) {
          // Each range alone writes no word outside its own (threads fill ranges of one array at once).
          const alone = new Uint32Array(bits.length);
          const to = Math.min(from + step, g.edgeCount);
          markNonEssentialRange(g, k, alone, from, to);
          alone.forEach((word, w) => {
            if (w < from >>> 5 || w >= Math.ceil(to / 32)) assert.equal(word, 0, `range ${from}-${to} wrote word ${w}`);
            bits[w] |= word;
          });
        }
        assert.ok(Buffer.from(bits.buffer).equals(whole), `ranges of ${step} edges over ${g.edgeCount}`);
      }
    }
  });

  it('agrees with a naive fixpoint on random graphs (weak and shortcut edges included)', () => {
    for (let seed = 1; seed <= 40; seed++) {
      const g = randomGraph(seed, 12 + (seed % 20), 20 + seed * 2);
      const naive = naiveDominators(g);
      const dom = dominatorsOf(g);
      for (let v = 1; v < g.nodeCount; v++) {
        assert.equal(dom.dominator[v], naive[v], `seed ${seed}, node ${v}`);
      }
    }
  });

  it('handles a chain of a million nodes without recursion', function () {
    this.timeout(20000);
    const n = 1_000_000;
    const b = new GraphBuilder();
    // build arrays directly: the builder's objects would be slow at this size
    const g0 = b.build();
    const firstEdge = new Uint32Array(n + 1);
    const edgeTo = new Uint32Array(n - 1);
    for (let v = 0; v < n - 1; v++) {
      firstEdge[v + 1] = v + 1;
      edgeTo[v] = v + 1;
    }
    firstEdge[n] = n - 1;
    const g: HeapGraph = {
      ...g0,
      nodeCount: n,
      edgeCount: n - 1,
      nodeType: new Uint8Array(n).fill(3),
      nodeName: new Uint32Array(n),
      nodeId: Uint32Array.from({ length: n }, (_, i) => i * 2 + 1),
      nodeSelfSize: new Uint32Array(n).fill(8),
      nodeTraceId: new Uint32Array(n),
      nodeDetachedness: new Uint8Array(n),
      firstEdge,
      edgeType: new Uint8Array(n - 1).fill(2),
      edgeNameOrIndex: new Uint32Array(n - 1),
      edgeTo,
      totalSize: n * 8,
    };
    const dom = dominatorsOf(g);
    assert.equal(dom.dominator[n - 1], n - 2);
    assert.equal(dom.retained[0], n * 8);
    assert.equal(dom.retained[n / 2], (n / 2) * 8);
    const d = distancesOf(g);
    assert.equal(d.distance[n - 1], n - 1);
  });

  it('sums a set without counting nested members twice', () => {
    const { g, a, a2, t3 } = nestedMembers();
    const dom = dominatorsOf(g);
    const member = new Uint8Array(g.nodeCount);
    member[a] = member[a2] = member[t3] = 1;
    assert.equal(retainedBySet(dom, member), 37);
  });

  it('sums many sets in one walk exactly as one set at a time', () => {
    for (let seed = 1; seed <= 30; seed++) {
      const g = randomGraph(seed, 20 + seed, 40 + seed * 3);
      const dom = dominatorsOf(g);
      // Marks 0..4 (0: no set), one more than asked for (marks above `count` belong to none).
      const marks = Uint8Array.from({ length: g.nodeCount }, (_, v) => (v * 7 + seed) % 5);
      const sums = retainedByMarks(dom, marks, 3);
      for (let k = 1; k <= 3; k++) assert.equal(sums[k], retainedBySet(dom, marks, k), `seed ${seed}, set ${k}`);
    }
    // Nested members (as in the single-set test): 10 + 20 + 7 once.
    const { g, a, a2, o, t3 } = nestedMembers();
    const marks = new Uint8Array(g.nodeCount);
    marks[a] = marks[a2] = marks[t3] = 1;
    marks[o] = 2;
    assert.deepEqual([...retainedByMarks(dominatorsOf(g), marks, 2)], [0, 37, 12]);
  });

  it('sums many sets in linear time under a deep chain of members of other marks', function () {
    // A chain of L nodes marked 1, 2, 1, 2, … (each dominates the next), each with a leaf marked 3:
    // every leaf has the whole chain above it and no 3 on it. Looking up the leaf's mark among all
    // the members above it would take ~L²/2 steps; among one member per mark, two.
    this.timeout(20000);
    const L = 200_000;
    const n = 1 + 2 * L; // the root, then chain node i at 1 + 2i, its leaf at 2 + 2i
    const firstEdge = new Uint32Array(n + 1);
    const edgeTo: number[] = [];
    for (let v = 0; v < n; v++) {
      firstEdge[v] = edgeTo.length;
      if (v === 0) edgeTo.push(1);
      else if (v % 2 === 1) {
        edgeTo.push(v + 1); // its leaf
        if (v + 2 < n) edgeTo.push(v + 2); // the next chain node
      }
    }
    firstEdge[n] = edgeTo.length;
    const m = edgeTo.length;
    const g: HeapGraph = {
      ...new GraphBuilder().build(),
      nodeCount: n,
      edgeCount: m,
      nodeType: new Uint8Array(n).fill(3),
      nodeName: new Uint32Array(n),
      nodeId: Uint32Array.from({ length: n }, (_, i) => i * 2 + 1),
      nodeSelfSize: Uint32Array.from({ length: n }, (_, v) => 1 + (v % 7)),
      nodeTraceId: new Uint32Array(n),
      nodeDetachedness: new Uint8Array(n),
      firstEdge,
      edgeType: new Uint8Array(m).fill(2),
      edgeNameOrIndex: new Uint32Array(m),
      edgeTo: Uint32Array.from(edgeTo),
      totalSize: 0,
    };
    const dom = dominatorsOf(g);
    const marks = Uint8Array.from({ length: n }, (_, v) => (v === 0 ? 0 : v % 2 === 0 ? 3 : 1 + (((v - 1) / 2) % 2)));
    const started = performance.now();
    const sums = retainedByMarks(dom, marks, 3);
    const ms = performance.now() - started;
    for (let k = 1; k <= 3; k++) assert.equal(sums[k], retainedBySet(dom, marks, k), `set ${k}`);
    assert.ok(ms < 5000, `took ${ms.toFixed(0)} ms`);
  });

  it('builds retainers as the exact reverse of the edges', () => {
    const g = randomGraph(7, 30, 80);
    const r = buildRetainers(g);
    for (let v = 0; v < g.nodeCount; v++)
      for (let s = r.firstRetainer[v]; s < r.firstRetainer[v + 1]; s++) {
        assert.equal(g.edgeTo[r.retainerEdge[s]], v);
        assert.equal(edgeSource(g, r.retainerEdge[s]), r.retainerNode[s]);
      }
    assert.equal(r.firstRetainer[g.nodeCount], g.edgeCount);
  });
});
