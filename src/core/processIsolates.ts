// The isolates of the Node processes a command runs, joined to a ProgramWatch: each process's main
// thread over its own inspector, and each of its worker threads through the NodeWorker domain of
// that connection (Node has no NodeWorker domain inside a worker: a worker's own workers are not reached).
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CdpConnection, connectWebSocket } from './cdp/connection';
import type { NodeProcess, NodeProcessRegistry } from './cdp/nodeProcesses';
import { NodeWorkerTransport, workerThreadId, type AttachedToWorker } from './cdp/nodeWorkerTransport';
import { describeIsolate } from './programReport';
import type { ProgramWatch, WatchedIsolate } from './programWatch';

/** A Node process as the watch needs it: who it is, and where its inspector listens. */
export type WatchableProcess = Pick<NodeProcess, 'pid' | 'ppid' | 'argv'> & { inspectorUrl: string };

/** Opens the connection to a process's inspector (tests may pass their own). */
export type Connect = (url: string) => Promise<CdpConnection>;

/** The main thread and worker threads of one process, in a ProgramWatch. */
export class ProcessIsolates {
  private readonly workers = new Map<string, { isolate?: WatchedIsolate; connection: CdpConnection }>();
  private finishedProgram = false;

  private constructor(
    private readonly program: ProgramWatch,
    readonly process: WatchableProcess,
    readonly connection: CdpConnection,
    /** The main thread, when the program took it. */
    readonly main: WatchedIsolate | undefined,
  ) {}

  /**
   * Connects to `process`'s inspector and joins its main thread and worker threads to `program`
   * (workers that start later join as they start). Undefined when the program takes no more
   * isolates (the connection is then closed); rejects when the inspector cannot be reached.
   */
  static async join(program: ProgramWatch, process: WatchableProcess, connect: Connect = defaultConnect): Promise<ProcessIsolates | undefined> {
    const joined = program.joining();
    try {
      const connection = await connect(loopbackUrl(process.inspectorUrl));
      const main = program.watchIsolate(mainIdentity(process), connection);
      if (!main) {
        connection.close();
        return undefined;
      }
      const isolates = new ProcessIsolates(program, process, connection, main);
      await isolates.watchWorkers();
      return isolates;
    } finally {
      joined();
    }
  }

  /** The isolates of this process that joined: its main thread, then its workers. */
  get isolates(): WatchedIsolate[] {
    return [this.main, ...[...this.workers.values()].map((w) => w.isolate)].filter((i): i is WatchedIsolate => i !== undefined);
  }

  /** The process has ended (its exit code, when it said it). */
  exited(exitCode?: number): void {
    for (const isolate of this.isolates) this.program.isolateExited(isolate, exitCode);
  }

  /** Closes the connections (the process runs on). */
  close(): void {
    for (const w of this.workers.values()) w.connection.close();
    this.connection.close();
  }

  private async watchWorkers(): Promise<void> {
    const { connection } = this;
    // Before any worker's transport listens: a worker's end is recorded before its watch hears of it.
    connection.onRaw('NodeWorker.detachedFromWorker', (params) => {
      const worker = this.workers.get(String((params as { sessionId?: unknown })?.sessionId));
      if (worker?.isolate) this.program.isolateExited(worker.isolate);
    });
    connection.onRaw('NodeWorker.attachedToWorker', (params) => this.workerStarted(params as AttachedToWorker));
    // The program is done (it waits for the debugger to go): once its watch has ended, let it exit.
    connection.onRaw('NodeRuntime.waitingForDisconnect', () => {
      this.finishedProgram = true;
      if (this.main) this.program.isolateExited(this.main);
      void this.main?.finished.then(() => this.connection.close());
    });
    try {
      await connection.sendRaw('NodeWorker.enable', { waitForDebuggerOnStart: false }, { timeoutMs: 10_000 });
    } catch (error) {
      if (!connection.closed) this.program.note(`The worker threads of ${describeIsolate(mainIdentity(this.process))} cannot be watched: ${(error as Error)?.message ?? String(error)}`);
    }
  }

