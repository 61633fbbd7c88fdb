// A watch of a whole program on real processes: each worker thread watched as an isolate of its
// own through its process's NodeWorker session, isolates that start late join, those that end keep
// their samples, and snapshots of different isolates never run at the same moment.
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { CdpConnection, connectWebSocket } from '../../src/core/cdp/connection';
import { spawnInspected } from '../../src/core/cdp/endpoints';
import { NodeWorkerTransport, workerThreadId, type AttachedToWorker } from '../../src/core/cdp/nodeWorkerTransport';
import { ProcessIsolates } from '../../src/core/processIsolates';
import { ALSO_GROWING } from '../../src/core/programReport';
import { ProgramWatch } from '../../src/core/programWatch';
import type { IsolateReport, Report } from '../../src/core/report';
import { SharedAnalysisMemory, SnapshotTurns } from '../../src/core/snapshotTurns';
import { SnapshotAnalyzer } from '../../src/core/worker/analyzer';
import { HeapWatch, type HeapWatchOptions } from '../../src/core/watch';
import { realProcessHooks } from './cdp-support';

const mainJs = path.join(__dirname, 'programs/workers/main.js');
const growsJs = path.join(__dirname, 'programs/workers/grows.js');

describe('program watch: taking turns and sharing memory', () => {
  it('grants one turn at a time, in the order asked; a turn ends once, however often it is released', async () => {
    const turns = new SnapshotTurns();
    const order: string[] = [];
    const first = await turns.take();
    const second = turns.take().then((release) => (order.push('second'), release));
    const third = turns.take().then((release) => (order.push('third'), release));
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(order, [], 'nobody else while the first turn lasts');
    first();
    first(); // a second release must not end the next one's turn
    const releaseSecond = await second;
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(order, ['second']);
    assert.ok(turns.taken);
    releaseSecond();
    (await third)();
    assert.deepEqual(order, ['second', 'third']);
    assert.equal(turns.taken, false);
  });

  it("each isolate's budget is the shared limit less the graphs the others hold, never more than the free memory", () => {
    let free = 10_000;
    const memory = new SharedAnalysisMemory(1_000, () => free);
    const a = {};
    const b = {};
    assert.equal(memory.budgetFor(a), 1_000);
    memory.holds(a, 300); // a graph of about 1.3× its snapshot
    assert.equal(memory.budgetFor(a), 1_000, 'its own graph is replaced by its next one');
    assert.equal(memory.budgetFor(b), 1_000 - 390);
    memory.holds(b, 500);
    assert.equal(memory.budgetFor(a), 1_000 - 650);
    free = 100;
    assert.equal(memory.budgetFor(a), 100);
    memory.release(b);
    free = 10_000;
    assert.equal(memory.budgetFor(a), 1_000);
    memory.holds(b, 5_000);
    assert.equal(memory.budgetFor(a), 0, 'never below zero');
  });
});

