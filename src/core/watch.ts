// The sampling loop: GC, snapshot streamed into the analyzer, Sample out; a cheap heap line in between;
// the interval stretched so the debuggee's pauses stay within a budget; stop, cancel and exit survived.
import { EventEmitter } from 'node:events';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CdpClosedError, CdpTimeoutError, type CdpConnection } from './cdp/connection';
import { HeapLine, type HeapUsagePoint } from './heapLine';
import { IdResetProbe } from './idResetProbe';
import { analysisMemoryBudget, checkSnapshotFits, defaultWorkerLimitBytes } from './memoryGuard';
import { nextSnapshotGap } from './pauseBudget';
import { packSample } from './analysis/growth';
import { assembleReport } from './assemble';
import type { Cause, Leak, Report, ReportTarget, Sample, SampleInfo, TypeSeries, TypeStat } from './report';

/** What the watch loop tells the analyzer about a snapshot it has just streamed. */
export type SnapshotFacts = Pick<SampleInfo, 'index' | 'time' | 'pauseMs' | 'heapUsed' | 'heapTotal'>;

/** The part of `SnapshotAnalyzer` (src/core/worker/analyzer.ts) the watch loop uses. */
export interface SampleAnalyzer {
  begin(): void;
  push(chunk: string): void;
  finish(facts: SnapshotFacts): Promise<Sample>;
  abort(): void;
  /** `alsoRetained`: the types `retainedSizes` is asked for next (summed in the same pass). */
  explain(types: string[], options?: { alsoRetained?: string[] }): Promise<Leak[]>;
  /** Forget earlier samples' id watermarks: V8's ids restarted, so the next snapshot starts a new baseline. */
  resetBaseline?(): void;
  /** Retained bytes per type on the latest snapshot. */
  retainedSizes?(types: string[]): Promise<Record<string, number>>;
  /** The causes of the growing types (one per holder) on the latest snapshot. */
  causes?(types: Pick<TypeSeries, 'name' | 'verdict' | 'countPerMinute'>[]): Promise<Cause[]>;
  /** The analysis worker's heap limit (bytes), when known; the memory guard never counts on more. */
  readonly memoryLimitBytes?: number;
}

export type { HeapUsagePoint };

export interface HeapWatchOptions {
  /** Fixed gap between snapshots (ms); 0 (default) adapts it to `pauseBudget`. */
  intervalMs?: number;
  /** Largest share of wall time the debuggee may spend paused for snapshots (adaptive interval). Default 0.1. */
  pauseBudget?: number;
  /** Shortest gap between snapshots in adaptive mode (ms). Default 1000. */
  minIntervalMs?: number;
  /** How often to poll `Runtime.getHeapUsage` between snapshots (ms; at least 50). Default 1000. */
  heapPollMs?: number;
  /** Stop after this many samples. Default: until stopped. */
  maxSamples?: number;
  /** Force a GC before each snapshot. Default true. */
  forceGc?: boolean;
  /** Record allocation stacks (`startTrackingHeapObjects`), for allocation sites. Default false; costs CPU in the debuggee. */
  trackAllocations?: boolean;
  /** Give up on a snapshot after this long (ms); 0 waits for ever. Default 120 000. */
  snapshotTimeoutMs?: number;
  /** Write each snapshot to `<dir>/sample-<index>.heapsnapshot` as it streams. */
  saveSnapshotsDir?: string;
  /** Send `JsDebug.subscribe` first: needed over js-debug's CDP proxy, which forwards no events otherwise. */
  subscribeJsDebug?: boolean;
  /** End the watch when the program finishes (node's `NodeRuntime.waitingForDisconnect`). Default true. */
  detectProgramEnd?: boolean;
  /**
   * Before each snapshot, drop the inspector's stored console messages (`Runtime.discardConsoleEntries`),
   * which otherwise keep the last 1000 logged values alive and show up as retained objects.
   * Default: true on a direct connection, false over js-debug's proxy (its session, its console).
   */
  discardConsoleEntries?: boolean;
  /**
   * Memory the analysis may use to parse one snapshot (bytes), or a function asked before each snapshot.
   * Default: the machine's free memory, at most the analysis worker's heap limit. A heap whose snapshot
   * would need more is not snapshotted: the watch ends with a message saying so (earlier samples kept).
   */
  memoryBudgetBytes?: number | (() => number);
  /**
   * Waited for before each snapshot, and released once it is analysed: isolates of one program
   * take turns (their snapshots share the memory headroom; see SnapshotTurns). The wait is not pause.
   */
  snapshotTurns?: { take(): Promise<() => void> };
}

