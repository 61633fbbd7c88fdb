/**
 * How a graph's costly steps are computed. `singleThread` is the reference: plain functions on this
 * thread. worker/threadedEngine.ts computes the same on helper threads, and must equal it.
 */
import type { HeapGraph } from '../heap/graph';
import { computeDistances, distanceArrays, type Distances } from './distances';
import { computeDominators, type Dominators } from './dominators';
import type { EdgeKinds } from './edges';

/** What an engine reads and hands back of a graph's analysis (`GraphAnalysis`, pipeline.ts). */
export interface GraphSteps {
  readonly graph: HeapGraph;
  edgeKinds(): EdgeKinds;
  nonEssentialEdges(): Uint32Array;
  readonly nonEssentialKnown: boolean;
  adoptNonEssentialEdges(bits: Uint32Array): Uint32Array;
  giveSpareWords(words: Int32Array | Uint32Array): void;
  takeSpareWords(): Int32Array | undefined;
  readonly dominatorsPending: boolean;
  dominatorsOnTheirWay(job: DominatorsInFlight): void;
}

/** The steps of `GraphAnalysis` that an engine computes. */
export interface AnalysisEngine {
  distances(a: GraphSteps): Distances;
  dominators(a: GraphSteps): Dominators;
  /** Both, for when both are wanted (a threaded engine runs them side by side). */
  distancesAndDominators(a: GraphSteps): { distances: Distances; dominators: Dominators };
}

/** Dominators another thread computes for a graph (see `GraphAnalysis.dominatorsOnTheirWay`). */
export interface DominatorsInFlight {
  /**
   * Waits for them; undefined when that thread failed (the caller computes them itself). Given
   * marks, also their retained sums (`retainedByMarks`), when they could be walked beside the last step.
   */
  join(marks?: { marks: Uint8Array; count: number }): { dominators: Dominators; sums?: Float64Array } | undefined;
  /** Ends that thread's work: the dominators are no longer wanted. */
  cancel(): void;
}

/** Every step on this thread, one after the other. */
export const singleThread: AnalysisEngine = {
  distances(a) {
    const into = distanceArrays(a.graph.nodeCount);
    const distances = computeDistances(a.graph, a.edgeKinds(), into);
    a.giveSpareWords(into.queue); // the dominators' DFS parents, when they come next
    return distances;
  },
  dominators: (a) => computeDominators(a.graph, a.nonEssentialEdges(), { parent: a.takeSpareWords() }),
  distancesAndDominators(a) {
    const distances = this.distances(a);
    return { distances, dominators: this.dominators(a) };
  },
};
