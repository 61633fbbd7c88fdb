// The sampling loop: GC, snapshot streamed into the analyzer, Sample out; a cheap heap line in between;
// the interval stretched so the debuggee's pauses stay within a budget; stop, cancel and exit survived.
import { EventEmitter } from 'node:events';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CdpClosedError, CdpTimeoutError, type CdpConnection } from './cdp/connection';
import type { InspectorEndpoint } from './cdp/transport';
import { SnapshotFile } from './worker/snapshotFile';
import { HeapLine, type HeapUsagePoint } from './heapLine';
import { IdResetProbe } from './idResetProbe';
import { formatBytes } from './format';
import { analysisMemoryBudget, checkSnapshotFits, defaultWorkerLimitBytes, ProgramMemoryGuard } from './memoryGuard';
import { earliestSampleStart, nextSnapshotGap } from './pauseBudget';
import { computeSeries, GROWTH_RULES, lastResetIndex, packSample } from './analysis/growth';
import { isInternalType, typeTier } from './analysis/typeNames';
import { assembleReport } from './assemble';
import { RunningSources } from './runningCode';
import type { RunningScript } from './sources/runningSources';
import { CensusTaker, type Census } from './census';
import type { CensusLabels } from './analysis/censusBirths';
import {
  addCensus, censusBaseline, combineVerdicts, judgeCensusState, judgeRunaway, snapshotConfirms, verdictsSettled,
  type CensusState, type ConfirmedLeak, type Runaway,
} from './evidence';
import { readProgramMemory, type ProgramMemory } from './programMemory';
import type { Cause, Leak, Report, ReportTarget, Sample, SampleInfo, TypeSeries, TypeStat, Verdict } from './report';

/** What the watch loop tells the analyzer about a snapshot it has just streamed. */
export type SnapshotFacts = Pick<SampleInfo, 'index' | 'time' | 'pauseMs' | 'heapUsed' | 'heapTotal'> & {
  /** The census labels alive in the snapshot (the first after censuses): they date its objects. */
  censusLabels?: CensusLabels;
};

/** The part of `SnapshotAnalyzer` (src/core/worker/analyzer.ts) the watch loop uses. */
export interface SampleAnalyzer {
  begin(): void;
  push(chunk: string): void;
  finish(facts: SnapshotFacts): Promise<Sample>;
  abort(): void;
  /** `alsoRetained`: the types `retainedSizes` is asked for next (summed in the same pass); `scriptSources`: see `runningScripts`. */
  explain(types: string[], options?: { alsoRetained?: string[]; scriptSources?: Record<string, string> }): Promise<Leak[]>;
  /** Forget earlier samples' id watermarks: V8's ids restarted, so the next snapshot starts a new baseline. */
  resetBaseline?(): void;
  /** Retained bytes per type on the latest snapshot. */
  retainedSizes?(types: string[]): Promise<Record<string, number>>;
  /** The causes of the growing types (one per holder) on the latest snapshot. */
  causes?(types: Pick<TypeSeries, 'name' | 'verdict' | 'countPerMinute'>[], options?: { scriptSources?: Record<string, string> }): Promise<Cause[]>;
  /** The program's scripts whose running code is not their file (tsx's `.ts`): their code, by id, goes with explain and causes as `scriptSources`. */
  runningScripts?(): Promise<RunningScript[]>;
  /** The analysis worker's heap limit (bytes), when known; the memory guard never counts on more. */
  readonly memoryLimitBytes?: number;
  /** Opens the analyzer's own inspector session at `endpoint`, for `takeSnapshot`; rejects when it cannot. */
  openInspector?(endpoint: InspectorEndpoint, timeoutMs: number): Promise<{ jsDebug: boolean }>;
  /** Takes a snapshot on that session, its chunks straight into the analyzer; rejects as the connection would (CdpClosedError, CdpTimeoutError). */
  takeSnapshot?(options: { timeoutMs: number; saveTo?: string }): Promise<{ chunks: number }>;
  /** Closes that session (Node's inspector then forgets the isolate's object ids: at the end of a watch only). */
  closeInspector?(): void;
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
   * Once a snapshot has paused the program this long (ms), count its classes by census between
   * snapshots (a census pauses it for a fraction of a snapshot), and take snapshots only to start,
   * to confirm what the censuses found and to find who holds it. 0 never. Default 1000.
   */
  censusFromPauseMs?: number;
  /**
   * Start with censuses instead of a snapshot when the program's used heap is at least this many MB
   * (a snapshot of it would pause the program for seconds): the first snapshot comes when the
   * censuses have a leak to confirm, or after a few of them. Only where censuses are on (above). 0 never. Default 64.
   */
  censusFirstFromMb?: number;
  /** End the watch as soon as the verdicts are settled (`verdictsSettled`). Default false. */
  untilVerdict?: boolean;
  /** Before each sample, predict the program's own memory need and refuse what would not fit its limits. Default true. */
  guardProgramMemory?: boolean;
  /** Asked, with the guard's message, before a sample that may not fit the program's memory; true takes it anyway. Default: refuse. */
  confirmRisk?: (message: string) => Promise<boolean>;
  /** When the heap runs away: sample sooner, decide on fewer snapshots, stop before it has grown 3×. Default true. */
  watchRunaway?: boolean;
  /**
   * Waited for before each snapshot, and released once it is analysed: isolates of one program
   * take turns (their snapshots share the memory headroom; see SnapshotTurns). The wait is not pause.
   */
  snapshotTurns?: { take(): Promise<() => void> };
}

/** Where the watch is in its plan: the next sample, the expected verdict, what each kind of sample costs. */
export interface WatchSchedule {
  /** The next sample: its kind, when it is due (ms since the epoch), why, and its expected pause (ms). */
  next?: { kind: SampleKind; at: number; reason: string; expectedPauseMs: number };
  /** When a verdict is expected (ms since the epoch), if one can be foreseen. */
  verdictExpectedAt?: number;
  /** The last pause of each kind of sample (ms). */
  pauses: Partial<Record<SampleKind, number>>;
  /** The pause budget now, and the share of the watch's wall time the program has been paused so far. */
  budget: number;
  pausedShare: number;
  /** While a boost (`boostBudget`) lasts: when it ends (ms since the epoch). */
  boostedUntil?: number;
  /** While the heap runs away: what the heap line shows, in a sentence. */
  runaway?: string;
}

/** A heap snapshot (everything, and the why), or a census (the program's classes counted, no snapshot). */
export type SampleKind = 'snapshot' | 'census';

/**
 * The events js-debug's proxy must forward to the watch's own connection. Not the snapshot's chunks:
 * those go to the analysis worker's own client of the proxy, or, where snapshots are relayed, are
 * subscribed to then (`relaySnapshots`).
 */
