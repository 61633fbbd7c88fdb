/**
 * The one report schema: the CLI prints it as JSON, the panel renders it, tests assert on it.
 * Positions are 1-based (line and column); files are absolute paths (or URLs such as `node:internal/…`).
 */
export const REPORT_VERSION = 1;

export type Verdict = 'leak' | 'suspect' | 'ok';

/** A position in a source file, 1-based. */
export interface SourcePosition {
  file: string;
  line: number;
  column: number;
}

/** One type's totals in one snapshot (DevTools' Summary row, plus what is new since the last sample). */
export interface TypeStat {
  /** Constructor name for objects; `(closure)`, `(string)`, `(array)`, `(compiled code)`, `(system)` … for the rest. */
  name: string;
  count: number;
  bytes: number;
  /** Objects of this type whose id is newer than the previous sample's largest id. */
  newCount: number;
  newBytes: number;
  /**
   * Alive objects of this type by birth interval: cohorts[j] counts those whose id falls in
   * (watermark[j-1], watermark[j]]; cohorts[0] = born before the first sample. Length = sample index + 1.
   */
  cohorts: number[];
}

/** What one sample cost and saw, without the per-type detail. */
export interface SampleInfo {
  index: number;
  /** Wall-clock time of the snapshot, ms since the epoch. */
  time: number;
  heapUsed: number;
  heapTotal: number;
  /** Nodes and edges in the snapshot. */
  nodes: number;
  edges: number;
  /** Size of the snapshot JSON in bytes. */
  snapshotBytes: number;
  /** How long the debuggee was paused for GC + snapshot (ms). */
  pauseMs: number;
  /** Parse + analysis time after the last chunk arrived (ms). */
  analysisMs: number;
  /**
   * The id watermark: the largest object id seen so far in this baseline (the live maximum can drop
   * when the newest objects die, so this is the running maximum).
   */
  maxId: number;
  /** True when V8's object ids were reset before this sample, or it is of another process (a new baseline starts here). */
  idsReset?: boolean;
  /** True when this snapshot file is of another process than the one before (its shared object ids name other objects). */
  otherProcess?: boolean;
}

/** A sample as the watch loop emits it. */
export interface Sample extends SampleInfo {
  types: TypeStat[];
}

/** One edge of a retainer path, from the GC roots towards the object. */
export interface PathEdge {
  /** The holder's type name. */
  from: string;
  /** Property name, `[]` for folded indexes, `<key>` for folded map keys, variable name for contexts. */
  edge: string;
  /** V8 edge type: property, element, context, internal, hidden, shortcut. */
  edgeType: string;
  /** The held node's type name. */
  to: string;
}

/** A cluster of retainer paths of one shape, ranked by objects and bytes. */
export interface RetainerPath {
  count: number;
  bytes: number;
  edges: PathEdge[];
  /** Index into `edges` of the edge where an old, long-lived holder points at new objects; -1 when none. */
  suspectEdgeIndex: number;
  /** The source line that creates the suspect edge, when found. */
  suspectSite?: SourcePosition;
  /**
   * The same path in the code's words, as a cause's (`CausePath.steps`): Node's plumbing before the
   * program's first step folded into one labelled step, closure variables named. Clusters whose
   * paths differ only inside a folded step are one cluster (their counts added).
   */
  steps?: CauseStep[];
  /** Index into `steps` of the suspect edge; -1 when none. */
  suspectStepIndex?: number;
}

/** Where objects are made. */
export interface AllocationSite extends SourcePosition {
  functionName: string;
  count: number;
  bytes: number;
  /**
   * `allocation`: the `new`/closure site from V8's allocation traces (precise; needs allocation
   * tracking, which slows the program); `source`: a `new Type(` expression found by reading the
   * class's source (cheap, not proof that these objects came from it); `constructor`: only the
   * constructor's own position is known.
   */
  kind: 'allocation' | 'source' | 'constructor';
}

/** A strong back-reference (A.x → B while B reaches A directly) that keeps collectable bytes alive. */
export interface BackReference {
  holder: string;
  edge: string;
  target: string;
  /** Bytes that would become collectable were this edge weak. */
  bytes: number;
  /** How many such edges were seen. */
  count: number;
  /** The line that creates the reference (e.g. `this.parent = parent`). */
  site?: SourcePosition;
  /** The fix to consider, in one sentence. */
  fix: string;
}

