// Objects dated by the census labels (see src/core/census.ts) in a snapshot taken while the labels
// were alive: each labelled object has an edge to its census's mark (a string, the value of its
// entry in the labels WeakMap), so a first snapshot can tell the objects born since the censuses
// began from those that were there before, as later snapshots do by their ids.
import type { HeapGraph } from '../heap/graph';

/**
 * The start of every mark of one labelling (a census's mark is the tag and its number), and for each
 * labelled type (by the name of its constructor) the census that first labelled it: its objects
 * labelled then were alive before; those labelled by a later census were born since.
 */
export interface CensusLabels {
  tag: string;
  since: Record<string, number>;
}

/** What the census labels say of a graph's objects. */
export interface CensusBirths {
  /** Per node: the census that first labelled it, or -1 (not labelled). */
  born: Int16Array;
  /** See `CensusLabels.since`. */
  since: ReadonlyMap<string, number>;
  /** Objects labelled by a later census than their type's first. */
  newObjects: number;
}

/**
 * Reads the census labels in a graph: one pass over the string nodes for the marks, one over the edges for
 * the labelled objects' edges to them (V8 shows a WeakMap entry as an internal edge from its key to
 * its value). Undefined when no mark is in the graph.
 */
export function censusBirths(g: HeapGraph, labels: CensusLabels): CensusBirths | undefined {
  const markOf = new Map<number, number>();
  const isMark = new Uint8Array(g.nodeCount);
  const stringType = g.nodeTypeNames.indexOf('string');
  const { tag } = labels;
  for (let v = 0; v < g.nodeCount; v++) {
    if (g.nodeType[v] !== stringType) continue;
    const text = g.strings[g.nodeName[v]];
    if (!text?.startsWith(tag)) continue;
    const k = Number(text.slice(tag.length));
    if (!Number.isInteger(k) || k < 0) continue;
    markOf.set(v, k);
    isMark[v] = 1;
  }
  if (!markOf.size) return undefined;
  const internal = g.edgeTypeNames.indexOf('internal');
  const { firstEdge, edgeType, edgeTo, edgeNameOrIndex, strings } = g;
  const born = new Int16Array(g.nodeCount).fill(-1);
  for (let v = 0; v < g.nodeCount; v++) {
    for (let e = firstEdge[v], end = firstEdge[v + 1]; e < end; e++) {
      const w = edgeTo[e];
      // Named "<n> / part of key (Type @id) -> value (mark @id) pair in WeakMap (table @id)".
      if (!isMark[w] || edgeType[e] !== internal || !strings[edgeNameOrIndex[e]]?.includes(' / part of key (')) continue;
      born[v] = markOf.get(w)!;
    }
  }
  const since = new Map(Object.entries(labels.since));
  const result: CensusBirths = { born, since, newObjects: 0 };
  for (let v = 0; v < g.nodeCount; v++) if (isBornSince(g, result, v)) result.newObjects++;
  return result;
}

/** The name a census counts a node under: its constructor's (a function's is `Function`). */
function censusName(g: HeapGraph, v: number): string {
  return g.nodeTypeNames[g.nodeType[v]] === 'closure' ? 'Function' : (g.strings[g.nodeName[v]] ?? '');
}

/**
 * Whether the labels say `v` was born since its type's labelling began (labelled by a later census).
 * Objects without a label count as old: born after the last census, or never seen by one (another
 * realm's), they cannot be told apart.
 */
export function isBornSince(g: HeapGraph, births: CensusBirths, v: number): boolean {
  const k = births.born[v];
  if (k < 0) return false;
  // A JavaScript object (the labels' own table has the same edges to the marks).
  const type = g.nodeTypeNames[g.nodeType[v]];
  if (type !== 'object' && type !== 'closure') return false;
  let s = births.since.get(censusName(g, v));
  if (s === undefined) for (const first of births.since.values()) s = s === undefined ? first : Math.min(s, first);
  return s !== undefined && k > s;
}
