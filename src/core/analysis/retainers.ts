/**
 * Shortest retainer paths of new objects, told in the program's words and clustered by shape.
 *
 * A raw BFS path runs through V8's plumbing: a Map's `table` backing array, a closure's `context`,
 * an array's `elements`. Those nodes are looked through, so `Map --table--> (array) --327--> Session`
 * reads `Map --<key>--> Session` and `(closure) --context--> Context --sessions--> Map` reads
 * `(closure) --sessions--> Map`. Array indexes fold to `[]` and map keys to `<key>`, so one cache
 * holding 10 000 sessions is one cluster, not 10 000.
 */
import type { HeapGraph } from '../heap/graph';
import type { PathEdge, RetainerPath } from '../report';
import type { Distances } from './distances';
import { isEphemeronName, type EdgeKinds } from './edges';
import { isContainer, type TypeNamer } from './naming';
import { nodeTypeRule } from './typeNames';

/** One retainer path in display form, with the nodes behind each edge. */
export interface DisplayPath {
  edges: PathEdge[];
  /** Per display edge: the holder node and the held node. */
  holders: number[];
  targets: number[];
  /** Per display edge: the raw edges folded into it, root side first. */
  raw: number[][];
}

export interface PathContext {
  graph: HeapGraph;
  /** The graph's edge kinds (`GraphAnalysis.edgeKinds`). */
  kinds: EdgeKinds;
  distances: Distances;
  typeOf: TypeNamer;
  /** Holders with an id at most this were alive before the growth began (long-lived). */
  oldId: number;
  /** Instead of `oldId`, when census labels date the objects: a holder is new when it has a new top here (`topBornSinceCensus`). */
  newTop?: Int32Array;
}

/** A cluster of one path shape, with the nodes needed to explain it further. */
export interface PathCluster extends RetainerPath {
  /** One member's path, in display form (the first member seen). */
  example: DisplayPath;
  /** Some member nodes (up to 64), for back-reference and source look-ups. */
  members: number[];
}

const MAP_LIKE = new Set(['Map', 'WeakMap']);
const SET_LIKE = new Set(['Set', 'WeakSet']);
const LOOK_THROUGH_NAMES = new Set(['context', 'previous', 'elements', 'properties', 'table', 'map', 'extension']);

/** Whether V8 allocated an id in birth order (odd ids); embedder/synthetic ids are not, and count as old. */
export function isOld(g: HeapGraph, node: number, oldId: number): boolean {
  const id = g.nodeId[node];
  return (id & 1) === 0 || id <= oldId;
}

/** One folded step of a path, shared by every path through its target (a linked list towards the root). */
interface Step {
  prev: Step | null;
  edge: PathEdge;
  holder: number;
  target: number;
  raw: number[];
}

/** Folded steps by the node they end at, so paths through the same holders are folded once. */
export type PathMemo = Map<number, Step | null>;

/** The shortest retainer path of `node` from the root, folded into the program's words. */
export function displayPath(ctx: PathContext, node: number, memo: PathMemo = new Map()): DisplayPath {
  const steps: Step[] = [];
  for (let s = stepTo(ctx, node, memo); s; s = s.prev) steps.push(s);
  steps.reverse();
  return collapseRepeats({
    edges: steps.map((s) => s.edge),
    holders: steps.map((s) => s.holder),
    targets: steps.map((s) => s.target),
    raw: steps.map((s) => s.raw),
  });
}

/** The step that ends at `node`: the raw edges from its nearest ancestor that is not V8 plumbing. */
function stepTo(ctx: PathContext, node: number, memo: PathMemo): Step | null {
  const g = ctx.graph;
  const k = ctx.kinds;
  const lookThrough = (w: number) => isContainer(g, w, k.nodeArray, k.nodeHidden) || g.strings[g.nodeName[w]] === 'system / Context';
  const pending: { node: number; raw: number[]; from: number }[] = [];
  let base: Step | null = null;
  let cur = node;
  for (let guard = 0; guard < 100_000; guard++) {
    if (cur === 0) break;
    const known = memo.get(cur);
    if (known !== undefined) {
      base = known;
      break;
    }
    const raw: number[] = [];
    let w = cur;
    do {
      const e = ctx.distances.parentEdge[w];
      if (e < 0) break;
      raw.push(e);
      w = ctx.distances.parentNode[w];
    } while (w !== 0 && lookThrough(w));
    if (!raw.length) break; // not reached from the root: the path starts here
    pending.push({ node: cur, raw: raw.reverse(), from: w });
    cur = w;
  }
  for (let i = pending.length - 1; i >= 0; i--) {
    const p = pending[i];
    const fromName = holderName(ctx, p.from);
    const last = p.raw[p.raw.length - 1];
    base = {
      prev: base,
      edge: { from: fromName, edge: foldedLabel(g, k, fromName, p.raw), edgeType: g.edgeTypeNames[g.edgeType[last]] ?? '', to: holderName(ctx, p.node) },
      holder: p.from,
      target: p.node,
      raw: p.raw,
    };
    memo.set(p.node, base);
  }
  return base;
}