/** A type's time series and verdict. */
export interface TypeSeries {
  name: string;
  counts: number[];
  bytes: number[];
  verdict: Verdict;
  /** Human-readable reasons for the verdict. */
  evidence: string[];
  /** Growth in objects per minute over the recent samples. */
  countPerMinute: number;
  bytesPerMinute: number;
  retainedBytes?: number;
  /** When this type's verdict was first reached (ms since the epoch); a live watch sets it. */
  verdictAt?: number;
}

export interface Leak {
  type: string;
  verdict: Verdict;
  newObjects: number;
  newBytes: number;
  retainedBytes: number;
  evidence: string[];
  allocationSites: AllocationSite[];
  retainerPaths: RetainerPath[];
  backReferences: BackReference[];
}

/**
 * What kind of thing keeps the new objects of a cause: a collection (`Array`, `Map`, `Set`, an
 * object used as a map), the listener list of an `EventEmitter`/`EventTarget`, a timer that is never
 * cleared, the reactions of a promise that never settles, a closure's variable, or a `parent`-style
 * back-reference from the kept objects to a long-lived one.
 */
export type HolderKind = 'container' | 'listener' | 'timer' | 'promise' | 'variable' | 'back-reference' | 'other';

/** The long-lived holder of a cause, in the code's words. */
export interface CauseHolder {
  kind: HolderKind;
  /** Plain words, e.g. "the 'reload' listeners of configEmitter", "the Set liveTrees", "timers made by setInterval". */
  label: string;
  /** The holder object's type as the heap names it (`Map`, `EventEmitter`, `TimersList`, `Promise`, `(closure)`…). */
  type: string;
  /** The variable or property that names the holder in the code (`liveTrees`, `sessions`), when known. */
  variable?: string;
  /** For listeners: the event name (`reload`). */
  event?: string;
  /** Where that variable is declared, when found, with its scope ("module scope of server.js", "function handle"). */
  declaredAt?: SourcePosition & { scope?: string };
  /** The holder object belongs to Node or a library (node_modules), not to the program's own code. */
  inLibrary: boolean;
}

/** How a line adds to a holder: `push`/`set`/`add` to a collection, `on` for a listener, `assign`ment, or a `call` that hands objects to a library or timer. */
export type AddKind = 'push' | 'set' | 'add' | 'on' | 'assign' | 'call';

/** The line of the program that adds to a cause's holder (for a holder inside a library or Node: the user's line that hands objects to it). */
export interface CauseAddSite extends SourcePosition {
  how: AddKind;
  /** The callee as written at that line, when it is a call (`sessions.set`, `configEmitter.on`, `new JSDOM`). */
  call?: string;
}

/** One type a cause keeps: its new objects under the holder, and the type's own growth and verdict. */
export interface KeptType {
  type: string;
  /** New objects (born since the watch began) of this type that this cause keeps, and their shallow bytes. */
  newObjects: number;
  newBytes: number;
  /** Share (0–1) of all this type's new objects that this cause keeps. */
  share: number;
  /** The type's growth (objects per minute) and verdict from its series; 0 and `ok` when it has none. */
  countPerMinute: number;
  verdict: Verdict;
  /** Whose type it is: the program's own class, a plain-object shape (`{a, b}`), a library's (node_modules), or the runtime's/Node's. */
  origin: 'user' | 'shape' | 'library' | 'runtime';
}

/**
 * One step of a cause's path in the code's words. A step of Node's own plumbing (timer lists, the
 * module wrapper, the require cache, `process`, async hooks, streams' state) stands for several raw
 * edges: `folded` lists them, and `label` says in plain words what they are.
 */
export interface CauseStep extends PathEdge {
  /** Plain words for this step, e.g. "liveTrees (module scope of server.js, declared at line 36)". */
  label?: string;
  /** The variable this step reads, with its declaration, when it is a closure's variable. */
  variable?: { name: string; scope?: string; declaredAt?: SourcePosition };
  /** The raw edges this step stands for, when it folds Node's plumbing. */
  folded?: PathEdge[];
  /** The line a folded step names (the `setInterval` call that started a timer), when found. */
  site?: SourcePosition;
}

/** A retainer path of a cause, its plumbing folded: how the GC roots reach the holder and the kept objects. */
export interface CausePath {
  /** Top objects of the cause whose path has this shape, and their retained bytes. */
  count: number;
  bytes: number;
  steps: CauseStep[];
  /** Index into `steps` of the edge from the holder to the kept objects; -1 when none. */
  holderIndex: number;
}

