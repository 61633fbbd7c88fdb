// A watch of a whole program: one HeapWatch per isolate (each process's main thread, each worker
// thread), each with its own analyzer, samples, pause budget and end. Isolates join as they start
// and keep their samples when they end; their snapshots take turns and their memory is counted
// together. How isolates are found (a command's processes, NodeWorker sessions, js-debug's child
// sessions) is the caller's: it hands each one over with its connection.
import { EventEmitter } from 'node:events';
import * as path from 'node:path';
import type { CdpConnection } from './cdp/connection';
import type { HeapUsagePoint } from './heapLine';
import { describeIsolate, isolateKey, programReport } from './programReport';
import type { IsolateInfo, IsolateReport, Report, ReportTarget, Sample } from './report';
import { SharedAnalysisMemory, SnapshotTurns } from './snapshotTurns';
import { HeapWatch, type HeapWatchOptions, type SampleAnalyzer, type WatchSchedule } from './watch';

/** An isolate's analyzer: the watch's, and disposed once the isolate's section is built. */
export interface IsolateAnalyzer extends SampleAnalyzer {
  dispose(): Promise<void>;
}

/** Who an isolate is, as the caller that found it knows it. */
export type IsolateIdentity = Pick<IsolateInfo, 'pid' | 'threadId' | 'entry' | 'title' | 'parentPid'>;

export interface ProgramWatchOptions {
  /**
   * Each isolate's HeapWatch options. `saveSnapshotsDir` is the first isolate's folder; each other
   * isolate saves into a folder of its own inside it (`pid-<pid>`, `pid-<pid>-thread-<id>`).
   */
  watch?: Omit<HeapWatchOptions, 'snapshotTurns' | 'memoryBudgetBytes'>;
  /** A new analyzer for each isolate. */
  createAnalyzer(): IsolateAnalyzer;
  /** The most isolates watched in one program (later ones are counted in a note). Default 16. */
  maxIsolates?: number;
  /** The memory the isolates' analyses share (default: what one analysis worker may use, and the machine's free memory). */
  memory?: SharedAnalysisMemory;
}

/** The isolates watched by default at most. */
export const MAX_ISOLATES = 16;

/** One isolate of the program and its watch. */
export class WatchedIsolate {
  /** Resolves once its watch has ended and its section is built (its analyzer then disposed). */
  readonly finished: Promise<void>;
  private sectionBuilt: IsolateReport | undefined;
  private markFinished!: () => void;
  /** Resolves once its watch has started sampling; rejects when it could not start (the watch has then ended). */
  started: Promise<void> = Promise.resolve();
  /** Set when its process or thread is known to have ended, before or after its watch did. */
  exited: { exitCode?: number } | undefined;

  constructor(
    readonly info: IsolateInfo,
    readonly watch: HeapWatch,
    readonly connection: CdpConnection,
    readonly analyzer: IsolateAnalyzer,
  ) {
    this.finished = new Promise((resolve) => (this.markFinished = resolve));
  }

  /** Its section, once its watch has ended. */
  get section(): IsolateReport | undefined {
    return this.sectionBuilt;
  }

  /** True once its watch has ended and its section is built. */
  get done(): boolean {
    return this.sectionBuilt !== undefined;
  }

  /** @internal */
  settle(section: IsolateReport): void {
    this.sectionBuilt = section;
    this.markFinished();
  }
}

export interface ProgramWatchEvents {
  /** An isolate joined (its watch is starting). */
  isolate: [WatchedIsolate];
  sample: [WatchedIsolate, Sample];
  heapUsage: [WatchedIsolate, HeapUsagePoint];
  schedule: [WatchedIsolate, WatchSchedule];
  /** A note of one isolate's watch, or of the program's (no isolate). */
  note: [string, WatchedIsolate | undefined];
  error: [Error, WatchedIsolate];
  /** An isolate's watch ended; its section (`isolate.section`) is built, its samples kept. */
  isolateEnd: [WatchedIsolate];
}

/** Watches the isolates of one program, each with its own HeapWatch; see the file's header. */
export class ProgramWatch extends EventEmitter<ProgramWatchEvents> {
  readonly startedAt = new Date();
  private readonly watched: WatchedIsolate[] = [];
  private readonly turns = new SnapshotTurns();
  private readonly memory: SharedAnalysisMemory;
  private readonly maxIsolates: number;
  private readonly programNotes: string[] = [];
  private joinsUnderWay = 0;
  private joinsSeen = 0;
  private notWatched = 0;
  private closed = false;
  private stopping = false;
  private readonly settledWaiters: Array<() => void> = [];

