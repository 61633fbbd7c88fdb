// Census labels read back from a real snapshot: objects labelled in a WeakMap whose values are a
// string per census (as src/core/census.ts labels them) are dated by their entry's edge to that
// string; an object labelled by its type's first census is old, by a later one new, unlabelled old.
import * as assert from 'node:assert/strict';
import { censusBirths } from '../../../src/core/analysis/censusBirths';
import type { HeapGraph } from '../../../src/core/heap/graph';
import { snapshotGraphOf } from '../helpers/takeSnapshot';

const TAG = 'leak-watch census 0123456789ab ';

describe('censusBirths: objects dated by the census labels in a snapshot', function () {
  this.timeout(60_000);
  let graph: HeapGraph;

  before(async () => {
    graph = await snapshotGraphOf(`
      class Old { constructor(n) { this.n = n; } }
      class Young { constructor(n) { this.n = n; } }
      const labels = new WeakMap();
      const marks = [1, 2, 3].map((k) => [${JSON.stringify(TAG)}, k].join(''));
      globalThis.held = { labels, marks, objects: [] };
      // Old: first labelled by census 1, some more by census 2 and 3; Young: first labelled by census 2.
      for (const [type, k, count] of [[Old, 1, 30], [Old, 2, 5], [Old, 3, 7], [Young, 2, 11], [Young, 3, 13]]) {
        for (let i = 0; i < count; i++) {
          const o = new type(k);
          held.objects.push(o);
          labels.set(o, marks[k - 1]);
        }
      }
      for (let i = 0; i < 17; i++) held.objects.push(new Young(0)); // unlabelled
    `);
  });

  it('dates each labelled object by its census, and counts as new those labelled after their type\'s first census', () => {
    const births = censusBirths(graph, { tag: TAG, since: { Old: 1, Young: 2 } })!;
    assert.ok(births, 'the marks are found');
    const byType = new Map<string, number[]>();
    const fresh = new Map<string, number>();
    for (let v = 0; v < graph.nodeCount; v++) {
      const name = graph.strings[graph.nodeName[v]];
      if ((name !== 'Old' && name !== 'Young') || graph.nodeTypeNames[graph.nodeType[v]] !== 'object') continue;
      const k = births.born[v];
      const counts = byType.get(name) ?? [0, 0, 0, 0];
      counts[k < 0 ? 0 : k]++;
      byType.set(name, counts);
      if (births.fresh[v]) fresh.set(name, (fresh.get(name) ?? 0) + 1);
    }
    // Index 0: unlabelled (the prototype objects, named like their class, are unlabelled too).
    assert.deepEqual(byType.get('Old')!.slice(1), [30, 5, 7]);
    assert.deepEqual(byType.get('Young')!.slice(1), [0, 11, 13]);
    assert.ok(byType.get('Young')![0] >= 17);
    assert.deepEqual(Object.fromEntries(fresh), { Old: 12, Young: 13 });
    assert.equal(births.newObjects, 25);
  });

  it('another watch\'s tag finds no marks', () => {
    assert.equal(censusBirths(graph, { tag: 'leak-watch census ffffffffffff ', since: { Old: 1 } }), undefined);
  });
});
