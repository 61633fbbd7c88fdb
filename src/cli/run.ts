// `leak-watch run`: start a command, watch the Node program it runs (not a package manager that
// starts it), report, and end every process the command started, on every path.
import { connectWebSocket, type CdpConnection } from '../core/cdp/connection';
import { NodeProcessRegistry, type NodeProcess } from '../core/cdp/nodeProcesses';
import { describeExit, NoNodeProgram, ProgramRun, type CommandExit } from '../core/cdp/programRun';
import type { EndedProcesses } from '../core/cdp/processTree';
import type { SnapshotAnalyzer } from '../core/worker/analyzer';
import type { HeapWatch } from '../core/watch';
import type { CliOptions } from './args';
import { EXIT } from './args';
import { Interrupted, signalExitCode, type Interrupts } from './interrupts';
import type { Progress } from './progress';
import { startWatch, stopWatch, watchReport, watchUntil, type WatchOutcome } from './watching';

/** How long a command may take to start its Node program. */
const DISCOVERY_MS = 20_000;
/** How long a program that finished by itself may take to exit once detached (its exit code and last words). */
const OWN_EXIT_MS = 3000;

/** Runs the command of `options.operands`, watches its program, ends its processes; never leaves one behind. */
export async function runCommand(options: CliOptions, analyzer: SnapshotAnalyzer, progress: Progress, interrupts: Interrupts, saveSnapshotsDir?: string): Promise<WatchOutcome> {
  const [command, ...args] = options.operands;
  const printed = new Set<string>();
  const registry = await NodeProcessRegistry.open();
  let run: ProgramRun | undefined;
  let program: NodeProcess | undefined;
  let connection: CdpConnection | undefined;
  let watch: HeapWatch | undefined;
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
    program = await Promise.race([started.nodeProgram(DISCOVERY_MS), interrupts.rejection()]);
    if (program.pid !== started.child.pid) progress.update(`watching Node process ${program.pid} (${program.argv.join(' ')}), started by ${started.commandLine}`);
    const gone = programGone(registry, program).then(() => 'program');
    connection = await Promise.race([connectWebSocket(loopbackUrl(program.inspectorUrl!)), gone.then(() => Promise.reject(new Error('gone'))), interrupts.rejection()]);
    watch = startWatch(connection, analyzer, options, progress, printed, saveSnapshotsDir);
    endedBy = await watchUntil(watch, options, [interrupts.first, gone]);
  } catch (error) {
    failure = error;
  } finally {
    interrupts.urgently();
    progress.done();
    await stopWatch(watch);
    connection?.close();
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
  if (!watch?.samples.length) {
    if (failure instanceof Interrupted || (signal && !failure)) return outcome({ error: `Interrupted by ${signal} before the first snapshot.`, exitCode: signalExitCode(signal!) });
    if (exit) {
      const before = watch ? 'a snapshot could be taken' : 'leak-watch could attach';
      return outcome({ error: exit.code === 0 ? `The program (pid ${program!.pid}) exited (code 0) before ${before}; ${KEEPS_RUNNING}` : `The program (pid ${program!.pid}) ${exitWords(exit)} before ${before}${because}` });
    }
    if (failure instanceof NoNodeProgram && failure.why === 'exited') {
      const commandExit = run!.exit!;
      return outcome({
        error: commandExit.code === 0 ? `"${run!.commandLine}" exited (code 0) before it ran a Node.js program that leak-watch could watch; ${KEEPS_RUNNING}` : `"${run!.commandLine}" ${exitWords(commandExit)} before leak-watch could watch its Node.js program${because}`,
      });
    }
    const reason = failure instanceof Error ? failure.message : watch?.endedBecause && !/^Stopped/.test(watch.endedBecause) ? watch.endedBecause : 'No snapshot could be taken.';
    return outcome({ error: reason });
  }
  const n = watch.samples.length;
  const snapshots = `${n} snapshot${n === 1 ? '' : 's'}`;
  const note = exit
    ? `The program (pid ${program!.pid}) ${exitWords(exit)} after ${snapshots}${exit.code === 0 ? '.' : because}`
    : endedBy === 'SIGINT' || endedBy === 'SIGTERM' || endedBy === 'SIGHUP'
      ? `Stopped by ${endedBy} after ${snapshots}.`
      : watch.endedBecause && !/^(Stopped;|Stopped before|Took)/i.test(watch.endedBecause) ? watch.endedBecause : undefined;
  const report = await watchReport(watch, { kind: 'run', description: options.operands.join(' '), pid: program?.pid }, note);
  const failed = (!!exit && exit.code !== 0) || (failure !== undefined && !(failure instanceof Interrupted));
  return outcome({
    report,
    error: failure instanceof Error && !(failure instanceof Interrupted) && !exit ? failure.message : undefined,
    exitCode: failed ? EXIT.failure : EXIT.ok,
    program: { argv: program?.argv, cwd: process.cwd() },
  });
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

/** Resolves once the watched process is gone. */
function programGone(registry: NodeProcessRegistry, program: NodeProcess): Promise<void> {
  if (program.ended) return Promise.resolve();
  return new Promise((resolve) => {
    const onEnded = (p: NodeProcess) => {
      if (p !== program) return;
      registry.off('ended', onEnded);
      resolve();
    };
    registry.on('ended', onEnded);
  });
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

/** The inspector URL to connect to: one listening on every address is reached through 127.0.0.1. */
function loopbackUrl(url: string): string {
  const u = new URL(url);
  if (u.hostname === '0.0.0.0' || u.hostname === '[::]') u.hostname = '127.0.0.1';
  return u.toString();
}
