import * as assert from 'node:assert/strict';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import { connectWebSocket } from '../../src/core/cdp/connection';
import { spawnInspected } from '../../src/core/cdp/endpoints';
import { SnapshotAnalyzer } from '../../src/core/worker/analyzer';
import { HeapWatch } from '../../src/core/watch';
import { fixture } from '../fixtures';
import { builtBundles } from './helpers/bundles';

/**
 * A bounded soak: a leaky fixture watched for many samples at a fast interval. The watching side's
 * memory must stay bounded (old graphs are freed, samples are summaries), every sample must arrive,
 * and no error may be reported. Set LEAK_WATCH_SOAK_SAMPLES for a longer run.
 */
/** A full garbage collection, without --expose-gc on the command line. */
function forceGc(): void {
  v8.setFlagsFromString('--expose-gc');
  (vm.runInNewContext('gc') as () => void)();
}

describe('soak: many samples of a leaking program', function () {
  const samples = Number(process.env.LEAK_WATCH_SOAK_SAMPLES ?? 40);
  this.timeout(samples * 6000 + 60_000);

  it(`takes ${samples} samples with bounded memory and no error`, async () => {
    const f = fixture('leak-map-cache');
    const program = await spawnInspected(process.execPath, [f.file]);
    program.stdout.resume();
    program.stderr.resume();
    const analyzer = new SnapshotAnalyzer({ workerPath: builtBundles().worker });
    const connection = await connectWebSocket(program.wsUrl);
    const errors: string[] = [];
    const heap: number[] = [];
    const published: Array<WeakRef<object>> = [];
    try {
      const watch = new HeapWatch(connection, analyzer, { intervalMs: 100, maxSamples: samples, trackAllocations: true, heapPollMs: 200 });
      watch.on('error', (e) => errors.push(e.message));
      watch.on('sample', (sample) => {
        published.push(new WeakRef(sample));
        forceGc();
        heap.push(process.memoryUsage().heapUsed);
      });
      await watch.start();
      await watch.ended();
      assert.deepEqual(errors, []);
      assert.equal(watch.samples.length, samples);
      assert.deepEqual(
        watch.samples.map((s) => s.index),
        Array.from({ length: samples }, (_, k) => k),
      );
      const report = await watch.buildReport({ kind: 'run', description: f.file });
      assert.equal(report.types[0].name, 'Session');
      assert.equal(report.types[0].verdict, 'leak');
      // The watcher's own heap: the second half of the run must not keep growing like the first
      // (each sample adds a summary of a few kB, never a graph).
      const quarter = Math.floor(heap.length / 4);
      const early = Math.max(...heap.slice(quarter, 2 * quarter));
      const late = Math.max(...heap.slice(3 * quarter));
      assert.ok(late < early + 30e6, `the watcher's heap grew from ${(early / 1e6).toFixed(1)} MB to ${(late / 1e6).toFixed(1)} MB`);
      // Each sample as published (with its cohorts) is replaced by a lighter copy once the next one
      // arrives: nothing else may keep it, the watch still alive (a race against one long-lived
      // cancellation promise kept every one).
      await new Promise((r) => setTimeout(r, 10));
      forceGc();
      const kept = published.slice(0, -1).filter((ref) => ref.deref() !== undefined).length;
      assert.equal(kept, 0, `${kept} of the ${samples - 1} earlier samples, as published, are still reachable`);
      assert.equal(watch.samples.length, samples, 'the watch is still alive');
    } finally {
      connection.close();
      program.child.kill('SIGKILL');
      await analyzer.dispose();
    }
  });
});