/**
 * Folds a run of the same step (period 1: `parent`, `parent`) or the same two steps (`children`,
 * `[]`, `children`, `[]`) into one, marked `+`, so trees of any depth make one path shape; a
 * property step from a type to itself is marked `+` even alone (one or many `next` read the same).
 */
function collapseRepeats(p: DisplayPath): DisplayPath {
  const same = (a: number, b: number) => {
    const x = p.edges[a];
    const y = p.edges[b];
    return x.from === y.from && x.edge === y.edge && x.to === y.to && x.edgeType === y.edgeType;
  };
  for (let period = 1; period <= 2; period++) {
    for (let i = 0; i + period <= p.edges.length; i++) {
      let reps = 1;
      for (;;) {
        const at = i + reps * period;
        if (at + period > p.edges.length) break;
        let equal = same(i, at);
        if (equal && period === 2) equal = same(i + 1, at + 1);
        if (!equal) break;
        reps++;
      }
      // A step from a type to the same type (`next`, `parent`) is recursion: one or many read the same.
      const recursive = period === 1 && p.edges[i].from === p.edges[i].to && p.edges[i].edgeType === 'property';
      if (reps === 1 && !recursive) continue;
      const last = i + period - 1;
      const end = i + reps * period - 1;
      if (!p.edges[last].edge.endsWith('+')) p.edges[last] = { ...p.edges[last], edge: `${p.edges[last].edge}+` };
      p.targets[last] = p.targets[end];
      p.raw[last] = p.raw.slice(last, end + 1).flat();
      const drop = (reps - 1) * period;
      p.edges.splice(i + period, drop);
      p.holders.splice(i + period, drop);
      p.targets.splice(i + period, drop);
      p.raw.splice(i + period, drop);
    }
  }
  return p;
}

function holderName(ctx: PathContext, v: number): string {
  if (v === 0) return '(root)';
  const name = ctx.typeOf(v);
  return name === 'system / Context' ? '(context)' : name;
}

/** One label for a run of raw edges: indexes → `[]`, map entries → `<key>`, plumbing names dropped. */
function foldedLabel(g: HeapGraph, k: EdgeKinds, fromName: string, edges: number[]): string {
  const parts = edges.map((e) => {
    const t = g.edgeType[e];
    if (t === k.element || t === k.hidden) return '[]';
    const name = g.strings[g.edgeNameOrIndex[e]] ?? '';
    if (t === k.internal && isEphemeronName(k, g.edgeNameOrIndex[e])) return '<key>';
    if (t === k.internal && /^\d+$/.test(name)) return '[]';
    return name;
  });
  if (parts.length > 1 && parts[0] === 'table') {
    if (MAP_LIKE.has(fromName)) return '<key>';
    if (SET_LIKE.has(fromName)) return '[]';
  }
  const kept = parts.filter((p, i) => i === parts.length - 1 || !LOOK_THROUGH_NAMES.has(p));
  let label = '';
  for (const p of kept) {
    if (p === '[]' || p === '<key>') {
      if (!label.endsWith(p)) label += p;
    } else label += label ? `.${p}` : p;
  }
  return label;
}

/** The index of the edge where the nearest long-lived holder points towards the object; -1 when none. */
export function suspectEdge(ctx: PathContext, path: DisplayPath): number {
  for (let i = path.edges.length - 1; i >= 0; i--) {
    const h = path.holders[i];
    if (h === 0) return -1;
    if (ctx.newTop ? ctx.newTop[h] < 0 : isOld(ctx.graph, h, ctx.oldId)) return i;
  }
  return -1;
}

