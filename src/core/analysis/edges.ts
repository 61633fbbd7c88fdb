/**
 * Edge facts shared by distances, dominators and retainer paths: which edges keep objects alive and
 * which ones the DevTools heap profiler skips, decided the way its `JSHeapSnapshot` decides them.
 */
import { sharedArray } from '../heap/columns';
import type { HeapGraph } from '../heap/graph';

/** V8 names both halves of a WeakMap entry `N / part of key (K @k) -> value (V @v) pair in WeakMap (table @t)`. */
const EPHEMERON = /^\d+( \/ part of key \(.*? @\d+\) -> value \(.*? @\d+\) pair in WeakMap \(table @(\d+)\))$/;

/** The indices of the edge and node types the analysis tells apart (cheap: read from the type names). */
export interface TypeIndices {
  readonly weak: number;
  readonly shortcut: number;
  readonly internal: number;
  readonly element: number;
  readonly hidden: number;
  readonly property: number;
  readonly context: number;
  readonly nodeHidden: number;
  readonly nodeArray: number;
  readonly nodeSynthetic: number;
  readonly nodeObject: number;
  readonly nodeClosure: number;
}

/** The type indices of a graph. */
export function typeIndices(g: Pick<HeapGraph, 'edgeTypeNames' | 'nodeTypeNames'>): TypeIndices {
  const et = (n: string) => g.edgeTypeNames.indexOf(n);
  const nt = (n: string) => g.nodeTypeNames.indexOf(n);
  return {
    weak: et('weak'),
    shortcut: et('shortcut'),
    internal: et('internal'),
    element: et('element'),
    hidden: et('hidden'),
    property: et('property'),
    context: et('context'),
    nodeHidden: nt('hidden'),
    nodeArray: nt('array'),
    nodeSynthetic: nt('synthetic'),
    nodeObject: nt('object'),
    nodeClosure: nt('closure'),
  };
}

/** The type indices and the few strings whose edges the analysis treats apart (a pass over the string table). */
export interface EdgeKinds extends TypeIndices {
  /** String index of `sloppy_function_map`, `system / NativeContext`, `(map descriptors)` (-1 when absent). */
  readonly sloppyFunctionMap: number;
  readonly nativeContext: number;
  readonly mapDescriptors: number;
  /**
   * One bit per string: whether it names one half of a WeakMap entry (an ephemeron edge). Few
   * strings do, and the bits fit in cache where the edge loops test them.
   */
  readonly ephemeronNames: Uint32Array;
  /** The WeakMap table's node id of each such name, by string index. */
  readonly ephemeronTables: Map<number, number>;
}

/** The edge kinds of a graph: one pass over its string table, so once per graph (`GraphAnalysis.edgeKinds`). */
export function readEdgeKinds(g: Pick<HeapGraph, 'edgeTypeNames' | 'nodeTypeNames' | 'strings'>): EdgeKinds {
  let sloppyFunctionMap = -1;
  let nativeContext = -1;
  let mapDescriptors = -1;
  const strings = g.strings;
  const ephemeronNames = new Uint32Array((strings.length >>> 5) + 1);
  const ephemeronTables = new Map<number, number>();
  for (let i = 0; i < strings.length; i++) {
    const s = strings[i];
    if (s.length === 19 && s === 'sloppy_function_map') sloppyFunctionMap = i;
    else if (s.length === 22 && s === 'system / NativeContext') nativeContext = i;
    else if (s.length === 17 && s === '(map descriptors)') mapDescriptors = i;
    else if (isEphemeronText(s)) {
      const m = EPHEMERON.exec(s);
      if (!m) continue;
      ephemeronNames[i >>> 5] |= 1 << (i & 31);
      ephemeronTables.set(i, Number(m[2]));
    }
  }
  return { ...typeIndices(g), sloppyFunctionMap, nativeContext, mapDescriptors, ephemeronNames, ephemeronTables };
}

/** Whether a string could name an ephemeron edge (the cheap test before `EPHEMERON`). */
function isEphemeronText(s: string): boolean {
  return s.length > 40 && s.includes(' / part of key (');
}

/** Whether an internal edge's name is one half of a WeakMap entry's. */
export function isEphemeronName(k: EdgeKinds, nameIndex: number): boolean {
  return isEphemeron(k.ephemeronNames, nameIndex);
}

/** `isEphemeronName` over the bits themselves, for the loops over every edge (V8 inlines it). */
export function isEphemeron(bits: Uint32Array, nameIndex: number): boolean {
  return ((bits[nameIndex >>> 5] >>> (nameIndex & 31)) & 1) === 1;
}

/** For an internal edge's name: the WeakMap table id when it is one half of an ephemeron pair, else -1. */
export function ephemeronTableId(k: EdgeKinds, nameIndex: number): number {
  return isEphemeronName(k, nameIndex) ? (k.ephemeronTables.get(nameIndex) ?? -1) : -1;
}

/** The part of an ephemeron edge name that both halves share (identifies the key/value pair). */
export function ephemeronPair(g: Pick<HeapGraph, 'strings'>, nameIndex: number): string {
  const s = g.strings[nameIndex] ?? '';
  return s.slice(s.indexOf(' / '));
}

