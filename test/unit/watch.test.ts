// The watch loop over real Node processes, their real inspector and the real snapshot analyzer.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CdpConnection, connectWebSocket } from '../../src/core/cdp/connection';
import type { Transport } from '../../src/core/cdp/transport';
import { WebSocketTransport } from '../../src/core/cdp/webSocketTransport';
import { spawnInspected, type InspectedProcess } from '../../src/core/cdp/endpoints';
import { captureUncaught, nextSnapshotStreaming, realProcessHooks } from './cdp-support';
import { HeapLine } from '../../src/core/heapLine';
import { nextSnapshotGap } from '../../src/core/pauseBudget';
import type { Sample } from '../../src/core/report';
import { SnapshotAnalyzer } from '../../src/core/worker/analyzer';
import { HeapWatch, type HeapUsagePoint, type HeapWatchOptions } from '../../src/core/watch';

const programs = path.join(__dirname, 'programs');

describe('watch: pause budget', () => {
  it('leaves a gap of pause × (1/budget − 1), never below the floor', () => {
    assert.equal(nextSnapshotGap(1000), 9000);
    assert.equal(nextSnapshotGap(27_000, { budget: 0.1 }), 243_000);
    assert.equal(nextSnapshotGap(1000, { budget: 0.5 }), 1000);
    assert.equal(nextSnapshotGap(400, { budget: 0.25, floorMs: 0 }), 1200);
    assert.equal(nextSnapshotGap(10), 1000, 'the floor');
    assert.equal(nextSnapshotGap(10, { floorMs: 50 }), 90);
    assert.equal(nextSnapshotGap(Number.NaN), 1000);
    assert.equal(nextSnapshotGap(-5, { floorMs: 0 }), 0);
    for (const budget of [0, 1, -0.1, 2, Number.NaN]) assert.throws(() => nextSnapshotGap(100, { budget }), /pause budget must be between 0 and 1/);
  });

  it('keeps pause / (pause + gap) within the budget', () => {
    for (const pause of [1, 50, 333, 1000, 27_000]) {
      for (const budget of [0.05, 0.1, 0.3, 0.9]) {
        const gap = nextSnapshotGap(pause, { budget, floorMs: 0 });
        assert.ok(pause / (pause + gap) <= budget + 1e-9, `pause ${pause} budget ${budget} gap ${gap}`);
      }
    }
  });
});

describe('watch: heap line', () => {
  it('keeps at most 20 000 points, thinning old ones but keeping the newest', () => {
    const idle: Transport = { send() {}, onMessage() {}, onClose() {}, close() {} };
    let heard = 0;
    const line = new HeapLine(new CdpConnection(idle), 1000, () => heard++);
    for (let i = 0; i < 50_000; i++) line.record({ time: i, used: i, total: i });
    assert.equal(heard, 50_000);
    assert.ok(line.points.length <= 20_000 && line.points.length >= 10_000, String(line.points.length));
    assert.equal(line.points[line.points.length - 1].time, 49_999);
    assert.equal(line.points[0].time, 0);
    for (let i = 1; i < line.points.length; i++) assert.ok(line.points[i].time > line.points[i - 1].time);
  });
});

