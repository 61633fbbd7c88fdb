import type { Cause, Leak, Sample } from '../report';
import type { RunningScript } from '../sources/runningSources';
import type { CauseRequest, ExplainRequest, SampleInfoIn } from './session';

/** Messages from the host to the snapshot worker. Requests carry an id; chunks do not (no reply). */
export type ToWorker =
  | { kind: 'begin' }
  | { kind: 'chunk'; data: string | Uint8Array }
  | { kind: 'abort' }
  | { kind: 'resetBaseline' }
  | { kind: 'finish'; id: number; info: SampleInfoIn }
  | { kind: 'analyzeFile'; id: number; path: string; info: SampleInfoIn }
  | { kind: 'explain'; id: number; request: ExplainRequest }
  | { kind: 'retained'; id: number; types: string[] }
  | { kind: 'causes'; id: number; request: CauseRequest }
  | { kind: 'runningScripts'; id: number };

/** Replies from the worker: a result or an error message for one request id. */
export type FromWorker =
  | { id: number; ok: Sample | Leak[] | Cause[] | Record<string, number> | RunningScript[] }
  | { id: number; err: string; errName?: string }
  /** An error outside any request (a bad chunk); reported with the next finish too. */
  | { id: -1; err: string; errName?: string };