/**
 * A cause's own growth: the new objects of its first kept type (`type`) that are still alive at the
 * last sample, counted by when they were born (V8's object ids grow, so each sample's largest id
 * dates them). A cause that keeps accumulating climbs steadily; comparing two runs' `objectsPerMinute`
 * for one `Cause.id` says whether a fix slowed it ("still leaking, 3× slower") or ended it.
 */
export interface CauseGrowth {
  /** The kept type counted: the cause's first (the program's class, or the unit). */
  type: string;
  /** Sample times (ms since the epoch), from the baseline sample (the first, or a later one after a slow start) to the last; empty when unknown. */
  times: number[];
  /** Per sample: the objects born by then that are still alive at the last sample (the first is 0: all are newer). */
  objects: number[];
  /** Per sample: the bytes those objects retain at the last sample. */
  retainedBytes: number[];
  /** Theil–Sen slopes of `objects` and `retainedBytes` over `times`, per minute (0 without times). */
  objectsPerMinute: number;
  retainedBytesPerMinute: number;
  /** Intervals between samples, and how many of them added objects that are still alive. */
  intervals: number;
  intervalsGrowing: number;
}

/**
 * One leak, told as its cause: a long-lived holder that keeps accumulating new objects, the line
 * that adds to it, and what it keeps. The unit is the topmost new object in the dominator tree;
 * every leaking type whose new objects sit under the holder's top objects is kept by this cause.
 */
export interface Cause {
  /**
   * Stable across runs of the same program, and across edits above or at the holder: built from the
   * holder's kind, variable and event, and the adding line's file and code text (whitespace and
   * comments left out; `#2` for its second such line in the file), never from line numbers or counts,
   * so two reports can be compared cause by cause. Without an adding line: the holder's type and path.
   */
  id: string;
  verdict: Verdict;
  /** Plain words, e.g. "Connection kept by the 'reload' listeners of configEmitter". */
  title: string;
  holder: CauseHolder;
  /** The line that adds to the holder, source-mapped, when found. */
  addedAt?: CauseAddSite;
  /** The kept types, the program's own classes first, then by new objects. */
  kept: KeptType[];
  /** Top objects (the unit: the topmost new objects under the holder), all new objects kept, their bytes, and the bytes they retain. */
  topObjects: number;
  newObjects: number;
  newBytes: number;
  retainedBytes: number;
  /** Where the kept objects of the first kept type are made (source-mapped). */
  allocationSites: AllocationSite[];
  /** Sentences that back the verdict. */
  evidence: string[];
  /** What to change, chosen from the holder's kind, in one sentence. */
  fix: string;
  /** The main retainer path, Node's plumbing folded. */
  path: CausePath;
  /** How fast this cause accumulates: its first kept type's objects and their retained bytes over the samples. */
  growth?: CauseGrowth;
  /** A strong back-reference that keeps most of the kept bytes, when there is one. */
  backReference?: BackReference;
}

export interface ReportTarget {
  kind: 'run' | 'attach' | 'files' | 'session';
  /** The command, URL, files or session name. */
  description: string;
  pid?: number;
}

export interface Report {
  version: number;
  target: ReportTarget;
  startedAt: string;
  /** The samples, in order; a long watch's are thinned to at most 720, evenly spaced (see `samplesTaken`). */
  samples: SampleInfo[];
  /** How many samples were taken, when `samples` (and each type's series) lists fewer of them. */
  samplesTaken?: number;
  /** The cheap live heap line (Runtime.getHeapUsage), when watching a live process. */
  heapUsage?: { time: number; used: number; total: number }[];
  types: TypeSeries[];
  /** The leaks told as causes (one per holder), leaks first; `leaks` stays for the per-type view. */
  causes?: Cause[];
  leaks: Leak[];
  /** Notes for the user (ids reset, allocation sites unavailable, …). */
  notes?: string[];
  /** Censuses taken between snapshots (per-type counts without a snapshot): when, and the pause each cost. */
  censuses?: { time: number; pauseMs: number }[];
  /** When every verdict was settled (ms since the epoch): what `--until-verdict` waits for. */
  verdictAt?: number;
  /** Set while there are too few samples for a verdict: what is known so far, in a sentence. */
  tooEarly?: string;
}