/** Clusters the shortest retainer paths of `nodes` by shape; most objects first, then most bytes. */
export function clusterPaths(ctx: PathContext, nodes: ArrayLike<number>, maxClusters = 8): PathCluster[] {
  const g = ctx.graph;
  const byKey = new Map<string, PathCluster>();
  const memo: PathMemo = new Map();
  // Path shapes form a trie: a node's shape is its holder's shape plus the folded run of edges from
  // that holder (indexes folded) plus its own type. Shapes are numbered once per holder node, so each
  // member costs a look-up, and a display path is folded once per distinct shape.
  const k = ctx.kinds;
  const { parentEdge, parentNode } = ctx.distances;
  const { edgeType, edgeNameOrIndex, nodeType, nodeName, strings } = g;
  const plumbing = new Int8Array(strings.length); // per node name: 0 unknown, 1 looked through, 2 not
  const indexName = new Int8Array(strings.length); // per edge name: 0 unknown, 1 a number (a table slot), 2 not
  const lookThrough = (w: number): boolean => {
    const t = nodeType[w];
    if (t === k.nodeArray || t === k.nodeHidden) return true;
    const ni = nodeName[w];
    if (plumbing[ni] === 0) plumbing[ni] = (strings[ni] ?? '').startsWith('system / ') ? 1 : 2;
    return plumbing[ni] === 1;
  };
  /** The folded run of edges from v up to its holder, and that holder. */
  const run = (v: number): { sig: string; holder: number } => {
    let sig = '';
    let w = v;
    do {
      const e = parentEdge[w];
      if (e < 0) return { sig: `${sig}|unreached`, holder: -1 };
      const t = edgeType[e];
      let name = t === k.element || t === k.hidden ? -1 : edgeNameOrIndex[e];
      if (name >= 0 && t === k.internal) {
        if (indexName[name] === 0) indexName[name] = /^\d+$/.test(strings[name] ?? '') ? 1 : 2;
        if (indexName[name] === 1) name = -1;
      }
      sig += `${t}:${name},`;
      w = parentNode[w];
    } while (w !== 0 && lookThrough(w));
    return { sig, holder: w };
  };
  const fixedName = g.nodeTypeNames.map((t) => nodeTypeRule(t).kind === 'fixed');
  const shapeOfHolder = new Map<number, number>([[0, 0]]); // holder node → shape id (root: 0)
  const shapeIds = new Map<string, number>([['root', 0]]);
  // Per shape id: its parent shape, its step's folded run, and the node that first ended it.
  const shapeParent: number[] = [-1];
  const shapeSig: string[] = [''];
  const shapeNode: number[] = [0];
  /** Whether the `steps` shapes up from `shape` each end a `sig` step from v's type to v's type. */
  const runOfSelf = (shape: number, sig: string, v: number, steps: number): boolean => {
    const type = ctx.typeOf(v);
    for (let i = 0; i < steps; i++, shape = shapeParent[shape]) {
      const up = shapeParent[shape];
      if (shape <= 0 || up <= 0 || shapeSig[shape] !== sig || ctx.typeOf(shapeNode[shape]) !== type || ctx.typeOf(shapeNode[up]) !== type) return false;
    }
    return true;
  };
  const shapeId = (parent: number, sig: string, v: number): number => {
    // A run of one step from a type to itself (a linked list's `next`, a cons string's halves) stays
    // in one shape once its display is folded the same however long the run (`collapseRepeats`):
    // from the second such step of a property, from the third of any other edge. A list of 10,000
    // nodes would otherwise be 10,000 shapes, each folded over its whole depth.
    if (parent > 0 && shapeSig[parent] === sig && runOfSelf(parent, sig, v, edgeType[parentEdge[v]] === k.property ? 1 : 2)) return parent;
    // A type the display names by its node type alone is keyed so: a string's node name is its text
    // (10,000 strings are one shape, not 10,000), a closure's its function's name.
    const key = fixedName[nodeType[v]] ? `${parent}|${sig}|${nodeType[v]}` : `${parent}|${sig}|${nodeType[v]}:${nodeName[v]}`;
    let id = shapeIds.get(key);
    if (id === undefined) {
      shapeIds.set(key, (id = shapeIds.size));
      shapeParent[id] = parent;
      shapeSig[id] = sig;
      shapeNode[id] = v;
    }
    return id;
  };
  const clusterOfShape = new Map<number, PathCluster>();
  const pending: { node: number; sig: string }[] = [];
  for (let i = 0; i < nodes.length; i++) {
    const v = nodes[i];
    // Climb to the nearest holder whose shape is known, then number the shapes on the way down.
    let { sig, holder } = run(v);
    let shape = holder < 0 ? shapeId(-1, sig, v) : -1;
    if (holder >= 0) {
      pending.length = 0;
      let known = shapeOfHolder.get(holder);
      while (known === undefined) {
        const up = run(holder);
        pending.push({ node: holder, sig: up.sig });
        if (up.holder < 0) {
          known = -1;
          break;
        }
        holder = up.holder;
        known = shapeOfHolder.get(holder);
      }
      for (let j = pending.length - 1; j >= 0; j--) {
        known = shapeId(known, pending[j].sig, pending[j].node);
        shapeOfHolder.set(pending[j].node, known);
      }
      shape = shapeId(known, sig, v);
    }
    let c = clusterOfShape.get(shape);
    if (!c) {
      const path = displayPath(ctx, v, memo);
      let key = '';
      for (const e of path.edges) key += `${e.from}\u0000${e.edge}\u0000${e.edgeType}\u0001`;
      key += holderName(ctx, v);
      c = byKey.get(key);
      if (!c) {
        c = { count: 0, bytes: 0, edges: path.edges, suspectEdgeIndex: suspectEdge(ctx, path), example: path, members: [] };
        byKey.set(key, c);
      }
      clusterOfShape.set(shape, c);
    }
    c.count++;
    c.bytes += g.nodeSelfSize[v];
    if (c.members.length < 64) c.members.push(v);
  }
  return [...byKey.values()].sort((a, b) => b.count - a.count || b.bytes - a.bytes).slice(0, maxClusters);
}