/** The events js-debug's proxy must forward for a watch to work. */
export const JS_DEBUG_EVENTS = ['HeapProfiler.*', 'Runtime.*'];

/** The heap line is never polled more often than this (ms). */
const MIN_HEAP_POLL_MS = 50;
/** How long stop() waits for allocation tracking to end before it returns anyway. */
const STOP_TRACKING_WAIT_MS = 10_000;
/** Consecutive failed samples after which the watch gives up. */
const MAX_CONSECUTIVE_FAILURES = 3;

type EndCause =
  | { kind: 'stopped' }
  | { kind: 'closed'; reason: string }
  | { kind: 'finished' };

type SampleOutcome =
  | { kind: 'ok'; pauseMs: number; snapshotEnd: number }
  | { kind: 'failed'; error: Error; pauseMs: number; snapshotEnd: number }
  | { kind: 'ended'; reason: string };

class Cancelled extends Error {
  constructor(readonly endCause: EndCause) {
    super('cancelled');
  }
}

/** A sample failed in a way that retrying cannot fix; the message is the end reason. */
class SampleEnded extends Error {}

export interface HeapWatchEvents {
  sample: [Sample];
  heapUsage: [HeapUsagePoint];
  note: [string];
  error: [Error];
  end: [string];
}

/** Watches one debuggee's heap over a CDP connection; emits `sample`, `heapUsage`, `note`, `error`, `end`. */
export class HeapWatch extends EventEmitter<HeapWatchEvents> {
  private readonly options: Required<Omit<HeapWatchOptions, 'maxSamples' | 'saveSnapshotsDir' | 'memoryBudgetBytes' | 'snapshotTurns'>> &
    Pick<HeapWatchOptions, 'maxSamples' | 'saveSnapshotsDir' | 'memoryBudgetBytes' | 'snapshotTurns'>;
  private readonly samplesTaken: Sample[] = [];
  private readonly heapLine: HeapLine;
  private readonly notesList: string[] = [];
  /** Each type's latest stats as kept in the older samples (packSample shares them while unchanged). */
  private readonly keptStats = new Map<string, TypeStat>();
  /** Index into samplesTaken where the current id baseline starts (moves when V8's ids restart). */
  private baselineStart = 0;
  private state: 'idle' | 'running' | 'ended' = 'idle';
  private endCause: EndCause | undefined;
  /** Set by the first cancel; every guarded step from then on rejects with it. */
  private cancelError: Cancelled | undefined;
  /** The rejecters of the guarded steps in flight (each removes its own when its step settles). */
  private readonly cancelWaiters = new Set<(error: Cancelled) => void>();
  private wakeSleeper: (() => void) | undefined;
  private loopDone: Promise<void> = Promise.resolve();
  private endReason: string | undefined;
  private readonly unsubscribers: Array<() => void> = [];
  private trackingStarted = false;
  private readonly idResetProbe: IdResetProbe;
  private startedAt = new Date();

