// `leak-watch run`: start a command, watch the Node program it runs (every isolate of its processes
// that are not package managers, or those --process names), report, and end every process the
// command started, on every path.
import { NodeProcessRegistry, type NodeProcess } from '../core/cdp/nodeProcesses';
import { describeExit, NoNodeProgram, ProgramRun, type CommandExit } from '../core/cdp/programRun';
import type { EndedProcesses } from '../core/cdp/processTree';
import { joinCommandProcesses, processChooser } from '../core/processIsolates';
import { describeIsolate } from '../core/programReport';
import { ProgramWatch, type IsolateAnalyzer, type WatchedIsolate } from '../core/programWatch';
import type { CliOptions } from './args';
import { EXIT } from './args';
import { Interrupted, signalExitCode, type Interrupts } from './interrupts';
import type { Progress } from './progress';
import type { WatchKeys } from './keys';
import { listenToKeys, showWatch, untilEnd, watchOptions, type WatchOutcome } from './watching';

/** How long a command may take to start its Node program. */
const DISCOVERY_MS = 20_000;
/** How long a program that finished by itself may take to exit once detached (its exit code and last words). */
const OWN_EXIT_MS = 3000;
/** How long stopping the watches may take before the CLI goes on without them. */
const STOP_WAIT_MS = 5000;

