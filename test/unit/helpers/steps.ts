// The analysis' steps by their plain functions, one thread, as tests call them on a graph.
import { computeDistances, type Distances } from '../../../src/core/analysis/distances';
import { computeDominators, type Dominators } from '../../../src/core/analysis/dominators';
import { markNonEssentialEdges, nonEssentialArray, readEdgeKinds } from '../../../src/core/analysis/edges';
import type { HeapGraph } from '../../../src/core/heap/graph';

/** The graph's non-essential edge bits. */
export function nonEssentialOf(g: HeapGraph): Uint32Array {
  return markNonEssentialEdges(g, readEdgeKinds(g), nonEssentialArray(g.edgeCount));
}

/** The graph's distances from the roots. */
export function distancesOf(g: HeapGraph): Distances {
  return computeDistances(g, readEdgeKinds(g));
}

/** The graph's dominators and retained sizes. */
export function dominatorsOf(g: HeapGraph): Dominators {
  return computeDominators(g, nonEssentialOf(g));
}