  constructor(
    private readonly connection: CdpConnection,
    private readonly analyzer: SampleAnalyzer,
    options: HeapWatchOptions = {},
  ) {
    super();
    this.options = {
      intervalMs: Math.max(0, options.intervalMs ?? 0),
      pauseBudget: options.pauseBudget ?? 0.1,
      minIntervalMs: Math.max(0, options.minIntervalMs ?? 1000),
      heapPollMs: Math.max(MIN_HEAP_POLL_MS, options.heapPollMs ?? 1000),
      maxSamples: options.maxSamples,
      forceGc: options.forceGc ?? true,
      trackAllocations: options.trackAllocations ?? false,
      snapshotTimeoutMs: Math.max(0, options.snapshotTimeoutMs ?? 120_000),
      saveSnapshotsDir: options.saveSnapshotsDir,
      subscribeJsDebug: options.subscribeJsDebug ?? false,
      detectProgramEnd: options.detectProgramEnd ?? true,
      discardConsoleEntries: options.discardConsoleEntries ?? !options.subscribeJsDebug,
      memoryBudgetBytes: options.memoryBudgetBytes,
      snapshotTurns: options.snapshotTurns,
    };
    nextSnapshotGap(0, { budget: this.options.pauseBudget }); // validates the budget early
    this.idResetProbe = new IdResetProbe(connection, (step) => this.guard(step));
    this.heapLine = new HeapLine(connection, this.options.heapPollMs, (point) => this.publish('heapUsage', point));
  }

  /** The samples taken so far (per-type summaries only; graphs are not kept). */
  get samples(): readonly Sample[] {
    return this.samplesTaken;
  }

  /** The live heap line so far (a copy). */
  get heapUsage(): HeapUsagePoint[] {
    return [...this.heapLine.points];
  }

  /** Notes for the user (ids restarted, snapshots saved, …). */
  get notes(): readonly string[] {
    return this.notesList;
  }

  /** True between `start()` and `end`. */
  get running(): boolean {
    return this.state === 'running';
  }

  /** Why the watch ended, once it has. */
  get endedBecause(): string | undefined {
    return this.endReason;
  }

  /** Prepares the debuggee (subscribe, enable, allocation tracking) and starts sampling; rejects if setup fails. */
  async start(): Promise<void> {
    if (this.state !== 'idle') throw new Error('This watch has already been started; create a new HeapWatch to watch again.');
    this.state = 'running';
    this.startedAt = new Date();
    this.unsubscribers.push(this.connection.onClose((reason) => this.cancel({ kind: 'closed', reason })));
    let setupError: Error | undefined;
    const setup = this.setup().then(
      (ready) => ready,
      (error: Error) => {
        setupError = error;
        return false;
      },
    );
    // stop() during setup waits for it, and for the loop if setup got that far.
    this.loopDone = setup.then((ready) => (ready ? this.run() : undefined));
    await setup;
    if (setupError) throw setupError;
  }

  /** Subscribes, enables and starts tracking; false when stopped meanwhile (the watch has then ended). */
  private async setup(): Promise<boolean> {
    try {
      if (this.options.saveSnapshotsDir) await fs.promises.mkdir(this.options.saveSnapshotsDir, { recursive: true });
      if (this.options.subscribeJsDebug) await this.guard(this.connection.sendRaw('JsDebug.subscribe', { events: JS_DEBUG_EVENTS }));
      await this.guard(this.connection.send('HeapProfiler.enable'));
      await this.idResetProbe.prepare(10_000);
      if (this.options.detectProgramEnd) await this.watchForProgramEnd();
      if (this.options.trackAllocations) {
        await this.guard(this.connection.send('HeapProfiler.startTrackingHeapObjects', { trackAllocations: true }));
        this.trackingStarted = true;
      }
    } catch (error) {
      if (error instanceof Cancelled && error.endCause.kind === 'stopped') {
        await this.finishWatch('Stopped before the first sample.');
        return false;
      }
      const message = error instanceof Cancelled ? this.describeEnd(error.endCause, false) : errorMessage(error);
      await this.finishWatch(`Could not start watching: ${message}`);
      throw new Error(`Could not start watching the heap: ${message}`);
    }
    return true;
  }

  /** Stops sampling, cancelling a snapshot in flight (earlier samples are kept); resolves once idle. */
  async stop(): Promise<void> {
    if (this.state === 'idle') {
      this.state = 'ended';
      this.endReason = 'Stopped before it started.';
      return;
    }
    this.cancel({ kind: 'stopped' });
    await this.loopDone;
  }

