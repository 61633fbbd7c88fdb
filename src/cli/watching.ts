// The watch that `run` and `attach` share: sampling over a connection with progress on stderr, until
// the samples or the duration are done, the watch ends by itself, or something else ends it first.
import type { CdpConnection } from '../core/cdp/connection';
import type { Report, ReportTarget } from '../core/report';
import type { SnapshotAnalyzer } from '../core/worker/analyzer';
import { HeapWatch, type HeapWatchOptions, type WatchSchedule } from '../core/watch';
import type { CliOptions } from './args';
import { formatBytes } from '../core/format';
import { onHold } from '../core/memoryGuard';
import { FASTER, fasterBudget } from '../core/pauseBudget';
import { WatchKeys } from './keys';
import type { Progress } from './progress';

/** What a watch came to, for the CLI to print and exit with. */
export interface WatchOutcome {
  /** The report, when at least one sample was taken. */
  report?: Report;
  /** Why there is no report (or the run failed all the same). */
  error?: string;
  /** Notes already printed while watching, not printed again with the report (the JSON keeps them). */
  printed: Set<string>;
  /** The exit code when no leak decides it (0, 1, or 128 + a signal's number). */
  exitCode: number;
  /** The watched Node process's `process.argv` and folder, when known (for the saved watch). */
  program?: { argv?: readonly string[]; cwd?: string };
}

/** How long stopping a watch may take before the CLI goes on without it. */
const STOP_WAIT_MS = 5000;

/** How many samples the CLI's options ask for (none: --duration, or --until-verdict without --samples). */
function samplesAsked(options: CliOptions): number | undefined {
  // --until-verdict takes as many samples as the verdicts need, unless --samples caps them.
  return options.durationS === undefined && !(options.untilVerdict && options.samples === undefined) ? (options.samples ?? 6) : undefined;
}

/** The HeapWatch options the CLI's options ask for; with `keys`, a risky snapshot is asked about in the terminal. */
export function watchOptions(options: CliOptions, saveSnapshotsDir?: string, keys?: WatchKeys): HeapWatchOptions {
  return {
    confirmRisk: keys && ((message) => keys.ask(onHold(message))),
    maxSamples: samplesAsked(options),
    untilVerdict: options.untilVerdict,
    intervalMs: options.intervalS === undefined ? 0 : options.intervalS * 1000,
    pauseBudget: options.pauseBudget,
    forceGc: options.forceGc,
    trackAllocations: options.allocationSites === 'precise',
    saveSnapshotsDir,
    snapshotTimeoutMs: options.snapshotTimeoutS * 1000,
  };
}

/**
 * A watch over `connection` with the CLI's options, its samples, notes and errors shown on `progress`;
 * a snapshot that may not fit the program's memory is asked about through `keys` (else refused).
 */
export function startWatch(connection: CdpConnection, analyzer: SnapshotAnalyzer, options: CliOptions, progress: Progress, printed: Set<string>, saveSnapshotsDir?: string, keys?: WatchKeys): HeapWatch {
  const watch = new HeapWatch(connection, analyzer, watchOptions(options, saveSnapshotsDir, keys));
  showWatch(watch, options, progress);
  const show = (text: string) => {
    printed.add(text);
    progress.note(`leak-watch: ${text}`);
  };
  watch.on('note', show);
  watch.on('error', (e) => show(e.message));
  return watch;
}

/** Shows a watch's samples, censuses and plan on the progress line, after `prefix` (which isolate, in a program). */
export function showWatch(watch: HeapWatch, options: CliOptions, progress: Progress, prefix = ''): void {
  const total = samplesAsked(options);
  let last = '';
  let plan = '';
  const update = () => progress.update(`${prefix}${plan ? `${last} · ${plan}` : last}`);
  watch.on('sample', (s) => {
    last = `sample ${s.index + 1}${total ? ` of ${total}` : ''}: heap ${formatBytes(s.heapUsed)}, ${s.nodes.toLocaleString('en-US')} objects, pause ${Math.round(s.pauseMs)} ms`;
    update();
  });
  watch.on('census', (c) => {
    last = `census ${c.index + 1}: ${c.objects.toLocaleString('en-US')} objects counted, pause ${Math.round(c.pauseMs)} ms`;
    update();
  });
  watch.on('schedule', (sch) => {
    plan = describeSchedule(sch);
    if (last) update();
  });
}

