/**
 * One graph's derived data and the order it is computed in. Each step is computed once, when first
 * asked for, from the steps above it:
 *
 *   1. edgeKinds()           the type indices and the strings whose edges are treated apart
 *                            (WeakMap entries, a native context's map, map descriptors): a pass
 *                            over the string table
 *   2. nonEssentialEdges()   one bit per edge the dominators skip (weak, shortcut, a WeakMap's
 *                            table → value) (from 1)
 *   3. distances()           breadth first from the user roots: every node's shortest retainer
 *                            path (from 1)
 *   4. dominators()          the dominator tree over the essential edges and every node's retained
 *                            size (from 2; in the distances' queue, when they ran first)
 *   5. retainedOf(marks)     the retained bytes of marked sets of nodes (from 4); retainedByType
 *                            marks named types and keeps the sums for the next ask
 *
 * An explanation wants 3 to 5 (`distancesAndDominators()` computes 3 and 4 together, on two threads
 * where the engine has them); the retained sizes of one snapshot want 4 and 5 only. The engine
 * decides how the costly steps run (`singleThread` here; worker/threadedEngine.ts on helper
 * threads, with the same results).
 */
import type { HeapGraph } from '../heap/graph';
import type { Distances } from './distances';
import { retainedByMarks, type Dominators } from './dominators';
import { markNonEssentialEdges, nonEssentialArray, readEdgeKinds, type EdgeKinds } from './edges';
import { singleThread, type AnalysisEngine, type DominatorsInFlight, type GraphSteps } from './engine';
import { makeTypeNamer, markTypes, type TypeNamer } from './naming';
import { ShapeNames } from './typeNames';

/** Types marked with the graph's type namer, and the retained bytes of each mark (`retainedByMarks`). */
interface MarkedTypes {
  names: string[];
  sums: Float64Array;
}

/** The analysis of one graph: its steps, in order (see above). */
export class GraphAnalysis implements GraphSteps {
  /** The names of the graph's plain objects by shape, for `aggregateTypes` and `typeOf` alike. */
  readonly shapes: ShapeNames;
  /** The type of each node, in the words `aggregateTypes` counts by. */
  readonly typeOf: TypeNamer;
  private kinds?: EdgeKinds;
  private bits?: Uint32Array;
  /** n words a step is done with (the distances' queue), for the next to fill (the DFS parents). */
  private spare?: Int32Array;
  private distancesDone?: Distances;
  private dominatorsDone?: Dominators;
  /** Dominators another thread is computing (see `dominatorsOnTheirWay`). */
  private inFlight?: DominatorsInFlight;
  private marked?: MarkedTypes;

  constructor(
    readonly graph: HeapGraph,
    readonly engine: AnalysisEngine = singleThread,
  ) {
    this.shapes = new ShapeNames(graph);
    this.typeOf = makeTypeNamer(graph, this.shapes);
  }

  /** Step 1: the edge kinds. */
  edgeKinds(): EdgeKinds {
    return (this.kinds ??= readEdgeKinds(this.graph));
  }

  /** Step 2: the non-essential edges' bits, in shared memory. */
  nonEssentialEdges(): Uint32Array {
    return (this.bits ??= markNonEssentialEdges(this.graph, this.edgeKinds(), nonEssentialArray(this.graph.edgeCount)));
  }

  /** Whether step 2 is done (an engine may share it out to threads while it is not). */
  get nonEssentialKnown(): boolean {
    return !!this.bits;
  }

  /** Step 2 done by an engine on other threads (kept unless known already). */
  adoptNonEssentialEdges(bits: Uint32Array): Uint32Array {
    if (!this.bits && bits.length === (this.graph.edgeCount >>> 5) + 1) this.bits = bits;
    return this.nonEssentialEdges();
  }

  /** Step 3: distances from the roots. */
  distances(): Distances {
    return (this.distancesDone ??= this.engine.distances(this));
  }

  /** Step 4: the dominator tree and retained sizes (joined from another thread when they are on their way). */
  dominators(): Dominators {
    return (this.dominatorsDone ??= this.join()?.dominators ?? this.engine.dominators(this));
  }

  /** Steps 3 and 4 together, when both are wanted (explanations); dominators on their way are left to their join. */
  distancesAndDominators(): void {
    if (this.distancesDone || this.dominatorsDone) return;
    if (this.inFlight) this.distancesDone = this.engine.distances(this);
    else ({ distances: this.distancesDone, dominators: this.dominatorsDone } = this.engine.distancesAndDominators(this));
  }

  /** Step 5: `retainedByMarks` over the dominators, walked beside the last step of dominators on their way. */
  retainedOf(marks: Uint8Array, count: number): Float64Array {
    if (!this.dominatorsDone && this.inFlight) {
      const joined = this.join({ marks, count });
      if (joined) {
        this.dominatorsDone = joined.dominators;
        if (joined.sums) return joined.sums;
      }
    }
    return retainedByMarks(this.dominators(), marks, count);
  }

  /**
   * Retained bytes of each named type (members nested under another member counted once), for
   * `TypeSeries.retainedBytes`: one marking for all the types (type k is marked k + 1; markTypes
   * keeps 254), one walk of the dominator tree for all the sums.
   */
  retainedByType(typeNames: string[]): Map<string, number> {
    const names = typeNames.slice(0, 254);
    const done = this.marked;
    if (done && names.every((t) => done.names.includes(t))) {
      // Summed before (`keepRetained`): a type's sum is the same in any marking.
      const at = new Map(done.names.map((t, i) => [t, i + 1]));
      return new Map(names.map((type) => [type, done.sums[at.get(type)!]]));
    }
    const sums = this.retainedOf(markTypes(this.graph, names, this.typeOf), names.length);
    this.marked = { names, sums };
    return new Map(names.map((type, t) => [type, sums[t + 1]]));
  }

  /** Keeps retained sums of types marked with `typeOf` (type k marked k + 1) for `retainedByType` to reuse. */
  keepRetained(names: string[], sums: Float64Array): void {
    this.marked = { names, sums };
  }

  /** The types whose sums are kept (tests). */
  get keptRetained(): MarkedTypes | undefined {
    return this.marked;
  }

  /** n words a step is done with, for the next step to fill instead of fresh memory (engines). */
  giveSpareWords(words: Int32Array | Uint32Array): void {
    if (words.length === this.graph.nodeCount) this.spare = new Int32Array(words.buffer, words.byteOffset, words.length);
  }

  /** The words `giveSpareWords` kept (contents undefined), once. */
  takeSpareWords(): Int32Array | undefined {
    const words = this.spare;
    this.spare = undefined;
    return words;
  }

  /** Dominators another thread has started for this graph: `dominators()` and `retainedOf` join them. */
  dominatorsOnTheirWay(job: DominatorsInFlight): void {
    this.inFlight?.cancel();
    this.inFlight = job;
  }

  /** Whether dominators on their way have not been joined yet. */
  get dominatorsPending(): boolean {
    return !!this.inFlight;
  }

  /** The graph is no longer wanted: work still under way for it on other threads is ended. */
  release(): void {
    this.inFlight?.cancel();
    this.inFlight = undefined;
  }

  private join(marks?: { marks: Uint8Array; count: number }): ReturnType<DominatorsInFlight['join']> {
    const job = this.inFlight;
    if (!job) return undefined;
    this.inFlight = undefined;
    return job.join(marks);
  }
}