export const JS_DEBUG_EVENTS = ['Runtime.*'];
/** The event that carries a snapshot, subscribed to by whichever connection takes the snapshots. */
const CHUNK_EVENTS = ['HeapProfiler.addHeapSnapshotChunk'];
/** Evaluated in the program over js-debug's proxy: its own inspector's address (Node's `inspector.url()`), or null. */
const OWN_INSPECTOR_URL =
  "(() => { try { const p = globalThis.process; const m = typeof p?.getBuiltinModule === 'function' ? p.getBuiltinModule('node:inspector') : p?.mainModule?.require('node:inspector'); return m?.url?.() ?? null; } catch { return null; } })()";
/** How long a session of the analysis worker may take to open (ms). */
const OPEN_SESSION_TIMEOUT_MS = 10_000;
/** When the worker's session closes, how long the watch's own connection is given to close too (the debuggee went) before snapshots are relayed instead. */
const SESSION_LOSS_GRACE_MS = 1000;

/** The heap line is never polled more often than this (ms). */
const MIN_HEAP_POLL_MS = 50;
/** How long stop() waits for allocation tracking to end before it returns anyway. */
const STOP_TRACKING_WAIT_MS = 10_000;
/** Consecutive failed samples after which the watch gives up. */
const MAX_CONSECUTIVE_FAILURES = 3;
/** Censuses between two snapshots at most (then a snapshot takes stock of every type again). */
const MAX_CENSUSES_BETWEEN_SNAPSHOTS = 8;
/**
 * A snapshot pauses the program about this many times as long as a census of the same heap, on
 * Node 20 (6.0 in CPU on bench/watch-signals.ts; 6.2-7.6, median 6.3, in five runs of the whole-watch
 * bench's 150 MB program; 7.3 on an 80 MB one). Low, the first snapshot after censuses overdraws the budget.
 */
const SNAPSHOT_PAUSE_PER_CENSUS = 6.5;
/** The least a snapshot pauses the program per MB of used heap (ms), on a fast idle machine (28 there; 80-117 on a slow one). */
const SNAPSHOT_MS_PER_MB = 28;
/** A census that pauses the program for more than this share of a snapshot's pause is not worth it. */
const MAX_CENSUS_SHARE_OF_SNAPSHOT = 0.5;
/** The heap line suggests a runaway when the used heap (garbage included) reaches this × the last snapshot's, and … */
const RUNAWAY_SUSPECT_RATIO = 1.6;
/** … at least this much more (bytes); a GC then confirms it when the live heap is this × the last snapshot's. */
const RUNAWAY_MIN_GROWTH = 8 * 2 ** 20;
const RUNAWAY_CONFIRM_RATIO = 1.4;
/** Once the heap is known to run away: the next snapshot when the used heap is this × the last snapshot's (no GC first). */
const RUNAWAY_NEXT_RATIO = 1.2;
/** How often the heap line is polled while the heap runs away, and for a while after each sample (ms). */
const RUNAWAY_POLL_MS = 250;
/** For this long after each sample the heap line is polled fast: a heap already running away shows in a second, not after two 1 s polls. */
const RUNAWAY_WATCH_MS = 5000;
/** A runaway watch takes its last snapshot when the heap reaches this × its size at the first sample (see RUNAWAY_LIMIT_FLOOR), and stops after it. */
const RUNAWAY_STOP_RATIO = 3;
/** … and takes none once the heap line shows this × (the heap outran the polls): a snapshot's analysis would let it pass 4×. */
const RUNAWAY_NO_SNAPSHOT_RATIO = 3.5;
/**
 * The two limits above count from the first sample's heap, or from this (bytes) when it was smaller: a
 * small program's heap growing 3× to a few tens of MB neither pauses it long nor risks its memory,
 * and a steady leak of a MB a second from a 3 MB heap deserves its verdict, not a stop after two snapshots.
 */
const RUNAWAY_LIMIT_FLOOR = 16 * 2 ** 20;

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
  census: [Census];
  schedule: [WatchSchedule];
  heapUsage: [HeapUsagePoint];
  note: [string];
  error: [Error];
  end: [string];
}

