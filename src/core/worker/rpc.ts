// What the host asks of the snapshot worker, declared once for both sides (src/core/requests.ts).
import type { ReplyMessage, RequestMessage } from '../requests';
import type { Cause, Leak, Sample } from '../report';
import type { RunningScript } from '../sources/runningSources';
import type { InspectorEndpoint } from '../cdp/transport';
import type { DirectSnapshotResult } from './inspectorSession';
import type { CauseRequest, ExplainRequest, SampleInfoIn } from './session';

/** The worker's methods, each with its reply. */
export interface WorkerMethods {
  /** Ends the streamed snapshot: its Sample. */
  finish(info: SampleInfoIn): Promise<Sample>;
  analyzeFile(path: string, info: SampleInfoIn): Promise<Sample>;
  explain(request: ExplainRequest): Promise<Leak[]>;
  causes(request: CauseRequest): Promise<Cause[]>;
  retainedSizes(types: string[]): Record<string, number>;
  /** The program's scripts whose running code is not their file (transformed `.ts`). */
  runningScripts(): RunningScript[];
  /** Opens the worker's own inspector session (see inspectorSession.ts); whether it is js-debug's proxy. */
  openInspector(endpoint: InspectorEndpoint, timeoutMs: number): Promise<{ jsDebug: boolean }>;
  /** Takes a snapshot on that session, streamed into the parser (and `saveTo`); answered once V8 has sent it all. */
  takeSnapshot(options: DirectSnapshotOptions): Promise<DirectSnapshotResult>;
}

/** A snapshot taken on the worker's own session: its timeout (ms, 0 waits for ever), and the file it is saved to, if any. */
export interface DirectSnapshotOptions {
  timeoutMs: number;
  saveTo?: string;
}

/** Messages that want no reply: a snapshot streamed in, baseline resets, the end of the worker's own session. */
export type WorkerNotice = { type: 'begin' } | { type: 'chunk'; data: string | Uint8Array } | { type: 'abort' } | { type: 'resetBaseline' } | { type: 'closeInspector' };

/** Messages from the host to the snapshot worker. */
export type ToWorker = WorkerNotice | RequestMessage<WorkerMethods>;

/** Messages from the worker: replies, and word that a snapshot's chunks have started to arrive on its own session. */
export type FromWorker = ReplyMessage | { type: 'streaming' };