/**
 * Whether edge `e` out of node `from` retains its target for dominator purposes (DevTools'
 * `isEssentialEdge`): not weak, not a self edge, no shortcut except from the root, and not the
 * table→value half of a WeakMap entry (the key→value half is kept: it tells more).
 */
export function isEssentialEdge(g: HeapGraph, k: EdgeKinds, from: number, e: number): boolean {
  const t = g.edgeType[e];
  if (t === k.weak) return false;
  if (g.edgeTo[e] === from) return false;
  if (t === k.shortcut) return from === 0;
  if (t === k.internal && ephemeronTableId(k, g.edgeNameOrIndex[e]) === g.nodeId[from]) return false;
  return true;
}

/** The columns an edge's essentialness is decided from. */
export type EssentialGraph = Pick<HeapGraph, 'nodeCount' | 'edgeCount' | 'firstEdge' | 'edgeTo' | 'edgeType' | 'edgeNameOrIndex' | 'nodeId'>;

/**
 * One bit per edge, set where `isEssentialEdge` is false (weak, self, shortcut but from the root,
 * the table half of a WeakMap entry): the dominators' DFS and predecessor lists test a bit of this
 * array, a few hundred kB that stay in cache, instead of reading the edge's type, and name and
 * source id for internal edges, at every edge. One pass in edge order, into zeroed `bits`
 * (`nonEssentialArray`).
 */
export function markNonEssentialEdges(g: EssentialGraph, k: EdgeKinds, bits: Uint32Array): Uint32Array {
  markNonEssentialRange(g, k, bits, 0, g.edgeCount);
  return bits;
}

/** A zeroed array, in shared memory (another thread may fill or read it), of the size `markNonEssentialEdges` fills. */
export function nonEssentialArray(edgeCount: number): Uint32Array {
  return sharedArray<Uint32Array>(Uint32Array, (edgeCount >>> 5) + 1);
}

/**
 * The bits of `markNonEssentialEdges` for the edges [from, to), into zeroed `bits`. Threads may fill
 * ranges of one array at once when every range but the last starts and ends at a multiple of 32
 * (no word is shared).
 */
export function markNonEssentialRange(g: EssentialGraph, k: EdgeKinds, bits: Uint32Array, from: number, to: number): void {
  const fe = g.firstEdge;
  const target = g.edgeTo;
  const type = g.edgeType;
  const name = g.edgeNameOrIndex;
  const ids = g.nodeId;
  const { weak, shortcut, internal, ephemeronNames } = k;
  const n = g.nodeCount;
  // The node whose edges `from` is among: the last with fe[v] <= from.
  let lo = 0;
  for (let hi = n; lo < hi; ) {
    const mid = (lo + hi + 1) >>> 1;
    if (mid <= n && fe[mid] <= from) lo = mid;
    else hi = mid - 1;
  }
  for (let v = lo; v < n && fe[v] < to; v++) {
    for (let e = Math.max(fe[v], from), end = Math.min(fe[v + 1], to); e < end; e++) {
      const t = type[e];
      let skip = t === weak || target[e] === v || (t === shortcut && v !== 0);
      if (!skip && t === internal && isEphemeron(ephemeronNames, name[e])) skip = ephemeronTableId(k, name[e]) === ids[v];
      if (skip) bits[e >>> 5] |= 1 << (e & 31);
    }
  }
}

/** Retainers of every node, CSR over the reversed edges: source node and edge index per slot. */
export interface Retainers {
  /** The retainers of node i are slots firstRetainer[i] .. firstRetainer[i + 1] - 1. */
  readonly firstRetainer: Uint32Array;
  readonly retainerNode: Uint32Array;
  readonly retainerEdge: Uint32Array;
}

/** Builds the reversed edge lists once (two passes over the edges, no per-node objects). */
export function buildRetainers(g: HeapGraph): Retainers {
  const n = g.nodeCount;
  const m = g.edgeCount;
  const first = new Uint32Array(n + 1);
  const to = g.edgeTo;
  for (let e = 0; e < m; e++) first[to[e] + 1]++;
  for (let i = 0; i < n; i++) first[i + 1] += first[i];
  const fill = first.slice(0, n);
  const retainerNode = new Uint32Array(m);
  const retainerEdge = new Uint32Array(m);
  const fe = g.firstEdge;
  for (let v = 0; v < n; v++) {
    for (let e = fe[v], end = fe[v + 1]; e < end; e++) {
      const slot = fill[to[e]]++;
      retainerNode[slot] = v;
      retainerEdge[slot] = e;
    }
  }
  return { firstRetainer: first, retainerNode, retainerEdge };
}

/** The node an edge leaves from (binary search over the CSR offsets). */
export function edgeSource(g: Pick<HeapGraph, 'nodeCount' | 'firstEdge'>, e: number): number {
  const fe = g.firstEdge;
  let lo = 0;
  let hi = g.nodeCount - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (fe[mid] <= e) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}