/** Watches one debuggee's heap over a CDP connection; emits `sample`, `heapUsage`, `note`, `error`, `end`. */
export class HeapWatch extends EventEmitter<HeapWatchEvents> {
  private readonly options: Required<Omit<HeapWatchOptions, 'maxSamples' | 'saveSnapshotsDir' | 'memoryBudgetBytes' | 'confirmRisk' | 'snapshotTurns'>> &
    Pick<HeapWatchOptions, 'maxSamples' | 'saveSnapshotsDir' | 'memoryBudgetBytes' | 'confirmRisk' | 'snapshotTurns'>;
  private readonly samplesTaken: Sample[] = [];
  private readonly heapLine: HeapLine;
  /** Transformed scripts' running code, fetched once each (see `runningCode`). */
  private runningSources?: RunningSources;
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
  /** The GCs in flight, each ended (unanswered) when the program finishes. */
  private readonly gcWaiters = new Set<() => void>();
  private wakeSleeper: (() => void) | undefined;
  private loopDone: Promise<void> = Promise.resolve();
  private endReason: string | undefined;
  private readonly unsubscribers: Array<() => void> = [];
  private trackingStarted = false;
  private readonly idResetProbe: IdResetProbe;
  private startedAt = new Date();
  private readonly census: CensusTaker;
  /** Censuses since the last snapshot, and the types they label; undefined before the first snapshot. */
  private censusState: CensusState | undefined;
  private readonly censuses: Census[] = [];
  private censusMode = false;
  private censusOff = false;
  /** The used heap when the watch began with censuses (bytes); undefined when it began with a snapshot. */
  private censusFirstHeap: number | undefined;
  /** Census leaks a snapshot confirmed. */
  private readonly confirmed = new Map<string, ConfirmedLeak>();
  private readonly programGuard = new ProgramMemoryGuard();
  /** performance.now() of the first sample; the program's pauses so far (ms); the end of the last sample. */
  private watchStart: number | undefined;
  private pausedMs = 0;
  private lastSampleEnd = 0;
  private readonly lastPause: Partial<Record<SampleKind, { ms: number; heap: number }>> = {};
  private budgetBoost: { budget: number; until: number } | undefined;
  private sampleNowAsked = false;
  /** Set to end the current wait and plan again (a budget boost). */
  private replan = false;
  private runawaySuspected = false;
  /** After a check that found garbage rather than growth, no other check until then (performance.now()). */
  private noRunawayCheckUntil = 0;
  /** The heap line's last points (used bytes), for the runaway check. */
  private readonly recentUsed: number[] = [];
  private runaway: { since: number; firstHeap: number } | undefined;
  /** Until then (performance.now()) the heap line is polled fast after a sample; 0 when it is not. */
  private fastPollUntil = 0;
  /** Each type's verdict and since when (ms since the epoch). */
  private readonly verdictSince = new Map<string, { verdict: Verdict; at: number }>();
  private latestSeries: TypeSeries[] = [];
  /** What `latestSeries` was judged on: samples, censuses and runaway state (see `judge`). */
  private judgedFor = '';
  private settledAt: number | undefined;
  /**
   * How snapshots reach the analyzer: taken on its own inspector session where the target takes a
   * second client ('direct': this thread relays no chunk), else over this connection ('relay').
   */
  private snapshotPath: 'direct' | 'relay' = 'relay';

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
      censusFromPauseMs: Math.max(0, options.censusFromPauseMs ?? 1000),
      censusFirstFromMb: Math.max(0, options.censusFirstFromMb ?? 64),
      untilVerdict: options.untilVerdict ?? false,
      guardProgramMemory: options.guardProgramMemory ?? true,
      confirmRisk: options.confirmRisk,
      watchRunaway: options.watchRunaway ?? true,
      snapshotTurns: options.snapshotTurns,
    };
    nextSnapshotGap(0, { budget: this.options.pauseBudget }); // validates the budget early
    this.idResetProbe = new IdResetProbe(connection, (step) => this.guard(step));
    this.census = new CensusTaker(connection, (step) => this.guard(step));
    this.heapLine = new HeapLine(connection, this.options.heapPollMs, (point) => {
      this.publish('heapUsage', point);
      this.watchHeapLine(point);
    });
  }

  /** The verdicts as of the last sample: snapshots, censuses and a runaway heap together. */
  get verdicts(): readonly TypeSeries[] {
    return this.samplesTaken.length ? this.judge() : this.latestSeries;
  }

  /** Takes a snapshot now, whatever the budget says (the user trades pause for speed). */
  sampleNow(): void {
    this.sampleNowAsked = true;
    this.wakeSleeper?.();
  }

  /** Uses `budget` instead of the configured pause budget for the next `forMs`. */
  boostBudget(budget: number, forMs: number): void {
    nextSnapshotGap(0, { budget });
    this.budgetBoost = { budget, until: performance.now() + forMs };
    this.replan = true;
    this.wakeSleeper?.();
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
      await this.chooseSnapshotPath();
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
  async buildReport(target: ReportTarget): Promise<Report> {
    const series = this.samplesTaken.length ? this.judge() : [];
    const scriptSources = await this.runningCode();
    return assembleReport({
      target,
      startedAt: this.startedAt,
      samples: this.samplesTaken,
      heapUsage: [...this.heapLine.points],
      notes: this.notesList,
      series: series.map((t) => ({ ...t, counts: [...t.counts], bytes: [...t.bytes], evidence: [...t.evidence] })),
      censuses: this.censuses.map((c) => ({ time: c.time, pauseMs: c.pauseMs })),
      verdictAt: this.settledAt,
      tooEarly: this.tooEarly(series),
      explain: (types, alsoRetained) => this.analyzer.explain(types, { alsoRetained, scriptSources }),
      causes: this.analyzer.causes ? (types) => this.analyzer.causes!(types, { scriptSources }) : undefined,
      retainedSizes: this.analyzer.retainedSizes ? (types) => this.analyzer.retainedSizes!(types) : undefined,
    });
  }

  /**
   * The running code of transformed scripts (tsx), fetched over the inspector once each (after every
   * snapshot, for scripts loaded since), so sites land on the `.ts` line; once the program has gone,
   * what was fetched.
   */
  private async runningCode(): Promise<Record<string, string> | undefined> {
    if (!this.analyzer.runningScripts || (this.connection.closed && !this.runningSources)) return undefined;
    try {
      const scripts = await this.analyzer.runningScripts();
      return scripts.length ? await (this.runningSources ??= new RunningSources(this.connection)).fetch(scripts) : undefined;
    } catch {
      return undefined;
    }
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
    await this.chooseFirstKind();
    for (;;) {
      if (this.endCause) return this.describeEnd(this.endCause, false);
      if (enough()) return `Took ${this.samplesTaken.length} sample${this.samplesTaken.length === 1 ? '' : 's'}, as asked.`;
      const plan = this.planNext();
      this.publishSchedule(plan);
      if (this.watchStart !== undefined) await this.idle(plan.atPerf);
      if (this.endCause) continue;
      let kind = plan.kind;
      if (this.runawaySuspected) {
        this.runawaySuspected = false;
        if (!(await this.confirmRunaway())) continue;
        kind = 'snapshot';
      } else if (this.sampleNowAsked) {
        kind = 'snapshot';
      } else if (performance.now() < plan.atPerf) {
        continue; // woken for a new plan (a budget boost)
      }
      this.sampleNowAsked = false;
      if (kind === 'census') {
        const outcome = await this.inTurn(() => this.takeCensus());
        if (outcome.kind === 'ended') return outcome.reason;
        if (outcome.kind === 'failed') this.switchCensusOff(outcome.error.message);
      } else {
        const tooFar = this.runawayTooFar();
        if (tooFar) return tooFar;
        // Indices stay contiguous: a failed sample's index is taken by the next one.
        const outcome = await this.inTurn(() => this.takeSample(this.samplesTaken.length));
        if (outcome.kind === 'ended') return outcome.reason;
        if (outcome.kind === 'failed') {
          this.reportError(outcome.error);
          if (++failures >= MAX_CONSECUTIVE_FAILURES) {
            return `Gave up after ${failures} failed samples in a row (last: ${outcome.error.message}); the earlier samples are kept.`;
          }
        } else {
          failures = 0;
        }
      }
      const series = this.judge();
      const runawayEnd = this.runawayEnd(series);
      if (runawayEnd) return runawayEnd;
      if (this.options.untilVerdict && this.samplesTaken.length && verdictsSettled(series, this.samplesTaken)) {
        this.settledAt = Date.now();
        const leaks = series.filter((t) => t.verdict === 'leak').map((t) => t.name);
        return `Verdicts settled after ${this.samplesTaken.length} snapshot${this.samplesTaken.length === 1 ? '' : 's'}${this.censuses.length ? ` and ${this.censuses.length} census${this.censuses.length === 1 ? '' : 'es'}` : ''} in ${seconds(performance.now() - (this.watchStart ?? 0))} s: ${leaks.length ? `leak${leaks.length === 1 ? '' : 's'} ${leaks.join(', ')}` : 'no leak'}.`;
      }
    }
  }

  /** The pause budget in force now (a boost, or the configured one). */
  private budgetNow(): number {
    if (this.budgetBoost && performance.now() < this.budgetBoost.until) return this.budgetBoost.budget;
    this.budgetBoost = undefined;
    return this.options.pauseBudget;
  }

  /**
   * The pause a sample of `kind` is expected to cost: the last one's, scaled by how the live heap
   * (after GC, at the last snapshot) has grown since; a first census, a snapshot's over
   * SNAPSHOT_PAUSE_PER_CENSUS; a first snapshot after censuses, recent censuses' times that, or at
   * least what the heap predicts. Not by the heap line, whose garbage would inflate it.
   */
  private expectedPause(kind: SampleKind): number {
    const last = this.lastPause[kind];
    if (!last && kind === 'census') return (this.lastPause.snapshot?.ms ?? 0) / SNAPSHOT_PAUSE_PER_CENSUS;
    if (!last) {
      if (this.censusFirstHeap === undefined) return 0;
      return Math.max(SNAPSHOT_MS_PER_MB * (this.censusFirstHeap / 2 ** 20), SNAPSHOT_PAUSE_PER_CENSUS * this.recentCensusPause());
    }
    const live = this.samplesTaken[this.samplesTaken.length - 1]?.heapUsed ?? last.heap;
    return last.ms * Math.min(4, Math.max(1, live / Math.max(1, last.heap)));
  }

  /**
   * The longest pause of the last three censuses after the first (which warms up, and can pause as
   * long as a snapshot): a census's pause varies by a third from one to the next, and the snapshot
   * it predicts is the budget's largest step, so the longest rather than the last.
   */
  private recentCensusPause(): number {
    const recent = this.censuses.slice(Math.max(1, this.censuses.length - 3));
    return recent.length ? Math.max(...recent.map((c) => c.pauseMs)) : this.lastPause.census?.ms ?? 0;
  }

  /**
   * Before the first sample: censuses first when the live heap (after a GC, unless `forceGc` is off)
   * is at least `censusFirstFromMb` and censuses may be taken; else a snapshot, as on a small heap.
   */
  private async chooseFirstKind(): Promise<void> {
    const { censusFirstFromMb, censusFromPauseMs, trackAllocations } = this.options;
    if (censusFirstFromMb <= 0 || censusFromPauseMs <= 0 || trackAllocations || this.censusOff) return;
    const threshold = censusFirstFromMb * 2 ** 20;
    let usage: { usedSize: number; totalSize: number };
    try {
      usage = await this.guard(this.connection.send('Runtime.getHeapUsage', undefined, { timeoutMs: 10_000 }));
      if (usage.usedSize < threshold) return;
      // Garbage would make a small program look big: the live heap decides (the census's own query collects it anyway).
      if (this.options.forceGc) {
        await this.collectGarbage(60_000);
        usage = await this.guard(this.connection.send('Runtime.getHeapUsage', undefined, { timeoutMs: 10_000 }));
      }
    } catch (error) {
      if (error instanceof Cancelled || error instanceof CdpClosedError) throw error;
      return; // a snapshot first, as ever
    }
    this.heapLine.record({ time: Date.now(), used: usage.usedSize, total: usage.totalSize });
    if (usage.usedSize < threshold) return;
    this.censusFirstHeap = usage.usedSize;
    this.censusState = { censuses: [], trackedFrom: new Map() };
    this.censusMode = true;
    this.note(
      `The program's heap is ${formatBytes(usage.usedSize)}: a snapshot of it would pause the program for seconds, so the watch counts its classes by census first, ` +
        'and takes a snapshot when the censuses have found a leak to confirm (or after a few censuses), for who holds it.',
    );
  }

  /** The next sample: census or snapshot, when (performance.now() clock) and why. */
  private planNext(): { kind: SampleKind; atPerf: number; reason: string } {
    const now = performance.now();
    if (this.watchStart === undefined && this.censusFirstHeap !== undefined && this.censusMode) {
      return { kind: 'census', atPerf: now, reason: `counting the program’s classes first: a snapshot of its ${formatBytes(this.censusFirstHeap)} heap would pause it for seconds` };
    }
    if (this.watchStart === undefined) return { kind: 'snapshot', atPerf: now, reason: 'the first snapshot: the baseline' };
    let kind: SampleKind = 'snapshot';
    let reason = 'the next snapshot';
    if (this.runaway) {
      reason = 'the heap is running away: the next snapshot as soon as it has grown half again';
    } else if (this.censusMode && this.censusState) {
      const pending = judgeCensusState(this.censusState).filter((t) => t.verdict === 'leak').map((t) => t.name);
      if (pending.length) reason = `to confirm what the censuses found (${pending.join(', ')}) and find who holds it`;
      else if (this.censusState.censuses.length >= MAX_CENSUSES_BETWEEN_SNAPSHOTS) reason = 'a snapshot to take stock of every type again';
      else {
        kind = 'census';
        reason = 'counting the program’s classes without a snapshot';
      }
    }
    const atPerf =
      this.options.intervalMs > 0
        ? this.lastSampleEnd + this.options.intervalMs
        : Math.max(
            this.lastSampleEnd + this.options.minIntervalMs,
            earliestSampleStart({ startedAt: this.watchStart ?? now, pausedMs: this.pausedMs }, this.expectedPause(kind), this.budgetNow()),
          );
    return { kind, atPerf, reason };
  }

  /** Tells the schedule: the next sample, the expected verdict, each kind's pause, the budget. */
  private publishSchedule(plan: { kind: SampleKind; atPerf: number; reason: string }): void {
    const now = performance.now();
    const toEpoch = (perf: number) => Date.now() + (perf - now);
    const budget = this.budgetNow();
    const elapsed = this.watchStart === undefined ? 0 : now - this.watchStart;
    const expectedPauseMs = Math.round(this.expectedPause(plan.kind));
    const schedule: WatchSchedule = {
      next: { kind: plan.kind, at: Math.round(toEpoch(Math.max(now, plan.atPerf))), reason: plan.reason, expectedPauseMs },
      pauses: Object.fromEntries(Object.entries(this.lastPause).map(([k, v]) => [k, Math.round(v!.ms)])),
      budget,
      pausedShare: elapsed > 0 ? this.pausedMs / elapsed : 0,
    };
    if (this.budgetBoost) schedule.boostedUntil = Math.round(toEpoch(this.budgetBoost.until));
    const verdictIn = this.verdictExpectedIn(plan);
    if (verdictIn !== undefined) schedule.verdictExpectedAt = Math.round(toEpoch(verdictIn));
    if (this.runaway) {
      const heap = this.heapLine.points[this.heapLine.points.length - 1]?.used ?? 0;
      schedule.runaway = `The heap is running away: ${formatBytes(this.runaway.firstHeap)} at the first sample, ${formatBytes(heap)} now.`;
    }
    this.publish('schedule', schedule);
  }

  /** When (performance.now() clock) the verdict should be in, if the watch goes on as planned; undefined once settled or unforeseeable. */
  private verdictExpectedIn(plan: { kind: SampleKind; atPerf: number }): number | undefined {
    if (this.watchStart === undefined) return undefined;
    if (this.latestSeries.length && verdictsSettled(this.latestSeries, this.samplesTaken)) return undefined;
    const budget = this.budgetNow();
    const snapshot = this.expectedPause('snapshot');
    const analysis = (this.samplesTaken[this.samplesTaken.length - 1]?.analysisMs ?? 0) + snapshot;
    if (this.censusMode && this.censusState) {
      // Censuses until one says leak (four of them, counting from the one that starts labelling), then a confirming snapshot.
      const census = this.expectedPause('census');
      // Without a snapshot before, the first census is the baseline and labelling starts at the next.
      const tracked = this.censusState.trackedFrom.size
        ? Math.min(...this.censusState.trackedFrom.values())
        : Math.max(this.censusState.censuses.length, this.censusState.after ? 0 : 1);
      const censusesLeft = plan.kind === 'census' ? Math.max(1, tracked + GROWTH_RULES.minSamplesForLeak - this.censusState.censuses.length) : 0;
      return plan.atPerf + censusesLeft * (census / budget) + snapshot / budget + analysis;
    }
    const snapshots = this.samplesTaken.length - lastResetIndex(this.samplesTaken);
    const left = Math.max(1, GROWTH_RULES.minSamplesForLeak - snapshots);
    const gap = this.options.intervalMs > 0 ? this.options.intervalMs + snapshot : snapshot / budget;
    return plan.atPerf + (left - 1) * gap + analysis;
  }

  /**
   * The verdicts over every sample and census taken so far, each marked with when it was reached;
   * judged again only when a sample, a census or the runaway state came since the last time.
   */
  private judge(): TypeSeries[] {
    const key = `${this.samplesTaken.length}/${this.censuses.length}/${this.runaway ? 'runaway' : ''}`;
    if (key === this.judgedFor) return this.latestSeries;
    this.judgedFor = key;
    const snapshotSeries = computeSeries([...this.samplesTaken]);
    const censusSeries = this.censusState?.censuses.length ? judgeCensusState(this.censusState) : [];
    const early = this.runaway ? judgeRunaway(this.samplesTaken, this.runawayFacts()) : new Map<string, string[]>();
    const series = combineVerdicts(snapshotSeries, censusSeries, this.confirmed, early);
    const now = Date.now();
    for (const t of series) {
      let since = this.verdictSince.get(t.name);
      if (!since || since.verdict !== t.verdict) this.verdictSince.set(t.name, (since = { verdict: t.verdict, at: now }));
      t.verdictAt = since.at;
    }
    this.latestSeries = series;
    return series;
  }

  /** What is known while too few samples are in: a sentence, or undefined once a verdict can be told. */
  private tooEarly(series: TypeSeries[]): string | undefined {
    const snapshots = this.samplesTaken.length - lastResetIndex(this.samplesTaken);
    // Censuses before the first snapshot: what they count (the report has no series without a snapshot).
    const censusesOnly = !this.samplesTaken.length && this.censuses.length > 0;
    if (censusesOnly) series = this.judge();
    if (series.some((t) => t.verdict === 'leak') || snapshots >= GROWTH_RULES.minSamplesForLeak || (!this.samplesTaken.length && !censusesOnly)) return undefined;
    const points = this.heapLine.points;
    const first = censusesOnly ? { heapUsed: this.censusFirstHeap ?? 0, time: this.censuses[0].time } : this.samplesTaken[0];
    const lastPoint = points[points.length - 1];
    const censuses = `${this.censuses.length} census${this.censuses.length === 1 ? '' : 'es'}`;
    const parts = [
      censusesOnly
        ? `Too early to tell: ${censuses} and no snapshot yet; on a heap this big the watch counts the program's classes by census first, and takes a snapshot when they have a leak to confirm.`
        : `Too early to tell: ${snapshots} snapshot${snapshots === 1 ? '' : 's'}${this.censuses.length ? ` and ${censuses}` : ''}; a verdict needs ${GROWTH_RULES.minSamplesForLeak} snapshots (fewer when the heap runs away or censuses count the growth between them).`,
    ];
    if (lastPoint && first.heapUsed > 0) {
      const secs = Math.max(0, (lastPoint.time - first.time) / 1000);
      parts.push(`So far the heap went ${formatBytes(first.heapUsed)} → ${formatBytes(lastPoint.used)} (×${(lastPoint.used / first.heapUsed).toFixed(1)}) in ${secs.toFixed(0)} s.`);
    }
    // The program's own classes first, then shapes, then the runtime's types; each by growth.
    const grown = series
      .filter((t) => !isInternalType(t.name) && t.counts.length > 1)
      .map((t) => ({ name: t.name, by: t.counts[t.counts.length - 1] - t.counts[0], tier: typeTier(t.name) }))
      .filter((g) => g.by >= GROWTH_RULES.minNetObjects)
      .sort((a, b) => a.tier - b.tier || b.by - a.by)
      .slice(0, 3);
    if (grown.length) parts.push(`Growing most: ${grown.map((g) => `${g.name} +${g.by.toLocaleString('en-US')}`).join(', ')}.`);
    return parts.join(' ');
  }

  /** A census between snapshots: counts, birth labels of the growing classes, their verdicts. */
  private async takeCensus(): Promise<SampleOutcome> {
    const state = this.censusState!;
    const started = performance.now();
    this.heapLine.stop();
    try {
      const timeoutMs = this.options.snapshotTimeoutMs;
      if (this.options.guardProgramMemory) {
        const memory = await this.guard(readProgramMemory(this.connection, 10_000));
        const verdict = this.programGuard.check('census', memory, `Census ${this.censuses.length + 1}`);
        const heap = memory.limits.find((l) => l.kind === 'heap');
        // The census's list of every object lives in the program's JS heap (8 bytes an object, twice while it grows).
        // Before any count, a guess: an object for every 32 bytes of heap.
        const objects = this.censuses[this.censuses.length - 1]?.objects ?? this.samplesTaken[this.samplesTaken.length - 1]?.nodes ?? Math.round(memory.heapUsed / 32);
        if (!verdict.fits) return { kind: 'failed', error: new Error(verdict.message), pauseMs: 0, snapshotEnd: performance.now() };
        if (heap && heap.limitBytes - heap.usedBytes < 16 * objects + 16 * 2 ** 20) {
          return { kind: 'failed', error: new Error(`a census would list about ${objects.toLocaleString('en-US')} objects in a JavaScript heap that has ${formatBytes(heap.limitBytes - heap.usedBytes)} left`), pauseMs: 0, snapshotEnd: performance.now() };
        }
      }
      const census = await this.census.take({ tracked: [...state.trackedFrom.keys()], baseline: censusBaseline(state) }, timeoutMs > 0 ? timeoutMs : 0);
      addCensus(state, census);
      this.censuses.push(census);
      this.watchStart ??= started;
      this.countPause('census', census.pauseMs, this.samplesTaken[this.samplesTaken.length - 1]?.heapUsed ?? this.censusFirstHeap ?? 0);
      this.publish('census', census);
      const snapshotPause = this.lastPause.snapshot?.ms ?? 0;
      if (snapshotPause > 0 && census.pauseMs > MAX_CENSUS_SHARE_OF_SNAPSHOT * snapshotPause) {
        this.switchCensusOff(`a census paused the program for ${seconds(census.pauseMs)} s, too close to a snapshot's ${seconds(snapshotPause)} s to be worth it`);
      }
      return { kind: 'ok', pauseMs: census.pauseMs, snapshotEnd: performance.now() };
    } catch (error) {
      if (error instanceof Cancelled) return { kind: 'ended', reason: this.describeEnd(error.endCause, false) };
      if (error instanceof CdpClosedError) return { kind: 'ended', reason: this.describeEnd({ kind: 'closed', reason: error.reason }, false) };
      return { kind: 'failed', error: error instanceof Error ? error : new Error(String(error)), pauseMs: performance.now() - started, snapshotEnd: performance.now() };
    } finally {
      this.lastSampleEnd = performance.now();
      this.pollFast();
      this.heapLine.start();
    }
  }

  /** Back to snapshots only, with a note saying why. */
  private switchCensusOff(why: string): void {
    if (this.censusOff) return;
    this.censusOff = true;
    this.censusMode = false;
    void this.census.dropLabels();
    this.note(`Counting by census between snapshots is off for this watch: ${why}. Snapshots only from here on.`);
  }

  /** Adds a sample's pause to the account. */
  private countPause(kind: SampleKind, ms: number, heap: number): void {
    this.pausedMs += ms;
    this.lastPause[kind] = { ms, heap };
  }

  /** After a sample: the heap line polled fast for a while, when runaway heaps are watched. */
  private pollFast(): void {
    if (!this.options.watchRunaway) return;
    this.heapLine.pollMs = Math.min(this.options.heapPollMs, RUNAWAY_POLL_MS);
    this.fastPollUntil = performance.now() + RUNAWAY_WATCH_MS;
  }

  /** Watches the heap line between samples: a heap that doubles since the last snapshot may be running away. */
  private watchHeapLine(point: HeapUsagePoint): void {
    if (this.fastPollUntil && !this.runaway && performance.now() >= this.fastPollUntil) {
      this.fastPollUntil = 0;
      this.heapLine.pollMs = this.options.heapPollMs;
    }
    if (!this.options.watchRunaway || this.runawaySuspected || performance.now() < this.noRunawayCheckUntil) return;
    const last = this.samplesTaken[this.samplesTaken.length - 1];
    if (!last || last.heapUsed <= 0) return;
    // The lower of the last two points: a heap that churns swings up between GCs, one that runs away stays up.
    this.recentUsed.push(point.used);
    if (this.recentUsed.length > 2) this.recentUsed.shift();
    const used = this.runaway ? point.used : Math.min(...this.recentUsed);
    const next = this.runaway
      ? Math.min(RUNAWAY_NEXT_RATIO * last.heapUsed, runawayLimit(RUNAWAY_STOP_RATIO, this.runaway.firstHeap))
      : RUNAWAY_SUSPECT_RATIO * last.heapUsed;
    if (this.recentUsed.length >= (this.runaway ? 1 : 2) && used >= next && used - last.heapUsed >= RUNAWAY_MIN_GROWTH) {
      this.runawaySuspected = true;
      this.wakeSleeper?.();
    }
  }

  /** Whether the heap runs away: a GC, then its live size against the last snapshot's. */
  private async confirmRunaway(): Promise<boolean> {
    const last = this.samplesTaken[this.samplesTaken.length - 1];
    if (!last) return false;
    if (this.runaway) return true; // known already: the snapshot's own GC is enough
    const started = performance.now();
    this.heapLine.stop();
    try {
      await this.collectGarbage(60_000);
      const usage = await this.guard(this.connection.send('Runtime.getHeapUsage', undefined, { timeoutMs: 10_000 }));
      this.pausedMs += performance.now() - started;
      this.heapLine.record({ time: Date.now(), used: usage.usedSize, total: usage.totalSize });
      if (usage.usedSize < RUNAWAY_CONFIRM_RATIO * last.heapUsed || usage.usedSize - last.heapUsed < RUNAWAY_MIN_GROWTH) {
        // Garbage, not growth (a program that churns): no other check for a while, so that such GCs cost at most 2 % of the time.
        this.noRunawayCheckUntil = performance.now() + Math.max(30_000, 50 * (performance.now() - started));
        return false;
      }
      if (!this.runaway) {
        this.runaway = { since: this.samplesTaken[0].time, firstHeap: this.samplesTaken[0].heapUsed };
        this.heapLine.pollMs = Math.min(this.heapLine.pollMs, RUNAWAY_POLL_MS);
        this.note(
          `The heap is running away: ${formatBytes(last.heapUsed)} at the last snapshot, ${formatBytes(usage.usedSize)} live now; ` +
            'sampling sooner, deciding on fewer snapshots, and stopping before it has grown much further.',
        );
      }
      return true;
    } catch (error) {
      if (error instanceof Cancelled || error instanceof CdpClosedError) throw error;
      return false;
    } finally {
      this.heapLine.start();
    }
  }

  private runawayFacts(): Runaway {
    const first = this.samplesTaken[0];
    const last = this.samplesTaken[this.samplesTaken.length - 1];
    return { firstHeap: first?.heapUsed ?? 0, heapNow: last?.heapUsed ?? 0, seconds: first && last ? (last.time - first.time) / 1000 : 0 };
  }

  /** While the heap runs away: end once the verdict is in, or before the heap has grown 3× since the first sample. */
  private runawayEnd(series: TypeSeries[]): string | undefined {
    if (!this.runaway) return undefined;
    const facts = this.runawayFacts();
    const leaks = series.filter((t) => t.verdict === 'leak').map((t) => t.name);
    const growth = growthWords(facts);
    if (leaks.length) {
      this.settledAt ??= Date.now();
      return `Stopped watching: the heap is running away (${growth}) and the verdict is in (leak: ${leaks.join(', ')}); further snapshots would pause the program longer and need more of its memory each time.`;
    }
    return facts.heapNow >= runawayLimit(RUNAWAY_STOP_RATIO, facts.firstHeap) ? runawayTooFarReason(growth) : undefined;
  }

  /** While the heap runs away: the end reason when the heap line shows it already past the last snapshot's size, so that no snapshot of it is taken. */
  private runawayTooFar(): string | undefined {
    const point = this.heapLine.points[this.heapLine.points.length - 1];
    if (!this.runaway || !point || point.used < runawayLimit(RUNAWAY_NO_SNAPSHOT_RATIO, this.runaway.firstHeap)) return undefined;
    const { firstHeap, since } = this.runaway;
    return runawayTooFarReason(growthWords({ firstHeap, heapNow: point.used, seconds: (point.time - since) / 1000 }));
  }

  /** Runs a sample in this watch's turn, when isolates take turns; the wait is not counted as pause. */
  private async inTurn(sample: () => Promise<SampleOutcome>): Promise<SampleOutcome> {
    const turns = this.options.snapshotTurns;
    if (!turns) return sample();
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
      return await sample();
    } finally {
      release();
    }
  }

  private async takeSample(index: number): Promise<SampleOutcome> {
    const { connection, analyzer } = this;
    const timeoutMs = this.options.snapshotTimeoutMs;
    const file = this.options.saveSnapshotsDir ? path.join(this.options.saveSnapshotsDir, `sample-${index}.heapsnapshot`) : undefined;
    const direct = this.snapshotPath === 'direct';
    // Taken directly, the worker writes the file as the chunks reach it.
    const out = file && !direct ? new SnapshotFile(file) : undefined;
    // Chunks count only once every earlier request has been answered: V8 serves requests in order, so
    // chunks still arriving from an earlier, cancelled snapshot (or stopTrackingHeapObjects) precede those replies.
    let streaming = false;
    let pushError: unknown;
    let chunks = 0;
    const unsubscribe = direct
      ? () => {}
      : connection.on('HeapProfiler.addHeapSnapshotChunk', ({ chunk }) => {
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
    let memoryBefore: ProgramMemory | undefined;
    let censusLabels: CensusLabels | undefined;
    try {
      // The census labels live in the program. A first snapshot keeps them, so they date its objects
      // (the cause comes with it); later ones do without (their ids date the objects): gone before.
      if (!this.samplesTaken.length) censusLabels = this.census.snapshotLabels();
      if (!censusLabels) await this.census.dropLabels();
      // While the heap runs away, every round trip lets it grow: the snapshot's own GC is enough.
      if (this.options.discardConsoleEntries && !this.runaway) await this.discardConsoleEntries(left());
      if (this.options.forceGc && !this.runaway) await this.collectGarbage(left());
      const usage = await this.guard(connection.send('Runtime.getHeapUsage', undefined, { timeoutMs: left() }));
      const kept = this.samplesTaken.length;
      const keptNote = kept ? ` The earlier ${kept} sample${kept === 1 ? ' is' : 's are'} kept.` : '';
      const fits = checkSnapshotFits(usage.usedSize, this.memoryBudget());
      if (!fits.fits) {
        const reason = `Before snapshot ${index + 1}: ${fits.message}${keptNote}`;
        this.heapLine.record({ time, used: usage.usedSize, total: usage.totalSize });
        this.reportError(new Error(reason));
        throw new SampleEnded(reason);
      }
      if (this.options.guardProgramMemory) {
        memoryBefore = await this.guard(readProgramMemory(connection, Math.min(10_000, left())));
        const program = this.programGuard.check('snapshot', memoryBefore, `Snapshot ${index + 1}`);
        if (!program.fits && !(this.options.confirmRisk && (await this.guard(this.options.confirmRisk(program.message))))) {
          const reason = `${program.message}${keptNote}`;
          this.heapLine.record({ time, used: usage.usedSize, total: usage.totalSize });
          this.reportError(new Error(reason));
          throw new SampleEnded(reason);
        }
      }
      const idsReset = await this.idResetProbe.beforeSnapshot(left());
      if (direct) {
        chunks = (await this.guard(analyzer.takeSnapshot!({ timeoutMs: left(), saveTo: file }))).chunks;
      } else {
        analyzer.begin();
        streaming = true;
        await this.guard(connection.send('HeapProfiler.takeHeapSnapshot', { reportProgress: false }, { timeoutMs: left() }));
      }
      snapshotEnd = performance.now();
      pauseMs = snapshotEnd - started;
      if (censusLabels) void this.census.dropLabels(); // the snapshot has them; the next censuses start afresh
      this.watchStart ??= started;
      this.lastSampleEnd = snapshotEnd;
      this.countPause('snapshot', pauseMs, usage.usedSize);
      streaming = false;
      unsubscribe();
      this.pollFast();
      this.heapLine.start(); // through the analysis and the gap, until the next GC
      await this.idResetProbe.afterSnapshot(10_000); // its own time: the snapshot may have used up the deadline
      if (chunks === 0 && direct) {
        // The worker's session heard nothing (a proxy that does not forward to a second client): relay from now on.
        analyzer.closeInspector?.();
        await this.relaySnapshots();
        throw new Error("its chunks did not reach the analysis worker's own inspector session; the next snapshots are relayed through the watch's connection");
      }
      if (chunks === 0) {
        const reason =
          'The snapshot arrived empty: no HeapProfiler events reach Leak Watch. Over js-debug\'s CDP proxy, events flow only after ' +
          `JsDebug.subscribe (the subscribeJsDebug option)${this.samplesTaken.length ? '; the earlier samples are kept' : ''}.`;
        this.reportError(new Error(reason));
        throw new SampleEnded(reason);
      }
      if (pushError !== undefined) throw pushError;
      if (out) await out.close();
      if (idsReset) this.analyzer.resetBaseline?.();
      this.heapLine.record({ time, used: usage.usedSize, total: usage.totalSize });
      const sample = await this.guard(
        analyzer.finish({ index, time, pauseMs: Math.round(pauseMs), heapUsed: usage.usedSize, heapTotal: usage.totalSize, ...(censusLabels ? { censusLabels } : {}) }),
      );
      this.accept(sample, idsReset);
      if (memoryBefore && this.samplesTaken.length === 1) await this.learnSnapshotMemory(memoryBefore);
      // Fetched while the program is there (the report is often built after it has gone), beside
      // the loop: the worker answers after the explanations queued before, and a stop waits for no one.
      void this.runningCode();
      return { kind: 'ok', pauseMs, snapshotEnd };
    } catch (error) {
      streaming = false;
      unsubscribe();
      try {
        analyzer.abort();
      } catch {
        // a dead analyzer has nothing to abort
      }
      if (out) await out.discard();
      if (error instanceof Cancelled) return { kind: 'ended', reason: this.describeEnd(error.endCause, true) };
      if (error instanceof SampleEnded) return { kind: 'ended', reason: error.message };
      if (error instanceof CdpClosedError && direct && !this.endCause && !connection.closed && !(await this.closesWithin(SESSION_LOSS_GRACE_MS))) {
        // Only the worker's session went (the debuggee lives on; Node forgot its object ids, which the next sample notices): relay from now on.
        analyzer.closeInspector?.();
        try {
          await this.relaySnapshots();
        } catch (relayError) {
          if (relayError instanceof Cancelled) return { kind: 'ended', reason: this.describeEnd(relayError.endCause, false) };
          if (relayError instanceof CdpClosedError) return { kind: 'ended', reason: this.describeEnd({ kind: 'closed', reason: relayError.reason }, true) };
        }
        error = new Error(`the analysis worker's inspector session closed (${error.reason}); the next snapshots are relayed through the watch's connection`);
      } else if (error instanceof CdpClosedError) {
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
      this.watchStart ??= started;
      if (!pauseMs) this.pausedMs += performance.now() - started;
      this.lastSampleEnd = snapshotEnd > started ? snapshotEnd : performance.now();
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
    // What the censuses since the last snapshot found, this snapshot confirms or not; a new census state starts.
    const state = this.censusState;
    if (state?.censuses.length) {
      for (const t of judgeCensusState(state)) {
        if (t.verdict !== 'leak' || !snapshotConfirms(t.name, state, sample, t)) continue;
        const counted = sample.types.find((x) => x.name === t.name)?.count ?? 0;
        const census = state.censuses[state.censuses.length - 1].counts[t.name] ?? 0;
        const evidence = state.after
          ? t.evidence
          : [...t.evidence, `The first snapshot confirms it: ${counted.toLocaleString('en-US')} ${t.name} objects, as the censuses counted (${census.toLocaleString('en-US')} at the last).`];
        this.confirmed.set(t.name, { series: { ...t, evidence }, at: sample.time });
      }
    }
    this.censusState = { after: sample, censuses: [], trackedFrom: new Map() };
    this.recentUsed.length = 0; // the runaway check compares with this snapshot from now on
    // Not with allocation stacks: a census's collections lose V8's traces of the objects they move (sites fall back to constructors).
    if (!this.censusOff && !this.options.trackAllocations && this.options.censusFromPauseMs > 0 && sample.pauseMs >= this.options.censusFromPauseMs) {
      this.censusMode = true;
    }
    this.publish('sample', sample);
  }

  /** After the first snapshot: how much memory it took the program, for the guard's next predictions. */
  private async learnSnapshotMemory(before: ProgramMemory): Promise<void> {
    try {
      this.programGuard.snapshotTaken(before, await this.guard(readProgramMemory(this.connection, 10_000)));
    } catch {
      // Best effort, after the sample is in: a stop or a closed connection ends the watch at the loop's top, between samples.
    }
  }

  /**
   * A GC in the program. Node never answers one asked for as the program ends: the GC waits for a task
   * of the event loop, which has stopped. Once the program has finished, there is nothing to collect
   * for: the step ends then, and the sample goes on (Node still answers the snapshot).
   */
  private collectGarbage(timeoutMs: number): Promise<void> {
    if (this.endCause?.kind === 'finished') return Promise.resolve();
    const gc = this.guard(this.connection.send('HeapProfiler.collectGarbage', undefined, { timeoutMs }));
    gc.catch(() => {});
    return new Promise<void>((resolve, reject) => {
      const end = () => resolve();
      this.gcWaiters.add(end);
      gc.then(
        () => {
          this.gcWaiters.delete(end);
          resolve();
        },
        (error: unknown) => {
          this.gcWaiters.delete(end);
          reject(error);
        },
      );
    });
  }

  /** Waits until `untilMs` (performance.now() clock); returns early on stop, close, program end, a runaway heap or a new plan. */
  private async idle(untilMs: number): Promise<void> {
    this.replan = false;
    // A boost's end is a new plan too: the next sample within the configured budget again.
    const boostEnd = this.budgetBoost?.until ?? Number.POSITIVE_INFINITY;
    while (!this.endCause && !this.runawaySuspected && !this.sampleNowAsked && !this.replan) {
      const now = performance.now();
      if (untilMs <= now || boostEnd <= now) return;
      await this.sleep(Math.min(untilMs, boostEnd) - now);
    }
  }

  /**
   * Snapshots are taken on a session of the analysis worker's own where the connection has an address
   * a second client can open (Node's inspector, js-debug's proxy): their chunks then go straight to
   * the worker. Relayed over this connection where it has none (a worker thread reached through the
   * NodeWorker domain, an in-process session) or the second session cannot be opened.
   */
  private async chooseSnapshotPath(): Promise<void> {
    const { analyzer } = this;
    const endpoint = this.connection.endpoint;
    if (endpoint && analyzer.openInspector && analyzer.takeSnapshot) {
      try {
        const { jsDebug } = await this.guard(analyzer.openInspector(endpoint, OPEN_SESSION_TIMEOUT_MS));
        if (jsDebug) await this.bypassJsDebug(endpoint);
        this.snapshotPath = 'direct';
        return;
      } catch (error) {
        analyzer.closeInspector?.();
        if (error instanceof Cancelled || error instanceof CdpClosedError) throw error;
      }
    }
    await this.relaySnapshots();
  }

  /**
   * Through js-debug's proxy the chunks would still pass through js-debug, which runs on the extension
   * host's thread: the worker's session moves to the program's own inspector (js-debug's bootloader
   * opens one on this machine) when the program can say where it is; else it stays on the proxy.
   */
  private async bypassJsDebug(proxy: InspectorEndpoint): Promise<void> {
    let url: unknown;
    try {
      const { result } = await this.guard(
        this.connection.send('Runtime.evaluate', { expression: OWN_INSPECTOR_URL, returnByValue: true, silent: true }, { timeoutMs: OPEN_SESSION_TIMEOUT_MS }),
      );
      url = result.value;
    } catch (error) {
      if (error instanceof Cancelled || error instanceof CdpClosedError) throw error;
      return;
    }
    if (typeof url !== 'string' || !/^ws:\/\//.test(url)) return;
    try {
      // The address comes from the program: only this machine's loopback is accepted.
      await this.guard(this.analyzer.openInspector!({ url, loopbackOnly: true }, OPEN_SESSION_TIMEOUT_MS));
    } catch (error) {
      if (error instanceof Cancelled) throw error;
      await this.guard(this.analyzer.openInspector!(proxy, OPEN_SESSION_TIMEOUT_MS));
    }
  }

  /** From now on snapshots are taken over this connection and their chunks relayed to the analyzer. */
  private async relaySnapshots(): Promise<void> {
    this.snapshotPath = 'relay';
    // Over js-debug's proxy this client hears the chunks only once subscribed (Node's inspector has no such method: every event comes).
    if (!this.options.subscribeJsDebug && !this.connection.endpoint) return;
    try {
      await this.guard(this.connection.sendRaw('JsDebug.subscribe', { events: CHUNK_EVENTS }, { timeoutMs: 10_000 }));
    } catch (error) {
      if (error instanceof Cancelled || error instanceof CdpClosedError) throw error;
    }
  }

  /** True when this connection closes within `ms` (after the worker's session closed: the debuggee went, not just that socket). */
  private closesWithin(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        off();
        resolve(false);
      }, ms);
      const off = this.connection.onClose(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
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
      for (const end of this.gcWaiters) end();
      this.gcWaiters.clear();
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
    // Every path ends here: the worker's session (its socket) goes with the watch.
    this.analyzer.closeInspector?.();
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

/** A runaway's limit (bytes): `ratio` × the heap at the first sample, or × RUNAWAY_LIMIT_FLOOR when that was smaller. */
function runawayLimit(ratio: number, firstHeap: number): number {
  return ratio * Math.max(firstHeap, RUNAWAY_LIMIT_FLOOR);
}

/** '25 MB → 95 MB (×3.7) in 30 s' */
function growthWords({ firstHeap, heapNow, seconds: secs }: Runaway): string {
  return `${formatBytes(firstHeap)} → ${formatBytes(heapNow)} (×${(heapNow / Math.max(1, firstHeap)).toFixed(1)}) in ${Math.round(secs)} s`;
}

function runawayTooFarReason(growth: string): string {
  return `Stopped watching before the heap runs away further (${growth}); too early to tell which type leaks: further snapshots would pause the program longer and need more of its memory each time.`;
}

function seconds(ms: number): string {
  return ms >= 10_000 ? String(Math.round(ms / 1000)) : String(Math.round(ms / 10) / 100);
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
