// The `leak-watch` command line: run / attach / analyze around the same core the extension uses.
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { constants as osConstants } from 'node:os';
import { resolve } from 'node:path';
import { analyzeSnapshotFiles } from '../core/analyzeFiles';
import { connectWebSocket } from '../core/cdp/connection';
import { resolveEndpoint, spawnInspected, type InspectedProcess } from '../core/cdp/endpoints';
import type { Report, ReportTarget } from '../core/report';
import { SnapshotAnalyzer } from '../core/worker/analyzer';
import { HeapWatch } from '../core/watch';
import { EXIT, HELP, parseCli, UsageError, type CliOptions } from './args';
import { formatBytes } from '../core/format';
import { formatReport } from './format';
import { Progress } from './progress';

declare const LEAK_WATCH_VERSION: string | undefined;

/** Runs the CLI; resolves with the exit code. */
export async function main(argv: string[]): Promise<number> {
  let options: CliOptions;
  try {
    options = parseCli(argv);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`leak-watch: ${e.message} (see leak-watch --help)\n`);
      return EXIT.usage;
    }
    throw e;
  }
  if (options.command === 'help') {
    process.stdout.write(`${HELP}\n`);
    return EXIT.ok;
  }
  if (options.command === 'version') {
    process.stdout.write(`${typeof LEAK_WATCH_VERSION === 'string' ? LEAK_WATCH_VERSION : 'dev'}\n`);
    return EXIT.ok;
  }
  const analyzer = new SnapshotAnalyzer();
  try {
    const report =
      options.command === 'analyze' ? await analyzeFiles(options, analyzer) : await watchProgram(options, analyzer);
    await emit(report, options);
    if (options.allocationSites === 'off') for (const leak of report.leaks) leak.allocationSites = [];
    const leaking = report.types.some((t) => t.verdict === 'leak');
    return leaking && options.failOnLeak ? EXIT.leak : EXIT.ok;
  } catch (e) {
    process.stderr.write(`leak-watch: ${(e as Error)?.message ?? String(e)}\n`);
    return e instanceof UsageError ? EXIT.usage : EXIT.failure;
  } finally {
    await analyzer.dispose();
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

/** `run` and `attach`: watch a live program. */
async function watchProgram(options: CliOptions, analyzer: SnapshotAnalyzer): Promise<Report> {
  let program: InspectedProcess | undefined;
  let programFinished: Promise<void> | undefined;
  let target: ReportTarget;
  let wsUrl: string;
  if (options.command === 'run') {
    const [command, ...args] = options.operands;
    program = await spawnInspected(command, args);
    program.stdout.pipe(process.stderr, { end: false });
    const child = program;
    programFinished = new Promise<void>((r) => {
      // A finished program with a debugger attached waits for it to detach instead of exiting.
      let tail = '';
      child.stderr.on('data', (d: Buffer) => {
        tail = (tail + d.toString()).slice(-200);
        if (/Waiting for the debugger to disconnect/.test(tail)) r();
      });
      child.child.once('exit', () => r());
    });
    wsUrl = program.wsUrl;
    target = { kind: 'run', description: options.operands.join(' '), pid: program.child.pid };
  } else {
    wsUrl = await resolveEndpoint(options.operands[0], { allowRemote: options.allowRemote }).catch((e: Error) => {
      throw /remote hosts explicitly/.test(e.message) ? new Error(`${e.message.replace(/\.?$/, '')} with --allow-remote.`) : e;
    });
    target = { kind: 'attach', description: options.operands[0] };
  }
  const exited = program ? new Promise<number | null>((r) => program!.child.once('exit', (code) => r(code))) : undefined;
  const connection = await connectWebSocket(wsUrl).catch(async (e: Error) => {
    if (program && (program.child.exitCode !== null || program.child.signalCode !== null)) {
      throw new Error(`The program exited (code ${program.child.exitCode ?? program.child.signalCode}) before leak-watch could attach; leak-watch needs a program that keeps running (a server, a loop).`);
    }
    await stopProgram(program, exited);
    throw e;
  });
  const watch = new HeapWatch(connection, analyzer, {
    maxSamples: options.durationS === undefined ? (options.samples ?? 6) : undefined,
    intervalMs: options.intervalS === undefined ? 0 : options.intervalS * 1000,
    pauseBudget: options.pauseBudget,
    forceGc: options.forceGc,
    trackAllocations: options.allocationSites === 'precise',
    saveSnapshotsDir: options.saveSnapshots ? resolve(options.saveSnapshots) : undefined,
  });
  const progress = new Progress(options.quiet);
  const total = options.durationS === undefined ? (options.samples ?? 6) : undefined;
  watch.on('sample', (s) =>
    progress.update(
      `sample ${s.index + 1}${total ? ` of ${total}` : ''}: heap ${formatBytes(s.heapUsed)}, ${s.nodes.toLocaleString('en-US')} objects, pause ${Math.round(s.pauseMs)} ms`,
    ),
  );
  watch.on('note', (n) => progress.note(n));
  watch.on('error', (e) => progress.note(`error: ${e.message}`));
  const interrupted = new Promise<void>((r) => {
    process.once('SIGINT', r);
    process.once('SIGTERM', r);
  });
  let durationTimer: NodeJS.Timeout | undefined;
  let finished = false;
  try {
    const starting = watch.start();
    if (programFinished) await Promise.race([starting, programFinished.then(() => (finished = true))]);
    else await starting;
    const waits: Promise<unknown>[] = [watch.ended(), interrupted];
    if (programFinished) waits.push(programFinished.then(() => (finished = true)));
    if (options.durationS !== undefined) waits.push(new Promise((r) => (durationTimer = setTimeout(r, options.durationS! * 1000))));
    await Promise.race(waits);
    await watch.stop();
  } finally {
    if (durationTimer) clearTimeout(durationTimer);
    progress.done();
  }
  const reason = finished ? 'The program finished.' : watch.endedBecause;
  if (watch.samples.length === 0) {
    connection.close();
    await stopProgram(program, exited);
    throw new Error(finished ? 'The program finished before a snapshot could be taken; leak-watch needs a program that keeps running (a server, a loop).' : reason && !/^Stopped/.test(reason) ? reason : 'No snapshot could be taken.');
  }
  const report = await watch.buildReport(target);
  connection.close();
  await stopProgram(program, exited);
  if (reason && !/^(Stopped|Took)/i.test(reason)) (report.notes ??= []).push(reason);
  return report;
}

/** Stops a program that `run` started (SIGTERM, then SIGKILL). */
async function stopProgram(program: InspectedProcess | undefined, exited: Promise<number | null> | undefined): Promise<void> {
  if (!program || program.child.exitCode !== null || program.child.signalCode !== null) return;
  program.child.kill('SIGTERM');
  const killed = await Promise.race([exited!.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 3000))]);
  if (!killed) program.child.kill('SIGKILL');
}