  constructor(private readonly options: ProgramWatchOptions) {
    super();
    this.memory = options.memory ?? new SharedAnalysisMemory();
    this.maxIsolates = options.maxIsolates ?? MAX_ISOLATES;
  }

  /** The isolates that joined, in the order they did. */
  get isolates(): readonly WatchedIsolate[] {
    return this.watched;
  }

  /** Notes of the program as a whole (isolates not watched, …). */
  get notes(): readonly string[] {
    return this.programNotes;
  }

  /** True once stopped or closed to new isolates. */
  get closedToJoiners(): boolean {
    return this.closed;
  }

  /**
   * Counts a join under way (an isolate found, its connection being made), so `settled` waits for
   * it; call the function returned once it has joined or failed to.
   */
  joining(): () => void {
    this.joinsSeen++;
    this.joinsUnderWay++;
    let over = false;
    return () => {
      if (over) return;
      over = true;
      this.joinsUnderWay--;
      this.checkSettled();
    };
  }

  /**
   * Starts watching an isolate over `connection`; undefined when the watch takes no more isolates
   * (stopped, or `maxIsolates` reached: a note says so). The connection stays the caller's.
   */
  watchIsolate(identity: IsolateIdentity, connection: CdpConnection): WatchedIsolate | undefined {
    if (this.closed) return undefined;
    if (this.watched.length >= this.maxIsolates) {
      this.notWatched++;
      this.note(`${this.notWatched} isolate${this.notWatched === 1 ? '' : 's'} of the program started beyond the first ${this.maxIsolates} and ${this.notWatched === 1 ? 'was' : 'were'} not watched (the latest: ${describeIsolate(identity)}).`);
      return undefined;
    }
    const info: IsolateInfo = { key: isolateKey(identity), ...identity, startedAt: Date.now() };
    const analyzer = this.options.createAnalyzer();
    const first = this.watched.length === 0;
    const watchOptions = this.options.watch ?? {};
    const saveSnapshotsDir = watchOptions.saveSnapshotsDir && isolateSnapshotsDir(watchOptions.saveSnapshotsDir, info, first);
    // The isolate object is created below; the budget asks for it when the watch runs.
    let isolate: WatchedIsolate | undefined;
    const watch = new HeapWatch(connection, analyzer, {
      ...watchOptions,
      saveSnapshotsDir,
      snapshotTurns: this.turns,
      memoryBudgetBytes: () => Math.min(this.memory.budgetFor(isolate!), analyzer.memoryLimitBytes ?? Number.POSITIVE_INFINITY),
    });
    isolate = new WatchedIsolate(info, watch, connection, analyzer);
    const joined = isolate;
    this.watched.push(joined);
    watch.on('sample', (sample) => {
      this.memory.holds(joined, sample.snapshotBytes);
      this.emit('sample', joined, sample);
    });
    watch.on('heapUsage', (point) => this.emit('heapUsage', joined, point));
    watch.on('schedule', (schedule) => this.emit('schedule', joined, schedule));
    watch.on('note', (text) => this.emit('note', text, joined));
    watch.on('error', (error) => {
      if (this.listenerCount('error') > 0) this.emit('error', error, joined);
    });
    watch.once('end', (reason) => void this.finish(joined, reason));
    this.emit('isolate', joined);
    joined.started = watch.start();
    joined.started.catch(() => {}); // a failed start ends the watch, with the reason
    return joined;
  }

  /** Records that the process or thread of `isolate` has ended (its exit code, when known). */
  isolateExited(isolate: WatchedIsolate, exitCode?: number): void {
    isolate.exited = { ...isolate.exited, ...(exitCode !== undefined ? { exitCode } : {}) };
    const end = isolate.info.end;
    if (end && (end.how === 'exited' || end.how === 'failed') && exitCode !== undefined) {
      end.how = 'exited';
      end.exitCode = exitCode;
    }
  }

  /** Takes no more isolates (those watched go on). */
  close(): void {
    this.closed = true;
    this.checkSettled();
  }

