/**
 * The analysis engine of the worker: the steps of `singleThread`, on helper threads where a graph
 * is large enough for a thread to pay, with the same results (the unit tests compare them):
 * distances on a helper beside the dominators (distanceHelper.ts), dominators alone with their
 * fresh pages touched by a short-lived thread (pageToucher.ts), and dominators started ahead on a
 * parse's idle edge helper (dominatorsAhead.ts).
 */
import { existsSync } from 'node:fs';
import type { Worker } from 'node:worker_threads';
import { computeDominators, dominatorRoom, type Dominators } from '../analysis/dominators';
import { singleThread, type AnalysisEngine, type GraphSteps } from '../analysis/engine';
import { startDistanceHelper, type DistanceHelperOptions } from './distanceHelper';
import { startDominatorsAhead } from './dominatorsAhead';
import { startPageToucher } from './pageToucher';

/** How the helper threads are used. */
export interface ThreadedEngineOptions extends DistanceHelperOptions {
  /** Smaller graphs are done on one thread (a thread costs more than it saves); default 200,000 nodes. */
  minNodes?: number;
}

export class ThreadedEngine implements AnalysisEngine {
  private readonly script: string | undefined;
  private readonly minNodes: number;

  /** `script`: the helper threads' bundle (it serves helperRoles.ts); without one, everything runs on this thread. */
  constructor(
    script: string | undefined,
    private readonly options: ThreadedEngineOptions = {},
  ) {
    this.script = script && existsSync(script) ? script : undefined;
    this.minNodes = options.minNodes ?? 200_000;
  }

  /** Whether this graph's steps go to helper threads. */
  private threads(a: GraphSteps): boolean {
    return !!this.script && a.graph.nodeCount >= this.minNodes;
  }

  distances(a: GraphSteps) {
    return singleThread.distances(a);
  }

  /**
   * The dominators when no distances are wanted (retained sizes of one snapshot): their big arrays
   * are first touched by a short-lived thread on the other core while this one finds the essential
   * edges and runs the DFS, so the page faults are off this thread's path.
   */
  dominators(a: GraphSteps): Dominators {
    if (!this.threads(a)) return singleThread.dominators(a);
    const room = dominatorRoom(a.graph.nodeCount, a.graph.edgeCount, a.takeSpareWords());
    // Those this thread starts filling at once (the slots, the DFS parents, the preorder) from their end down.
    const toucher = startPageToucher([room.slots, room.parent, room.firstPred, room.pred, room.vertex, room.stack], [true, true, false, false, true, false]);
    try {
      return computeDominators(a.graph, a.nonEssentialEdges(), { room });
    } finally {
      toucher.stop();
    }
  }

  distancesAndDominators(a: GraphSteps) {
    const g = a.graph;
    const shared = [g.firstEdge, g.edgeTo, g.edgeType, g.edgeNameOrIndex, g.nodeType, g.nodeName, g.nodeId].every((x) => x.buffer instanceof SharedArrayBuffer);
    const helper = this.threads(a) && shared ? startDistanceHelper(a, this.script!, this.options) : undefined;
    if (!helper) return singleThread.distancesAndDominators(a);
    let dominators: Dominators;
    try {
      dominators = computeDominators(g, a.nonEssentialEdges(), { helper: helper.predecessors });
    } catch {
      dominators = singleThread.dominators(a); // the helper failed its half: all on this thread
    }
    const distances = helper.finish() ?? singleThread.distances(a);
    return { distances, dominators };
  }

  /**
   * Starts the graph's dominators on `thread`, a helper that is idle already (the file parse's edge
   * helper), for when they are asked for next; false (and the thread ended) when they cannot start.
   */
  startDominatorsAhead(a: GraphSteps, thread: Worker): boolean {
    if (a.graph.nodeCount < this.minNodes) {
      void thread.terminate();
      return false;
    }
    return startDominatorsAhead(a, thread);
  }
}