/** Prints the report and writes the JSON where asked. */
async function emit(report: Report, options: CliOptions): Promise<void> {
  const json = `${JSON.stringify(report, null, 2)}\n`;
  if (options.json === '-') {
    process.stderr.write(`${formatReport(report, options.top)}\n`);
    await write(process.stdout, json);
    return;
  }
  process.stdout.write(`${formatReport(report, options.top)}\n`);
  if (options.json) {
    const out = createWriteStream(resolve(options.json));
    await write(out, json);
    await new Promise<void>((r, j) => out.end((e?: Error | null) => (e ? j(e) : r())));
  }
}

function write(stream: NodeJS.WritableStream, text: string): Promise<void> {
  return new Promise((r, j) => stream.write(text, (e) => (e ? j(e) : r())));
}

/**
 * With `LEAK_WATCH_HUGE_PAGES=1`, `analyze` runs again in a child process whose glibc gives its big
 * arrays transparent huge pages (`GLIBC_TUNABLES=glibc.malloc.hugetlb=1`, glibc 2.35+; ignored
 * elsewhere). Off by default: measured on a machine whose memory had been used before, it was
 * slower (150 MB 1.36 s against 1.28 s, 600 MB 5.23 s against 4.80 s: the kernel's time doubled);
 * it paid only on a freshly booted VM, where the first touch of each page is ~7× dearer. Not where
 * the user chose tunables, nor off Linux, nor for `run`/`attach` (long-lived, stopped by a signal).
 */
function hugePagesChild(argv: string[]): Promise<number> | null {
  if (process.platform !== 'linux' || process.env.GLIBC_TUNABLES !== undefined || process.env.LEAK_WATCH_HUGE_PAGES !== '1') return null;
  if (argv[0] !== 'analyze') return null;
  const child = spawn(process.execPath, [...process.execArgv, __filename, ...argv], {
    stdio: 'inherit',
    env: { ...process.env, GLIBC_TUNABLES: 'glibc.malloc.hugetlb=1' },
  });
  return new Promise((resolveExit) => {
    child.on('error', () => resolveExit(-1));
    child.on('exit', (code, signal) => resolveExit(signal ? 128 + (osConstants.signals[signal] ?? 0) : (code ?? EXIT.failure)));
  });
}

if (require.main === module) {
  // Exit explicitly once the report is out (writes to files and pipes are synchronous on Linux, and
  // emit() awaited its writes): a program that is gone may leave sockets half-closed.
  const exit = (code: number) => process.exit(code);
  const run = () =>
    main(process.argv.slice(2)).then(exit, (e) => {
      process.stderr.write(`leak-watch: ${(e as Error)?.stack ?? String(e)}\n`);
      exit(EXIT.failure);
    });
  const child = hugePagesChild(process.argv.slice(2));
  if (!child) void run();
  else void child.then((code) => (code < 0 ? run() : exit(code))); // -1: the child could not start; analyze here
}
