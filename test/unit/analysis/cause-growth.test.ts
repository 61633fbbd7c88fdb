/**
 * A cause's own growth on real snapshots of one process: the new objects of its first kept type by
 * birth, per minute. The container is made after the first sample (a slow start), so it would be the
 * one topmost new object above all the rest, holder of nothing: the next sample is the baseline.
 */
import * as assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { computeSeries } from '../../../src/core/analysis/growth';
import type { Sample } from '../../../src/core/report';
import { SnapshotSession } from '../../../src/core/worker/session';
import { takeSnapshotsOf } from '../helpers/takeSnapshot';

describe('causes: growth by birth', function () {
  this.timeout(60_000);

  it('a container made after the first sample: the next sample is the baseline, and its objects are counted by birth', async () => {
    const { dir, files } = takeSnapshotsOf(
      `await post('HeapProfiler.enable');
  class Item { constructor(i) { this.i = i; this.cells = new Array(8).fill(i); } }
  await snap(0);
  globalThis.registry = [];
  for (let k = 1; k <= 3; k++) {
    for (let i = 0; i < 100; i++) globalThis.registry.push(new Item(i));
    await snap(k);
  }`,
      4,
    );
    try {
      const session = new SnapshotSession();
      const samples: Sample[] = [];
      for (const [k, f] of files.entries()) samples.push(await session.analyzeFile(f, { index: k, time: k * 60_000, pauseMs: 0, heapUsed: 0, heapTotal: 0 }));
      const types = computeSeries(samples).map(({ name, verdict, countPerMinute }) => ({ name, verdict, countPerMinute }));
      const causes = await session.causes({ types });
      const cause = causes.find((c) => c.kept[0].type === 'Item');
      assert.ok(cause, JSON.stringify(causes.map((c) => c.title)));
      // Made after the first sample, the registry would be the one top object (all else under it): the second sample is the baseline.
      assert.deepEqual([cause.verdict, cause.holder.kind, cause.holder.variable], ['leak', 'container', 'registry'], JSON.stringify(cause));
      assert.deepEqual(cause.growth?.objects, [0, 100, 200]);
      assert.deepEqual([cause.growth?.type, cause.growth?.objectsPerMinute, cause.growth?.intervalsGrowing], ['Item', 100, 2]);
      assert.ok(cause.growth!.retainedBytes[2] > 200 * 32, JSON.stringify(cause.growth));
      assert.ok(cause.evidence.some((e) => /made after the first sample/.test(e)), JSON.stringify(cause.evidence));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
