/**
 * Distances and dominators at once, on two threads: a helper thread runs the breadth-first
 * distances over the graph's shared columns while the caller computes the dominators; then the
 * helper fills the second half of the dominators' predecessor lists. Each hand-off is a move of a
 * shared word (sharedState.ts); whatever the helper does not do, the caller does, with the same result.
 */
import { Worker } from 'node:worker_threads';
import { computeDistances, type DistanceArrays, type DistanceGraph, type Distances } from '../analysis/distances';
import { fillSecondPredecessors, predecessorShare, type DominatorGraph, type PredecessorHelper, type PredecessorShare } from '../analysis/dominators';
import { markNonEssentialEdges, nonEssentialArray, type EdgeKinds } from '../analysis/edges';
import type { GraphSteps } from '../analysis/engine';
import { sharedArray } from '../heap/columns';
import { JobState, sharedWords } from './sharedState';

/** The words of the hand-offs: the distances job, the go-ahead for the predecessors, the helper's half of them. */
const WORDS = ['distances', 'goAhead', 'predecessors'] as const;
/** `goAhead`: the predecessor offsets are known (GO), or the caller went on without the helper (STOP). */
const GO_AHEAD = { wait: 0, go: 1, stop: 2 } as const;

/** What the helper thread is given (`workerData.distances`); every array is in shared memory. */
export interface DistanceRequest {
  graph: Omit<DistanceGraph, 'strings'> & DominatorGraph;
  out: DistanceArrays;
  /** The second half of the predecessor lists, to fill once the dominators' DFS has counted them. */
  share: PredecessorShare;
  /** The graph's non-essential edge bits: filled by the caller while the helper computes the distances. */
  nonEssential: Uint32Array;
  /** The words of `WORDS`. */
  control: Int32Array;
}

/** Posted once the thread runs: the graph's edge kinds and the strings the distances read (the edge names DevTools' filter looks at). */
export interface DistanceStrings {
  kinds: EdgeKinds;
  length: number;
  index: number[];
  text: string[];
}

/** How the helper is used. */
export interface DistanceHelperOptions {
  /** Tests: how long to wait for a helper that has not started its part (default 0: never wait, do it here). */
  startWaitMs?: number;
  /** Told who filled the second half of the predecessor lists. */
  onPredecessors?: (by: 'helper' | 'here') => void;
}

/**
 * Starts the helper for the graph: the predecessor hand-offs for `computeDominators`, and `finish`,
 * which gives the helper's distances, or undefined when the caller must compute them (the helper
 * never started, failed or was too slow). Undefined when the thread cannot start.
 */
