// The `leak-watch` command line: run / attach / analyze around the same core the extension uses.
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { analyzeSnapshotFiles } from '../core/analyzeFiles';
import { compareWatches } from '../core/compare/compareWatches';
import { describeProgram } from '../core/program';
import type { Report } from '../core/report';
import { savedWatch, type SavedWatch } from '../core/savedWatch';
import { SnapshotAnalyzer } from '../core/worker/analyzer';
import { EXIT, HELP, parseCli, UsageError, type CliOptions } from './args';
import { formatBytes } from '../core/format';
import { attachTo } from './attach';
import { compareCommand, comparisonExitCode, readSavedWatchFile } from './compare';
import { formatReport, inert, inertJson, inertLines } from './format';
import { formatComparison } from './formatComparison';
import { Interrupts, signalExitCode } from './interrupts';
import { checkReportPath, prepareSnapshotFolder, writeReportFile } from './outputs';
import { Progress } from './progress';
import { runCommand } from './run';
import type { WatchOutcome } from './watching';

declare const LEAK_WATCH_VERSION: string | undefined;

/** Runs the CLI; resolves with the exit code. */
export async function main(argv: string[]): Promise<number> {
  let options: CliOptions;
  try {
    options = parseCli(argv);
  } catch (e) {
    if (e instanceof UsageError) {
      say(`${e.message} (see leak-watch --help)`);
      return EXIT.usage;
    }
    throw e;
  }
  if (options.command === 'help') {
    process.stdout.write(`${HELP}\n`);
    return EXIT.ok;
  }
  if (options.command === 'version') {
    process.stdout.write(`${leakWatchVersion()}\n`);
    return EXIT.ok;
  }
  if (options.command === 'compare') {
    try {
      if (options.json && options.json !== '-') checkReportPath(options.json);
      return await compareCommand(options);
    } catch (e) {
      say((e as Error)?.message ?? String(e));
      return EXIT.failure;
    }
  }
  const interrupts = options.command === 'analyze' ? undefined : new Interrupts();
  // One analyzer for a heap (attach, analyze), one per isolate of the program (run).
  const analyzers: SnapshotAnalyzer[] = [];
  const newAnalyzer = () => {
    const created = new SnapshotAnalyzer();
    analyzers.push(created);
    return created;
  };
  try {
    // What is written where is checked before anything starts.
    if (options.json && options.json !== '-') checkReportPath(options.json);
    const baseline = options.baseline ? readSavedWatchFile(options.baseline) : undefined;
    const snapshots = options.saveSnapshots && options.command !== 'analyze' ? prepareSnapshotFolder(options.saveSnapshots) : undefined;
    let outcome: WatchOutcome;
    if (options.command === 'analyze') outcome = { report: await analyzeFiles(options, newAnalyzer()), printed: new Set(), exitCode: EXIT.ok };
    else {
      const progress = new Progress(options.quiet);
      outcome =
        options.command === 'run'
          ? await runCommand(options, newAnalyzer, progress, interrupts!, snapshots)
          : await attachTo(options, newAnalyzer(), progress, interrupts!, snapshots);
    }
    return await finish(outcome, options, baseline);
  } catch (e) {
    say((e as Error)?.message ?? String(e));
    return e instanceof UsageError ? EXIT.usage : EXIT.failure;
  } finally {
    interrupts?.dispose();
    await Promise.all(analyzers.map((a) => a.dispose()));
  }
}

/**
 * Prints the report (or the error), writes the saved watch, compares it with the baseline when one
 * was given, and says which exit code the outcome deserves: 3 for a leak (--fail-on-leak) or a
 * comparison that fails, else the run's own code, else the comparison's.
 */
async function finish(outcome: WatchOutcome, options: CliOptions, baseline?: SavedWatch): Promise<number> {
  const { report } = outcome;
  let compared: number | undefined;
  if (report) {
    if (options.allocationSites === 'off') leaveOutAllocationSites(report);
    const program = options.command === 'analyze' ? undefined : await describeProgram(options.operands, outcome.program?.argv, outcome.program?.cwd);
    const saved = savedWatch(report, program, leakWatchVersion());
    await emit(saved, options, outcome.printed);
    if (baseline) {
      const comparison = compareWatches(baseline, saved);
      const text = `\n${formatComparison(comparison, { before: resolve(options.baseline!), after: 'this run', failOn: options.failOn })}\n`;
      (options.json === '-' ? process.stderr : process.stdout).write(text);
      compared = comparisonExitCode(comparison, options.failOn);
    }
  }
  if (outcome.error && !outcome.printed.has(outcome.error)) say(outcome.error);
  if (report && options.failOnLeak && [report, ...(report.isolates ?? [])].some((r) => r.types.some((t) => t.verdict === 'leak'))) return EXIT.leak;
  if (compared === EXIT.leak) return EXIT.leak;
  return outcome.exitCode !== EXIT.ok ? outcome.exitCode : (compared ?? EXIT.ok);
}

