// What the host asks of the snapshot worker, declared once for both sides (src/core/requests.ts).
import type { ReplyMessage, RequestMessage } from '../requests';
import type { Cause, Leak, Sample } from '../report';
import type { RunningScript } from '../sources/runningSources';
import type { CauseRequest, ExplainRequest, SampleInfoIn } from './session';

/** The worker's methods, each with its reply. */
export interface WorkerMethods {
  /** Ends the streamed snapshot: its Sample. */
  finish(info: SampleInfoIn): Sample;
  analyzeFile(path: string, info: SampleInfoIn): Promise<Sample>;
  explain(request: ExplainRequest): Promise<Leak[]>;
  causes(request: CauseRequest): Promise<Cause[]>;
  retainedSizes(types: string[]): Record<string, number>;
  /** The program's scripts whose running code is not their file (transformed `.ts`). */
  runningScripts(): RunningScript[];
}

/** Messages that want no reply: a snapshot streamed in, and baseline resets. */
export type WorkerNotice = { type: 'begin' } | { type: 'chunk'; data: string | Uint8Array } | { type: 'abort' } | { type: 'resetBaseline' };

/** Messages from the host to the snapshot worker. */
export type ToWorker = WorkerNotice | RequestMessage<WorkerMethods>;

/** Messages from the worker: replies. */
export type FromWorker = ReplyMessage;