/** Runs the command of `options.operands`, watches its program, ends its processes; never leaves one behind. */
export async function runCommand(options: CliOptions, newAnalyzer: () => IsolateAnalyzer, progress: Progress, interrupts: Interrupts, saveSnapshotsDir?: string): Promise<WatchOutcome> {
  const [command, ...args] = options.operands;
  const printed = new Set<string>();
  const chosen = processChooser(options.processes);
  const registry = await NodeProcessRegistry.open();
  let run: ProgramRun | undefined;
  let program: NodeProcess | undefined;
  let watch: ProgramWatch | undefined;
  let keys: WatchKeys | undefined;
  let stopJoining: (() => void) | undefined;
  let endedBy: string | undefined;
  let failure: unknown;
  let ended: EndedProcesses | undefined;
  let exit: CommandExit | undefined;
  try {
    run = await ProgramRun.start(command, args, { registry });
    const started = run;
    started.stdout.on('data', (d: Buffer) => progress.passThrough(d));
    started.stderr.on('data', (d: string) => progress.passThrough(d));
    interrupts.beforeExitNow = (why) => {
      started.killNow();
      registry.closeNow();
      progress.note(`leak-watch: ${why}: killed the program's processes at once; no report.`);
      return started.exited; // reaped, not left a zombie
    };
    program = await Promise.race([started.nodeProgram(DISCOVERY_MS, chosen).catch((e: unknown) => Promise.reject(noneChosen(e, options, registry))), interrupts.rejection()]);
    if (program.pid !== started.child.pid) progress.update(`watching Node process ${program.pid} (${program.argv.join(' ')}), started by ${started.commandLine}`);
    keys = listenToKeys(() => watch, options, progress);
    const programWatch = new ProgramWatch({ watch: watchOptions(options, saveSnapshotsDir, keys), createAnalyzer: newAnalyzer });
    watch = programWatch;
    showProgress(programWatch, options, progress, printed);
    stopJoining = joinCommandProcesses(programWatch, registry, chosen);
    endedBy = await untilEnd(options, [interrupts.first], () => programWatch.settled().then(() => 'watch'));
  } catch (error) {
    failure = error;
  } finally {
    interrupts.urgently();
    keys?.dispose();
    progress.done();
    await stopProgram(watch);
    stopJoining?.();
    if (run) {
      // A program that finished by itself exits once detached: wait for its exit code and last words.
      if (program && programEnding(program)) {
        await settled(run.exited, OWN_EXIT_MS);
        exit = programExit(run, program);
      }
      ended = await run.end();
      await settled(run.outputEnded, 1000);
      sayEnded(progress, ended, run.commandLine);
    }
    await registry.close();
  }
  const signal = interrupts.signal;
  const cause = run ? causeIn(run.outputTail(40)) : undefined;
  const because = cause ? `: ${cause}` : '.';
  const outcome = (fields: Partial<WatchOutcome>): WatchOutcome => ({ printed, exitCode: EXIT.failure, ...fields });
  if (ended?.survivors.length) failure = new Error(`Could not end processes ${ended.survivors.join(', ')} (still running after SIGKILL); end them yourself.`);
  const isolates = watch?.isolates ?? [];
  const taken = isolates.reduce((n, i) => n + i.watch.samples.length, 0);
  // The program's main isolate: the first process's main thread.
  const main = isolates.find((i) => i.info.pid === program?.pid && i.info.threadId === 0);
  if (!taken) {
    if (failure instanceof Interrupted || (signal && !failure)) return outcome({ error: `Interrupted by ${signal} before the first snapshot.`, exitCode: signalExitCode(signal!) });
    if (exit) {
      const before = main ? 'a snapshot could be taken' : 'leak-watch could attach';
      return outcome({ error: exit.code === 0 ? `The program (pid ${program!.pid}) exited (code 0) before ${before}; ${KEEPS_RUNNING}` : `The program (pid ${program!.pid}) ${exitWords(exit)} before ${before}${because}` });
    }
    if (failure instanceof NoNodeProgram && failure.why === 'exited') {
      const commandExit = run!.exit!;
      return outcome({
        error: commandExit.code === 0 ? `"${run!.commandLine}" exited (code 0) before it ran a Node.js program that leak-watch could watch; ${KEEPS_RUNNING}` : `"${run!.commandLine}" ${exitWords(commandExit)} before leak-watch could watch its Node.js program${because}`,
      });
    }
    const why = main?.watch.endedBecause ?? isolates.find((i) => i.watch.endedBecause)?.watch.endedBecause ?? watch?.notes[0];
    const reason = failure instanceof Error ? failure.message : why && !/^Stopped/.test(why) ? why : 'No snapshot could be taken.';
    return outcome({ error: reason });
  }
  const n = main?.watch.samples.length ?? 0;
  const snapshots = (k: number) => `${k} snapshot${k === 1 ? '' : 's'}`;
  const mainEnd = main?.watch.endedBecause;
  const note = exit
    ? `The program (pid ${program!.pid}) ${exitWords(exit)} after ${snapshots(n)}${exit.code === 0 ? '.' : because}`
    : endedBy === 'SIGINT' || endedBy === 'SIGTERM' || endedBy === 'SIGHUP'
      ? `Stopped by ${endedBy} after ${snapshots(taken)}.`
      : mainEnd && !/^(Stopped;|Stopped before|Took)/i.test(mainEnd) ? mainEnd : undefined;
  const report = await watch!.buildReport({ kind: 'run', description: options.operands.join(' '), pid: program?.pid });
  if (note) (report.notes ??= []).push(note);
  const failed = (!!exit && exit.code !== 0) || (failure !== undefined && !(failure instanceof Interrupted));
  return outcome({
    report,
    error: failure instanceof Error && !(failure instanceof Interrupted) && !exit ? failure.message : undefined,
    exitCode: failed ? EXIT.failure : EXIT.ok,
    program: { argv: program?.argv, cwd: process.cwd() },
  });
}

/** The program's samples, isolates, notes and errors on `progress`: the first isolate's as before, the others' named. */
function showProgress(watch: ProgramWatch, options: CliOptions, progress: Progress, printed: Set<string>): void {
  const named = (isolate: WatchedIsolate | undefined) => (isolate && isolate !== watch.isolates[0] ? `${describeIsolate(isolate.info)}: ` : '');
  const show = (text: string, isolate: WatchedIsolate | undefined) => {
    printed.add(text);
    progress.note(`leak-watch: ${named(isolate)}${text}`);
  };
  watch.on('isolate', (isolate) => {
    if (isolate !== watch.isolates[0]) progress.update(`watching ${describeIsolate(isolate.info)}, ${isolate.info.title}`);
    showWatch(isolate.watch, options, progress, named(isolate));
  });
  watch.on('note', (text, isolate) => show(text, isolate));
  watch.on('error', (e, isolate) => show(e.message, isolate));
  watch.on('isolateEnd', (isolate) => {
    const end = isolate.info.end;
    if (end?.how === 'exited' && isolate !== watch.isolates[0]) {
      const k = isolate.watch.samples.length;
      progress.update(`${describeIsolate(isolate.info)} ended after ${k} sample${k === 1 ? '' : 's'} (kept)`);
    }
  });
}

