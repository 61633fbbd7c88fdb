/**
 * Strong back-references: an edge A --x--> B on a retainer path while B reaches A directly (or
 * through its own array/collection), like a child's `parent` beside the parent's `children`. Kept
 * strong, one registered child keeps its whole structure alive; the bytes that would become
 * collectable were every such `x` weak are measured by a reachability pass without those edges.
 */
import type { HeapGraph } from '../heap/graph';
import type { BackReference } from '../report';
import type { Distances } from './distances';
import { NO_DISTANCE } from './distances';
import { typeIndices, type TypeIndices } from './edges';
import { isContainer, markTypes, type TypeNamer } from './naming';
import type { DisplayPath } from './retainers';

const COLLECTIONS = new Set(['Array', 'Set', 'Map', 'Object']);

/** Whether B reaches A in one edge, or through at most two hops of B's own containers/collections. */
export function reachesBack(g: HeapGraph, b: number, a: number, k: TypeIndices = typeIndices(g)): boolean {
  let frontier = [b];
  for (let hop = 0; hop < 3 && frontier.length; hop++) {
    const next: number[] = [];
    for (const v of frontier) {
      for (let e = g.firstEdge[v], end = g.firstEdge[v + 1]; e < end; e++) {
        if (g.edgeType[e] === k.weak) continue;
        const w = g.edgeTo[e];
        if (w === a) return true;
        if (hop < 2 && w !== v && (isContainer(g, w, k.nodeArray, k.nodeHidden) || COLLECTIONS.has(g.strings[g.nodeName[w]]))) next.push(w);
      }
    }
    frontier = next.length > 64 ? next.slice(0, 64) : next;
  }
  return false;
}

/** A back-reference kind found on a path: holder type, edge name (string index) and target type. */
export interface BackRefCandidate {
  holder: string;
  edge: string;
  edgeNameIndex: number;
  target: string;
  /** One instance: the holder node and its edge. */
  holderNode: number;
  rawEdge: number;
}

/** Back-reference kinds on the given display paths from index `from[i]` on (property edges only, each kind once). */
export function findBackRefCandidates(g: HeapGraph, paths: DisplayPath[], from: number[] = []): BackRefCandidate[] {
  const k = typeIndices(g);
  const seen = new Set<string>();
  const out: BackRefCandidate[] = [];
  paths.forEach((p, pi) => {
    for (let i = Math.max(0, from[pi] ?? 0); i < p.edges.length; i++) {
      // A folded run (`parent+`) is judged by its first edge.
      const e = p.raw[i][0];
      if (p.raw[i].some((x) => g.edgeType[x] !== k.property || g.edgeNameOrIndex[x] !== g.edgeNameOrIndex[e])) continue;
      const a = p.holders[i];
      const b = g.edgeTo[e];
      if (a === 0 || a === b) continue;
      const key = `${p.edges[i].from}\u0000${g.edgeNameOrIndex[e]}\u0000${p.edges[i].to}`;
      if (seen.has(key)) continue;
      if (!reachesBack(g, b, a, k)) continue;
      seen.add(key);
      out.push({ holder: p.edges[i].from, edge: g.strings[g.edgeNameOrIndex[e]], edgeNameIndex: g.edgeNameOrIndex[e], target: p.edges[i].to, holderNode: a, rawEdge: e });
    }
  });
  return out;
}

/** One back-reference kind measured over the whole graph. */
export interface BackRefMeasure {
  /** How many `holder.x → target` edges point back. */
  count: number;
  /** The bytes reachable now that would not be were all of them weak. */
  bytes: number;
  /** Per node: 1 when it would still be reachable were all of them weak (0: alive only through them, or unreachable). */
  stillReachable: Uint8Array;
}

/** Measures one back-reference kind over the whole graph: its edges, and what only they keep alive. */
export function measureBackRef(g: HeapGraph, d: Distances, typeOf: TypeNamer, c: BackRefCandidate): BackRefMeasure {
  const k = typeIndices(g);
  const n = g.nodeCount;
  const holders = markTypes(g, [c.holder], typeOf);
  const fe = g.firstEdge;
  const to = g.edgeTo;
  const etype = g.edgeType;
  const ename = g.edgeNameOrIndex;
  let count = 0;
  for (let v = 1; v < n; v++) {
    if (!holders[v]) continue;
    for (let e = fe[v], end = fe[v + 1]; e < end; e++) {
      if (etype[e] === k.property && ename[e] === c.edgeNameIndex && reachesBack(g, to[e], v, k)) count++;
    }
  }
  // Reachability without those edges.
  const seen = new Uint8Array(n);
  const queue = new Uint32Array(n);
  let head = 0;
  let tail = 0;
  seen[0] = 1;
  queue[tail++] = 0;
  while (head < tail) {
    const v = queue[head++];
    const skipFrom = holders[v] !== 0;
    for (let e = fe[v], end = fe[v + 1]; e < end; e++) {
      if (etype[e] === k.weak) continue;
      if (skipFrom && ename[e] === c.edgeNameIndex && etype[e] === k.property) continue;
      const w = to[e];
      if (seen[w]) continue;
      seen[w] = 1;
      queue[tail++] = w;
    }
  }
  let bytes = 0;
  for (let v = 0; v < n; v++) if (!seen[v] && d.distance[v] !== NO_DISTANCE) bytes += g.nodeSelfSize[v];
  return { count, bytes, stillReachable: seen };
}

/** The fix to suggest for a back-reference, in one sentence. */
export function backRefFix(c: { holder: string; edge: string; target: string }): string {
  return (
    `Make ${c.holder}.${c.edge} weak (store \`new WeakRef(${c.edge})\` and read it with \`.deref()\`), or clear it when the ` +
    `${c.holder} is removed, so that one ${c.holder} kept elsewhere no longer keeps its whole ${c.target} structure alive.`
  );
}

/** Measured back-references on the paths (from each path's suspect edge on), those that keep bytes alive, largest first. */
export function backReferences(g: HeapGraph, d: Distances, typeOf: TypeNamer, paths: DisplayPath[], from: number[] = [], max = 3): (BackReference & { candidate: BackRefCandidate })[] {
  return findBackRefCandidates(g, paths, from)
    .slice(0, max)
    .map((c) => {
      const { bytes, count } = measureBackRef(g, d, typeOf, c);
      return { holder: c.holder, edge: c.edge, target: c.target, bytes, count, fix: backRefFix(c), candidate: c };
    })
    .filter((b) => b.bytes > 0)
    .sort((a, b) => b.bytes - a.bytes);
}
