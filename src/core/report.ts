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
  /** True when V8's object ids were reset before this sample (a new baseline starts here). */
  idsReset?: boolean;
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