/** Stops every isolate's watch (cancelling snapshots in flight), waiting at most a few seconds. */
async function stopProgram(watch: ProgramWatch | undefined): Promise<void> {
  if (!watch) return;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([watch.stop().catch(() => undefined), new Promise((resolve) => (timer = setTimeout(resolve, STOP_WAIT_MS)))]);
  clearTimeout(timer);
}

/** With --process, a command that started no chosen process within the time says which it did start. */
function noneChosen(error: unknown, options: CliOptions, registry: NodeProcessRegistry): unknown {
  if (!(error instanceof NoNodeProgram) || error.why !== 'timeout' || !options.processes.length) return error;
  const seen = registry.processes.map((p) => `${p.pid} (${p.argv.join(' ')})`);
  return new NoNodeProgram(
    `No Node process of "${options.operands.join(' ')}" matched --process ${options.processes.join(', ')} within ${DISCOVERY_MS / 1000} s` +
      `${seen.length ? `; it started ${seen.join(', ')}` : ''}. Give --process a pid or a part of the command line of one of them.`,
    'timeout',
  );
}

const KEEPS_RUNNING = 'leak-watch needs a program that keeps running (a server, a loop).';

/**
 * The line of a program's last output that says why it failed: the last JavaScript error line
 * (`Error: Cannot find module …`), else npm's first error line, else the last line that is not a
 * stack frame or Node's version.
 */
export function causeIn(tail: string[]): string | undefined {
  const lines = tail.map((l) => l.trim()).filter(Boolean);
  const jsError = [...lines].reverse().find((l) => /^(Uncaught )?([A-Z]\w*)?(Error|Exception)\b/.test(l));
  if (jsError) return jsError;
  const npmError = lines.find((l) => /^npm (error|ERR!) \S/.test(l));
  if (npmError) return npmError;
  return [...lines].reverse().find((l) => !/^at\s|^Node\.js v\d/.test(l));
}

/** Whether the program is finishing by itself: it said its exit code, or it is gone. */
function programEnding(program: NodeProcess): boolean {
  return program.exitCode !== undefined || program.ended;
}

/** How the watched program, finishing by itself, ended: its exit code, or the signal that ended it (null, null: it could not say). */
function programExit(run: ProgramRun, program: NodeProcess): CommandExit {
  if (program.pid === run.child.pid && run.exit) return run.exit;
  return { code: program.exitCode ?? null, signal: null };
}

function exitWords(exit: CommandExit): string {
  if (exit.code === 0) return 'exited (code 0)';
  if (exit.code === null && exit.signal === null) return 'ended without an exit code (killed by a signal?)';
  return exit.signal ? `was ended by ${exit.signal}` : `exited with ${describeExit(exit)}`;
}

/** Says which of the command's processes the CLI ended, and whether any is left. */
function sayEnded(progress: Progress, ended: EndedProcesses, commandLine: string): void {
  if (ended.ended.length) {
    const n = ended.ended.length;
    progress.note(`leak-watch: ended ${n === 1 ? 'the process' : `the ${n} processes`} of "${commandLine}" (pid${n === 1 ? '' : 's'} ${ended.ended.join(', ')}).`);
  }
  if (ended.survivors.length) progress.note(`leak-watch: processes ${ended.survivors.join(', ')} of "${commandLine}" are still running after SIGKILL.`);
}

/** Resolves when `promise` settles or `ms` pass, whichever is first. */
async function settled(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([promise.catch(() => undefined), new Promise((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}
