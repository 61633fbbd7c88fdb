// One watch of one debuggee: the connection, the live heap line, the samples and report, and the
// watch's life (connecting → watching → stopped / ended / failed). The panel, status bar and hints
// listen to it; it knows nothing about how they show it.
import { createWriteStream } from 'node:fs';
import * as vscode from 'vscode';
import type { Leak, Report } from '../core/report';
import type { HeapPoint, WatchPhase, WatchStatus } from '../protocol';
import type { Attachment } from './attach';
import type { LeakWatchSettings } from './settings';

/** Most heap points kept (an hour at 1 s). */
const MAX_HEAP_POINTS = 3600;

export type WatchChange = 'status' | 'heapUsage' | 'report';

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
  private lastPauseMs: number | undefined;
  private pollTimer: NodeJS.Timeout | undefined;
  private polling = false;
  private readonly startedAt = new Date();
  private readonly unsubscribe: (() => void)[] = [];

  constructor(readonly attachment: Attachment, readonly settings: LeakWatchSettings) {}

  /** A key that identifies the debuggee: the session id, or the inspector URL. */
  get key(): string {
    return watchKey(this.attachment);
  }

  get session(): vscode.DebugSession | undefined {
    return this.attachment.session;
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
    };
  }

  get lastHeapUsage(): HeapPoint | undefined {
    return this.heapUsage[this.heapUsage.length - 1];
  }

  /** Starts the heap line (and the sampling loop). */
  start(): void {
    const { connection } = this.attachment;
    this.unsubscribe.push(
      connection.onClose((reason) => {
        if (this.live) this.finish('ended', `The connection to the program closed (${reason}). The samples taken so far are kept.`);
      }),
    );
    this.setPhase('watching');
    void this.poll();
  }

  /** Stops watching; the results stay. */
  async stop(message = 'Stopped. The results stay on screen; start again to continue watching.'): Promise<void> {
    if (!this.live) return;
    this.finish('stopped', message);
  }

  /** The debug session ended: stop with a note. */
  sessionEnded(): void {
    if (this.live) this.finish('ended', 'The debug session ended, so the watch stopped. The samples taken so far are kept.');
  }

  /** Attaching or watching failed. */
  fail(error: unknown): void {
    const text = error instanceof Error ? error.message : String(error);
    this.finish('failed', text);
  }

  private finish(phase: WatchPhase, message: string): void {
    clearTimeout(this.pollTimer);
    this.pollTimer = undefined;
    for (const u of this.unsubscribe.splice(0)) u();
    this.phase = phase;
    this.message = message;
    this.attachment.connection.close();
    this.changeEmitter.fire('status');
  }

  private setPhase(phase: WatchPhase, message?: string): void {
    this.phase = phase;
    this.message = message;
    this.changeEmitter.fire('status');
  }

  /** The cheap live heap line: Runtime.getHeapUsage on a timer, one request at a time. */
  private async poll(): Promise<void> {
    if (!this.live || this.polling) return;
    this.polling = true;
    try {
      const usage = await this.attachment.connection.send('Runtime.getHeapUsage', undefined, { timeoutMs: 10_000 });
      if (this.live) this.addHeapPoint({ time: Date.now(), used: usage.usedSize, total: usage.totalSize });
    } catch (error) {
      // A busy program (e.g. paused at a breakpoint) may not answer; the next tick tries again.
      if (this.attachment.connection.closed) return;
      void error;
    } finally {
      this.polling = false;
    }
    if (this.live) this.pollTimer = setTimeout(() => void this.poll(), this.settings.heapUsagePollMs);
  }

  private addHeapPoint(point: HeapPoint): void {
    this.heapUsage.push(point);
    if (this.heapUsage.length > MAX_HEAP_POINTS) this.heapUsage.splice(0, this.heapUsage.length - MAX_HEAP_POINTS);
    this.heapEmitter.fire(point);
    this.changeEmitter.fire('heapUsage');
  }

  /** Takes the report of a new sample (from the sampling loop). */
  setReport(report: Report): void {
    this.report = report;
    this.samples = report.samples.length;
    this.lastPauseMs = report.samples[report.samples.length - 1]?.pauseMs;
    this.changeEmitter.fire('report');
    this.changeEmitter.fire('status');
  }

  /** Retainer paths and allocation sites of one type, when the analysis has them. */
  async explain(typeName: string): Promise<{ leak?: Leak; message?: string }> {
    const leak = this.report?.leaks.find((l) => l.type === typeName);
    if (leak) return { leak };
    if (!this.report) return { message: 'No heap snapshot has been analysed yet.' };
    return { message: 'Retainer paths are worked out for the types that grow; this one has not been explained.' };
  }

  /** Streams a fresh heap snapshot of the program into `uri` (a file). */
  async saveSnapshot(uri: vscode.Uri): Promise<void> {
    if (uri.scheme !== 'file') throw new Error('Heap snapshots can only be saved to a file on this machine.');
    const { connection } = this.attachment;
    const out = createWriteStream(uri.fsPath);
    const failed = new Promise<never>((_, reject) => out.on('error', reject));
    failed.catch(() => undefined);
    const off = connection.on('HeapProfiler.addHeapSnapshotChunk', ({ chunk }) => out.write(chunk));
    try {
      await Promise.race([connection.send('HeapProfiler.takeHeapSnapshot', { reportProgress: false }, { timeoutMs: 300_000 }), failed]);
    } finally {
      off();
      await new Promise<void>((resolve) => out.end(resolve));
    }
  }

  /** The report as it stands (samples, types, leaks), for saving or the CLI's schema. */
  currentReport(): Report | undefined {
    return this.report;
  }

  get started(): Date {
    return this.startedAt;
  }

  dispose(): void {
    if (this.live) this.finish('stopped', 'Stopped.');
    this.changeEmitter.dispose();
    this.heapEmitter.dispose();
  }
}

/** The key of a watch: one watch per debuggee. */
export function watchKey(attachment: Pick<Attachment, 'session' | 'description'>): string {
  return attachment.session ? `session:${attachment.session.id}` : `url:${attachment.description}`;
}