export function startDistanceHelper(
  a: GraphSteps,
  script: string,
  options: DistanceHelperOptions = {},
): { predecessors: PredecessorHelper; finish(): Distances | undefined } | undefined {
  const g = a.graph;
  const n = g.nodeCount;
  const { startWaitMs = 0, onPredecessors } = options;
  const out: DistanceArrays = {
    distance: sharedArray(Int32Array, n),
    parentEdge: sharedArray(Int32Array, n),
    parentNode: sharedArray(Int32Array, n),
    queue: sharedArray(Uint32Array, n),
  };
  const words = sharedWords(WORDS);
  const distancesJob = new JobState(words.distances);
  const predecessorsJob = new JobState(words.predecessors);
  const { firstEdge, edgeTo, edgeType, edgeNameOrIndex, nodeType, nodeName, nodeSelfSize, nodeCount, edgeCount } = g;
  const share = predecessorShare(g);
  const known = a.nonEssentialKnown;
  const nonEssential = known ? a.nonEssentialEdges() : nonEssentialArray(edgeCount);
  const request: DistanceRequest = {
    graph: { nodeCount, edgeCount, firstEdge, edgeTo, edgeType, edgeNameOrIndex, nodeType, nodeName, nodeSelfSize },
    out,
    share,
    nonEssential,
    control: words.memory,
  };
  let worker: Worker;
  try {
    worker = new Worker(script, { workerData: { distances: request } });
  } catch {
    return undefined;
  }
  worker.unref();
  // A thread that fails to start or throws shows as a helper that never started or failed (the
  // shared words say which); its 'error' event must not go unhandled.
  worker.on('error', () => undefined);
  // While the thread starts: the strings it needs, and the bits.
  worker.postMessage(distanceStrings(a));
  if (!known) a.adoptNonEssentialEdges(markNonEssentialEdges(g, a.edgeKinds(), nonEssential));
  const longest = Math.max(60_000, n / 50);
  const predecessors: PredecessorHelper = {
    ...share,
    begin() {
      words.goAhead.set(GO_AHEAD.go);
    },
    end() {
      if (startWaitMs > 0) predecessorsJob.waitWhileIdle(startWaitMs);
      if (predecessorsJob.cancelIfIdle()) {
        // The helper is not there yet (still on the distances): its half is done here.
        fillSecondPredecessors(g, nonEssential, share);
        onPredecessors?.('here');
        return true;
      }
      predecessorsJob.waitWhileRunning(longest);
      const done = predecessorsJob.done;
      if (done) onPredecessors?.('helper');
      return done;
    },
  };
  return {
    predecessors,
    finish(): Distances | undefined {
      if (startWaitMs > 0) distancesJob.waitWhileIdle(startWaitMs);
      distancesJob.cancelIfIdle(); // not started by now: never
      // A generous bound: the helper does less work than the dominators just done here.
      if (distancesJob.running) distancesJob.waitWhileRunning(longest);
      words.goAhead.set(GO_AHEAD.stop); // a helper still waiting for the go-ahead stops waiting
      void worker.terminate();
      if (!distancesJob.done) return undefined; // failed, or too slow: computed here instead, into fresh arrays
      a.giveSpareWords(out.queue);
      return { distance: out.distance, parentEdge: out.parentEdge, parentNode: out.parentNode };
    },
  };
}

/** The helper's strings: the native context's map name, WeakMap entry names, and (map descriptors) slot names. */
function distanceStrings(a: GraphSteps): DistanceStrings {
  const g = a.graph;
  const k = a.edgeKinds();
  const index: number[] = [];
  for (const i of [k.sloppyFunctionMap, k.nativeContext, k.mapDescriptors]) if (i >= 0) index.push(i);
  for (const i of k.ephemeronTables.keys()) index.push(i);
  if (k.mapDescriptors >= 0) {
    for (let v = 0; v < g.nodeCount; v++) {
      if (g.nodeType[v] !== k.nodeArray || g.nodeName[v] !== k.mapDescriptors) continue;
      for (let e = g.firstEdge[v]; e < g.firstEdge[v + 1]; e++) {
        const t = g.edgeType[e];
        if (t !== k.element && t !== k.hidden) index.push(g.edgeNameOrIndex[e]);
      }
    }
  }
  return { kinds: k, length: g.strings.length, index, text: index.map((i) => g.strings[i]) };
}

/** The helper thread's side: the distances into the shared arrays, then its half of the predecessor lists when told to. */
export function runDistanceHelper(request: DistanceRequest, strings: DistanceStrings): void {
  const words = sharedWords(WORDS, request.control);
  const job = new JobState(words.distances);
  if (!job.start()) return;
  try {
    // Only the strings the distances read (see distanceStrings); the rest of the table stays empty.
    const table: string[] = new Array(strings.length);
    strings.index.forEach((i, k) => (table[i] = strings.text[k]));
    computeDistances({ ...request.graph, strings: table }, strings.kinds, request.out);
    job.end(true);
  } catch {
    job.failIfRunning();
    return;
  }
  words.goAhead.waitWhile(GO_AHEAD.wait, 120_000);
  if (words.goAhead.value !== GO_AHEAD.go) return;
  const predecessors = new JobState(words.predecessors);
  if (!predecessors.start()) return; // done without us
  try {
    fillSecondPredecessors(request.graph, request.nonEssential, request.share);
    predecessors.end(true);
  } catch {
    predecessors.end(false);
  }
}