  private workerStarted(attached: AttachedToWorker): void {
    const { sessionId, workerInfo } = attached ?? {};
    if (typeof sessionId !== 'string' || !workerInfo || this.workers.has(sessionId) || this.finishedProgram) return;
    const threadId = workerThreadId(workerInfo) ?? this.workers.size + 1;
    const identity = { pid: this.process.pid, threadId, entry: workerEntry(String(workerInfo.url ?? '')), title: String(workerInfo.title ?? `[worker ${threadId}]`), parentPid: this.process.pid };
    const connection = new CdpConnection(new NodeWorkerTransport(this.connection, sessionId, `worker thread ${threadId}`));
    const worker: { isolate?: WatchedIsolate; connection: CdpConnection } = { connection };
    this.workers.set(sessionId, worker);
    worker.isolate = this.program.watchIsolate(identity, connection);
    if (!worker.isolate) connection.close();
    else void worker.isolate.finished.then(() => connection.close()); // detach; the worker runs on
  }
}

/**
 * Joins the Node processes `registry` reports that `chosen` picks, now and as they start, to
 * `program`; each one's end is recorded. Returns a function that stops listening and closes their
 * connections.
 */
export function joinCommandProcesses(program: ProgramWatch, registry: NodeProcessRegistry, chosen: (p: NodeProcess) => boolean, connect: Connect = defaultConnect): () => void {
  const joined = new Map<NodeProcess, Promise<ProcessIsolates | undefined>>();
  const started = (p: NodeProcess) => {
    if (joined.has(p) || !p.inspectorUrl || !chosen(p) || program.closedToJoiners) return;
    const decided = program.joining();
    const join = ProcessIsolates.join(program, { pid: p.pid, ppid: p.ppid, argv: p.argv, inspectorUrl: p.inspectorUrl }, connect).catch(async (error: unknown) => {
      // A process that ended meanwhile (its report socket closes a moment after its inspector) is no news.
      if (!(await endsWithin(registry, p, 1000))) program.note(`Could not watch ${describeIsolate(mainIdentity(p))}: ${(error as Error)?.message ?? String(error)}`);
      return undefined;
    });
    joined.set(p, join);
    void join.finally(decided);
  };
  const ended = (p: NodeProcess) => void joined.get(p)?.then((isolates) => isolates?.exited(p.exitCode));
  registry.on('started', started);
  registry.on('ended', ended);
  for (const p of registry.processes) {
    started(p);
    if (p.ended) ended(p);
  }
  return () => {
    registry.off('started', started);
    registry.off('ended', ended);
    for (const isolates of joined.values()) void isolates.then((i) => i?.close());
  };
}

/** Resolves true once `p` has ended, false when it still runs after `ms`. */
function endsWithin(registry: NodeProcessRegistry, p: NodeProcess, ms: number): Promise<boolean> {
  if (p.ended) return Promise.resolve(true);
  return new Promise((resolve) => {
    const onEnded = (q: NodeProcess) => {
      if (q !== p) return;
      clearTimeout(timer);
      registry.off('ended', onEnded);
      resolve(true);
    };
    const timer = setTimeout(() => {
      registry.off('ended', onEnded);
      resolve(false);
    }, ms);
    registry.on('ended', onEnded);
  });
}

/**
 * Which of a command's Node processes to watch: by default every one that is not a package manager;
 * with `specs`, those whose pid is one of them or whose command line contains one.
 */
export function processChooser(specs: readonly string[] = []): (p: Pick<NodeProcess, 'pid' | 'argv' | 'packageManager'>) => boolean {
  return (p) => {
    if (p.packageManager) return false;
    if (!specs.length) return true;
    const commandLine = p.argv.join(' ');
    return specs.some((s) => (/^\d+$/.test(s) ? p.pid === Number(s) : commandLine.includes(s)));
  };
}

function mainIdentity(p: Pick<WatchableProcess, 'pid' | 'ppid' | 'argv'>) {
  const [node, script] = p.argv;
  return {
    pid: p.pid,
    threadId: 0,
    entry: script ?? '[eval]',
    title: [path.basename(node ?? 'node'), ...p.argv.slice(1)].join(' '),
    parentPid: p.ppid,
  };
}

/** A worker's script as a path (its URL is a file: URL), or the URL as it is. */
function workerEntry(url: string): string {
  if (!url.startsWith('file:')) return url || '[worker eval]';
  try {
    return fileURLToPath(url);
  } catch {
    return url;
  }
}

function defaultConnect(url: string): Promise<CdpConnection> {
  return connectWebSocket(url);
}

/** The inspector URL to connect to: one listening on every address is reached through 127.0.0.1. */
export function loopbackUrl(url: string): string {
  const u = new URL(url);
  if (u.hostname === '0.0.0.0' || u.hostname === '[::]') u.hostname = '127.0.0.1';
  return u.toString();
}
