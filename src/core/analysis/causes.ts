/**
 * Leaks told as causes: one long-lived holder that keeps accumulating new objects, and everything it
 * keeps. The unit is the topmost new object in the dominator tree (new = born since the watch began):
 * every new object of a growing type sits under exactly one such top, and a top is kept by the
 * nearest old object on its shortest retainer path, its holder. Tops with the same holder make one
 * cause, and causes that name the same thing in the code (the same holder kind, variable and adding
 * line: a timer list per duration, one cache per instance) are merged. A type kept under another
 * type's new objects is thus kept by that cause, never a cause of its own.
 */
import type { HeapGraph } from '../heap/graph';
import type { Cause, KeptType, TypeSeries } from '../report';
import type { Dominators } from './dominators';
import { typeIndices } from './edges';
import { describeCause, type CauseGroup } from './holders';
import { markTypes } from './naming';
import { GraphAnalysis } from './pipeline';
import { displayPath, type PathContext, type PathMemo } from './retainers';
import { scriptResolver, type ScriptContext } from './sites';
import { isInternalType } from './typeNames';
import { typeOrigin } from './origin';

/** What the causes need to know of each type: its verdict and growth (a `TypeSeries` will do). */
export type TypeVerdict = Pick<TypeSeries, 'name' | 'verdict' | 'countPerMinute'>;

export interface CauseContext extends ScriptContext {
  /** Largest object id of each earlier sample, in order: objects above the first are new. None: no causes. */
  watermarks: number[];
  /** At most this many causes (default 5). */
  maxCauses?: number;
  /** The graph's analysis, whose steps are reused across calls; default: a new one on this thread. */
  analysis?: GraphAnalysis;
}

/** A cause keeps at least this share of a `leak` type's new objects to be called a leak for it. */
const MIN_LEAK_SHARE = 0.25;
/** Sample nodes kept per kept type of a cause (for the path and the allocation sites). */
const SAMPLE_NODES = 256;

/**
 * Per node: the topmost new node among its dominators (itself included), or -1 for old nodes. One
 * pass in dominator-tree preorder, where each node comes after its dominator.
 */
export function topNewObjects(g: HeapGraph, dom: Dominators, oldId: number): Int32Array {
  const n = g.nodeCount;
  const top = new Int32Array(n).fill(-1);
  const { order, dominator } = dom;
  const ids = g.nodeId;
  for (let i = 0; i < n; i++) {
    const v = order[i];
    const id = ids[v];
    if ((id & 1) === 0 || id <= oldId) continue;
    const up = dominator[v];
    const t = up !== v ? top[up] : -1;
    top[v] = t >= 0 ? t : v;
  }
  return top;
}

