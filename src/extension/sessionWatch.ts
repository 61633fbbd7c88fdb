// One watch of one debuggee and the processes and worker threads it starts (js-debug's child
// sessions of its tree join as they start): core's ProgramWatch (one HeapWatch per isolate: sampling
// loop + live heap line), the report, and the watch's life (connecting → watching → stopped / ended /
// failed). The panel, status bar and hints listen to it; it knows nothing about how they show it.
import { promises as fs, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import * as vscode from 'vscode';
import { compareWatches } from '../core/compare/compareWatches';
import { describeProgram } from '../core/program';
import type { Leak, Report, ReportTarget } from '../core/report';
import { savedWatch as savedReport, type SavedWatch as SavedReport } from '../core/savedWatch';
import type { WatchedProgram } from '../core/watchedProgram';
import { CdpConnection } from '../core/cdp/connection';
import { readProgramArgs } from '../core/cdp/programArgs';
import type { Transport } from '../core/cdp/transport';
import { SnapshotAnalyzer } from '../core/worker/analyzer';
import type { WatchSchedule } from '../core/watch';
import { FASTER, fasterBudget } from '../core/pauseBudget';
import { isolateSnapshotsDir, ProgramWatch, type IsolateIdentity, type WatchedIsolate } from '../core/programWatch';
import { describeIsolate } from '../core/programReport';
import { isolateView } from '../core/isolateViews';
import type { HeapPoint, PanelComparison, WatchPhase, WatchPlan, WatchStatus } from '../protocol';
import type { Attachment } from './attach';
import { askToTakeRiskySnapshot } from './riskySnapshot';
import type { LeakWatchSettings } from './settings';
import { inTree, sessionIsolate, treeRoot } from './sessionTree';

/** A new debuggee of the same launch within this time of the old one's end is a restart. */
const RESTART_WINDOW_MS = 15_000;

/** Most heap points kept for the panel (an hour at 1 s). */
const MAX_HEAP_POINTS = 3600;

export type WatchChange = 'status' | 'heapUsage' | 'report' | 'comparison';

/** The Leak Watch that saves a watch (set by the build). */
declare const LEAK_WATCH_VERSION: string | undefined;
const VERSION = typeof LEAK_WATCH_VERSION === 'string' ? LEAK_WATCH_VERSION : 'dev';

/** How long the debuggee may take to say which script it runs. */
const PROGRAM_QUERY_MS = 5000;

/** The earlier run a watch is compared with. */
export interface Baseline {
  /** What it watched and when, in a few words. */
  label: string;
  watch: SavedReport;
}

/** What is kept of a watch across a window reload (workspace state). */
export interface SavedWatch {
  description: string;
  status: WatchStatus;
  heapUsage: HeapPoint[];
  report?: Report;
}

/** A transport that is closed from the start: the connection of a watch restored after a reload, or of opened files. */
class ClosedTransport implements Transport {
  constructor(private readonly reason = 'the window reloaded') {}
  send(): void {
    throw new Error('closed');
  }
  onMessage(): void {}
  onClose(listener: (reason: string) => void): void {
    listener(this.reason);
  }
  close(): void {}
}

export class SessionWatch implements vscode.Disposable {
  private readonly changeEmitter = new vscode.EventEmitter<WatchChange>();
  /** Fires on every change of status, heap line or report. */
  readonly onDidChange = this.changeEmitter.event;
  private readonly heapEmitter = new vscode.EventEmitter<HeapPoint>();
  /** Fires for each new point of the heap line. */
  readonly onHeapUsage = this.heapEmitter.event;

  readonly heapUsage: HeapPoint[] = [];
  report: Report | undefined;
  private phase: WatchPhase = 'connecting';
  private message: string | undefined;
  private samples = 0;
  /** stop() was called: the HeapWatch's end is then told as 'stopped', with stop's message. */
  private stopping = false;
  private lastPauseMs: number | undefined;
  private schedule: WatchPlan | undefined;
  /** The analyzer of opened files (a program's isolates have their own, in `program`). */
  private analyzer: SnapshotAnalyzer | undefined;
  private program: ProgramWatch | undefined;
  /** The debug sessions of the tree that joined (or are joining) the watch, by id. */
  private readonly joined = new Set<string>();
  /** Where the watch streams each snapshot; only each isolate's latest is kept (the first isolate's for "Save Heap Snapshot"). */
  private snapshotDir: string | undefined;
  private readonly latestSnapshots = new Map<string, string>();
  private building = false;
  private rebuild = false;
  private readonly unsubscribe: (() => void)[] = [];
  /** When the watch stopped, ended or failed (ms since the epoch). */
  private endedAt: number | undefined;
  /** When a new debuggee of the same launch started while this one ran (see sessionRestarted). */
  private successorAt: number | undefined;
  /** Results of heap snapshot files opened in the panel (no program): the worker keeps the last file's graph. */
  private openedFiles: readonly string[] | undefined;
  /** The program watched (its script, folder and git commit), once the debuggee has said which it runs. */
  watchedProgram: WatchedProgram | undefined;
  private programKnown: (() => void) | undefined;
  /** Resolves once the program is known (or could not be), after start(). */
  readonly whenProgramKnown = new Promise<void>((resolve) => (this.programKnown = resolve));
  private baseline: Baseline | undefined;
  /** This watch compared with its baseline, when it has one. */
  comparison: PanelComparison | undefined;

  constructor(readonly attachment: Attachment, readonly settings: LeakWatchSettings) {}

  /** A watch that ended when the window reloaded, showing what it had (no connection). */
  static restored(saved: SavedWatch, settings: LeakWatchSettings): SessionWatch {
    const watch = new SessionWatch({ connection: new CdpConnection(new ClosedTransport()), description: saved.description, kind: 'attach' }, settings);
    const { phase, samples } = saved.status;
    if (phase === 'stopped' || phase === 'ended' || phase === 'failed') {
      // It had ended before the reload: as it was.
      watch.phase = phase;
      watch.message = saved.status.message;
    } else {
      watch.phase = 'ended';
      watch.message = `Ended by the window reload; the ${samples} sample${samples === 1 ? '' : 's'} taken before it are kept. Run "Start Leak Watch" to watch again.`;
    }
    watch.samples = saved.status.samples;
    watch.lastPauseMs = saved.status.lastPauseMs;
    watch.heapUsage.push(...saved.heapUsage);
    watch.report = saved.report;
    return watch;
  }

  /**
   * Heap snapshot files opened in the panel: their report, a heap point per file, and the worker that
   * analysed them (it keeps the last file's graph, so any type can still be explained).
   */
  static opened(files: readonly string[], report: Report, analyzer: SnapshotAnalyzer, settings: LeakWatchSettings): SessionWatch {
    const description = files.length === 1 ? basename(files[0]) : `${basename(files[0])} … ${basename(files[files.length - 1])} (${files.length} files)`;
    const watch = new SessionWatch({ connection: new CdpConnection(new ClosedTransport('heap snapshot files')), description, kind: 'attach' }, settings);
    watch.openedFiles = [...files];
    watch.analyzer = analyzer;
    watch.phase = 'stopped';
    watch.message =
      `Analysed ${files.length === 1 ? 'one heap snapshot file' : `${files.length} heap snapshot files, in this order`}: ${files.join(', ')}.` +
      (files.length === 1 ? ' Open several snapshots of one process to see growth and verdicts.' : '');
    for (const sample of report.samples) watch.heapUsage.push({ time: sample.time, used: sample.heapUsed, total: sample.heapTotal });
    watch.setReport(report);
    watch.lastPauseMs = undefined; // no program was paused
    return watch;
  }

  /** What to keep across a reload: the status, the recent heap line and the report. */
  save(): SavedWatch {
    return { description: this.attachment.description, status: this.status, heapUsage: this.heapUsage.slice(-600), report: this.report };
  }

  /** A key that identifies the debuggee: the session id, the inspector URL, or the opened files (opening them again replaces their panel). */
  get key(): string {
    if (this.openedFiles) return `files:${this.openedFiles.join('\n')}`;
    return watchKey(this.attachment);
  }

  get session(): vscode.DebugSession | undefined {
    return this.attachment.session;
  }

  /** Whether this watches the debug session with this id, or its child (a watch is of the child session that runs the program). */
  watchesSession(id: string | undefined): boolean {
    const session = this.attachment.session;
    return !!id && !!session && (session.id === id || session.parentSession?.id === id);
  }

  get live(): boolean {
    return this.phase === 'connecting' || this.phase === 'watching';
  }

  get status(): WatchStatus {
    return {
      phase: this.phase,
      target: this.attachment.description,
      message: this.message,
      samples: this.samples,
      lastPauseMs: this.lastPauseMs,
      canSaveSnapshot: this.hasSnapshot,
      schedule: this.live ? this.schedule : undefined,
      faster: this.live ? this.faster : undefined,
    };
  }

  /** What "Sample Faster for a Minute" does for this watch; none at a fixed interval, or when the budget is high already. */
  get faster(): { budget: number; forMs: number } | undefined {
    if (this.settings.interval > 0 || !this.program) return undefined;
    const budget = fasterBudget(this.settings.pauseBudget);
    return budget === undefined ? undefined : { budget, forMs: FASTER.forMs };
  }

  /** Takes a snapshot of every isolate still watched now, whatever the pause budget says; false when nothing is watched. */
  sampleNow(): boolean {
    return this.live && (this.program?.sampleNow() ?? 0) > 0;
  }

  /** Samples faster for a while (see `faster`); returns what it does, or undefined when it cannot. */
  sampleFaster(): { budget: number; forMs: number } | undefined {
    const faster = this.faster;
    if (!this.live || !faster) return undefined;
    this.program!.boostBudget(faster.budget, faster.forMs);
    return faster;
  }

  get lastHeapUsage(): HeapPoint | undefined {
    return this.heapUsage[this.heapUsage.length - 1];
  }

  private get target(): ReportTarget {
    return { kind: this.attachment.kind === 'session' ? 'session' : 'attach', description: this.attachment.description };
  }

  /**
   * Starts watching the attached debuggee (its sampling loop and live heap line); the other debuggees
   * of its session's tree join with `join`. Rejects when the debuggee refuses.
   */
  async start(): Promise<void> {
    const { connection } = this.attachment;
    this.snapshotDir = mkdtempSync(join(tmpdir(), 'leak-watch-'));
    const s = this.settings;
    const program = new ProgramWatch({
      watch: {
        intervalMs: s.interval * 1000,
        pauseBudget: s.pauseBudget,
        heapPollMs: s.heapUsagePollMs,
        forceGc: s.forceGc,
        untilVerdict: s.untilVerdict,
        trackAllocations: s.allocationSites,
        // Ask before a snapshot the program's memory may not take (else it is refused, with the numbers).
        confirmRisk: s.askBeforeRiskySnapshots ? (message) => askToTakeRiskySnapshot(this.attachment.description, message) : undefined,
        saveSnapshotsDir: this.snapshotDir,
        // attach.ts has subscribed already (events must flow before the first request).
        subscribeJsDebug: false,
      },
      createAnalyzer: () => new SnapshotAnalyzer(),
    });
    this.program = program;
    const first = (isolate: WatchedIsolate) => program.isolates[0] === isolate;
    // The heap line and the plan are the first isolate's (the program the session runs).
    program.on('heapUsage', (isolate, point) => first(isolate) && this.addHeapPoint(point));
    program.on('sample', (isolate, sample) => {
      this.samples = program.isolates.reduce((n, i) => n + i.watch.samples.length, 0);
      this.lastPauseMs = sample.pauseMs;
      void this.keepLatestSnapshot(isolate, sample.index);
      this.changeEmitter.fire('status');
      void this.buildReport();
    });
    program.on('note', () => void this.buildReport());
    program.on('schedule', (isolate, schedule) => {
      if (!first(isolate)) return;
      this.schedule = planOf(schedule);
      this.changeEmitter.fire('status');
    });
    program.on('error', (error, isolate) => {
      // Once the watch has ended (the program went away, the session ended), the snapshot in flight
      // fails as a consequence: its error must not replace the message that says what happened.
      if (!this.live) return;
      this.message = program.isolates.length > 1 ? `${describeIsolate(isolate.info)}: ${error.message}` : error.message;
      this.changeEmitter.fire('status');
    });
    program.on('isolateEnd', () => {
      void this.buildReport();
      // A stop asked for ends as 'stopped' (stop() finishes it); every isolate's end, as 'ended'.
      if (!this.live || this.stopping || program.isolates.some((i) => !i.done)) return;
      const reasons = program.isolates.map((i) => (program.isolates.length > 1 ? `${describeIsolate(i.info)}: ${i.info.end?.reason}` : i.info.end?.reason));
      this.finish('ended', reasons.join(' '));
    });
    this.setPhase('watching');
    void this.learnProgram();
    // A first heap point at once, so the panel shows a figure before the first snapshot is in.
    void connection.send('Runtime.getHeapUsage', undefined, { timeoutMs: 5000 }).then(
      (usage) => this.live && this.addHeapPoint({ time: Date.now(), used: usage.usedSize, total: usage.totalSize }),
      () => undefined,
    );
    try {
      this.joined.add(this.attachment.session?.id ?? '');
      const isolate = program.watchIsolate(await this.identity(this.attachment), connection);
      await isolate?.started;
    } catch (error) {
      this.fail(error);
      throw error;
    }
  }

  /** Who the attached debuggee is: asked of it over a session, else the inspector URL's program. */
  private async identity(attachment: Attachment): Promise<IsolateIdentity> {
    if (attachment.session) return sessionIsolate(attachment.connection, attachment.session);
    return { pid: 0, threadId: 0, entry: attachment.description, title: attachment.description };
  }

  /** Whether `session` is of this watch's tree and not watched yet: a process or worker js-debug attached after the watch started. */
  wouldJoin(session: vscode.DebugSession): boolean {
    const own = this.attachment.session;
    return this.live && !!own && !this.joined.has(session.id) && session.id !== treeRoot(own).id && inTree(session, treeRoot(own));
  }

  /**
   * Joins another debuggee of the session's tree as an isolate of its own when it is of the watched
   * program: a process a watched process started (child_process, cluster) or a worker thread of one.
   * Resolves false otherwise (a restarted program, a sibling launch), its connection then closed; a
   * joined debuggee's connection closes when its watch ends.
   */
  async join(attachment: Attachment): Promise<boolean> {
    const { program } = this;
    if (attachment.session) this.joined.add(attachment.session.id);
    if (!program || !this.live) {
      attachment.connection.close();
      return false;
    }
    const joined = program.joining();
    try {
      const identity = await this.identity(attachment);
      const isolate = ofProgram(identity, program) ? program.watchIsolate(identity, attachment.connection) : undefined;
      if (!isolate) {
        attachment.connection.close();
        return false;
      }
      void isolate.finished.then(() => attachment.connection.close());
      return true;
    } finally {
      joined();
    }
  }

  /** A debuggee of the tree could not be reached: said in the program's notes. */
  couldNotJoin(session: vscode.DebugSession, error: unknown): void {
    if (session.id) this.joined.add(session.id);
    this.program?.note(`Could not watch "${session.name}": ${error instanceof Error ? error.message : String(error)}`);
  }

  /**
   * Asks the debuggee which script it runs and where (process.argv, process.cwd()), else takes the
   * launch configuration's program and cwd, then the git commit of its folder.
   */
  private async learnProgram(): Promise<void> {
    const said = await readProgramArgs(this.attachment.connection, PROGRAM_QUERY_MS);
    let argv = said?.argv;
    let cwd = said?.cwd;
    const config = this.session?.configuration;
    if (!argv && typeof config?.program === 'string') argv = [process.execPath, config.program];
    if (!cwd && typeof config?.cwd === 'string') cwd = config.cwd;
    this.watchedProgram = await describeProgram([this.attachment.description], argv, cwd);
    this.programKnown?.();
    if (this.baseline) this.updateComparison();
  }

  /** The report as a saved watch (with its program, the time and Leak Watch's version), once there is one. */
  savedReport(): SavedReport | undefined {
    return this.report && savedReport(this.report, this.watchedProgram, VERSION);
  }

  /** Compares this watch with an earlier run from now on (none: no comparison). */
  compareWith(baseline: Baseline | undefined): void {
    this.baseline = baseline;
    this.updateComparison();
  }

  /** When the watch stopped, ended or failed (ms since the epoch). */
  get endedTime(): number | undefined {
    return this.endedAt;
  }

  /** The baseline's label, when the watch has one. */
  get baselineLabel(): string | undefined {
    return this.baseline?.label;
  }

  private updateComparison(): void {
    const now = this.baseline ? this.savedReport() : undefined;
    this.comparison = this.baseline && now ? { comparison: compareWatches(this.baseline.watch, now), baseline: this.baseline.label } : undefined;
    this.changeEmitter.fire('comparison');
  }

  /** Stops watching; the results stay. */
  async stop(message?: string): Promise<void> {
    if (!this.live) return;
    const { program } = this;
    this.setPhase('watching', 'Stopping…');
    this.stopping = true;
    await program?.stop();
    await this.buildReport();
    const ended = program?.isolates[0]?.watch.endedBecause;
    this.finish('stopped', message ?? `${ended ?? 'Stopped.'} The results stay on screen; start again to continue watching.`);
  }

  /** The debug session ended: stop with a note. */
  sessionEnded(): void {
    if (this.live) this.finish('ended', `The debug session ended, so the watch stopped; the ${this.samples} sample(s) taken are kept.`);
  }

  /**
   * A new debuggee of the same launch started (the debug toolbar's Restart, or js-debug restarting
   * its child). If this watch's session has just ended, it was a restart: the message says so. If
   * it is still running, the new one may be a subprocess, so this only notes the time, and an end
   * within a few seconds is told as a restart (see finish). The samples are of the old program
   * and stay as they are; the new program is not watched unasked.
   */
  sessionRestarted(): void {
    if (this.live) {
      this.successorAt = Date.now();
      return;
    }
    if (this.phase !== 'ended' || this.endedAt === undefined || Date.now() - this.endedAt > RESTART_WINDOW_MS) return;
    this.message = this.restartMessage();
    this.changeEmitter.fire('status');
  }

  private restartMessage(): string {
    const n = this.samples;
    return `The debug session restarted, which ended this watch: the program it watched exited and a new one started. The ${n} sample${n === 1 ? '' : 's'} taken before are kept; run "Start Leak Watch" to watch the restarted program.`;
  }

  /** Attaching or watching failed. */
  fail(error: unknown): void {
    this.finish('failed', error instanceof Error ? error.message : String(error));
  }

  private finish(phase: WatchPhase, message: string): void {
    if (!this.live && this.phase !== 'connecting') return;
    for (const u of this.unsubscribe.splice(0)) u();
    this.phase = phase;
    this.endedAt = Date.now();
    // Ended (the session, the connection or the program) just after a new debuggee of its launch started: a restart.
    const restarted = phase === 'ended' && this.successorAt !== undefined && this.endedAt - this.successorAt < RESTART_WINDOW_MS;
    this.message = restarted ? this.restartMessage() : message;
    void this.program?.stop().catch(() => undefined);
    this.attachment.connection.close();
    this.changeEmitter.fire('status');
  }

  private setPhase(phase: WatchPhase, message?: string): void {
    this.phase = phase;
    this.message = message;
    this.changeEmitter.fire('status');
  }

  private addHeapPoint(point: HeapPoint): void {
    this.heapUsage.push(point);
    if (this.heapUsage.length > MAX_HEAP_POINTS) this.heapUsage.splice(0, this.heapUsage.length - MAX_HEAP_POINTS);
    this.heapEmitter.fire(point);
    this.changeEmitter.fire('heapUsage');
  }

  /** Rebuilds the report after a sample; one build at a time, the latest wins. */
  private async buildReport(): Promise<void> {
    if (this.building) {
      this.rebuild = true;
      return;
    }
    const { program } = this;
    if (!program) return;
    this.building = true;
    try {
      do {
        this.rebuild = false;
        const report = await program.buildReport(this.target);
        this.setReport(report);
      } while (this.rebuild);
    } catch (error) {
      this.message = `Could not build the report: ${error instanceof Error ? error.message : String(error)}`;
      this.changeEmitter.fire('status');
    } finally {
      this.building = false;
    }
  }

  /** Takes a report (from the sampling loop, or a test), leaving out the ignored types. */
  setReport(report: Report): void {
    const ignored = new Set(this.settings.ignoreTypes);
    this.report = ignored.size
      ? { ...report, types: report.types.filter((t) => !ignored.has(t.name)), leaks: report.leaks.filter((l) => !ignored.has(l.type)) }
      : report;
    this.samples = Math.max(this.samples, report.samplesTaken ?? report.samples.length);
    this.lastPauseMs = report.samples[report.samples.length - 1]?.pauseMs ?? this.lastPauseMs;
    this.changeEmitter.fire('report');
    this.changeEmitter.fire('status');
    if (this.baseline) this.updateComparison();
  }

  /**
   * Retainer paths and allocation sites of one type, from the report or the latest snapshot; of the
   * isolate with key `isolate` in a program of several (default: the report's top-level one).
   */
  async explain(typeName: string, isolate?: string): Promise<{ leak?: Leak; message?: string }> {
    const report = this.report && isolateView(this.report, isolate);
    const leak = report?.leaks.find((l) => l.type === typeName);
    if (leak) return { leak };
    if (!report || this.samples === 0) return { message: 'No heap snapshot has been analysed yet.' };
    const watched = this.program?.isolates.find((i) => i.info.key === (report.isolate?.key ?? this.program?.isolates[0]?.info.key));
    const analyzer = this.openedFiles ? this.analyzer : watched && !watched.done ? watched.analyzer : undefined;
    if (!analyzer || (!this.live && !this.openedFiles)) return { message: 'The watch has stopped; only the types it explained while running have retainer paths.' };
    try {
      const [explained] = await analyzer.explain([typeName]);
      if (!explained) return { message: 'No objects of this type were found in the latest snapshot.' };
      const series = report.types.find((t) => t.name === typeName);
      if (series) explained.verdict = series.verdict;
      return { leak: explained };
    } catch (error) {
      return { message: `Could not explain ${typeName}: ${error instanceof Error ? error.message : String(error)}` };
    }
  }

  /** Deletes the isolate's snapshot before `index`, so its folder holds only the latest one. */
  private async keepLatestSnapshot(isolate: WatchedIsolate, index: number): Promise<void> {
    if (!this.snapshotDir) return;
    const key = isolate.info.key;
    const previous = this.latestSnapshots.get(key);
    const latest = join(isolateSnapshotsDir(this.snapshotDir, isolate.info, this.program?.isolates[0] === isolate), `sample-${index}.heapsnapshot`);
    this.latestSnapshots.set(key, latest);
    if (previous && previous !== latest) await fs.rm(previous, { force: true }).catch(() => undefined);
  }

  /** The latest snapshot of the first isolate (the session's own program). */
  private get latestSnapshot(): string | undefined {
    const key = this.program?.isolates[0]?.info.key;
    return key === undefined ? undefined : this.latestSnapshots.get(key);
  }

  /** Copies the latest snapshot the watch took into `uri`. */
  async saveSnapshot(uri: vscode.Uri): Promise<void> {
    if (uri.scheme !== 'file') throw new Error('Heap snapshots can only be saved to a file on this machine.');
    if (!this.latestSnapshot) throw new Error('No heap snapshot has been taken yet; wait for the first sample.');
    await fs.copyFile(this.latestSnapshot, uri.fsPath);
  }

  /** True once a snapshot can be saved. */
  get hasSnapshot(): boolean {
    return this.latestSnapshot !== undefined;
  }

  dispose(): void {
    if (this.live) this.finish('stopped', 'Stopped.');
    void this.program?.dispose();
    void this.analyzer?.dispose();
    this.analyzer = undefined;
    if (this.snapshotDir) rmSync(this.snapshotDir, { recursive: true, force: true });
    this.changeEmitter.dispose();
    this.heapEmitter.dispose();
  }
}

/** Whether `identity` is a process a watched process started, or a worker thread of one, and not watched yet. */
function ofProgram(identity: IsolateIdentity, program: ProgramWatch): boolean {
  const watched = program.isolates.map((i) => i.info);
  if (watched.some((i) => i.pid === identity.pid && i.threadId === identity.threadId)) return false;
  const pids = new Set(watched.map((i) => i.pid));
  return identity.threadId > 0 ? pids.has(identity.pid) : identity.parentPid !== undefined && pids.has(identity.parentPid);
}

/** The panel's words for the watch's plan (core's WatchSchedule). */
function planOf(s: WatchSchedule): WatchPlan {
  return {
    nextKind: s.next?.kind,
    nextAt: s.next?.at,
    nextPauseMs: s.next?.expectedPauseMs,
    verdictExpectedAt: s.verdictExpectedAt,
    pauses: s.pauses,
    budget: s.budget,
    pausedShare: s.pausedShare,
    boostedUntil: s.boostedUntil,
  };
}

/** The key of a watch: one watch per debuggee. */
export function watchKey(attachment: Pick<Attachment, 'session' | 'description'>): string {
  return attachment.session ? `session:${attachment.session.id}` : `url:${attachment.description}`;
}
