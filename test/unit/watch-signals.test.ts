// The watch's cheap signals and guards on real programs: censuses between snapshots (same verdicts
// on the fixtures, no control flagged), a runaway heap decided fast and stopped in time, "too early
// to tell" for a run stopped early, --until-verdict, a program under a memory limit that is
// refused a snapshot and lives on, and a big heap watched by censuses first.
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { formatReport } from '../../src/cli/format';
import { connectWebSocket, type CdpConnection } from '../../src/core/cdp/connection';
import { spawnInspected, type InspectedProcess } from '../../src/core/cdp/endpoints';
import type { Sample, TypeSeries } from '../../src/core/report';
import { SnapshotAnalyzer } from '../../src/core/worker/analyzer';
import { HeapWatch, type HeapWatchOptions, type WatchSchedule } from '../../src/core/watch';
import { fixture, FIXTURES_DIR } from '../fixtures/index';
import { realProcessHooks } from './cdp-support';

const programs = path.join(__dirname, 'programs');

describe('watch: censuses, runaway heaps, verdict times and the program’s memory (real programs)', function () {
  this.timeout(240_000);
  const { cleanups, workerPath } = realProcessHooks();

  /** Starts `command args` under the inspector, connects, and builds a watch with the real analyzer. */
  async function watch(command: string, args: string[], options: HeapWatchOptions, ready?: string) {
    const inspected: InspectedProcess = await spawnInspected(command, args, { timeoutMs: 30_000 });
    inspected.stdout.resume();
    inspected.stderr.resume();
    cleanups.push(() => {
      if (inspected.child.exitCode === null && inspected.child.signalCode === null) inspected.child.kill('SIGKILL');
    });
    const connection: CdpConnection = await connectWebSocket(inspected.wsUrl, { timeoutMs: 10_000 });
    cleanups.push(() => connection.close());
    // Until the program has built what the test is about (a watch of a program still starting would see less).
    for (let k = 0; ready && k < 300; k++) {
      const { result } = await connection.send('Runtime.evaluate', { expression: ready, returnByValue: true }, { timeoutMs: 30_000 });
      if (result.value === true) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const analyzer = new SnapshotAnalyzer({ workerPath: workerPath(), maxHeapMb: 1024 });
    cleanups.push(() => analyzer.dispose());
    const heapWatch = new HeapWatch(connection, analyzer, options);
    cleanups.push(() => heapWatch.stop());
    const seen = { samples: [] as Sample[], errors: [] as Error[], censuses: 0, schedules: [] as WatchSchedule[] };
    heapWatch.on('sample', (s) => seen.samples.push(s));
    heapWatch.on('census', () => seen.censuses++);
    heapWatch.on('error', (e) => seen.errors.push(e));
    heapWatch.on('schedule', (s) => seen.schedules.push(s));
    return { inspected, connection, watch: heapWatch, seen };
  }

  it('refuses a snapshot that would not fit the program’s memory limit (ulimit -d), and the program lives on', async () => {
    // 300,000 objects (~30 MB of heap) under a 400 MB data limit: a snapshot would need ~250 MB more,
    // which killed this program ("Out of memory: HashMap::Initialize") when taken unguarded.
    const program = `ulimit -d 409600 && BIGHEAP_OBJECTS=300000 exec "${process.execPath}" "${path.join(programs, 'bigheap.js')}"`;
    const { watch: w, seen, connection } = await watch('sh', ['-c', program], { intervalMs: 100 }, 'globalThis.held?.length === 300000');
    await w.start();
    const reason = await w.ended();
    assert.match(reason, /^Snapshot 1 was not taken: it would need about [\d.]+ MB more memory in the program \([\d.]+× its [\d.]+ MB heap[^)]*\), but only [\d.]+ MB is left under its data size limit \(ulimit -d\) \(419(\.\d)? MB, [\d.]+ MB in use\)\. Taking it could get the program killed/);
    assert.equal(seen.samples.length, 0);
    assert.deepEqual(seen.errors.map((e) => e.message), [reason]);
    const { result } = await connection.send('Runtime.evaluate', { expression: 'held.length' }, { timeoutMs: 30_000 });
    assert.equal(result.value, 300_000, 'the program is alive and whole');
  });

  it('decides a runaway heap within 30 s on fewer snapshots and stops before it has grown 4×', async () => {
    const { inspected, watch: w, seen, connection } = await watch(process.execPath, [path.join(FIXTURES_DIR, 'leak-runaway.js')], {});
    const started = Date.now();
    await w.start();
    const reason = await w.ended();
    const tookMs = Date.now() - started;
    // The program's live heap when the watch let go, measured then (unwatched, it leaks on while the report is
    // built); then it is ended, as the CLI ends its program before the report.
    await connection.send('HeapProfiler.collectGarbage', undefined, { timeoutMs: 60_000 });
    const usage = await connection.send('Runtime.getHeapUsage');
    inspected.child.kill('SIGKILL');
    assert.match(reason, /^Stopped watching: the heap is running away \(.*\) and the verdict is in \(leak: .*PageNode/, reason);
    assert.ok(seen.samples.length >= 3 && seen.samples.length < 4, `${seen.samples.length} snapshots`);
    const first = seen.samples[0].heapUsed;
    for (const s of seen.samples) assert.ok(s.heapUsed < 4 * first, `heap ${s.heapUsed} at sample ${s.index}, first ${first}`);
    assert.ok(usage.usedSize < 4 * first, `live heap ${usage.usedSize} when the watch let go, first sample ${first}`);
    const report = await w.buildReport({ kind: 'run', description: 'leak-runaway.js' });
    const pageNode = report.types.find((t) => t.name === 'PageNode')!;
    assert.equal(pageNode.verdict, 'leak');
    assert.match(pageNode.evidence.join('\n'), /running away: .* decided on 3 snapshots/);
    assert.ok(report.leaks.some((l) => l.type === 'PageNode' && l.retainerPaths.length > 0), 'the why is in');
    // Last, so that on a loaded machine only the time fails. Besides the snapshots' pauses (the program frozen),
    // the watch takes at most 15 s; within 30 s in all, unless the snapshots alone took over 20 s (V8 writes them
    // several times slower on a loaded machine).
    assert.ok(report.verdictAt && report.verdictAt - started <= tookMs, 'the verdict came before the end');
    const pauses = seen.samples.reduce((sum, s) => sum + s.pauseMs, 0);
    const times = `verdict after ${tookMs} ms, snapshot pauses ${seen.samples.map((s) => s.pauseMs).join(' + ')} ms`;
    assert.ok(tookMs - pauses <= 15_000, times);
    assert.ok(tookMs <= 30_000 || pauses > 20_000, times);
  });

  it('stops a runaway heap without a verdict after a snapshot at 3× its first size, and takes none at 3.5×', async () => {
    const { inspected, watch: w, seen, connection } = await watch(process.execPath, [path.join(programs, 'balloon.js')], {}, 'globalThis.held?.length === 1');
    await w.start();
    const reason = await w.ended();
    await connection.send('HeapProfiler.collectGarbage', undefined, { timeoutMs: 60_000 });
    const usage = await connection.send('Runtime.getHeapUsage');
    inspected.child.kill('SIGKILL');
    assert.match(reason, /^Stopped watching before the heap runs away further \(.* \(×\d\.\d\) in \d+ s\); too early to tell which type leaks/, reason);
    const first = seen.samples[0].heapUsed;
    // The last snapshot when the heap reached 3× (each pauses the program and needs several times its heap in memory).
    for (const s of seen.samples) assert.ok(s.heapUsed < 3.5 * first, `heap ${s.heapUsed} at snapshot ${s.index + 1}, first ${first}`);
    assert.ok(usage.usedSize < 4 * first, `live heap ${usage.usedSize} when the watch let go, first snapshot ${first}`);
  });

  it('a small heap that grows past 3× its first size at a steady MB a second gets its verdict, not a stop without one below 3× 16 MB', async () => {
    const { inspected, watch: w, seen } = await watch(process.execPath, [path.join(programs, 'small-steady.js')], {}, 'globalThis.contexts?.length > 0');
    await w.start();
    const reason = await Promise.race([w.ended(), new Promise<string>((r) => setTimeout(() => r('(still watching after 90 s)'), 90_000))]);
    const report = await w.buildReport({ kind: 'run', description: 'small-steady.js' });
    await w.stop();
    inspected.child.kill('SIGKILL');
    const first = seen.samples[0].heapUsed;
    assert.ok(first < 16 * 2 ** 20, `a small heap: ${first}`);
    if (/too early to tell/.test(reason)) {
      // A machine slow enough that the heap outran the snapshots: the stop may come, but not before 3× 16 MB
      // (before the floor it came at 3× the first heap, ~10 MB, after one or two snapshots).
      const at = Number(/→ ([\d.]+) MB/.exec(reason)?.[1]);
      assert.ok(at >= 48, `stopped without a verdict at ${at} MB, below 3× 16 MB: ${reason}`);
      return;
    }
    const last = seen.samples[seen.samples.length - 1].heapUsed;
    assert.ok(last > 3 * first, `a small heap that grew past 3×: ${first} → ${last}`);
    assert.equal(report.types.find((t) => t.name === 'RequestRecord')?.verdict, 'leak', `${reason}\n${report.tooEarly ?? ''}`);
    assert.ok(report.leaks.some((l) => l.type === 'RequestRecord' && l.retainerPaths.length > 0), 'the why is in');
  });

  it('does not take a churning heap for a runaway one over and over: one GC to check, then a while without', async () => {
    const { watch: w, seen, connection } = await watch(process.execPath, [path.join(programs, 'churn.js')], { intervalMs: 60_000, heapPollMs: 100 }, 'globalThis.kept?.length === 100000');
    let collections = 0;
    const send = connection.send.bind(connection);
    connection.send = ((method: string, ...rest: unknown[]) => {
      if (method === 'HeapProfiler.collectGarbage') collections++;
      return (send as (m: string, ...r: unknown[]) => Promise<unknown>)(method, ...rest);
    }) as typeof connection.send;
    await w.start();
    await new Promise<void>((resolve) => w.once('sample', () => resolve()));
    const after = collections;
    await new Promise((r) => setTimeout(r, 4000));
    await w.stop();
    assert.equal(seen.samples.length, 1);
    assert.ok(collections - after <= 1, `${collections - after} GCs forced in 4 s after the first sample`);
  });

  it('says "too early to tell" with what is known, never "No leak found", when stopped after two samples', async () => {
    const { watch: w } = await watch(process.execPath, [path.join(programs, 'leaky.js')], { intervalMs: 300, maxSamples: 2, watchRunaway: false, censusFromPauseMs: 0 });
    await w.start();
    await w.ended();
    const report = await w.buildReport({ kind: 'run', description: 'leaky.js' });
    assert.match(report.tooEarly ?? '', /^Too early to tell: 2 snapshots; a verdict needs 4 snapshots .* So far the heap went .* Growing most: LeakyRecord \+[\d,]+/);
    const text = formatReport(report, 10);
    assert.match(text, /Too early to tell/);
    assert.doesNotMatch(text, /No leak found/);
  });

  it('ends at the verdict with --until-verdict and says when each verdict was reached', async () => {
    const { watch: w, seen } = await watch(process.execPath, [path.join(programs, 'leaky.js')], { intervalMs: 200, untilVerdict: true });
    const started = Date.now();
    await w.start();
    const reason = await w.ended();
    // Four snapshots; or, where a snapshot pauses the program 1 s or more (a loaded machine), fewer with censuses between.
    assert.match(reason, /^Verdicts settled after (4 snapshots|[2-4] snapshots and \d+ census(es)?) in [\d.]+ s: leaks? .*LeakyRecord/);
    const report = await w.buildReport({ kind: 'run', description: 'leaky.js' });
    const leaky = report.types.find((t) => t.name === 'LeakyRecord')!;
    assert.equal(leaky.verdict, 'leak');
    assert.ok(leaky.verdictAt! >= started && leaky.verdictAt! <= report.verdictAt!, JSON.stringify({ started, at: leaky.verdictAt, settled: report.verdictAt }));
    assert.ok(seen.samples.length === 4 || seen.censuses > 0, `${seen.samples.length} snapshots, ${seen.censuses} censuses`);
    // The schedule said what comes next, its pause, and when the verdict was due.
    const last = seen.schedules[seen.schedules.length - 1];
    assert.ok(last.pauses.snapshot! > 0 && last.budget === 0.1 && last.pausedShare > 0, JSON.stringify(last));
    assert.ok(seen.schedules.some((s) => s.verdictExpectedAt !== undefined));
  });

  it('a report built as each sample or census arrives has one count per sample for every type, the newest included', async () => {
    // As the panel builds it (on the sample event, before the loop goes on), with censuses between snapshots.
    const { watch: w, seen } = await watch(process.execPath, [path.join(programs, 'leaky.js')], { intervalMs: 250, censusFromPauseMs: 1, maxSamples: 3, watchRunaway: false });
    const built: Array<Promise<{ samples: number; counts: number[]; newest: number | undefined; report: Awaited<ReturnType<typeof w.buildReport>> }>> = [];
    const build = () => {
      const samples = w.samples.length;
      const newest = w.samples[samples - 1].types.find((t) => t.name === 'LeakyRecord')?.count;
      built.push(w.buildReport({ kind: 'run', description: 'leaky.js' }).then((report) => ({ samples, newest, report, counts: report.types.find((t) => t.name === 'LeakyRecord')?.counts ?? [] })));
    };
    w.on('sample', build);
    w.on('census', build);
    await w.start();
    await w.ended();
    assert.equal(seen.samples.length, 3);
    assert.ok(seen.censuses > 0, 'censuses between the snapshots');
    for (const { samples, counts, newest, report } of await Promise.all(built)) {
      assert.equal(report.samples.length, samples);
      for (const t of report.types) assert.equal(t.counts.length, samples, `${t.name}: ${t.counts.length} counts for ${samples} samples`);
      assert.equal(counts[counts.length - 1], newest, 'the newest count is the newest sample’s');
    }
  });

  // Censuses forced after every snapshot (a census from any pause): the same verdicts as snapshots give.
  const censusFixtures = ['leak-array', 'leak-map-cache', 'leak-closures', 'ok-bounded', 'ok-lru', 'ok-weak', 'ok-cycles'];
  for (const name of censusFixtures) {
    const f = fixture(name);
    it(`${name}: with censuses between snapshots, ${f.leakType ? `${f.leakType} is a leak` : 'no type is a leak'}`, async () => {
      const { watch: w, seen } = await watch(process.execPath, [f.file], { intervalMs: 250, censusFromPauseMs: 1, untilVerdict: true, watchRunaway: false });
      const stop = setTimeout(() => void w.stop(), 120_000);
      await w.start();
      const reason = await w.ended();
      clearTimeout(stop);
      const report = await w.buildReport({ kind: 'run', description: name });
      assert.ok(seen.censuses >= 3, `${seen.censuses} censuses (${reason})`);
      const leaks = report.types.filter((t) => t.verdict === 'leak').map((t) => t.name);
      if (f.leakType) {
        assert.ok(leaks.includes(f.leakType), `${reason}\n${report.types.slice(0, 4).map((t) => `${t.verdict} ${t.name}: ${t.evidence.join(' ')}`).join('\n')}`);
        assert.ok(report.leaks.some((l) => l.type === f.leakType && l.retainerPaths.length > 0), 'explained');
      } else {
        assert.deepEqual(leaks, [], report.types.filter((t) => t.verdict === 'leak').map((t) => `${t.name}: ${t.evidence.join(' ')}`).join('\n'));
      }
    });
  }

  // A big heap: censuses first (a snapshot of it would pause the program for seconds), a `suspect` before any
  // snapshot, one snapshot to confirm the leak and bring its why; no control called a leak.
  /** Each sample in order, and the verdicts judged after it (as the panel and the bench read them). */
  function samplesInOrder(w: HeapWatch): { kind: 'snapshot' | 'census'; verdicts: TypeSeries[] }[] {
    const events: { kind: 'snapshot' | 'census'; verdicts: TypeSeries[] }[] = [];
    const after = (kind: 'snapshot' | 'census') => {
      const entry = { kind, verdicts: [] as TypeSeries[] };
      events.push(entry);
      setImmediate(() => (entry.verdicts = [...w.verdicts]));
    };
    w.on('sample', () => after('snapshot'));
    w.on('census', () => after('census'));
    return events;
  }
  const verdictOf = (verdicts: TypeSeries[], name: string) => verdicts.find((t) => t.name === name)?.verdict ?? 'none';

  it('an 80 MB heap: censuses first by default, LedgerEntry suspect before any snapshot, a leak with its why after one snapshot', async () => {
    const { watch: w } = await watch(process.execPath, [path.join(programs, 'bigledger.js')], { intervalMs: 300, untilVerdict: true, watchRunaway: false }, 'globalThis.ready === true');
    const events = samplesInOrder(w);
    // A report built before any snapshot says what the censuses count so far.
    let early: Promise<string | undefined> | undefined;
    w.on('census', () => {
      if (events.length === 3 && !w.samples.length) early = new Promise((r) => setImmediate(() => void w.buildReport({ kind: 'run', description: 'bigledger.js' }).then((report) => r(report.tooEarly))));
    });
    await w.start();
    const reason = await w.ended();
    await new Promise((r) => setImmediate(r));
    assert.match((await early) ?? '', /^Too early to tell: 3 censuses and no snapshot yet; .* Growing most: LedgerEntry \+[\d,]+\.$/);
    const firstSnapshot = events.findIndex((e) => e.kind === 'snapshot');
    assert.equal(events[0]?.kind, 'census', `${reason}: ${events.map((e) => e.kind).join(', ')}; snapshot heaps ${w.samples.map((s) => s.heapUsed).join(', ')}`);
    assert.ok(w.notes.some((n) => /counts its classes by census first/.test(n)), w.notes.join('\n'));
    const suspectAt = events.findIndex((e) => verdictOf(e.verdicts, 'LedgerEntry') === 'suspect');
    assert.ok(suspectAt >= 0 && suspectAt < firstSnapshot, `suspect at sample ${suspectAt}, first snapshot at ${firstSnapshot}`);
    // Census-only verdicts stay suspect until the snapshot confirms them.
    for (const e of events.slice(0, firstSnapshot)) assert.ok(!e.verdicts.some((t) => t.verdict === 'leak'), 'a leak before any snapshot');
    assert.match(reason, /^Verdicts settled after 1 snapshot and \d+ census(es)? in [\d.]+ s: leak LedgerEntry\.$/, reason);
    const report = await w.buildReport({ kind: 'run', description: 'bigledger.js' });
    const ledger = report.types.find((t) => t.name === 'LedgerEntry')!;
    assert.equal(ledger.verdict, 'leak');
    assert.match(ledger.evidence.join('\n'), /censuses \(before the first snapshot\).*The first snapshot confirms it: [\d,]+ LedgerEntry objects/s);
    assert.deepEqual(report.types.filter((t) => t.verdict === 'leak').map((t) => t.name), ['LedgerEntry']);
    const why = report.leaks.find((l) => l.type === 'LedgerEntry');
    assert.ok(why && why.retainerPaths.length > 0, 'the why is in');
    const steps = why.retainerPaths[0].steps ?? [];
    assert.ok(steps.some((s) => s.variable?.name === 'ledger'), `the path names the ledger variable: ${steps.map((s) => s.label ?? s.edge).join(' → ')}`);
    // The cause comes with that snapshot: the census labels date its objects.
    const causes = report.causes ?? [];
    assert.deepEqual(causes.map((c) => [c.verdict, c.holder.variable, c.kept[0]?.type]), [['leak', 'ledger', 'LedgerEntry']], JSON.stringify(causes.map((c) => c.title)));
    assert.match(causes[0].evidence.join('\n'), /born since the censuses began\).*Named from the first snapshot/s);
    assert.equal(causes[0].addedAt?.line, 23);
  });

  /** A fixture watched by censuses first whatever its heap, until the verdicts settle (90 s at most). */
  async function censusFirst(name: string) {
    const f = fixture(name);
    const { watch: w } = await watch(process.execPath, [f.file], { intervalMs: 250, censusFromPauseMs: 1, censusFirstFromMb: 1, untilVerdict: true, watchRunaway: false });
    const events = samplesInOrder(w);
    const stop = setTimeout(() => void w.stop(), 90_000);
    await w.start();
    const reason = await w.ended();
    clearTimeout(stop);
    assert.equal(events[0]?.kind, 'census', reason);
    return { f, reason, report: await w.buildReport({ kind: 'run', description: name }) };
  }

  for (const name of ['ok-lru', 'ok-bounded', 'ok-weak', 'ok-cycles']) {
    it(`${name}: censuses first (any heap), no type is a leak`, async () => {
      const { reason, report } = await censusFirst(name);
      assert.ok(report.censuses && report.censuses.length >= 5, `${report.censuses?.length} censuses (${reason})`);
      const leaks = report.types.filter((t) => t.verdict === 'leak');
      assert.deepEqual(leaks.map((t) => t.name), [], leaks.map((t) => `${t.name}: ${t.evidence.join(' ')}`).join('\n'));
      assert.deepEqual((report.causes ?? []).filter((c) => c.verdict === 'leak').map((c) => c.title), []);
    });
  }

  it('many long-lived objects of the leaking class: the first snapshot names only the holder of those born since the censuses began', async () => {
    const { watch: w } = await watch(process.execPath, [path.join(programs, 'ledger-registry.js')], { intervalMs: 250, censusFromPauseMs: 1, censusFirstFromMb: 1, untilVerdict: true, watchRunaway: false }, 'globalThis.ready === true');
    const stop = setTimeout(() => void w.stop(), 90_000);
    await w.start();
    const reason = await w.ended();
    clearTimeout(stop);
    assert.match(reason, /^Verdicts settled after 1 snapshot and \d+ census(es)? in [\d.]+ s: leak LedgerEntry\.$/, reason);
    const report = await w.buildReport({ kind: 'run', description: 'ledger-registry.js' });
    const causes = report.causes ?? [];
    assert.deepEqual(causes.map((c) => [c.verdict, c.holder.variable]), [['leak', 'ledger']], JSON.stringify(causes.map((c) => `${c.title}: ${c.evidence[0]}`)));
    // All its LedgerEntry objects were born since the censuses began: none of the 20,000 in the registry.
    assert.ok(causes[0].kept[0].newObjects < report.types.find((t) => t.name === 'LedgerEntry')!.counts.at(-1)! - 19_000, causes[0].evidence[0]);
  });

  for (const name of ['leak-array', 'leak-map-cache']) {
    it(`${name}: censuses first (any heap), the leak confirmed by the first snapshot with its why`, async () => {
      const { f, reason, report } = await censusFirst(name);
      assert.match(reason, new RegExp(`^Verdicts settled after 1 snapshot and \\d+ census(es)? in [\\d.]+ s: leaks? .*${f.leakType}`), reason);
      assert.equal(report.types.find((t) => t.name === f.leakType)?.verdict, 'leak');
      assert.ok(report.leaks.some((l) => l.type === f.leakType && l.retainerPaths.length > 0), 'explained');
      assert.deepEqual((report.causes ?? []).filter((c) => c.verdict === 'leak').map((c) => c.kept[0].type), [f.leakType], 'the cause, from the first snapshot');
    });
  }
});
