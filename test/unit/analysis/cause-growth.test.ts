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

/** The causes of the growing types over snapshots taken a minute apart. */
async function causesOf(files: string[]) {
  const session = new SnapshotSession();
  const samples: Sample[] = [];
  for (const [k, f] of files.entries()) samples.push(await session.analyzeFile(f, { index: k, time: k * 60_000, pauseMs: 0, heapUsed: 0, heapTotal: 0 }));
  const types = computeSeries(samples).map(({ name, verdict, countPerMinute }) => ({ name, verdict, countPerMinute }));
  return session.causes({ types });
}

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
      const causes = await causesOf(files);
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

describe('causes: growth by birth, nested objects', function () {
  this.timeout(60_000);

  it('the bytes by birth count each kept object once: a node inside another kept node adds nothing of its own', async () => {
    // Each page is a chain of 200 Nodes (each holds the next): summed per Node, the chain's bytes
    // were counted once per Node above them (52.5 GB a minute for a 35 MB leak).
    const { dir, files } = takeSnapshotsOf(
      `await post('HeapProfiler.enable');
  class Node { constructor(next) { this.next = next; this.cells = new Array(8).fill(0); } }
  globalThis.pages = [];
  await snap(0);
  for (let k = 1; k <= 3; k++) {
    for (let p = 0; p < 5; p++) { let head = null; for (let i = 0; i < 200; i++) head = new Node(head); globalThis.pages.push(head); }
    await snap(k);
  }`,
      4,
    );
    try {
      const cause = (await causesOf(files)).find((c) => c.kept[0].type === 'Node');
      assert.ok(cause?.growth, 'a cause led by Node');
      assert.deepEqual(cause.growth.objects.slice(-1), [3000]);
      const byBirth = cause.growth.retainedBytes[cause.growth.retainedBytes.length - 1];
      // All of them: at most what the cause retains, and at least the Nodes' own sizes.
      assert.ok(byBirth <= cause.retainedBytes, `${byBirth} by birth > ${cause.retainedBytes} retained`);
      assert.ok(byBirth >= 3000 * 24, `${byBirth}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