  /** Resolves with the reason once the watch has ended. */
  async ended(): Promise<string> {
    await this.loopDone;
    return this.endReason ?? '';
  }

  /** Builds the report: sample summaries, the heap line, per-type series and verdicts, and explained leaks. */
  buildReport(target: ReportTarget): Promise<Report> {
    return assembleReport({
      target,
      startedAt: this.startedAt,
      samples: this.samplesTaken,
      heapUsage: [...this.heapLine.points],
      notes: this.notesList,
      explain: (types, alsoRetained) => this.analyzer.explain(types, { alsoRetained }),
      causes: this.analyzer.causes ? (types) => this.analyzer.causes!(types) : undefined,
      retainedSizes: this.analyzer.retainedSizes ? (types) => this.analyzer.retainedSizes!(types) : undefined,
    });
  }

  private cancel(cause: EndCause): void {
    if (!this.endCause || this.endCause.kind === 'finished') this.endCause = cause;
    this.cancelError ??= new Cancelled(cause);
    for (const reject of this.cancelWaiters) reject(this.cancelError);
    this.cancelWaiters.clear();
    this.wakeSleeper?.();
  }

  /**
   * Races a step against stop/close; the step's own later rejection is swallowed. Not
   * `Promise.race([step, cancelled])` with one long-lived `cancelled` promise: each race adds a
   * reaction to it that is never removed, and that reaction holds the step's result (a whole
   * sample) for as long as the watch lives.
   */
  private guard<T>(step: Promise<T>): Promise<T> {
    step.catch(() => {});
    if (this.cancelError) return Promise.reject(this.cancelError);
    return new Promise<T>((resolve, reject) => {
      this.cancelWaiters.add(reject);
      step.then(
        (value) => {
          this.cancelWaiters.delete(reject);
          resolve(value);
        },
        (error: unknown) => {
          this.cancelWaiters.delete(reject);
          reject(error);
        },
      );
    });
  }

  private async run(): Promise<void> {
    let reason: string;
    try {
      reason = await this.loop();
    } catch (error) {
      reason = error instanceof Cancelled ? this.describeEnd(error.endCause, false) : `The watch failed: ${errorMessage(error)}`;
    }
    await this.finishWatch(reason);
  }

  private async loop(): Promise<string> {
    let failures = 0;
    const enough = () => this.options.maxSamples !== undefined && this.samplesTaken.length >= this.options.maxSamples;
    for (;;) {
      if (this.endCause) return this.describeEnd(this.endCause, false);
      if (enough()) return `Took ${this.samplesTaken.length} sample${this.samplesTaken.length === 1 ? '' : 's'}, as asked.`;
      // Indices stay contiguous: a failed sample's index is taken by the next one.
      const outcome = await this.takeSample(this.samplesTaken.length);
      if (outcome.kind === 'ended') return outcome.reason;
      if (outcome.kind === 'failed') {
        this.reportError(outcome.error);
        if (++failures >= MAX_CONSECUTIVE_FAILURES) {
          return `Gave up after ${failures} failed samples in a row (last: ${outcome.error.message}); the earlier samples are kept.`;
        }
      } else {
        failures = 0;
      }
      if (enough()) continue; // no gap after the last sample
      const gap =
        this.options.intervalMs > 0
          ? this.options.intervalMs
          : nextSnapshotGap(outcome.pauseMs, { budget: this.options.pauseBudget, floorMs: this.options.minIntervalMs });
      await this.idle(outcome.snapshotEnd + gap);
    }
  }

  /** Takes a sample in this watch's turn (when isolates take turns). */
  private async takeSample(index: number): Promise<SampleOutcome> {
    const turns = this.options.snapshotTurns;
    if (!turns) return this.takeSampleNow(index);
    const turn = turns.take();
    let release: () => void;
    try {
      release = await this.guard(turn);
    } catch (error) {
      void turn.then((r) => r(), () => {}); // given up waiting: hand the turn on once it comes
      if (error instanceof Cancelled) return { kind: 'ended', reason: this.describeEnd(error.endCause, false) };
      throw error;
    }
    try {
      return await this.takeSampleNow(index);
    } finally {
      release();
    }
  }

