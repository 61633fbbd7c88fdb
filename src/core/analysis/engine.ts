/**
 * How a graph's costly steps are computed. `singleThread` is the reference: plain functions on this
 * thread. worker/threadedEngine.ts computes the same on helper threads, and must equal it.
 */
import { computeDistances, type Distances } from './distances';
import { computeDominators, type Dominators } from './dominators';
import type { GraphAnalysis } from './pipeline';

/** The steps of `GraphAnalysis` that an engine computes. */
export interface AnalysisEngine {
  distances(a: GraphAnalysis): Distances;
  dominators(a: GraphAnalysis): Dominators;
  /** Both, for when both are wanted (a threaded engine runs them side by side). */
  distancesAndDominators(a: GraphAnalysis): { distances: Distances; dominators: Dominators };
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
  distances: (a) => computeDistances(a.graph),
  dominators: (a) => computeDominators(a.graph),
  distancesAndDominators(a) {
    const distances = this.distances(a);
    return { distances, dominators: this.dominators(a) };
  },
};
