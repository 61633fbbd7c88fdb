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
  /**
   * Per node: 1 when it was born since its type's labelling began (a JavaScript object labelled by a
   * later census than its type's first). Unlabelled objects are 0: born after the last census, or
   * never seen by one (another realm's), they cannot be told apart.
   */
  fresh: Uint8Array;
  /** Nodes with `fresh` set. */
  newObjects: number;
}

/**
 * Reads the census labels in a graph: one pass over the string nodes for the marks, one over the
 * edges for the labelled objects' edges to them (V8 shows a WeakMap entry as an internal edge from
 * its key to its value), one over the labelled nodes to tell new from old. Undefined when no mark
 * is in the graph.
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
  const { firstEdge, edgeType, edgeTo, edgeNameOrIndex, strings, nodeType, nodeName } = g;
  const born = new Int16Array(g.nodeCount).fill(-1);
  for (let v = 0; v < g.nodeCount; v++) {
    for (let e = firstEdge[v], end = firstEdge[v + 1]; e < end; e++) {
      const w = edgeTo[e];
      // Named "<n> / part of key (Type @id) -> value (mark @id) pair in WeakMap (table @id)".
      if (!isMark[w] || edgeType[e] !== internal || !strings[edgeNameOrIndex[e]]?.includes(' / part of key (')) continue;
      born[v] = markOf.get(w)!;
    }
  }
  // A type the graph names otherwise than the census did is judged by the earliest labelling.
  const since = new Map(Object.entries(labels.since));
  const earliest = Math.min(...since.values());
  const object = g.nodeTypeNames.indexOf('object');
  const closure = g.nodeTypeNames.indexOf('closure');
  const fresh = new Uint8Array(g.nodeCount);
  let newObjects = 0;
  for (let v = 0; v < g.nodeCount; v++) {
    const k = born[v];
    // JavaScript objects only: the labels' own table has the same edges to the marks.
    if (k < 0 || (nodeType[v] !== object && nodeType[v] !== closure)) continue;
    // The name a census counts a node under: its constructor's (a function's is `Function`).
    const name = nodeType[v] === closure ? 'Function' : (strings[nodeName[v]] ?? '');
    if (k > (since.get(name) ?? earliest)) {
      fresh[v] = 1;
      newObjects++;
    }
  }
  return { born, fresh, newObjects };
}
