/** The per-node namer must name exactly the objects `aggregateTypes` counts under each name. */
import * as assert from 'node:assert/strict';
import { aggregateTypes } from '../../../src/core/analysis/aggregate';
import { makeTypeNamer, markTypes } from '../../../src/core/analysis/naming';
import { parseSnapshotFile } from '../../../src/core/heap/file';
import { takeSnapshotOf } from '../helpers/takeSnapshot';

describe('analysis: type names agree with the Summary', function () {
  this.timeout(60_000);

  it('every type of aggregateTypes has the same count under makeTypeNamer and markTypes', async () => {
    const file = takeSnapshotOf(`
      class Session { constructor(i) { this.i = i; } }
      globalThis.keep = [];
      for (let i = 0; i < 300; i++) keep.push(new Session(i), { a: 'a' + i, b: 'x' + i }, { a: 'y' + i }, [i], () => i, 'long string ' + i); // (Smi values make no edges)
    `);
    const g = await parseSnapshotFile(file);
    const stats = aggregateTypes(g, [], 0);
    const typeOf = makeTypeNamer(g);
    const counts = new Map<string, number>();
    for (let v = 1; v < g.nodeCount; v++) {
      if (g.nodeTypeNames[g.nodeType[v]] === 'synthetic') continue;
      const name = typeOf(v);
      counts.set(name, (counts.get(name) ?? 0) + 1);
    }
    for (const s of stats) assert.equal(counts.get(s.name) ?? 0, s.count, s.name);
    for (const name of ['Session', '{a, b}', '{a}']) assert.ok((counts.get(name) ?? 0) >= 300, `${name}: ${JSON.stringify([...counts].filter(([k]) => k.startsWith('{') || k === 'Session'))}`);
    const wanted = ['Session', '{a, b}', '(closure)'];
    const m = markTypes(g, wanted, typeOf);
    const marked = [0, 0, 0];
    for (let v = 0; v < g.nodeCount; v++) if (m[v]) marked[m[v] - 1]++;
    assert.deepEqual(marked, wanted.map((w) => stats.find((s) => s.name === w)!.count));
  });
});