  private async takeSampleNow(index: number): Promise<SampleOutcome> {
    const { connection, analyzer } = this;
    const timeoutMs = this.options.snapshotTimeoutMs;
    const file = this.options.saveSnapshotsDir ? path.join(this.options.saveSnapshotsDir, `sample-${index}.heapsnapshot`) : undefined;
    const out = file ? fs.createWriteStream(file) : undefined;
    out?.on('error', () => {}); // reported when we close it
    // Chunks count only once every earlier request has been answered: V8 serves requests in order, so
    // chunks still arriving from an earlier, cancelled snapshot (or stopTrackingHeapObjects) precede those replies.
    let streaming = false;
    let pushError: unknown;
    let chunks = 0;
    const unsubscribe = connection.on('HeapProfiler.addHeapSnapshotChunk', ({ chunk }) => {
      if (!streaming) return;
      chunks++;
      out?.write(chunk);
      if (pushError !== undefined) return;
      try {
        analyzer.push(chunk);
      } catch (error) {
        pushError = error; // reported once the snapshot is in
      }
    });
    const started = performance.now();
    const time = Date.now();
    const deadline = started + timeoutMs;
    // 0 waits for ever (the connection's "no timeout"); otherwise GC, probes and snapshot share one deadline.
    const left = () => (timeoutMs > 0 ? Math.max(1, deadline - performance.now()) : 0);
    let pauseMs = 0;
    let snapshotEnd = started;
    this.heapLine.stop(); // no polls queued behind the GC and snapshot
    try {
      if (this.options.discardConsoleEntries) await this.discardConsoleEntries(left());
      if (this.options.forceGc) await this.guard(connection.send('HeapProfiler.collectGarbage', undefined, { timeoutMs: left() }));
      const usage = await this.guard(connection.send('Runtime.getHeapUsage', undefined, { timeoutMs: left() }));
      const fits = checkSnapshotFits(usage.usedSize, this.memoryBudget());
      if (!fits.fits) {
        const kept = this.samplesTaken.length;
        const reason = `Before snapshot ${index + 1}: ${fits.message}${kept ? ` The earlier ${kept} sample${kept === 1 ? ' is' : 's are'} kept.` : ''}`;
        this.heapLine.record({ time, used: usage.usedSize, total: usage.totalSize });
        this.reportError(new Error(reason));
        throw new SampleEnded(reason);
      }
      const idsReset = await this.idResetProbe.beforeSnapshot(left());
      analyzer.begin();
      streaming = true;
      await this.guard(connection.send('HeapProfiler.takeHeapSnapshot', { reportProgress: false }, { timeoutMs: left() }));
      snapshotEnd = performance.now();
      pauseMs = snapshotEnd - started;
      streaming = false;
      unsubscribe();
      this.heapLine.start(); // through the analysis and the gap, until the next GC
      await this.idResetProbe.afterSnapshot(10_000); // its own time: the snapshot may have used up the deadline
      if (chunks === 0) {
        const reason =
          'The snapshot arrived empty: no HeapProfiler events reach Leak Watch. Over js-debug\'s CDP proxy, events flow only after ' +
          `JsDebug.subscribe (the subscribeJsDebug option)${this.samplesTaken.length ? '; the earlier samples are kept' : ''}.`;
        this.reportError(new Error(reason));
        throw new SampleEnded(reason);
      }
      if (pushError !== undefined) throw pushError;
      if (out) await closeStream(out);
      if (idsReset) this.analyzer.resetBaseline?.();
      this.heapLine.record({ time, used: usage.usedSize, total: usage.totalSize });
      const sample = await this.guard(
        analyzer.finish({ index, time, pauseMs: Math.round(pauseMs), heapUsed: usage.usedSize, heapTotal: usage.totalSize }),
      );
      this.accept(sample, idsReset);
      return { kind: 'ok', pauseMs, snapshotEnd };
    } catch (error) {
      streaming = false;
      unsubscribe();
      try {
        analyzer.abort();
      } catch {
        // a dead analyzer has nothing to abort
      }
      if (out) await discardStream(out, file!);
      if (error instanceof Cancelled) return { kind: 'ended', reason: this.describeEnd(error.endCause, true) };
      if (error instanceof SampleEnded) return { kind: 'ended', reason: error.message };
      if (error instanceof CdpClosedError) {
        return { kind: 'ended', reason: this.describeEnd({ kind: 'closed', reason: error.reason }, true) };
      }
      if (error instanceof CdpTimeoutError) {
        const reason =
          `Snapshot ${index + 1} did not finish within ${seconds(timeoutMs)} s (the program may be hung, or its heap too big); ` +
          'the earlier samples are kept. Allow a longer snapshot timeout to wait longer.';
        this.reportError(new Error(reason));
        return { kind: 'ended', reason };
      }
      const failure = new Error(`Sample ${index + 1} failed: ${errorMessage(error)}`);
      return { kind: 'failed', error: failure, pauseMs: pauseMs || performance.now() - started, snapshotEnd: snapshotEnd || performance.now() };
    }
  }