describe('watch: HeapWatch on real processes', function () {
  const { cleanups, workerPath } = realProcessHooks();

  /** Starts a program, connects, and builds a watch with the real analyzer; everything is cleaned up after the test. */
  async function watchProgram(program: string, options: HeapWatchOptions, env: NodeJS.ProcessEnv = {}) {
    const inspected: InspectedProcess = await spawnInspected(process.execPath, [path.join(programs, program)], {
      env: { ...process.env, ...env },
      timeoutMs: 30_000,
    });
    inspected.stdout.resume();
    inspected.stderr.resume();
    cleanups.push(() => {
      if (inspected.child.exitCode === null && inspected.child.signalCode === null) inspected.child.kill('SIGKILL');
    });
    const connection: CdpConnection = await connectWebSocket(inspected.wsUrl, { timeoutMs: 10_000 });
    cleanups.push(() => connection.close());
    const analyzer = new SnapshotAnalyzer({ workerPath: workerPath(), maxHeapMb: 512 });
    cleanups.push(() => analyzer.dispose());
    const watch = new HeapWatch(connection, analyzer, options);
    cleanups.push(() => watch.stop());
    const seen = { samples: [] as Sample[], heap: [] as HeapUsagePoint[], errors: [] as Error[], notes: [] as string[], ends: [] as string[] };
    watch.on('sample', (s) => seen.samples.push(s));
    watch.on('heapUsage', (h) => seen.heap.push(h));
    watch.on('error', (e) => seen.errors.push(e));
    watch.on('note', (n) => seen.notes.push(n));
    watch.on('end', (r) => seen.ends.push(r));
    return { inspected, connection, analyzer, watch, seen };
  }

  it('takes several samples, polls the heap between them, and reports a growing type', async () => {
    const { watch, seen } = await watchProgram('leaky.js', { intervalMs: 400, heapPollMs: 100, maxSamples: 3 });
    await watch.start();
    const reason = await watch.ended();
    assert.equal(reason, 'Took 3 samples, as asked.');
    assert.deepEqual(seen.ends, [reason]);
    assert.deepEqual(seen.errors, []);
    assert.deepEqual(seen.samples.map((s) => s.index), [0, 1, 2]);
    for (const s of seen.samples) {
      assert.ok(s.pauseMs > 0 && s.heapUsed > 0 && s.heapTotal >= s.heapUsed && s.nodes > 1000 && s.snapshotBytes > 100_000, JSON.stringify({ ...s, types: undefined }));
    }
    assert.ok(seen.samples[1].time - seen.samples[0].time >= 400 + seen.samples[0].pauseMs - 5, 'the fixed gap is kept after each snapshot');
    // one point per sample plus polls in the gaps
    assert.ok(seen.heap.length >= 5, `heap points: ${seen.heap.length}`);
    const leaky = seen.samples.map((s) => s.types.find((t) => t.name === 'LeakyRecord')?.count ?? 0);
    assert.ok(leaky[0] < leaky[1] && leaky[1] < leaky[2], `LeakyRecord counts ${leaky}`);
    assert.ok(seen.samples[2].types.find((t) => t.name === 'LeakyRecord')!.newCount > 0);
    // Memory stays linear in samples: only the newest kept sample has its birth cohorts.
    assert.ok(watch.samples[0].types.every((t) => t.cohorts.length === 0) && watch.samples[1].types.every((t) => t.cohorts.length === 0));
    assert.equal(watch.samples[2].types.find((t) => t.name === 'LeakyRecord')!.cohorts.length, 3);

    const report = await watch.buildReport({ kind: 'run', description: 'leaky.js' });
    assert.equal(report.samples.length, 3);
    assert.ok(!('types' in report.samples[0]), 'report samples are summaries');
    assert.equal(report.heapUsage!.length, seen.heap.length);
    const series = report.types.find((t) => t.name === 'LeakyRecord');
    assert.ok(series, 'LeakyRecord has a series');
    assert.deepEqual(series.counts, leaky);
  });

  it('survives a listener that throws (the error surfaces outside the loop)', async () => {
    const { watch, seen } = await watchProgram('idle.js', { intervalMs: 100, maxSamples: 2 });
    const thrown = await captureUncaught(async () => {
      let once = 0;
      watch.once('sample', () => once++);
      watch.on('sample', () => {
        throw new Error('a listener bug');
      });
      await watch.start();
      assert.equal(await watch.ended(), 'Took 2 samples, as asked.');
      assert.equal(once, 1);
    });
    assert.equal(seen.samples.length, 2);
    assert.deepEqual(seen.errors, []);
    assert.deepEqual(thrown.map((e) => (e as Error).message), ['a listener bug', 'a listener bug']);
  });

  it('stretches the interval to keep pauses within the budget', async () => {
    const { watch, seen } = await watchProgram('idle.js', { intervalMs: 0, pauseBudget: 0.5, minIntervalMs: 50, maxSamples: 2, heapPollMs: 50 });
    await watch.start();
    await watch.ended();
    assert.equal(seen.samples.length, 2);
    for (let i = 1; i < seen.samples.length; i++) {
      const previous = seen.samples[i - 1];
      const wanted = previous.pauseMs + nextSnapshotGap(previous.pauseMs, { budget: 0.5, floorMs: 50 });
      const actual = seen.samples[i].time - previous.time;
      assert.ok(actual >= wanted - 5, `gap before sample ${i}: ${actual} ms, wanted ≥ ${wanted} ms (pause ${previous.pauseMs} ms)`);
    }
  });

  it('stop() during a snapshot cancels it, keeps earlier samples, and leaves the connection usable', async () => {
    const { watch, seen, connection, analyzer } = await watchProgram('bigheap.js', { intervalMs: 100 }, { BIGHEAP_OBJECTS: '20000' });
    await watch.start();
    await new Promise<void>((resolve) => watch.once('sample', () => resolve()));
    await nextSnapshotStreaming(connection, analyzer);
    await watch.stop();
    assert.equal(watch.running, false);
    assert.equal(seen.samples.length, 1);
    assert.match(seen.ends[0], /^Stopped; the snapshot in flight was cancelled and the earlier 1 sample is kept\.$/);
    assert.deepEqual(seen.errors, []);
    await watch.stop(); // twice is fine
    // A new watch on the same connection at once must not take the cancelled snapshot's late chunks for its own.
    const again = new HeapWatch(connection, analyzer, { maxSamples: 1 });
    const errors: Error[] = [];
    again.on('error', (e) => errors.push(e));
    await again.start();
    assert.equal(await again.ended(), 'Took 1 sample, as asked.');
    assert.deepEqual(errors, []);
    assert.equal(again.samples[0].types.find((t) => t.name === 'Array')?.count !== undefined, true);
    assert.ok(Math.abs(again.samples[0].nodes - seen.samples[0].nodes) < seen.samples[0].nodes * 0.2, 'a whole snapshot, not two glued together');
    const { result } = await connection.send('Runtime.evaluate', { expression: 'held.length' }, { timeoutMs: 60_000 });
    assert.equal(result.value, 20000);
  });

  it('ends with a clear reason when the debuggee is killed mid-snapshot, keeping the earlier samples', async () => {
    const { watch, seen, connection, inspected, analyzer } = await watchProgram('bigheap.js', { intervalMs: 100 }, { BIGHEAP_OBJECTS: '20000' });
    await watch.start();
    await new Promise<void>((resolve) => watch.once('sample', () => resolve()));
    await nextSnapshotStreaming(connection, analyzer);
    inspected.child.kill('SIGKILL');
    const reason = await watch.ended();
    assert.match(reason, /^The debuggee exited, or its inspector connection dropped, while a snapshot was being taken; the earlier samples are kept \(1\)\./);
    assert.equal(seen.samples.length, 1);
    assert.deepEqual(seen.ends, [reason]);
    const report = await watch.buildReport({ kind: 'run', description: 'bigheap.js' });
    assert.equal(report.samples.length, 1);
  });

  it('ends with a clear reason when the debuggee dies between samples', async () => {
    const { watch, seen, inspected } = await watchProgram('idle.js', { intervalMs: 60_000 });
    await watch.start();
    await new Promise<void>((resolve) => watch.once('sample', () => resolve()));
    inspected.child.kill('SIGKILL');
    const reason = await watch.ended();
    assert.match(reason, /^The debuggee exited or the inspector connection closed \(.+\); 1 sample is kept\.$/);
    assert.deepEqual(seen.errors, []);
  });

  it('gives up on a snapshot that takes too long, with an error saying what to do', async () => {
    const { watch, seen } = await watchProgram('bigheap.js', { intervalMs: 100, snapshotTimeoutMs: 150 }, { BIGHEAP_OBJECTS: '100000' });
    await watch.start();
    const reason = await watch.ended();
    assert.match(reason, /^Snapshot 1 did not finish within 0\.15 s .*the earlier samples are kept\. Allow a longer snapshot timeout/);
    assert.equal(seen.errors.length, 1);
    assert.equal(seen.errors[0].message, reason);
    assert.equal(seen.samples.length, 0);
  });

  it('ends when the program finishes', async () => {
    const { watch, seen } = await watchProgram('finishes.js', { intervalMs: 200, heapPollMs: 100 }, { FINISH_AFTER_MS: '1500' });
    await watch.start();
    const reason = await watch.ended();
    assert.match(reason, /^The program finished; \d+ samples? (is|are) kept\.$/);
    assert.ok(seen.samples.length >= 1);
  });

  it('tracks allocations, saves each snapshot while streaming, and stops tracking at the end', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leak-watch-saved-'));
    const { watch, seen, connection } = await watchProgram('leaky.js', { intervalMs: 100, maxSamples: 1, trackAllocations: true, saveSnapshotsDir: dir });
    await watch.start();
    await watch.ended();
    assert.deepEqual(seen.errors, []);
    assert.deepEqual(fs.readdirSync(dir).sort(), ['sample-0.heapsnapshot']);
    const saved = JSON.parse(fs.readFileSync(path.join(dir, 'sample-0.heapsnapshot'), 'utf8'));
    assert.equal(saved.nodes.length / saved.snapshot.meta.node_fields.length, seen.samples[0].nodes);
    assert.ok(saved.trace_function_infos.length > 0, 'allocation traces are recorded');
    // Tracking is off again: a fresh snapshot carries no allocation traces.
    let text = '';
    const off = connection.on('HeapProfiler.addHeapSnapshotChunk', ({ chunk }) => (text += chunk));
    await connection.send('HeapProfiler.takeHeapSnapshot', { reportProgress: false }, { timeoutMs: 60_000 });
    off();
    assert.equal(JSON.parse(text).trace_function_infos.length, 0);
  });

  it('notices when V8 object ids are reset between samples and starts a new baseline', async () => {
    const { watch, seen, inspected } = await watchProgram('leaky.js', { intervalMs: 100, maxSamples: 2 });
    const other = await connectWebSocket(inspected.wsUrl);
    cleanups.push(() => other.close());
    await watch.start();
    await new Promise<void>((resolve) => watch.once('sample', () => resolve()));
    // What js-debug's "Take Heap Snapshot" does on the same isolate: enable … disable clears the ids.
    await other.send('HeapProfiler.enable');
    await other.send('HeapProfiler.disable');
    await watch.ended();
    assert.equal(seen.samples.length, 2);
    assert.equal(seen.notes.length, 1, seen.notes.join('\n'));
    assert.match(seen.notes[0], /object ids restarted before sample 2 .*growth is measured from this sample on/);
    const report = await watch.buildReport({ kind: 'run', description: 'leaky.js' });
    assert.ok(report.notes?.some((n) => /object ids restarted/.test(n)));
  });

  it('says what to do when no snapshot events arrive (js-debug proxy without a subscription)', async () => {
    const inspected = await spawnInspected(process.execPath, [path.join(programs, 'idle.js')], { timeoutMs: 30_000 });
    inspected.stdout.resume();
    inspected.stderr.resume();
    cleanups.push(() => inspected.child.kill('SIGKILL'));
    // A transport that drops HeapProfiler events, as js-debug's proxy does until JsDebug.subscribe.
    const socket = await WebSocketTransport.connect(inspected.wsUrl);
    const dropping: Transport = {
      send: (m) => socket.send(m),
      onMessage: (listener) => socket.onMessage((m) => !m.startsWith('{"method":"HeapProfiler.') && listener(m)),
      onClose: (listener) => socket.onClose(listener),
      close: () => socket.close(),
    };
    const connection = new CdpConnection(dropping);
    cleanups.push(() => connection.close());
    const analyzer = new SnapshotAnalyzer({ workerPath: workerPath(), maxHeapMb: 256 });
    cleanups.push(() => analyzer.dispose());
    const watch = new HeapWatch(connection, analyzer, { intervalMs: 100 });
    const errors: Error[] = [];
    watch.on('error', (e) => errors.push(e));
    await watch.start();
    const reason = await watch.ended();
    assert.match(reason, /^The snapshot arrived empty: no HeapProfiler events reach Leak Watch\. .*JsDebug\.subscribe \(the subscribeJsDebug option\)\.$/);
    assert.deepEqual(errors.map((e) => e.message), [reason]);
    assert.equal(watch.samples.length, 0);
  });

  it('does not make logged objects look retained (no console handles, stored console messages dropped)', async () => {
    const { watch, seen } = await watchProgram('logs.js', { intervalMs: 600, maxSamples: 2 });
    await watch.start();
    await watch.ended();
    assert.equal(seen.samples.length, 2);
    // ~2500 objects are logged per second; V8 alone would keep the last 1000, Runtime.enable all of them.
    const alive = seen.samples.map((s) => s.types.find((t) => t.name === 'LoggedThing')?.count ?? 0);
    assert.ok(alive.every((n) => n < 300), `LoggedThing alive per sample: ${alive}`);
  });

  it('refuses to start twice, stops cleanly during setup, and reports setup failures', async () => {
    const { watch } = await watchProgram('idle.js', { maxSamples: 1 });
    let sampledAt = 0;
    watch.on('sample', () => (sampledAt = Date.now()));
    await watch.start();
    await assert.rejects(watch.start(), /already been started/);
    await watch.ended();
    assert.ok(Date.now() - sampledAt < 1000, 'no gap is waited after the last sample');
    const { watch: stoppedEarly, seen: early } = await watchProgram('idle.js', {});
    const starting = stoppedEarly.start();
    await stoppedEarly.stop();
    await starting; // stopping during setup is not a failure
    assert.deepEqual(early.ends, ['Stopped before the first sample.']);
    assert.equal(early.samples.length, 0);
    const { watch: jsDebugOnly } = await watchProgram('idle.js', { subscribeJsDebug: true });
    await assert.rejects(jsDebugOnly.start(), /Could not start watching the heap: JsDebug\.subscribe failed/);
    assert.match(jsDebugOnly.endedBecause!, /^Could not start watching/);
  });
});
