/**
 * A cause's own growth on real snapshots of one process: the new objects of its first kept type by
 * birth, per minute. The container is made after the first sample, so it is the one topmost new
 * object above all the rest: counted by its top objects the cause would look like one burst.
 */
import * as assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { computeSeries } from '../../../src/core/analysis/growth';
import type { Sample } from '../../../src/core/report';
import { SnapshotSession } from '../../../src/core/worker/session';
import { takeSnapshotsOf } from '../helpers/takeSnapshot';

describe('causes: growth by birth', function () {
  this.timeout(60_000);

  it('counts the kept objects, not the top objects: a container made after the first sample is no burst', async () => {
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
      assert.equal(cause.topObjects, 1, 'the container is the one top object');
      assert.equal(cause.verdict, 'leak', JSON.stringify(cause.evidence));
      assert.deepEqual(cause.growth?.objects, [0, 100, 200, 300]);
      assert.deepEqual([cause.growth?.type, cause.growth?.objectsPerMinute, cause.growth?.intervalsGrowing], ['Item', 100, 3]);
      assert.ok(cause.growth!.retainedBytes[3] > 300 * 32, JSON.stringify(cause.growth));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