  /** The memory the analysis may use for the next snapshot (bytes). */
  private memoryBudget(): number {
    const budget = this.options.memoryBudgetBytes;
    if (typeof budget === 'function') return budget();
    if (typeof budget === 'number') return budget;
    return analysisMemoryBudget(this.analyzer.memoryLimitBytes ?? defaultWorkerLimitBytes());
  }

  private accept(sample: Sample, idsReset: boolean): void {
    const previous = this.samplesTaken[this.samplesTaken.length - 1];
    if (previous && (idsReset || sample.idsReset)) {
      this.baselineStart = this.samplesTaken.length;
      this.note(
        `V8's object ids restarted before sample ${sample.index + 1} (something called HeapProfiler.disable, e.g. a heap snapshot taken by the debugger); ` +
          'growth is measured from this sample on.',
      );
    }
    // Only the newest sample's cohorts are read; keeping them all would grow memory with samples².
    // Older samples share the stats of types that did not change (and one copy of each name).
    if (previous) this.samplesTaken[this.samplesTaken.length - 1] = packSample(previous, this.keptStats);
    this.samplesTaken.push(sample);
    this.publish('sample', sample);
  }

  /** Waits until `untilMs` (performance.now() clock); returns early on stop, close or program end. */
  private async idle(untilMs: number): Promise<void> {
    while (!this.endCause) {
      const left = untilMs - performance.now();
      if (left <= 0) return;
      await this.sleep(left);
    }
  }

