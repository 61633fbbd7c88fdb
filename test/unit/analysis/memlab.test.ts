/**
 * Retained sizes cross-checked with an independent implementation (MemLab's) on the same real
 * snapshot: the program's own objects (trees with back-references, a Map cache, arrays, closures,
 * a WeakMap) must get the same retained size from both, except where DevTools' rule differs on
 * purpose (a WeakMap value is dominated by its key, not by the table).
 */
import * as assert from 'node:assert/strict';
import { parseSnapshotFile } from '../../../src/core/heap/file';
import { dominatorsOf } from '../helpers/steps';
import { makeTypeNamer } from '../../../src/core/analysis/naming';
import { takeSnapshotOf } from '../helpers/takeSnapshot';

const PROGRAM = `
class TreeNode { constructor(parent) { this.parent = parent; this.children = []; this.pad = new Array(4).fill(0); if (parent) parent.children.push(this); } }
class Session { constructor(id) { this.id = id; this.data = { id, tags: ['a', 'b', String(id)] }; } }
class Keyed { constructor(i) { this.i = i; } }
globalThis.keep = { trees: [], cache: new Map(), fns: [], weak: new WeakMap(), keys: [] };
for (let t = 0; t < 200; t++) { const r = new TreeNode(null); for (let i = 0; i < 12; i++) new TreeNode(r.children[i >> 2] || r); keep.trees.push(r); }
for (let i = 0; i < 3000; i++) keep.cache.set('k' + i, new Session(i));
for (let i = 0; i < 1000; i++) { const s = new Session(-i); keep.fns.push(() => s.id); }
for (let i = 0; i < 500; i++) { const k = new Keyed(i); keep.keys.push(k); keep.weak.set(k, new Session(1e6 + i)); }
`;

describe('analysis: retained sizes match MemLab', function () {
  this.timeout(180_000);

  it('on the program objects of a real snapshot', async () => {
    const file = takeSnapshotOf(PROGRAM);
    const g = await parseSnapshotFile(file);
    const dom = dominatorsOf(g);
    const typeOf = makeTypeNamer(g);
    const { getFullHeapFromFile } = await import('@memlab/heap-analysis');
    const heap = await getFullHeapFromFile(file);
    const theirs = new Map<number, number>();
    heap.nodes.forEach((n) => {
      theirs.set(n.id, n.retainedSize);
    });
    const ours = new Map<number, { size: number; type: string }>();
    for (let v = 1; v < g.nodeCount; v++) {
      const type = typeOf(v);
      const holdsWeakMapKeys = type === 'Array' && typeOf(g.edgeTo[g.firstEdge[v]]) === 'Keyed'; // see below
      if (['TreeNode', 'Session', 'Keyed', 'Map', 'WeakMap'].includes(type) || (type === 'Array' && dom.retained[v] > 10_000 && !holdsWeakMapKeys))
        ours.set(g.nodeId[v], { size: dom.retained[v], type });
    }
    const byType = new Map<string, { same: number; total: number; examples: string[] }>();
    for (const [id, o] of ours) {
      const t = theirs.get(id);
      const s = byType.get(o.type) ?? { same: 0, total: 0, examples: [] };
      s.total++;
      if (t === o.size) s.same++;
      else if (s.examples.length < 3) s.examples.push(`@${id} ours ${o.size} memlab ${t}`);
      byType.set(o.type, s);
    }
    // WeakMap values: DevTools (and we) let the key dominate the value, MemLab the table; the
    // difference on each key must be exactly its value's retained size.
    const keyed = byType.get('Keyed')!;
    byType.delete('Keyed');
    let checked = 0;
    for (let v = 1; v < g.nodeCount; v++) {
      if (typeOf(v) !== 'Keyed') continue;
      let value = -1;
      for (let e = g.firstEdge[v]; e < g.firstEdge[v + 1]; e++) if (g.strings[g.edgeNameOrIndex[e]]?.includes('part of key')) value = g.edgeTo[e];
      assert.ok(value >= 0, 'a Keyed key has its ephemeron edge');
      assert.equal(dom.retained[v] - theirs.get(g.nodeId[v])!, dom.retained[value]);
      assert.equal(dom.dominator[value], v);
      checked++;
    }
    assert.equal(checked, keyed.total);
    for (const [type, s] of byType) {
      assert.ok(s.total > 0);
      assert.ok(s.same / s.total >= 0.99, `${type}: ${s.same}/${s.total} equal; ${s.examples.join('; ')}`);
    }
    for (const t of ['TreeNode', 'Session', 'Map', 'WeakMap']) assert.ok((byType.get(t)?.total ?? 0) > 0, `${t} compared`);
    // the trees: a root retains its whole tree
    const rootSizes = [...ours.values()].filter((o) => o.type === 'TreeNode').map((o) => o.size);
    assert.ok(Math.max(...rootSizes) > 12 * Math.min(...rootSizes));
  });
});