/** The plan in a few words: the next sample and its pause, the expected verdict, the budget. */
export function describeSchedule(s: WatchSchedule, now = Date.now()): string {
  const inS = (at: number) => `${Math.max(0, Math.round((at - now) / 1000))} s`;
  const parts: string[] = [];
  if (s.next) parts.push(`next: ${s.next.kind} in ${inS(s.next.at)}${s.next.expectedPauseMs ? ` (pause ~${(s.next.expectedPauseMs / 1000).toFixed(1)} s)` : ''}`);
  if (s.verdictExpectedAt !== undefined) parts.push(`verdict in ~${inS(s.verdictExpectedAt)}`);
  parts.push(`paused ${(100 * s.pausedShare).toFixed(1)} % of ${Math.round(100 * s.budget)} %`);
  if (s.boostedUntil !== undefined && s.boostedUntil > now) parts.push(`budget ${Math.round(100 * s.budget)} % for ${inS(s.boostedUntil)} more`);
  if (s.runaway) parts.push('heap running away');
  return parts.join(' · ');
}

/** What the keys act on: a watch, or every isolate of a program's. */
export interface KeyTarget {
  sampleNow(): unknown;
  boostBudget(budget: number, forMs: number): void;
}

/**
 * The keys of a watch in a terminal (s: a snapshot now, f: faster for a minute, y/n: a risky
 * snapshot), with a one-line hint; undefined when stdin is not the foreground terminal. `target` is
 * asked for when a key comes (the watch may be made after the keys, to ask through them).
 */
export function listenToKeys(target: () => KeyTarget | undefined, options: CliOptions, progress: Progress): WatchKeys | undefined {
  const percent = (share: number) => `${Math.round(100 * share)} %`;
  const faster = options.intervalS === undefined ? fasterBudget(options.pauseBudget) : undefined;
  const keys = WatchKeys.listen(
    {
      sampleNow: () => {
        if (!target()) return 's: no watch yet; the first snapshot comes as soon as the program is found.';
        target()!.sampleNow();
        return 'taking a snapshot now (s).';
      },
      sampleFaster: () => {
        if (faster === undefined) {
          return options.intervalS !== undefined
            ? `f: snapshots come every ${options.intervalS} s (--interval), whatever the pause budget; s takes one now.`
            : `f: the pause budget is ${percent(options.pauseBudget)} already; s takes a snapshot now.`;
        }
        if (!target()) return 'f: no watch yet.';
        target()!.boostBudget(faster, FASTER.forMs);
        return `sampling faster (f): pause budget ${percent(faster)} instead of ${percent(options.pauseBudget)} for ${FASTER.forMs / 1000} s.`;
      },
    },
    (text) => progress.note(`leak-watch: ${text}`),
  );
  if (keys && !options.quiet) {
    const f = faster === undefined ? '' : ` · f samples faster for a minute (pause budget ${percent(faster)})`;
    progress.note(`leak-watch: keys: s takes a snapshot now${f} · Ctrl+C stops and reports`);
  }
  return keys;
}

/**
 * Starts `watch` and waits until it ends by itself, the duration (if any) is over, or one of `ends`
 * resolves first (a signal, the program's end); resolves with what ended it. Does not stop it.
 */
export async function watchUntil(watch: HeapWatch, options: CliOptions, ends: Array<Promise<string>>): Promise<string> {
  return untilEnd(options, ends, async () => {
    const early = await Promise.race([watch.start().then(() => undefined), ...ends]);
    return early ?? watch.ended().then(() => 'watch');
  });
}

/** Resolves with what came first: `watching()` ('watch' once the watch is over), one of `ends`, or the end of `--duration` ('duration'). */
export async function untilEnd(options: CliOptions, ends: Array<Promise<string>>, watching: () => Promise<string>): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const duration = options.durationS === undefined ? [] : [new Promise<string>((resolve) => (timer = setTimeout(() => resolve('duration'), options.durationS! * 1000)))];
  try {
    return await Promise.race([watching(), ...ends, ...duration]);
  } finally {
    clearTimeout(timer);
  }
}

/** Stops the watch (cancelling a snapshot in flight), waiting at most a few seconds for it. */
export async function stopWatch(watch: HeapWatch | undefined): Promise<void> {
  if (!watch) return;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([watch.stop().catch(() => undefined), new Promise((resolve) => (timer = setTimeout(resolve, STOP_WAIT_MS)))]);
  clearTimeout(timer);
}

/** The report of a watch that took samples, with `note` (why it ended, when worth saying) added. */
export async function watchReport(watch: HeapWatch, target: ReportTarget, note: string | undefined): Promise<Report> {
  const report = await watch.buildReport(target);
  if (note) (report.notes ??= []).push(note);
  return report;
}
