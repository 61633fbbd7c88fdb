// One whole watch of the server-like program (bench/watch-server.mjs: a big live heap, churn, a slow
// leak of AuditEntry objects), by the Leak Watch sources it is bundled from: the current ones, or the
// previous design's (bench/run.mjs --watch bundles both, by redirecting its imports of src/). It
// starts the program, waits for its heap, watches with default settings until AuditEntry is a leak
// with its retainer paths (or --max-seconds), and prints `BENCH_RESULT {json}`: time to the first
// `suspect` and to the `leak` with the why (and with its cause), the program's total pause (its own event loop's view,
// and the samples' sum), its peak RSS, the samples of each kind, and any other type called a leak.
//   node bench/cache/watch-<design>/watch-run.js [--heap-mb 150] [--leak-per-s 200] [--max-seconds 900]
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { computeSeries } from '../src/core/analysis/growth';
import { connectWebSocket } from '../src/core/cdp/connection';
import { runMain, startWatchServer } from './watch-program';
import type { TypeSeries } from '../src/core/report';
import { SnapshotAnalyzer } from '../src/core/worker/analyzer';
import { HeapWatch } from '../src/core/watch';

const { values: opt } = parseArgs({
  options: {
    'heap-mb': { type: 'string', default: '150' },
    'leak-per-s': { type: 'string', default: '200' },
    'max-seconds': { type: 'string', default: '900' },
    design: { type: 'string', default: 'current' },
  },
});
const LEAK_TYPE = 'AuditEntry';

function status(pid: number): { hwm: number; rss: number } {
  try {
    const s = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (f: string) => Number(new RegExp(`${f}:\\s+(\\d+) kB`).exec(s)?.[1] ?? 0) * 1024;
    return { hwm: kb('VmHWM'), rss: kb('VmRSS') };
  } catch {
    return { hwm: 0, rss: 0 };
  }
}

async function main(): Promise<void> {
  const program = await startWatchServer(process.execPath, [], ['--heap-mb', opt['heap-mb']!, '--leak-per-s', opt['leak-per-s']!]);
  const pid = program.child.pid!;
  try {
    const connection = await connectWebSocket(program.wsUrl, { timeoutMs: 10_000 });
    const stats = async () =>
      (await connection.send('Runtime.evaluate', { expression: 'watchServerStats()', returnByValue: true }, { timeoutMs: 0 })).result.value as {
        stallMs: number;
        heapUsed: number;
        peakRss: number;
      };
    const before = await stats();
    const rssBefore = status(pid).rss;
    const analyzer = new SnapshotAnalyzer({ workerPath: join(__dirname, 'snapshotWorker.js') });
    const watch = new HeapWatch(connection, analyzer, {});
    const started = Date.now();
    const since = (t: number) => Math.round((t - started) / 100) / 10;
    let firstSuspect: number | undefined;
    let leakAt: number | undefined;
    let censuses = 0;
    let censusPauseMs = 0;
    const samples: { at: number; kind: string; pauseMs: number; heapUsed?: number }[] = [];
    let resolveLeak: () => void = () => {};
    const leakFound = new Promise<void>((r) => (resolveLeak = r));
    // The current design judges censuses too (watch.verdicts); the previous one had snapshots only.
    const judged = watch as unknown as { verdicts?: readonly TypeSeries[] };
    const verdicts = (): readonly TypeSeries[] => judged.verdicts ?? computeSeries([...watch.samples]);
    const look = () => {
      const t = verdicts().find((x) => x.name === LEAK_TYPE);
      if (!t) return;
      if (t.verdict !== 'ok' && firstSuspect === undefined) firstSuspect = Date.now();
      if (t.verdict === 'leak' && leakAt === undefined) {
        leakAt = Date.now();
        resolveLeak();
      }
    };
    watch.on('sample', (s) => {
      samples.push({ at: since(Date.now()), kind: 'snapshot', pauseMs: s.pauseMs, heapUsed: s.heapUsed });
      setImmediate(look); // after the watch has judged the sample
    });
    (watch as unknown as NodeJS.EventEmitter).on('census', (c: { pauseMs: number }) => {
      censuses++;
      censusPauseMs += c.pauseMs;
      samples.push({ at: since(Date.now()), kind: 'census', pauseMs: c.pauseMs });
      setImmediate(look);
    });
    await watch.start();
    const limit = new Promise<void>((r) => setTimeout(r, Number(opt['max-seconds']) * 1000).unref());
    await Promise.race([leakFound, limit, watch.ended()]);
    await watch.stop();
    const report = await watch.buildReport({ kind: 'attach', description: 'watch-server' });
    const whyAt = Date.now();
    const explained = report.leaks.find((l) => l.type === LEAK_TYPE);
    const cause = report.causes?.find((c) => c.verdict === 'leak' && c.kept.some((k) => k.type === LEAK_TYPE));
    const after = await stats();
    const wallMs = whyAt - started;
    const snapshotPauseMs = samples.filter((s) => s.kind === 'snapshot').reduce((a, s) => a + s.pauseMs, 0);
    console.log(
      `BENCH_RESULT ${JSON.stringify({
        design: opt.design,
        heapMb: Number(opt['heap-mb']),
        programHeap: before.heapUsed,
        firstSuspectS: firstSuspect === undefined ? null : since(firstSuspect),
        leakS: leakAt === undefined ? null : since(leakAt),
        leakWithWhyS: leakAt !== undefined && explained?.retainerPaths.length ? since(whyAt) : null,
        why: explained?.retainerPaths[0]?.edges.map((e) => `${e.from}.${e.edge}`).join(' → '),
        // The holder and the line that adds to it, in the report built at the leak verdict.
        leakWithCauseS: leakAt !== undefined && cause ? since(whyAt) : null,
        cause: cause?.title,
        wallS: since(whyAt),
        programStallMs: Math.round(after.stallMs - before.stallMs),
        samplesPauseMs: Math.round(snapshotPauseMs + censusPauseMs),
        pausedShare: Math.round((1000 * (after.stallMs - before.stallMs)) / wallMs) / 10,
        snapshots: samples.filter((s) => s.kind === 'snapshot').length,
        censuses,
        samples,
        otherLeaks: report.types.filter((t) => t.verdict === 'leak' && t.name !== LEAK_TYPE).map((t) => t.name),
        programPeakRss: Math.max(status(pid).hwm, after.peakRss),
        programRssBefore: rssBefore,
        endedBecause: watch.endedBecause,
        load: loadavg(),
      })}`,
    );
    connection.close();
    await analyzer.dispose();
  } finally {
    program.child.kill('SIGKILL');
  }
}

runMain(main);
