import type { Worker } from 'node:worker_threads';
import type { Cause, Leak, Sample, TypeStat } from '../report';
import { findCauses, type TypeVerdict } from '../analysis/causes';
import { censusBirths, type CensusBirths, type CensusLabels } from '../analysis/censusBirths';
import { runningCodeResolver, transformedScripts } from '../analysis/sites';
import type { RunningScript } from '../sources/runningSources';
import { aggregateTypes } from '../analysis/aggregate';
import { singleThread, type AnalysisEngine } from '../analysis/engine';
import { explainTypes } from '../analysis/explain';
import { GraphAnalysis } from '../analysis/pipeline';
import type { ThreadedEngine } from './threadedEngine';
import { mapCauseSources, mapLeakSources } from '../sources/sourceMaps';
import { ArrayRecycler } from '../heap/columns';
import type { HeapGraph } from '../heap/graph';
import { compareObjectIds, sampleObjectIds, type ObjectIdSample } from '../analysis/objectIds';
import { SnapshotError } from '../heap/errors';
import { SnapshotParser } from '../heap/parser';
import { parseFileOnTwoThreads } from './edgeHelper';

/** What the watch loop knows about a snapshot that the snapshot itself does not say. */
export interface SampleInfoIn {
  index: number;
  time: number;
  pauseMs: number;
  heapUsed: number;
  heapTotal: number;
  /**
   * The retained sizes of this graph will be asked for next (the last file of an analysis): its
   * dominators are started at once, beside the rest of the sample, on the thread that parsed
   * the file's "edges" (see startDominatorsAhead).
   */
  retainedNext?: boolean;
  /** The census labels alive in this snapshot (a first snapshot after censuses): they date its objects. */
  censusLabels?: CensusLabels;
}

/** Options for explaining growing types. */
export interface ExplainRequest {
  types: string[];
  /** CDP script ids → URLs, as seen in `Debugger.scriptParsed` (helps resolve allocation sites). */
  scriptUrls?: Record<string, string>;
  /** Types whose retained sizes will be asked for next: summed in the same pass (see `ExplainContext`). */
  alsoRetained?: string[];
  /** The running code of transformed scripts (see `runningScripts`), by script id. */
  scriptSources?: Record<string, string>;
}

/** Asks for the causes of the growing types: each type's verdict and growth. */
export interface CauseRequest {
  types: TypeVerdict[];
  scriptUrls?: Record<string, string>;
  /** The running code of transformed scripts (see `runningScripts`), by script id. */
  scriptSources?: Record<string, string>;
}

/**
 * The analysis state of one watch: the snapshot being streamed in, the latest graph (kept for
 * queries; older graphs are dropped), and the id watermarks of earlier samples. Runs inside the
 * worker, or in-process where no worker can be started.
 */
export class SnapshotSession {
  private parser: SnapshotParser | null = null;
  /** The latest graph and its analysis. */
  private latest: GraphAnalysis | null = null;
  /** Largest node id of each earlier sample, in order (since the last id reset). */
  private watermarks: number[] = [];
  /** The time of each of those samples (a cause's growth per minute). */
  private times: number[] = [];
  private previousMaxId = 0;
  /** Ids of the root's direct heap-object children (the global objects) in the previous sample. */
  private previousRootIds: Set<number> | null = null;
  /** The watch saw V8's ids restart: the next sample says so (`idsReset`). */
  private resetRequested = false;
  /** What a sample of the previous file's object ids name (files only: a watch is of one process). */
  private previousFileIds: ObjectIdSample | null = null;
  /**
   * The graph before `latest`, handed back once `latest` replaces it, for the next parse's columns:
   * from the third sample on, a parse writes into pages that are already there.
   */
  private readonly recycler = new ArrayRecycler();
  /** The census labels of the latest graph, and what they say once read (see `CensusLabels`). */
  private latestLabels: { labels: CensusLabels; births?: CensusBirths | null } | null = null;

  private readonly engine: AnalysisEngine & Partial<Pick<ThreadedEngine, 'startDominatorsAhead'>>;

