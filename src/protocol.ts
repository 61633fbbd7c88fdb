/**
 * The messages between the extension host (panel.ts) and the panel's webview (src/webview/*).
 * Declared once and imported by both sides so they cannot drift apart. Everything the webview sends
 * is validated with `parseFromWebview` before the host acts on it: the webview renders data from the
 * debuggee's heap and must be treated as untrusted.
 */
import type { Comparison } from './core/compare/comparison';
import type { Leak, Report, SourcePosition } from './core/report';
import type { ReplyMessage, RequestMessage } from './core/requests';

/** A point of the cheap live heap line (Runtime.getHeapUsage). */
export interface HeapPoint {
  time: number;
  used: number;
  total: number;
}

/** Where the watch is in its life. */
export type WatchPhase = 'connecting' | 'watching' | 'stopped' | 'ended' | 'failed';

export interface WatchStatus {
  phase: WatchPhase;
  /** What is being watched (session name, URL). */
  target: string;
  /** A sentence for the user (why it stopped, what failed, what to do next). */
  message?: string;
  samples: number;
  /** Pause of the last snapshot, ms. */
  lastPauseMs?: number;
  /** A heap snapshot of the program is there to save (none before the first sample, nor after a reload). */
  canSaveSnapshot?: boolean;
  /** While watching: the next sample and when, the expected verdict, each kind of sample's pause, the budget. */
  schedule?: WatchPlan;
  /** While watching at the adaptive pace: what "Sample Faster for a Minute" does (none: it would be no faster). */
  faster?: { budget: number; forMs: number };
}

/** What the watch will do next and what it costs the program (core's WatchSchedule, for the panel). */
export interface WatchPlan {
  /** The next sample: a heap snapshot or a census (the program's classes counted without one). */
  nextKind?: 'snapshot' | 'census';
  /** When it is due, ms since the epoch, and its expected pause (ms). */
  nextAt?: number;
  nextPauseMs?: number;
  /** When a verdict is expected, ms since the epoch. */
  verdictExpectedAt?: number;
  /** The last pause of each kind of sample (ms). */
  pauses: { snapshot?: number; census?: number };
  /** The pause budget, and the share of wall time the program has been paused so far. */
  budget: number;
  pausedShare: number;
  /** While the budget is raised for a while ("Sample Faster for a Minute"): when that ends, ms since the epoch. */
  boostedUntil?: number;
}

/** The watch compared with an earlier run of its program (the last one by default, or one the user chose). */
export interface PanelComparison {
  comparison: Comparison;
  /** The earlier run in a few words: what it watched and when. */
  baseline: string;
}

// ---------------------------------------------------------------------------------------------
// Host → webview

export const enum ToWebviewType {
  /** Everything the panel shows, sent on (re)load so that a rebuilt webview shows the same. */
  State = 'state',
  HeapUsage = 'heapUsage',
  Report = 'report',
  Status = 'status',
  /** Select a cause (its card) or a type (its retainer paths) and scroll to it (from a hover's "Show in panel" link). */
  Reveal = 'reveal',
  /** The comparison with an earlier run changed (or there is none any more). */
  Comparison = 'comparison',
}

export type ToWebview =
  | { type: ToWebviewType.State; status: WatchStatus; heapUsage: HeapPoint[]; report?: Report; chartedTypes: number; comparison?: PanelComparison }
  | { type: ToWebviewType.HeapUsage; point: HeapPoint }
  | { type: ToWebviewType.Report; report: Report }
  | { type: ToWebviewType.Status; status: WatchStatus }
  | { type: ToWebviewType.Reveal; typeName?: string; causeId?: string }
  | { type: ToWebviewType.Comparison; comparison?: PanelComparison }
  | ReplyMessage;

/** The explanation of a type (retainers, sites), or why there is none. */
export interface ExplainedType {
  leak?: Leak;
  message?: string;
}

/** What the webview asks of the host, each with its reply (requests and replies: src/core/requests.ts). */
export interface PanelMethods {
  /**
   * The user selected a type the report has not explained: explain it on the latest snapshot (of the
   * isolate with key `isolate`, the one shown in a program of several).
   */
  explain(typeName: string, isolate?: string): Promise<ExplainedType>;
}

// ---------------------------------------------------------------------------------------------
// Webview → host

export const enum FromWebviewType {
  /** The webview's script has loaded and wants the state. */
  Ready = 'ready',
  /** Open a source position from the report (allocation site, suspect edge, back-reference). */
  OpenSource = 'openSource',
  /** Go to the line that adds to a cause's holder (the host finds it in its report). */
  OpenCause = 'openCause',
  /** Go to the `new` of a type (the host finds it in its report). */
  OpenType = 'openType',
  Stop = 'stop',
  SaveSnapshot = 'saveSnapshot',
  /** Take a heap snapshot now, whatever the pause budget says. */
  SampleNow = 'sampleNow',
  /** Sample faster for a while: a higher pause budget (WatchStatus.faster). */
  SampleFaster = 'sampleFaster',
  /** Compare with another saved watch: the host asks which. */
  PickBaseline = 'pickBaseline',
}