/** The causes of the growing types of a graph, leaks first (none when there is no earlier sample). */
export function findCauses(graph: HeapGraph, types: TypeVerdict[], context: CauseContext): Cause[] {
  const oldId = context.watermarks[0];
  if (oldId === undefined) return [];
  const wanted = types.filter((t) => t.verdict !== 'ok' && !isInternalType(t.name)).slice(0, 254);
  if (!wanted.some((t) => t.verdict === 'leak' || t.verdict === 'suspect')) return [];
  const a = context.analysis ?? new GraphAnalysis(graph);
  const names = wanted.map((t) => t.name);
  const member = markTypes(graph, names, a.typeOf);
  a.distancesAndDominators();
  const dom = a.dominators();
  const top = topNewObjects(graph, dom, oldId);
  const groups = groupByHolder(graph, member, top, a.distances().parentNode, oldId, names.length);
  if (!groups.length) return [];

  // All new objects of each type, for each cause's share of them.
  const totals = new Float64Array(names.length + 1);
  for (const g of groups) for (let m = 1; m <= names.length; m++) totals[m] += g.count[m];
  const pathCtx: PathContext = { graph, kinds: a.edgeKinds(), distances: a.distances(), typeOf: a.typeOf, oldId };
  const memo: PathMemo = new Map();
  const resolve = scriptResolver(context);
  const origin = typeOrigin(graph);
  const causes: Cause[] = [];
  // The largest holders first; small ones (a few objects of a type that mostly lives elsewhere) are noise.
  groups.sort((x, y) => y.kept - x.kept);
  for (const group of groups.slice(0, 64)) {
    const kept: KeptType[] = [];
    for (let m = 1; m <= names.length; m++) {
      if (!group.count[m]) continue;
      const t = wanted[m - 1];
      kept.push({
        type: t.name,
        newObjects: group.count[m],
        newBytes: group.bytes[m],
        share: totals[m] ? group.count[m] / totals[m] : 0,
        countPerMinute: t.countPerMinute,
        verdict: t.verdict,
        origin: origin(t.name, group.samples[m][0]),
      });
    }
    const verdict = kept.some((k) => k.verdict === 'leak' && k.share >= MIN_LEAK_SHARE)
      ? 'leak'
      : kept.some((k) => k.verdict !== 'ok' && (k.origin === 'user' || k.origin === 'shape') && k.share >= MIN_LEAK_SHARE)
        ? 'suspect'
        : undefined;
    if (!verdict) continue;
    // The unit: the program's own class, else the topmost new object of a library's class (jsdom's Window, not its parts).
    const unit = kept.some((k) => k.origin === 'user') ? undefined : unitType(graph, dom, top, group, a.typeOf, origin);
    kept.sort((x, y) => (unit ? Number(y.type === unit) - Number(x.type === unit) : 0) || compareKept(x, y));
    const first = names.indexOf(kept[0].type) + 1;
    let retained = 0;
    for (const t of group.tops) retained += dom.retained[t];
    const path = displayPath(pathCtx, group.samples[first][0], memo);
    causes.push(describeCause({ graph, pathCtx, path, group, kept, verdict, retained, sampleNodes: group.samples[first], resolve, tops: group.tops }));
  }
  return mergeSameCauses(causes)
    .sort((x, y) => rank(x) - rank(y) || y.newObjects - x.newObjects)
    .slice(0, context.maxCauses ?? 5);
}

function rank(c: Cause): number {
  return c.verdict === 'leak' ? 0 : c.verdict === 'suspect' ? 1 : 2;
}

const ORIGIN_RANK: Record<KeptType['origin'], number> = { user: 0, shape: 1, library: 2, runtime: 3 };

/** The program's own classes first, then plain-object shapes, then libraries' and the runtime's types; then by objects. */
function compareKept(x: KeptType, y: KeptType): number {
  return ORIGIN_RANK[x.origin] - ORIGIN_RANK[y.origin] || y.newObjects - x.newObjects || y.newBytes - x.newBytes;
}

/**
 * The most common topmost new object of a library's class above some kept objects: walking up the
 * dominator tree from each, the last such object before the top.
 */
function unitType(g: HeapGraph, dom: Dominators, top: Int32Array, group: CauseGroup, typeOf: (v: number) => string, origin: (type: string, sample?: number) => KeptType['origin']): string | undefined {
  const votes = new Map<string, number>();
  for (const samples of group.samples) {
    for (const v of samples.slice(0, 4)) {
      let unit: string | undefined;
      for (let w = v, guard = 0; w >= 0 && guard < 10_000; guard++) {
        const name = typeOf(w);
        const o = origin(name, w);
        if (o === 'library' || o === 'user') unit = name;
        if (w === top[v]) break;
        const up = dom.dominator[w];
        if (up === w) break;
        w = up;
      }
      if (unit) votes.set(unit, (votes.get(unit) ?? 0) + 1);
    }
  }
  let best: string | undefined;
  for (const [t, n] of votes) if (!best || n > votes.get(best)!) best = t;
  return best;
}

/**
 * Tops grouped by holder: per group the tops, and per marked type (k = 1..count) the new objects
 * under them, their bytes and some of them.
 */
