// A command that `leak-watch run` starts: in a process group of its own, each of its Node processes
// reporting its inspector to a NodeProcessRegistry, its output passed on without the inspector's own
// lines (the last of it kept for messages), and every process it started ended by `end()`.
import { spawn, type ChildProcess } from 'node:child_process';
import { PassThrough, type Readable } from 'node:stream';
import type { NodeProcess, NodeProcessRegistry } from './nodeProcesses';
import { endProcesses, killAllNow, type EndedProcesses } from './processTree';

/** How the command's own process ended. */
export interface CommandExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** Why no Node program could be watched: the command exited first, started none in time, or its program's inspector failed. */
export class NoNodeProgram extends Error {
  constructor(
    message: string,
    readonly why: 'exited' | 'timeout' | 'inspector',
  ) {
    super(message);
    this.name = 'NoNodeProgram';
  }
}

/** The lines Node's inspector writes on the program's stderr (not the program's own). */
const INSPECTOR_LINE = /^(Debugger listening on ws:\/\/\S+|For help, see: https:\/\/nodejs\.org\/en\/docs\/inspector|Debugger attached\.|Debugger ending on ws:\/\/\S+|Waiting for the debugger to disconnect\.\.\.)\r?$/;
/** The program's stderr kept for messages (characters). */
const TAIL_CHARS = 4096;
/** After the command exits, how long reports still on their way may take. */
const LATE_REPORT_MS = 500;

/** "code 3", "signal SIGSEGV". */
export function describeExit(exit: CommandExit): string {
  return exit.signal ? `signal ${exit.signal}` : `code ${exit.code}`;
}

/** A command started with every Node process in it reporting its inspector. */
export class ProgramRun {
  /** The command's stdout, as it writes it. */
  readonly stdout: Readable;
  /** The command's stderr without the inspector's lines. */
  readonly stderr = new PassThrough();
  /** Resolves once the command's own process has exited. */
  readonly exited: Promise<CommandExit>;
  /** Resolves once its stdout and stderr have ended (no process holds them any more). */
  readonly outputEnded: Promise<void>;
  private tail = '';

  private constructor(
    readonly child: ChildProcess,
    private readonly registry: NodeProcessRegistry,
    /** The command as the user gave it, for messages. */
    readonly commandLine: string,
  ) {
    this.stdout = child.stdout!;
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    this.outputEnded = new Promise((resolve) => child.once('close', () => resolve()));
    this.filterStderr(child.stderr!);
  }

  /**
   * Starts `command` (a `.js`/`.mjs`/`.cjs` file runs with this Node) in a process group of its own,
   * its Node processes reporting to `registry`; rejects when it cannot be started at all.
   */
  static start(command: string, args: string[], options: { registry: NodeProcessRegistry; cwd?: string; env?: NodeJS.ProcessEnv }): Promise<ProgramRun> {
    const script = /\.(c|m)?js$/i.test(command);
    const file = script ? process.execPath : command;
    const argv = script ? [command, ...args] : args;
    const child = spawn(file, argv, { cwd: options.cwd, env: options.registry.environment(options.env ?? process.env), stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const commandLine = [command, ...args].join(' ');
    return new Promise((resolve, reject) => {
      child.once('spawn', () => resolve(new ProgramRun(child, options.registry, commandLine)));
      child.once('error', (error) => reject(new Error(`Could not start "${commandLine}": ${error.message}. Check the command and the working folder.`)));
    });
  }

  /** How the command's own process ended, once it has. */
  get exit(): CommandExit | undefined {
    const { exitCode: code, signalCode: signal } = this.child;
    return code === null && signal === null ? undefined : { code, signal };
  }

  /** The last lines the command wrote on stderr (the inspector's left out), at most `lines`. */
  outputTail(lines = 12): string[] {
    return this.tail.replace(/\s+$/, '').split('\n').slice(-lines).filter((line, k, all) => line || k < all.length - 1);
  }

  /**
   * The first Node process of the command that is its program (not a package manager; `chosen`
   * says which count), once it has reported an open inspector. Rejects with NoNodeProgram when the
   * command exits first, starts none within `timeoutMs`, or the program could not open its inspector.
   */
  nodeProgram(timeoutMs: number, chosen: (p: NodeProcess) => boolean = (p) => !p.packageManager): Promise<NodeProcess> {
    return new Promise((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      let lateTimer: NodeJS.Timeout | undefined;
      const finish = () => {
        clearTimeout(timer);
        clearTimeout(lateTimer);
        this.registry.off('started', check);
      };
      const fail = (error: NoNodeProgram) => {
        finish();
        reject(error);
      };
      function check(): boolean {
        const p = registry.processes.find((q) => chosen(q) && (q.inspectorUrl || q.inspectorError));
        if (!p) return false;
        finish();
        if (p.inspectorUrl) resolve(p);
        else reject(new NoNodeProgram(`Node process ${p.pid} (${p.argv.join(' ')}) could not open its inspector: ${p.inspectorError}.`, 'inspector'));
        return true;
      }
      const registry = this.registry;
      registry.on('started', check);
      if (check()) return;
      timer = setTimeout(
        () =>
          fail(
            new NoNodeProgram(
              `"${this.commandLine}" started no Node.js program within ${Math.round(timeoutMs / 1000)} s. Leak Watch watches Node.js programs; ` +
                'a command whose Node processes ignore NODE_OPTIONS cannot be watched.',
              'timeout',
            ),
          ),
        timeoutMs,
      );
      void this.exited.then((exit) => {
        lateTimer = setTimeout(() => {
          if (!check()) fail(new NoNodeProgram(`"${this.commandLine}" exited (${describeExit(exit)}) before it started a Node.js program.`, 'exited'));
        }, LATE_REPORT_MS);
      });
    });
  }

  /** Ends every process the command started (its group, the Node processes it reported, their descendants): SIGTERM, then SIGKILL. */
  end(): Promise<EndedProcesses> {
    return endProcesses(this.child.pid, this.runningPids());
  }

  /** SIGKILL to every process the command started, now (for a CLI that must exit at once). */
  killNow(): void {
    killAllNow(this.child.pid, this.runningPids());
  }

  private runningPids(): number[] {
    const pids = this.registry.processes.filter((p) => !p.ended).map((p) => p.pid);
    if (!this.exit && this.child.pid) pids.push(this.child.pid);
    return pids;
  }

  /** Passes stderr on line by line without the inspector's lines; a partial line goes on after a short pause (a prompt). */
  private filterStderr(raw: Readable): void {
    let partial = '';
    let timer: NodeJS.Timeout | undefined;
    const out = (text: string) => {
      if (!text) return;
      this.tail = (this.tail + text).slice(-TAIL_CHARS);
      this.stderr.write(text);
    };
    const flushPartial = () => {
      out(partial);
      partial = '';
    };
    raw.setEncoding('utf8');
    raw.on('data', (text: string) => {
      clearTimeout(timer);
      const lines = (partial + text).split('\n');
      partial = lines.pop()!;
      out(lines.filter((line) => !INSPECTOR_LINE.test(line)).map((line) => `${line}\n`).join(''));
      if (partial) timer = setTimeout(flushPartial, 50);
    });
    raw.on('end', () => {
      clearTimeout(timer);
      if (!INSPECTOR_LINE.test(partial)) flushPartial();
      this.stderr.end();
    });
  }
}
