/**
 * Distances from the GC roots, breadth first, the way DevTools computes them: user roots (the
 * non-synthetic children of the root, e.g. the global object) first, then everything else from the
 * root; never through weak edges, nor through the edges DevTools filters (a native context's
 * `sloppy_function_map`, the value slots of `(map descriptors)`, and a WeakMap entry until both its
 * key and its table have been reached). The BFS parent edge of each node gives its shortest retainer path.
 */
import type { HeapGraph } from '../heap/graph';
import { ephemeronPair, isEphemeron, isEphemeronName, type EdgeKinds } from './edges';

/** Nodes first reached from the root itself rather than from a user root sit this far away (as in DevTools). */
export const BASE_SYSTEM_DISTANCE = 100_000_000;
/** Distance of a node the BFS never reached (only weak retainers). */
export const NO_DISTANCE = -1;

export interface Distances {
  /** Per node: hops from the root (plus BASE_SYSTEM_DISTANCE when not reachable from a user root), or NO_DISTANCE. */
  readonly distance: Int32Array;
  /** Per node: the edge index through which the BFS first reached it; -1 for the root and unreached nodes. */
  readonly parentEdge: Int32Array;
  /** Per node: the node that edge leaves from (saves a search over the CSR offsets); -1 when none. */
  readonly parentNode: Int32Array;
}

/** Arrays of nodeCount words for `computeDistances` to fill (another thread may be the one to read them). */
export interface DistanceArrays {
  distance: Int32Array;
  parentEdge: Int32Array;
  parentNode: Int32Array;
  /** The BFS queue: free once the distances are done. */
  queue: Uint32Array;
}

/** What the distances read of a graph; `strings` need only hold the names of the edges DevTools' filter looks at. */
export type DistanceGraph = Pick<HeapGraph, 'nodeCount' | 'firstEdge' | 'edgeTo' | 'edgeType' | 'edgeNameOrIndex' | 'nodeType' | 'nodeName' | 'strings'>;

/** Fresh arrays for `computeDistances`. */
export function distanceArrays(n: number): DistanceArrays {
  return { distance: new Int32Array(n), parentEdge: new Int32Array(n), parentNode: new Int32Array(n), queue: new Uint32Array(n) };
}

/** BFS distances from the root and the BFS parent edge of every node, into `into`. */
export function computeDistances(g: DistanceGraph, k: EdgeKinds, into: DistanceArrays = distanceArrays(g.nodeCount)): Distances {
  const distance = into.distance.fill(NO_DISTANCE);
  const parentEdge = into.parentEdge.fill(-1);
  const parentNode = into.parentNode.fill(-1);
  const queue = into.queue;
  const fe = g.firstEdge;
  const to = g.edgeTo;
  const etype = g.edgeType;
  const ntype = g.nodeType;
  const filter: BfsFilter = { g, k, pendingEphemerons: new Set<string>() };

  // User roots first: the root's non-synthetic children.
  let tail = 0;
  distance[0] = 0;
  for (let e = fe[0], end = fe[1]; e < end; e++) {
    const w = to[e];
    if (w === 0 || distance[w] !== NO_DISTANCE || ntype[w] === k.nodeSynthetic || etype[e] === k.weak) continue;
    distance[w] = 1;
    parentEdge[w] = e;
    parentNode[w] = 0;
    queue[tail++] = w;
  }
  const out = { distance, parentEdge, parentNode };
  const userTail = bfs(filter, out, queue, 0, tail);
  // Then everything else, from the root.
  distance[0] = userTail > 0 ? BASE_SYSTEM_DISTANCE : 0;
  queue[userTail] = 0;
  bfs(filter, out, queue, userTail, userTail + 1);
  distance[0] = 0;
  return out;
}

/** What DevTools' distance filter needs to know beyond the edge itself. */
interface BfsFilter {
  readonly g: DistanceGraph;
  readonly k: EdgeKinds;
  /** WeakMap entries (by their shared name part) one half of which has been reached. */
  readonly pendingEphemerons: Set<string>;
}

/**
 * Breadth first from queue[head, tail); returns the new tail. A function of its own over locals
 * (the hot loop of the distances): the filter below runs only for the few edges it may reject.
 */
function bfs(f: BfsFilter, d: Distances, queue: Uint32Array, head: number, tail: number): number {
  const { g, k } = f;
  const { distance, parentEdge, parentNode } = d;
  const fe = g.firstEdge;
  const to = g.edgeTo;
  const etype = g.edgeType;
  const ntype = g.nodeType;
  const nname = g.nodeName;
  const weak = k.weak;
  const internal = k.internal;
  const ename = g.edgeNameOrIndex;
  const ephemeron = k.ephemeronNames; // one bit per string (isEphemeronName): few internal edges have one
  const nodeHidden = k.nodeHidden;
  const nativeContext = k.nativeContext;
  const nodeArray = k.nodeArray;
  const mapDescriptors = k.mapDescriptors;
  while (head < tail) {
    const v = queue[head++];
    const dist = distance[v] + 1;
    // A native context or a (map descriptors) array: every edge goes through the filter.
    const special = (ntype[v] === nodeHidden && nname[v] === nativeContext) || (mapDescriptors >= 0 && ntype[v] === nodeArray && nname[v] === mapDescriptors);
    for (let e = fe[v], end = fe[v + 1]; e < end; e++) {
      const t = etype[e];
      if (t === weak) continue;
      const w = to[e];
      if (distance[w] !== NO_DISTANCE) continue;
      if ((special || (t === internal && isEphemeron(ephemeron, ename[e]))) && !follow(f, v, e)) continue;
      distance[w] = dist;
      parentEdge[w] = e;
      parentNode[w] = v;
      queue[tail++] = w;
    }
  }
  return tail;
}

/** DevTools' distance filter; true when edge e out of v may be followed (v is special, or e is internal). */
function follow(f: BfsFilter, v: number, e: number): boolean {
  const { g, k } = f;
  const t = g.edgeType[e];
  const name = g.edgeNameOrIndex[e];
  const named = t !== k.element && t !== k.hidden;
  if (named && name === k.sloppyFunctionMap && g.nodeType[v] === k.nodeHidden && g.nodeName[v] === k.nativeContext) return false;
  if (t === k.internal && isEphemeronName(k, name)) {
    // The value of a WeakMap entry is alive only once both its key and its table are.
    const pair = ephemeronPair(g, name);
    if (!f.pendingEphemerons.delete(pair)) {
      f.pendingEphemerons.add(pair);
      return false;
    }
  }
  if (g.nodeType[v] === k.nodeArray && g.nodeName[v] === k.mapDescriptors && k.mapDescriptors >= 0) {
    const index = named ? parseInt(g.strings[name], 10) : name;
    return index < 2 || index % 3 !== 1;
  }
  return true;
}

/** The edges of the BFS path from the root to `node`, root side first (empty when unreached). */
export function pathFromRoot(g: HeapGraph, d: Distances, node: number): number[] {
  const edges: number[] = [];
  let v = node;
  while (v !== 0 && edges.length <= g.nodeCount) {
    const e = d.parentEdge[v];
    if (e < 0) break;
    edges.push(e);
    v = d.parentNode[v];
  }
  return edges.reverse();
}
