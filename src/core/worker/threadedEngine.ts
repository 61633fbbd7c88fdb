/**
 * The analysis engine of the worker: the same steps as `singleThread`, on helper threads where a
 * graph is large enough for a thread to pay (see parallel.ts), with the same results.
 */
import type { Worker } from 'node:worker_threads';
import { computeDistances } from '../analysis/distances';
import type { AnalysisEngine } from '../analysis/engine';
import type { GraphAnalysis } from '../analysis/pipeline';
import { cancelDominatorsAhead, distancesAndDominators, dominatorsAlone, joinDominatorsAhead, startDominatorsAhead, useAnalysisHelper, type HelperOptions } from './parallel';

export class ThreadedEngine implements AnalysisEngine {
  /** `script`: the helper threads' bundle (it serves helperRoles.ts). */
  constructor(script: string | undefined, options: HelperOptions = {}) {
    useAnalysisHelper(script, options);
  }

  distances(a: GraphAnalysis) {
    return computeDistances(a.graph);
  }

  dominators(a: GraphAnalysis) {
    return dominatorsAlone(a.graph);
  }

  distancesAndDominators(a: GraphAnalysis) {
    return distancesAndDominators(a.graph);
  }

  /**
   * Starts the graph's dominators on `thread`, a helper that is idle already (the file parse's edge
   * helper), for when they are asked for next; false (and the thread ended) when they cannot start.
   */
  startDominatorsAhead(a: GraphAnalysis, thread: Worker): boolean {
    if (!startDominatorsAhead(a.graph, thread)) return false;
    a.dominatorsOnTheirWay({ join: (marks) => joinDominatorsAhead(a.graph, marks), cancel: () => cancelDominatorsAhead(a.graph) });
    return true;
  }
}