/** This build's version (`dev` when run from source). */
function leakWatchVersion(): string {
  return typeof LEAK_WATCH_VERSION === 'string' ? LEAK_WATCH_VERSION : 'dev';
}

/** `--no-allocation-sites`: no sites, and no evidence that names one, in the leaks and the causes. */
function leaveOutAllocationSites(report: Report): void {
  for (const explained of [report, ...(report.isolates ?? [])].flatMap((r) => [...r.leaks, ...(r.causes ?? [])])) {
    const places = explained.allocationSites.map((s) => `${s.file}:${s.line}`);
    explained.evidence = explained.evidence.filter((e) => !places.some((p) => e.includes(p)));
    explained.allocationSites = [];
  }
}

/** `analyze`: files of one process, in order → samples → report. */
async function analyzeFiles(options: CliOptions, analyzer: SnapshotAnalyzer): Promise<Report> {
  const files = options.operands.map((f) => resolve(f));
  const progress = new Progress(options.quiet);
  try {
    return await analyzeSnapshotFiles(files, analyzer, {
      onFile: (index, file) => progress.update(`reading ${index + 1} of ${files.length}: ${file}`, true),
    });
  } finally {
    progress.done();
  }
}

/** Prints the report and writes the saved watch's JSON where asked (its strings escaped as a terminal needs; the same JSON). */
async function emit(report: SavedWatch, options: CliOptions, printed: Set<string>): Promise<void> {
  const json = inertJson(`${JSON.stringify(report, null, 2)}\n`);
  const text = `${formatReport(report, options.top, printed)}\n`;
  if (options.json === '-') {
    process.stderr.write(text);
    await new Promise<void>((r, j) => process.stdout.write(json, (e) => (e ? j(e) : r())));
    return;
  }
  process.stdout.write(text);
  if (options.json) await writeReportFile(options.json, json);
}

/** One line on stderr, escaped. */
function say(message: string): void {
  process.stderr.write(`leak-watch: ${inert(message, Infinity)}\n`);
}

/** Set in the child `hugePagesChild` starts: it ends when its parent does. */
const HUGE_PAGES_CHILD = 'LEAK_WATCH_HUGE_PAGES_CHILD';

/**
 * With `LEAK_WATCH_HUGE_PAGES=1`, `analyze` runs again in a child process whose glibc gives its big
 * arrays transparent huge pages (`GLIBC_TUNABLES=glibc.malloc.hugetlb=1`, glibc 2.35+; ignored
 * elsewhere). Off by default: measured on a machine whose memory had been used before, it was
 * slower (150 MB 1.36 s against 1.28 s, 600 MB 5.23 s against 4.80 s: the kernel's time doubled);
 * it paid only on a freshly booted VM, where the first touch of each page is ~7× dearer. Not where
 * the user chose tunables, nor off Linux, nor for `run`/`attach` (long-lived, stopped by a signal).
 * A signal to the parent is passed on to the child, and the child ends when the parent is gone.
 */
function hugePagesChild(argv: string[]): Promise<number> | null {
  if (process.platform !== 'linux' || process.env.GLIBC_TUNABLES !== undefined || process.env.LEAK_WATCH_HUGE_PAGES !== '1') return null;
  if (argv[0] !== 'analyze') return null;
  const child = spawn(process.execPath, [...process.execArgv, __filename, ...argv], {
    stdio: ['inherit', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, GLIBC_TUNABLES: 'glibc.malloc.hugetlb=1', [HUGE_PAGES_CHILD]: '1' },
  });
  const forward = (signal: NodeJS.Signals) => child.kill(signal);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, forward);
  return new Promise((resolveExit) => {
    child.on('error', () => resolveExit(-1));
    child.on('exit', (code, signal) => resolveExit(signal ? signalExitCode(signal) : (code ?? EXIT.failure)));
  });
}

if (require.main === module) {
  // Exit explicitly once the report is out (writes to files and pipes are synchronous on Linux, and
  // emit() awaited its writes): a program that is gone may leave sockets half-closed.
  const exit = (code: number) => process.exit(code);
  // The huge-pages child: its parent's end (even by SIGKILL) closes the IPC channel.
  if (process.env[HUGE_PAGES_CHILD] === '1') process.on('disconnect', () => exit(EXIT.failure));
  const run = () =>
    main(process.argv.slice(2)).then(exit, (e) => {
      process.stderr.write(`leak-watch: ${inertLines((e as Error)?.stack ?? String(e))}\n`);
      exit(EXIT.failure);
    });
  const child = hugePagesChild(process.argv.slice(2));
  if (!child) void run();
  else void child.then((code) => (code < 0 ? run() : exit(code))); // -1: the child could not start; analyze here
}