  /**
   * Resolves once an isolate has been looked for, no join is under way and every isolate watched
   * has ended (samples taken, exited, failed).
   */
  settled(): Promise<void> {
    return new Promise((resolve) => {
      this.settledWaiters.push(resolve);
      this.checkSettled();
    });
  }

  /** Asks every isolate still watched for a snapshot now, whatever its budget says (they take turns); returns how many. */
  sampleNow(): number {
    const live = this.watched.filter((i) => !i.done);
    for (const isolate of live) isolate.watch.sampleNow();
    return live.length;
  }

  /** Every isolate still watched uses the pause budget `budget` for the next `forMs` instead of its own. */
  boostBudget(budget: number, forMs: number): void {
    for (const isolate of this.watched) if (!isolate.done) isolate.watch.boostBudget(budget, forMs);
  }

  /** Stops every isolate's watch (cancelling snapshots in flight) and waits for their sections. */
  async stop(): Promise<void> {
    this.closed = true;
    this.stopping = true;
    await Promise.all(this.watched.map((i) => i.watch.stop().catch(() => undefined)));
    await Promise.all(this.watched.map((i) => i.finished));
  }

  /**
   * The program's report: each isolate's section (built now for an isolate still watched), the
   * first isolate with samples at the top level (see `Report`).
   */
  async buildReport(target: ReportTarget): Promise<Report> {
    const sections: IsolateReport[] = [];
    for (const isolate of this.watched) sections.push(isolate.section ?? (await this.buildSection(isolate)));
    return programReport({ target, startedAt: this.startedAt, sections, notes: this.programNotes });
  }

  /** Disposes every isolate's analyzer (the watches should have ended). */
  async dispose(): Promise<void> {
    await Promise.all(this.watched.map((i) => i.analyzer.dispose().catch(() => undefined)));
  }

  private async finish(isolate: WatchedIsolate, reason: string): Promise<void> {
    const { info, watch } = isolate;
    info.endedAt = Date.now();
    const maxSamples = this.options.watch?.maxSamples;
    const how: NonNullable<IsolateInfo['end']>['how'] = isolate.exited || isolate.connection.closed
      ? 'exited'
      : this.stopping
        ? 'stopped'
        : maxSamples !== undefined && watch.samples.length >= maxSamples
          ? 'done'
          : /^The program finished/.test(reason)
            ? 'exited'
            : 'failed';
    info.end = { how, reason, ...(isolate.exited?.exitCode !== undefined ? { exitCode: isolate.exited.exitCode } : {}) };
    let section: IsolateReport;
    try {
      section = await this.buildSection(isolate);
    } catch (error) {
      section = { isolate: info, samples: [], types: [], leaks: [], notes: [`Could not build the report of ${describeIsolate(info)}: ${(error as Error)?.message ?? String(error)}`] };
    }
    await isolate.analyzer.dispose().catch(() => undefined);
    this.memory.release(isolate);
    isolate.settle(section);
    this.emit('isolateEnd', isolate);
    this.checkSettled();
  }

  private async buildSection(isolate: WatchedIsolate): Promise<IsolateReport> {
    const { version: _v, target: _t, startedAt: _s, isolate: _i, isolates: _is, ...findings } = await isolate.watch.buildReport({ kind: 'run', description: isolate.info.title, pid: isolate.info.pid });
    return { isolate: isolate.info, ...findings };
  }

  /** Adds a note of the program as a whole. */
  note(text: string): void {
    this.programNotes.push(text);
    this.emit('note', text, undefined);
  }

  private checkSettled(): void {
    if (!this.settledWaiters.length) return;
    const joinedAll = this.joinsSeen > 0 || this.closed || this.watched.length > 0;
    if (!joinedAll || this.joinsUnderWay > 0 || this.watched.some((i) => !i.done)) return;
    for (const resolve of this.settledWaiters.splice(0)) resolve();
  }
}

/** The folder an isolate saves its snapshots in: `dir` for the first, a folder of its own inside it for the others. */
export function isolateSnapshotsDir(dir: string, info: Pick<IsolateInfo, 'pid' | 'threadId'>, first: boolean): string {
  return first ? dir : path.join(dir, info.threadId ? `pid-${info.pid}-thread-${info.threadId}` : `pid-${info.pid}`);
}

