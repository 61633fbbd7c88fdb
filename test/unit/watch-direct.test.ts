// Snapshots straight into the analysis worker: taken on an inspector session of the worker's own, so
// that no chunk crosses the watch's connection (the extension host's thread); relayed over the
// watch's connection where a second session cannot be had. Real processes, the real inspector.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CdpConnection, connectWebSocket } from '../../src/core/cdp/connection';
import { spawnInspected, type InspectedProcess } from '../../src/core/cdp/endpoints';
import { NodeWorkerTransport, type AttachedToWorker } from '../../src/core/cdp/nodeWorkerTransport';
import type { Sample } from '../../src/core/report';
import { SnapshotAnalyzer } from '../../src/core/worker/analyzer';
import { HeapWatch, type HeapWatchOptions } from '../../src/core/watch';
import { realProcessHooks } from './cdp-support';
import { inspectorRelay, type InspectorRelay } from './helpers/inspectorRelay';
import { tcpSocketsOf } from './reliability-sockets';

const programs = path.join(__dirname, 'programs');

describe('watch: snapshots straight into the analysis worker', function () {
  this.timeout(120_000);
  const { cleanups, workerPath } = realProcessHooks();

  async function start(program: string, env: NodeJS.ProcessEnv = {}): Promise<InspectedProcess> {
    const inspected = await spawnInspected(process.execPath, [program], { env: { ...process.env, ...env }, timeoutMs: 30_000 });
    inspected.stdout.resume();
    inspected.stderr.resume();
    cleanups.push(() => {
      if (inspected.child.exitCode === null && inspected.child.signalCode === null) inspected.child.kill('SIGKILL');
    });
    return inspected;
  }

  /** A watch over `connection` with the real analyzer; counts the chunk events the connection hears. */
  function watchOver(connection: CdpConnection, options: HeapWatchOptions) {
    cleanups.push(() => connection.close());
    const analyzer = new SnapshotAnalyzer({ workerPath: workerPath(), maxHeapMb: 512 });
    cleanups.push(() => analyzer.dispose());
    const watch = new HeapWatch(connection, analyzer, options);
    cleanups.push(() => watch.stop());
    const seen = { samples: [] as Sample[], errors: [] as Error[], notes: [] as string[], hostChunks: 0 };
    connection.on('HeapProfiler.addHeapSnapshotChunk', () => seen.hostChunks++);
    watch.on('sample', (s) => seen.samples.push(s));
    watch.on('error', (e) => seen.errors.push(e));
    watch.on('note', (n) => seen.notes.push(n));
    return { watch, analyzer, seen };
  }

  /** This process's open connections to the inspector at `wsUrl` (the watch's, and the worker's session). */
  function clientsOf(wsUrl: string): number {
    const port = new URL(wsUrl).port;
    return tcpSocketsOf(process.pid).filter((s) => s.state === 'ESTABLISHED' && s.remote.endsWith(`:${port}`)).length;
  }

  /** Waits until `count()` is `want` (sockets take a moment to close); its last value. */
  async function settles(count: () => number, want: number, ms = 5000): Promise<number> {
    const deadline = Date.now() + ms;
    for (;;) {
      const n = count();
      if (n === want || Date.now() > deadline) return n;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  async function relay(wsUrl: string, accept?: (client: number) => boolean): Promise<InspectorRelay> {
    const link = await inspectorRelay(wsUrl, accept);
    cleanups.push(() => link.close());
    return link;
  }

  it('no chunk crosses the watch\'s connection; ids, cohorts and saved files are as before; the worker\'s socket goes with the watch', async () => {
    const program = await start(path.join(programs, 'leaky.js'));
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leak-watch-direct-'));
    cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    const connection = await connectWebSocket(program.wsUrl, { timeoutMs: 10_000 });
    const { watch, seen } = watchOver(connection, { intervalMs: 200, maxSamples: 3, saveSnapshotsDir: dir, censusFromPauseMs: 0 });
    let clientsWhileWatching = 0;
    watch.once('sample', () => (clientsWhileWatching = clientsOf(program.wsUrl)));
    await watch.start();
    assert.equal(await watch.ended(), 'Took 3 samples, as asked.');
    assert.deepEqual(seen.errors, []);
    assert.equal(seen.hostChunks, 0, 'the watch\'s connection heard no chunk');
    assert.equal(clientsWhileWatching, 2, 'the watch\'s connection and the worker\'s session');
    // One isolate, two sessions: the ids are the isolate's, so cohorts carry from sample to sample.
    assert.deepEqual(seen.notes, []);
    assert.ok(seen.samples.every((s) => !s.idsReset));
    const leaky = seen.samples.map((s) => s.types.find((t) => t.name === 'LeakyRecord')!);
    assert.ok(leaky[0].count < leaky[1].count && leaky[1].count < leaky[2].count, `LeakyRecord counts ${leaky.map((t) => t.count)}`);
    assert.equal(leaky[2].cohorts.length, 3);
    assert.ok(leaky[2].newCount > 0 && leaky[2].newCount < leaky[2].count, 'the objects born since the first sample are told from the older ones');
    // The worker wrote each snapshot as it streamed.
    assert.deepEqual(fs.readdirSync(dir).sort(), ['sample-0.heapsnapshot', 'sample-1.heapsnapshot', 'sample-2.heapsnapshot']);
    for (const s of seen.samples) {
      const saved = JSON.parse(fs.readFileSync(path.join(dir, `sample-${s.index}.heapsnapshot`), 'utf8'));
      assert.equal(saved.nodes.length / saved.snapshot.meta.node_fields.length, s.nodes);
    }
    assert.equal(await settles(() => clientsOf(program.wsUrl), 1), 1, 'the worker\'s session is closed when the watch ends');
  });

  it('the worker\'s session is closed on stop mid-snapshot, and a finished program can exit', async () => {
    const program = await start(path.join(programs, 'finishes.js'), { FINISH_AFTER_MS: '5000' });
    const connection = await connectWebSocket(program.wsUrl, { timeoutMs: 10_000 });
    const { watch, analyzer } = watchOver(connection, { intervalMs: 100 });
    const streaming = new Promise<void>((resolve) => analyzer.onSnapshotStreaming(resolve));
    await watch.start();
    await streaming;
    await watch.stop();
    assert.equal(await settles(() => clientsOf(program.wsUrl), 1), 1, 'only the watch\'s connection is left');
    // Node waits for every session to go before a finished program exits: none of ours stays.
    const again = watchOver(connection, { intervalMs: 100 });
    await again.watch.start();
    assert.match(await again.watch.ended(), /^The program finished; \d+ samples? (is|are) kept\.$/);
    connection.close();
    const exited = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 10_000);
      program.child.once('exit', () => {
        clearTimeout(timer);
        resolve(true);
      });
    });
    assert.ok(exited, 'the program exited once the watch\'s connection closed');
  });

  it('relays the snapshots over the watch\'s connection where the target takes one client only', async () => {
    const program = await start(path.join(programs, 'leaky.js'));
    const link = await relay(program.wsUrl, (client) => client === 1);
    const connection = await connectWebSocket(link.url, { timeoutMs: 10_000 });
    const { watch, seen } = watchOver(connection, { intervalMs: 200, maxSamples: 2 });
    await watch.start();
    assert.equal(await watch.ended(), 'Took 2 samples, as asked.');
    assert.deepEqual(seen.errors, []);
    assert.ok(seen.hostChunks > 2, `chunks relayed: ${seen.hostChunks}`);
    const leaky = seen.samples.map((s) => s.types.find((t) => t.name === 'LeakyRecord')?.count ?? 0);
    assert.ok(leaky[0] > 0 && leaky[1] > leaky[0], `LeakyRecord counts ${leaky}`);
  });

  it('relays the snapshots of a worker thread (reached through the NodeWorker domain: no address of its own)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leak-watch-thread-'));
    cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    const main = path.join(dir, 'main.js');
    fs.writeFileSync(
      main,
      "const { Worker } = require('node:worker_threads');\n" +
        "new Worker(\"class ThreadRecord {}; const kept = []; setInterval(() => { for (let i = 0; i < 100; i++) kept.push(new ThreadRecord()); }, 20);\", { eval: true });\n" +
        'setInterval(() => {}, 1000);\n',
    );
    const program = await start(main);
    const parent = await connectWebSocket(program.wsUrl, { timeoutMs: 10_000 });
    cleanups.push(() => parent.close());
    const attached = new Promise<AttachedToWorker>((resolve) => parent.onRaw('NodeWorker.attachedToWorker', (p) => resolve(p as AttachedToWorker)));
    await parent.sendRaw('NodeWorker.enable', { waitForDebuggerOnStart: false });
    const { sessionId } = await attached;
    const thread = new CdpConnection(new NodeWorkerTransport(parent, sessionId));
    assert.equal(thread.endpoint, undefined);
    const { watch, seen } = watchOver(thread, { intervalMs: 200, maxSamples: 2 });
    await watch.start();
    assert.equal(await watch.ended(), 'Took 2 samples, as asked.');
    assert.deepEqual(seen.errors, []);
    assert.ok(seen.hostChunks > 0, 'the chunks came over the worker thread\'s connection');
    assert.ok(seen.samples[1].types.some((t) => t.name === 'ThreadRecord'));
  });

  it('when only the worker\'s session drops (the debuggee lives on): the next snapshots are relayed, and the ids Node then forgot start a new baseline', async () => {
    const program = await start(path.join(programs, 'leaky.js'));
    const link = await relay(program.wsUrl);
    const connection = await connectWebSocket(link.url, { timeoutMs: 10_000 });
    const { watch, seen } = watchOver(connection, { intervalMs: 200, maxSamples: 3 });
    watch.once('sample', () => link.drop(2)); // the second client: the worker's session
    await watch.start();
    assert.equal(await watch.ended(), 'Took 3 samples, as asked.');
    assert.equal(seen.errors.length, 1, seen.errors.map((e) => e.message).join('\n'));
    assert.match(seen.errors[0].message, /^Sample 2 failed: the analysis worker's inspector session closed \(.+\); the next snapshots are relayed through the watch's connection$/);
    assert.ok(seen.hostChunks > 0, 'relayed after the drop');
    assert.deepEqual(seen.samples.map((s) => s.index), [0, 1, 2]);
    assert.equal(seen.notes.length, 1, seen.notes.join('\n'));
    assert.match(seen.notes[0], /object ids restarted before sample 2 /);
    assert.equal(program.child.exitCode, null);
  });
});