function groupByHolder(g: HeapGraph, member: Uint8Array, top: Int32Array, parentNode: Int32Array, oldId: number, count: number): CauseGroup[] {
  const k = typeIndices(g);
  const { nodeType, nodeName, nodeId, nodeSelfSize, strings } = g;
  const plumbingName = new Int8Array(strings.length); // 0 unknown, 1 plumbing, 2 not
  const isPlumbing = (w: number): boolean => {
    const t = nodeType[w];
    if (t === k.nodeArray || t === k.nodeHidden) return true;
    const ni = nodeName[w];
    if (plumbingName[ni] === 0) {
      const s = strings[ni] ?? '';
      plumbingName[ni] = s.startsWith('system / ') && s !== 'system / Context' ? 1 : 2;
    }
    return plumbingName[ni] === 1;
  };
  const isNew = (w: number) => (nodeId[w] & 1) === 1 && nodeId[w] > oldId;
  /** The nearest old object above a top on its shortest path, V8's backing stores looked through; 0 for the root, -1 unreached. */
  const holderOf = (t: number): number => {
    let w = t;
    for (let guard = 0; guard < 1_000_000; guard++) {
      const p = parentNode[w];
      if (p <= 0) return p;
      w = p;
      if (!isNew(w) && !isPlumbing(w)) return w;
    }
    return -1;
  };
  const groupOfTop = new Map<number, CauseGroup | null>();
  const groupOfHolder = new Map<number, CauseGroup>();
  const groups: CauseGroup[] = [];
  for (let v = 1; v < g.nodeCount; v++) {
    const m = member[v];
    if (!m) continue;
    const t = top[v];
    if (t < 0) continue;
    let group = groupOfTop.get(t);
    if (group === undefined) {
      const h = holderOf(t);
      group = h < 0 ? null : (groupOfHolder.get(h) ?? null);
      if (h >= 0 && !group) {
        group = { holder: h, tops: [], kept: 0, count: new Float64Array(count + 1), bytes: new Float64Array(count + 1), samples: Array.from({ length: count + 1 }, () => []) };
        groupOfHolder.set(h, group);
        groups.push(group);
      }
      if (group) group.tops.push(t);
      groupOfTop.set(t, group);
    }
    if (!group) continue;
    group.kept++;
    group.count[m]++;
    group.bytes[m] += nodeSelfSize[v];
    if (group.samples[m].length < SAMPLE_NODES) group.samples[m].push(v);
  }
  // A kept closure of the program's own code says which call handed objects to the holder.
  const closure = k.nodeClosure;
  for (let v = 1; v < g.nodeCount; v++) {
    if (nodeType[v] !== closure || top[v] < 0) continue;
    const group = groupOfTop.get(top[v]);
    if (group && (group.closures ??= []).length < SAMPLE_NODES) group.closures.push(v);
  }
  return groups;
}

/** Causes that name the same thing in the code (same id) made one: their objects and bytes added up, kept types merged. */
function mergeSameCauses(causes: Cause[]): Cause[] {
  const byId = new Map<string, Cause>();
  for (const c of causes) {
    const same = byId.get(c.id);
    if (!same) {
      byId.set(c.id, c);
      continue;
    }
    same.topObjects += c.topObjects;
    same.newObjects += c.newObjects;
    same.newBytes += c.newBytes;
    same.retainedBytes += c.retainedBytes;
    same.path.count += c.path.count;
    if (c.verdict === 'leak') same.verdict = 'leak';
    for (const k of c.kept) {
      const mine = same.kept.find((x) => x.type === k.type);
      if (!mine) same.kept.push({ ...k });
      else {
        mine.newObjects += k.newObjects;
        mine.newBytes += k.newBytes;
        mine.share += k.share;
      }
    }
    same.kept.sort(compareKept);
  }
  return [...byId.values()];
}