export type FromWebview =
  | { type: FromWebviewType.Ready }
  | { type: FromWebviewType.OpenSource; position: SourcePosition; preserveFocus?: boolean }
  | { type: FromWebviewType.OpenCause; causeId: string; preserveFocus?: boolean }
  | { type: FromWebviewType.OpenType; typeName: string; preserveFocus?: boolean }
  | RequestMessage<PanelMethods>
  | { type: FromWebviewType.Stop }
  | { type: FromWebviewType.SaveSnapshot }
  | { type: FromWebviewType.SampleNow }
  | { type: FromWebviewType.SampleFaster }
  | { type: FromWebviewType.PickBaseline };

/** Longest type name the host accepts back from the webview (V8 names are short; heap strings are not). */
export const MAX_NAME_LENGTH = 1024;
/** Longest cause id the host accepts back (an id names the holder and its adding line's file). */
export const MAX_CAUSE_ID_LENGTH = 8192;
const MAX_PATH_LENGTH = 4096;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isPositiveInt(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 1 && value < 1e8;
}

/** An isolate's key: `<pid>` or `<pid>/<threadId>`. */
function isIsolateKey(value: unknown): value is string {
  return typeof value === 'string' && /^\d{1,10}(\/\d{1,10})?$/.test(value);
}

function isBoundedString(value: unknown, max: number): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= max;
}

/** An opening message with `preserveFocus` when the webview asked for it (and only `true`). */
function withFocus(opened: Extract<FromWebview, { preserveFocus?: boolean }>, message: Record<string, unknown>): FromWebview {
  if (message.preserveFocus === true) opened.preserveFocus = true;
  return opened;
}

/**
 * Checks a message from the webview and returns a fresh, well-typed copy, or undefined when the
 * message has an unknown type or the wrong shape. Extra fields are dropped.
 */
/**
 * The id of a request the host refused (a message that is not a valid request but carries a request
 * id): the host answers it with an error, so the webview does not wait on it for ever.
 */
export function refusedRequestId(message: unknown): number | undefined {
  return isRecord(message) && message.type === 'request' && isPositiveInt(message.id) ? message.id : undefined;
}

export function parseFromWebview(message: unknown): FromWebview | undefined {
  if (!isRecord(message) || typeof message.type !== 'string') return undefined;
  switch (message.type) {
    case FromWebviewType.Ready:
      return { type: FromWebviewType.Ready };
    case FromWebviewType.Stop:
      return { type: FromWebviewType.Stop };
    case FromWebviewType.SaveSnapshot:
      return { type: FromWebviewType.SaveSnapshot };
    case FromWebviewType.SampleNow:
      return { type: FromWebviewType.SampleNow };
    case FromWebviewType.SampleFaster:
      return { type: FromWebviewType.SampleFaster };
    case FromWebviewType.PickBaseline:
      return { type: FromWebviewType.PickBaseline };
    case FromWebviewType.OpenCause:
      return isBoundedString(message.causeId, MAX_CAUSE_ID_LENGTH)
        ? withFocus({ type: FromWebviewType.OpenCause, causeId: message.causeId }, message)
        : undefined;
    case FromWebviewType.OpenType:
      return isBoundedString(message.typeName, MAX_NAME_LENGTH)
        ? withFocus({ type: FromWebviewType.OpenType, typeName: message.typeName }, message)
        : undefined;
    case 'request': {
      const args = message.args;
      if (!isPositiveInt(message.id) || message.method !== 'explain' || !Array.isArray(args) || args.length < 1 || args.length > 2 || !isBoundedString(args[0], MAX_NAME_LENGTH)) return undefined;
      // The webview's messages travel as JSON: an isolate not given arrives as null.
      if (args.length === 1 || args[1] === undefined || args[1] === null) return { type: 'request', id: message.id, method: 'explain', args: [args[0]] };
      return isIsolateKey(args[1]) ? { type: 'request', id: message.id, method: 'explain', args: [args[0], args[1]] } : undefined;
    }
    case FromWebviewType.OpenSource: {
      const p = message.position;
      if (!isRecord(p) || !isBoundedString(p.file, MAX_PATH_LENGTH) || !isPositiveInt(p.line) || !isPositiveInt(p.column)) {
        return undefined;
      }
      return withFocus({ type: FromWebviewType.OpenSource, position: { file: p.file, line: p.line, column: p.column } }, message);
    }
    default:
      return undefined;
  }
}