  /**
   * `edgeWorker`: a script that can parse a file's "edges" beside this thread (see parseSnapshotFile).
   * `engine`: how the graphs' costly steps run (default: on this thread).
   */
  constructor(private readonly options: { edgeWorker?: string; engine?: AnalysisEngine & Partial<Pick<ThreadedEngine, 'startDominatorsAhead'>> } = {}) {
    this.engine = options.engine ?? singleThread;
  }

  /** Starts a new snapshot; drops a half-streamed one. */
  begin(): void {
    this.parser = new SnapshotParser({ recycler: this.recycler });
  }

  /** Feeds the next chunk of the snapshot being streamed. */
  push(chunk: string | Uint8Array): void {
    if (!this.parser) throw new SnapshotError('a chunk arrived with no snapshot begun');
    this.parser.push(chunk);
  }

  /** Forgets earlier samples' id watermarks: the next snapshot starts a new baseline. */
  resetBaseline(): void {
    this.watermarks = [];
    this.times = [];
    this.previousMaxId = 0;
    this.previousRootIds = null;
    this.previousFileIds = null;
    this.resetRequested = true;
  }

  /** Drops the snapshot being streamed (stop, cancel, or the debuggee went away). */
  abort(): void {
    this.parser = null;
  }

  /** Finishes the streamed snapshot and turns it into a Sample. */
  finish(info: SampleInfoIn): Sample {
    const parser = this.parser;
    if (!parser) throw new SnapshotError('no snapshot was begun');
    this.parser = null;
    this.previousFileIds = null;
    const started = performance.now();
    const graph = parser.finish();
    return this.sampleOf(new GraphAnalysis(graph, this.engine), parser.bytes, info, started, false);
  }

  /** Parses a `.heapsnapshot` file as a stream and turns it into a Sample. */
  async analyzeFile(path: string, info: SampleInfoIn): Promise<Sample> {
    const started = performance.now();
    let idle: Worker | undefined;
    const keepHelper = info.retainedNext ? (thread: Worker) => (idle = thread) : undefined;
    const graph = await parseFileOnTwoThreads(path, { recycler: this.recycler, edgeWorker: this.options.edgeWorker, keepHelper });
    const analysis = new GraphAnalysis(graph, this.engine);
    if (idle && !this.engine.startDominatorsAhead?.(analysis, idle)) void idle.terminate();
    const otherProcess = !!this.previousFileIds && compareObjectIds(this.previousFileIds, graph).otherProcess;
    this.previousFileIds = sampleObjectIds(graph);
    let bytes = 0;
    try {
      bytes = (await import('node:fs')).statSync(path).size;
    } catch {
      // The size is informative only.
    }
    return this.sampleOf(analysis, bytes, info, started, otherProcess);
  }

  /** Explains why the given types grow, on the latest graph; positions mapped to original sources. */
  async explain(request: ExplainRequest): Promise<Leak[]> {
    if (!this.latest) return [];
    // "New" objects are those born since the watch began (after the first sample); with one sample, all are.
    const earlier = this.watermarks.slice(0, -1);
    const leaks = explainTypes(this.latest.graph, request.types, {
      watermarks: earlier,
      previousMaxId: earlier.length ? earlier[0] : 0,
      scriptUrls: request.scriptUrls ?? {},
      resolveScript: runningCodeResolver(this.latest.graph, request.scriptSources),
      alsoRetained: request.alsoRetained,
      analysis: this.latest,
    });
    return mapLeakSources(leaks);
  }

  /** The causes of the growing types on the latest graph (one per holder), positions mapped to original sources. */
  async causes(request: CauseRequest): Promise<Cause[]> {
    if (!this.latest) return [];
    const earlier = this.watermarks.slice(0, -1);
    const resolveScript = runningCodeResolver(this.latest.graph, request.scriptSources);
    const labels = this.latestLabels;
    if (labels && !earlier.length && labels.births === undefined) labels.births = censusBirths(this.latest.graph, labels.labels) ?? null;
    const births = !earlier.length ? (labels?.births ?? undefined) : undefined;
    return mapCauseSources(
      findCauses(this.latest.graph, request.types, { watermarks: earlier, censusBirths: births, sampleTimes: [...this.times], scriptUrls: request.scriptUrls ?? {}, resolveScript, analysis: this.latest }),
    );
  }

  /** The program's scripts on the latest graph whose running code is not their file (transformed `.ts`): the host fetches their code. */
  runningScripts(): RunningScript[] {
    return this.latest ? transformedScripts(this.latest.graph) : [];
  }