  private async discardConsoleEntries(timeoutMs: number): Promise<void> {
    try {
      await this.guard(this.connection.send('Runtime.discardConsoleEntries', undefined, { timeoutMs }));
    } catch (error) {
      if (error instanceof Cancelled || error instanceof CdpClosedError || error instanceof CdpTimeoutError) throw error;
      this.options.discardConsoleEntries = false; // not supported here; the snapshot is still worth taking
    }
  }


  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wakeSleeper = done;
    });
  }


  /**
   * Learns when the program finishes (node then waits for the debugger to disconnect). Not through
   * `Runtime.enable`: with it, every object the program logs stays referenced by the inspector's
   * console handles, a leak Leak Watch would cause itself. Node's own `NodeRuntime` says it instead;
   * over js-debug's proxy (Runtime already enabled by js-debug) the forwarded context event does.
   */
  private async watchForProgramEnd(): Promise<void> {
    const finished = () => {
      if (!this.endCause) this.endCause = { kind: 'finished' };
      this.wakeSleeper?.();
    };
    this.unsubscribers.push(this.connection.onRaw('NodeRuntime.waitingForDisconnect', finished));
    this.unsubscribers.push(this.connection.on('Runtime.executionContextDestroyed', finished));
    if (this.options.subscribeJsDebug) return;
    try {
      await this.guard(this.connection.sendRaw('NodeRuntime.notifyWhenWaitingForDisconnect', { enabled: true }, { timeoutMs: 10_000 }));
    } catch (error) {
      if (error instanceof Cancelled || error instanceof CdpClosedError) throw error;
      // Not Node (or an old one): the watch then ends only when stopped or disconnected.
    }
  }

  private describeEnd(cause: EndCause, duringSnapshot: boolean): string {
    const kept = `${this.samplesTaken.length} sample${this.samplesTaken.length === 1 ? ' is' : 's are'} kept`;
    switch (cause.kind) {
      case 'stopped':
        return duringSnapshot ? `Stopped; the snapshot in flight was cancelled and the earlier ${kept}.` : `Stopped; ${kept}.`;
      case 'finished':
        return `The program finished; ${kept}.`;
      case 'closed':
        return duringSnapshot
          ? `The debuggee exited, or its inspector connection dropped, while a snapshot was being taken; the earlier samples are kept (${this.samplesTaken.length}). (Inspector connection: ${cause.reason}.)`
          : `The debuggee exited or the inspector connection closed (${cause.reason}); ${kept}.`;
    }
  }

  private async finishWatch(reason: string): Promise<void> {
    this.heapLine.stop();
    if (this.trackingStarted && !this.connection.closed) {
      this.trackingStarted = false;
      // V8 answers stopTrackingHeapObjects with one more snapshot's chunks (nobody listens to them now),
      // so it can take as long as a snapshot; behind a hung or cancelled snapshot, longer. Wait a while, not for ever.
      const stopped = this.connection
        .send('HeapProfiler.stopTrackingHeapObjects', { reportProgress: false }, { timeoutMs: this.options.snapshotTimeoutMs })
        .then(
          () => true,
          (error: unknown) => {
            if (!(error instanceof CdpClosedError)) this.note(`Could not stop allocation tracking: ${errorMessage(error)}`);
            return true;
          },
        );
      let timer: NodeJS.Timeout | undefined;
      const waited = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), STOP_TRACKING_WAIT_MS)));
      if (!(await Promise.race([stopped, waited]))) {
        this.note('Allocation tracking is still being stopped in the program (it takes one more snapshot); it will end shortly.');
      }
      clearTimeout(timer);
    }
    this.idResetProbe.release();
    for (const unsubscribe of this.unsubscribers.splice(0)) unsubscribe();
    this.state = 'ended';
    this.endReason = reason;
    this.publish('end', reason);
  }

  /** Emits an event (rawListeners, so `once` works); a listener that throws must not break the loop: its error is rethrown outside. */
  private publish<K extends keyof HeapWatchEvents>(event: K, ...args: HeapWatchEvents[K]): void {
    for (const listener of this.rawListeners(event) as Array<(...a: HeapWatchEvents[K]) => void>) {
      try {
        listener.apply(this, args);
      } catch (error) {
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  }

  private note(text: string): void {
    this.notesList.push(text);
    this.publish('note', text);
  }

  private reportError(error: Error): void {
    // An 'error' event without a listener would throw; the end reason and notes still carry it.
    if (this.listenerCount('error') > 0) this.publish('error', error);
  }
}

function seconds(ms: number): string {
  return ms >= 10_000 ? String(Math.round(ms / 1000)) : String(Math.round(ms / 10) / 100);
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function closeStream(stream: fs.WriteStream): Promise<void> {
  return new Promise((resolve, reject) => {
    stream.end((error?: Error | null) => (error ? reject(new Error(`Could not save the snapshot to ${stream.path}: ${error.message}`)) : resolve()));
  });
}

async function discardStream(stream: fs.WriteStream, file: string): Promise<void> {
  await new Promise<void>((resolve) => {
    stream.once('close', () => resolve());
    stream.destroy();
  });
  await fs.promises.rm(file, { force: true });
}