describe('program watch: worker threads and late and ended isolates, on real processes', function () {
  this.timeout(240_000);
  const { cleanups, workerPath } = realProcessHooks();

  /** Starts programs/workers/main.js with `env`, and watches its isolates. */
  async function watchWorkers(env: NodeJS.ProcessEnv, watch: HeapWatchOptions) {
    const inspected = await spawnInspected(process.execPath, [mainJs], { env: { ...process.env, ...env }, timeoutMs: 30_000 });
    inspected.stderr.resume();
    cleanups.push(() => {
      if (inspected.child.exitCode === null && inspected.child.signalCode === null) inspected.child.kill('SIGKILL');
    });
    const threadIds = await workerThreadIds(inspected.stdout);
    const program = new ProgramWatch({ watch: { censusFromPauseMs: 0, watchRunaway: false, ...watch }, createAnalyzer: () => new SnapshotAnalyzer({ workerPath: workerPath(), maxHeapMb: 512 }) });
    cleanups.push(() => program.dispose());
    cleanups.push(() => program.stop());
    const pid = inspected.child.pid!;
    const isolates = await ProcessIsolates.join(program, { pid, ppid: process.pid, argv: [process.execPath, mainJs], inspectorUrl: inspected.wsUrl });
    assert.ok(isolates, 'the process joined');
    cleanups.push(() => isolates!.close());
    return { program, pid, threadIds };
  }

  /**
   * The threadId of each worker of programs/workers/main.js by name, as it prints them, once it says
   * its first workers started (their first one has exited by then: joined later, the others' workerIds
   * in the inspector differ from their threadIds).
   */
  async function workerThreadIds(stdout: NodeJS.ReadableStream): Promise<Map<string, number>> {
    const ids = new Map<string, number>();
    let text = '';
    await new Promise<void>((resolve, reject) => {
      stdout.on('data', (chunk: Buffer) => {
        text += chunk.toString();
        for (let end = text.indexOf('\n'); end >= 0; end = text.indexOf('\n')) {
          const line = text.slice(0, end);
          text = text.slice(end + 1);
          const worker = /^worker (\S+) (\d+)$/.exec(line);
          if (worker) ids.set(worker[1], Number(worker[2]));
          if (line === 'started') resolve();
        }
      });
      stdout.on('end', () => reject(new Error('programs/workers/main.js ended before its workers started')));
    });
    return ids;
  }

  const section = (report: Report, name: string): IsolateReport => {
    const found = report.isolates?.find((s) => s.isolate.title.endsWith(` ${name}`));
    assert.ok(found, `a section for the worker "${name}": ${report.isolates?.map((s) => s.isolate.title).join(', ')}`);
    return found!;
  };

  it('a leak inside a worker_threads worker is found in its own section, named with its thread', async () => {
    const { program, pid, threadIds } = await watchWorkers({}, { maxSamples: 4, intervalMs: 300 });
    await program.settled();
    const report = await program.buildReport({ kind: 'run', description: 'workers/main.js' });
    assert.equal(report.isolates?.length, 2, 'the main thread and the worker');
    const [main, jobs] = report.isolates!;
    assert.deepEqual([main.isolate.pid, main.isolate.threadId, main.isolate.key, main.isolate.entry], [pid, 0, String(pid), mainJs]);
    assert.equal(jobs.isolate.pid, pid);
    assert.equal(jobs.isolate.threadId, threadIds.get('jobs'), 'its threadId, as the worker knows it');
    assert.equal(jobs.isolate.key, `${pid}/${jobs.isolate.threadId}`);
    assert.equal(jobs.isolate.entry, growsJs);
    assert.equal(jobs.isolate.title, `[worker ${jobs.isolate.threadId}] jobs`);
    for (const s of [main, jobs]) assert.equal(s.isolate.end?.how, 'done', s.isolate.end?.reason);
    assert.equal(jobs.samples.length, 4);
    assert.equal(jobs.types.find((t) => t.name === 'Job')?.verdict, 'leak', 'Job leaks in the worker');
    assert.ok(!main.types.some((t) => t.name === 'Job'), 'not in the main thread');
    const cause = jobs.causes?.find((c) => c.kept.some((k) => k.type === 'Job'));
    assert.ok(cause, 'a cause keeps the Jobs');
    assert.equal(cause!.isolate, jobs.isolate.key, 'the cause says where it lives');
    assert.equal(cause!.holder.variable, 'kept');
    // The top level is the main thread's, and says where else a heap grows.
    assert.equal(report.isolate?.key, main.isolate.key);
    assert.equal(report.types, main.types);
    const elsewhere = report.notes?.find((n) => n.startsWith(ALSO_GROWING));
    assert.match(elsewhere ?? '', new RegExp(`worker thread ${jobs.isolate.threadId} "jobs" of pid ${pid} \\(grows\\.js\\): leak Job`));
  });

  it('a worker that starts late joins, one that exits keeps its samples and says when, and snapshots of isolates never overlap', async () => {
    // Samples 2 s apart: the fifth of an isolate comes 8 s in at the earliest, after the brief worker's exit at 7 s.
    const { program } = await watchWorkers({ BRIEF_MS: '7000', LATE_MS: '4000' }, { maxSamples: 5, intervalMs: 2000 });
    const paused: Array<{ key: string; from: number; to: number }> = [];
    program.on('sample', (isolate, s) => paused.push({ key: isolate.info.key, from: s.time, to: s.time + s.pauseMs }));
    await program.settled();
    const report = await program.buildReport({ kind: 'run', description: 'workers/main.js' });
    const [main] = report.isolates!;
    const brief = section(report, 'brief');
    const late = section(report, 'late');
    assert.equal(brief.isolate.end?.how, 'exited', brief.isolate.end?.reason);
    assert.match(brief.isolate.end!.reason, new RegExp(`worker thread ${brief.isolate.threadId} exited`));
    assert.ok(brief.samples.length >= 1 && brief.samples.length < 5, `its samples are kept (${brief.samples.length})`);
    assert.ok(brief.types.some((t) => t.name === 'BriefItem'), 'its types too');
    assert.ok(brief.isolate.endedAt! - brief.isolate.startedAt >= 5000, 'it ended when it exited, ~7 s in');
    assert.ok(late.isolate.startedAt - main.isolate.startedAt >= 3000, 'the late worker joined late');
    assert.equal(late.samples.length, 5, 'and took its samples');
    assert.ok(late.types.some((t) => t.name === 'LateItem'));
    assert.equal(report.isolates!.length, 4);
    paused.sort((a, b) => a.from - b.from);
    for (let k = 1; k < paused.length; k++) {
      assert.ok(paused[k].from >= paused[k - 1].to, `snapshot of ${paused[k].key} at ${paused[k].from} began before that of ${paused[k - 1].key} ended (${paused[k - 1].to})`);
    }
    assert.ok(new Set(paused.map((p) => p.key)).size === 4);
  });

  it("a worker's own CDP session: a HeapWatch over NodeWorkerTransport ends when the worker exits, with the worker named", async () => {
    const inspected = await spawnInspected(process.execPath, [mainJs], { env: { ...process.env, BRIEF_MS: '6000' }, timeoutMs: 30_000 });
    inspected.stdout.resume();
    inspected.stderr.resume();
    cleanups.push(() => inspected.child.kill('SIGKILL'));
    const connection = await connectWebSocket(inspected.wsUrl);
    cleanups.push(() => connection.close());
    const attached: AttachedToWorker[] = [];
    connection.onRaw('NodeWorker.attachedToWorker', (p) => attached.push(p as AttachedToWorker));
    await connection.sendRaw('NodeWorker.enable', { waitForDebuggerOnStart: false });
    const deadline = Date.now() + 20_000;
    while (!attached.some((a) => a.workerInfo.title.endsWith(' brief')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const brief = attached.find((a) => a.workerInfo.title.endsWith(' brief'));
    assert.ok(brief, 'the brief worker attached');
    const threadId = workerThreadId(brief!.workerInfo);
    const worker = new CdpConnection(new NodeWorkerTransport(connection, brief!.sessionId, `worker thread ${threadId}`));
    const analyzer = new SnapshotAnalyzer({ workerPath: workerPath(), maxHeapMb: 512 });
    cleanups.push(() => analyzer.dispose());
    const watch = new HeapWatch(worker, analyzer, { intervalMs: 200, censusFromPauseMs: 0, watchRunaway: false });
    cleanups.push(() => watch.stop());
    await watch.start();
    const reason = await watch.ended();
    assert.ok(watch.samples.length >= 1, `samples of the worker were taken (${reason})`);
    const last = watch.samples[watch.samples.length - 1];
    assert.ok(last.types.some((t) => t.name === 'BriefItem'), "the worker's heap");
    assert.ok(!last.types.some((t) => t.name === 'Job'), "not another worker's");
    assert.match(reason, new RegExp(`worker thread ${threadId} exited`));
    assert.equal(connection.closed, false, "the process's own connection stays open");
  });
});