  /** Retained bytes of each named type on the latest graph (DevTools' class retained size). */
  retainedSizes(types: string[]): Record<string, number> {
    if (!this.latest || !types.length) return {};
    return Object.fromEntries(this.latest.retainedByType(types));
  }

  /** The latest graph (for in-process queries and tests). */
  get graph(): HeapGraph | null {
    return this.latest?.graph ?? null;
  }

  /** The latest graph's analysis (for in-process queries and tests). */
  get analysis(): GraphAnalysis | null {
    return this.latest;
  }

  /** `otherProcess`: the graph's object ids name other objects than the previous one's (another process, or reset ids: a new baseline). */
  private sampleOf(analysis: GraphAnalysis, snapshotBytes: number, info: SampleInfoIn, started: number, otherProcess: boolean): Sample {
    const graph = analysis.graph;
    let liveMaxId = 0;
    const ids = graph.nodeId;
    for (let n = 0; n < graph.nodeCount; n++) if (ids[n] > liveMaxId && ids[n] & 1) liveMaxId = ids[n];
    const rootIds = rootChildIds(graph);
    const idsReset = this.resetRequested || otherProcess || idsWereReset(this.previousRootIds, rootIds);
    this.resetRequested = false;
    this.previousRootIds = rootIds;
    if (idsReset) {
      // V8's ids were reset (HeapProfiler.disable, or another tool's snapshot): start a new baseline.
      this.watermarks = [];
      this.times = [];
      this.previousMaxId = 0;
    }
    const types: TypeStat[] = aggregateTypes(graph, this.watermarks, this.previousMaxId, analysis.shapes);
    // The newest objects may have died since, so the live maximum can drop: keep the running maximum.
    const maxId = Math.max(liveMaxId, this.previousMaxId);
    this.watermarks.push(maxId);
    this.times.push(info.time);
    this.previousMaxId = maxId;
    // The previous graph is dropped here: nothing reads it any more (requests are served one at a
    // time, and explanations keep no arrays), so its buffers go to the next parse.
    const previous = this.latest;
    this.latest = analysis;
    this.latestLabels = info.censusLabels ? { labels: info.censusLabels } : null;
    this.recycler.clear(); // what this parse did not take
    if (previous && previous.graph !== graph) {
      previous.release();
      this.recycler.give(graphArrays(previous.graph));
    }
    const { retainedNext: _hint, censusLabels: _labels, ...echo } = info;
    return {
      ...echo,
      // A file has no live heap figure: the snapshot's own total stands in.
      heapUsed: info.heapUsed || graph.totalSize,
      nodes: graph.nodeCount,
      edges: graph.edgeCount,
      snapshotBytes,
      analysisMs: Math.round((performance.now() - started) * 10) / 10,
      maxId,
      ...(idsReset ? { idsReset } : {}),
      ...(otherProcess ? { otherProcess } : {}),
      types,
    };
  }
}

/** The big typed arrays of a graph. */
function graphArrays(g: HeapGraph): ArrayBufferView[] {
  return [g.nodeType, g.nodeName, g.nodeId, g.nodeSelfSize, g.nodeTraceId, g.nodeDetachedness, g.firstEdge, g.edgeType, g.edgeNameOrIndex, g.edgeTo];
}

/** Ids of the heap objects the root points at directly (the global objects: alive as long as the program). */
function rootChildIds(g: HeapGraph): Set<number> {
  const out = new Set<number>();
  const synthetic = g.nodeTypeNames.indexOf('synthetic');
  for (let e = g.firstEdge[0]; e < g.firstEdge[1]; e++) {
    const to = g.edgeTo[e];
    if (g.nodeType[to] !== synthetic && g.nodeId[to] & 1) out.add(g.nodeId[to]);
  }
  return out;
}

/**
 * V8 keeps an object's id for its whole life, so the global objects keep theirs from sample to
 * sample; after `HeapProfiler.disable` every object gets a new id, and none of them match.
 */
function idsWereReset(previous: Set<number> | null, now: Set<number>): boolean {
  if (!previous || previous.size === 0 || now.size === 0) return false;
  for (const id of now) if (previous.has(id)) return false;
  return true;
}
