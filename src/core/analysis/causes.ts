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
import { BirthCounter, causeGrowth, growthEvidence, isOneBurst, type BirthSeries } from './causeGrowth';
import { describeCause, libraryOwner, type CauseGroup } from './holders';
import { isUserScript } from './allocation';
import { markTypes, type TypeNamer } from './naming';
import { GraphAnalysis } from './pipeline';
import { displayPath, type PathContext, type PathMemo } from './retainers';
import { scriptResolver, type ScriptContext } from './sites';
import { isInternalType } from './typeNames';
import { globalOf, typeOrigin } from './origin';
import type { CensusBirths } from './censusBirths';

/** What the causes need to know of each type: its verdict and growth (a `TypeSeries` will do). */
export type TypeVerdict = Pick<TypeSeries, 'name' | 'verdict' | 'countPerMinute'>;

export interface CauseContext extends ScriptContext {
  /** Largest object id of each earlier sample, in order: objects above the first are new. None: no causes, unless `censusBirths`. */
  watermarks: number[];
  /** With no earlier sample, the census labels in this graph: objects labelled since their type's first census are new. */
  censusBirths?: CensusBirths;
  /** At most this many causes (default 5). */
  maxCauses?: number;
  /** The times of the samples whose watermarks are given, then the latest's (one more): each cause's growth per minute. */
  sampleTimes?: number[];
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

/**
 * Per node: the topmost node born since the censuses began (`CensusBirths.fresh`) among its dominators
 * (itself included), or -1; what a new object alone keeps alive is new with it (its arrays, its
 * closures). One pass in dominator-tree preorder.
 */
export function topBornSinceCensus(g: HeapGraph, dom: Dominators, births: CensusBirths): Int32Array {
  const n = g.nodeCount;
  const top = new Int32Array(n).fill(-1);
  const { order, dominator } = dom;
  const { fresh } = births;
  for (let i = 0; i < n; i++) {
    const v = order[i];
    const up = dominator[v];
    const t = up !== v ? top[up] : -1;
    if (t >= 0) top[v] = t;
    else if (fresh[v]) top[v] = v;
  }
  return top;
}

/**
 * The causes of the growing types of a graph, leaks first (none when there is no earlier sample,
 * unless census labels date its objects: see `topBornSinceCensus`).
 * "Old" is born before the first sample; a program whose long-lived objects were made after it (a
 * slow start: tsx compiling, a server still booting) has its holder among the new objects, and one
 * top object (not a backing store) retains most of the leading cause, whose objects were born over
 * several intervals: then the next sample is the baseline, while two intervals at least remain.
 */
export function findCauses(graph: HeapGraph, types: TypeVerdict[], context: CauseContext): Cause[] {
  if (context.watermarks[0] === undefined && !context.censusBirths?.newObjects) return [];
  const wanted = types.filter((t) => t.verdict !== 'ok' && !isInternalType(t.name)).slice(0, 254);
  if (!wanted.some((t) => t.verdict === 'leak' || t.verdict === 'suspect')) return [];
  const a = context.analysis ?? new GraphAnalysis(graph);
  const member = markTypes(graph, wanted.map((t) => t.name), a.typeOf);
  a.distancesAndDominators();
  for (let baseline = 0; ; baseline++) {
    const { causes, lateStart } = causesSince(graph, a, types, wanted, member, baseline, context);
    if (!lateStart || context.watermarks.length - baseline - 1 < 2) return causes;
  }
}

/** The causes with objects born after sample `baseline` as new; `lateStart`: the leading cause's holder looks new itself (see findCauses). */
function causesSince(graph: HeapGraph, a: GraphAnalysis, types: TypeVerdict[], wanted: TypeVerdict[], member: Uint8Array, baseline: number, context: CauseContext): { causes: Cause[]; lateStart: boolean } {
  // No earlier sample: the census labels date the objects (one pass, no growth series).
  const byLabels = context.watermarks[baseline] === undefined ? context.censusBirths : undefined;
  const oldId = byLabels ? Number.MAX_SAFE_INTEGER : context.watermarks[baseline];
  const names = wanted.map((t) => t.name);
  const dom = a.dominators();
  const top = byLabels ? topBornSinceCensus(graph, dom, byLabels) : topNewObjects(graph, dom, oldId);
  const ids = graph.nodeId;
  const isNew = byLabels ? (w: number) => top[w] >= 0 : (w: number) => (ids[w] & 1) === 1 && ids[w] > oldId;
  const { groups, groupOfTop } = groupByHolder(graph, member, top, a.distances().parentNode, isNew, names.length);
  if (!groups.length) return { causes: [], lateStart: false };

  // All new objects of each type, for each cause's share of them.
  const totals = new Float64Array(names.length + 1);
  for (const g of groups) for (let m = 1; m <= names.length; m++) totals[m] += g.count[m];
  const pathCtx: PathContext = { graph, kinds: a.edgeKinds(), distances: a.distances(), typeOf: a.typeOf, oldId, ...(byLabels ? { newTop: top } : {}) };
  const memo: PathMemo = new Map();
  const resolve = scriptResolver(context);
  const origin = typeOrigin(graph);
  // The largest holders first; small ones (a few objects of a type that mostly lives elsewhere) are noise.
  groups.sort((x, y) => y.kept - x.kept);
  const considered = groups.slice(0, 64).map((group) => {
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
        origin: origin(t.name, group.samples[m]),
      });
    }
    // The unit: the program's own class, else the topmost new object of a library's class (jsdom's Window, not its parts).
    const unit = kept.some((k) => k.origin === 'user') ? undefined : unitType(graph, dom, top, group, a.typeOf, origin);
    return { group, kept, unit };
  });
  // A unit that is not among the marked types (past the first 254 growing ones) is counted here.
  const units = countUnits(graph, top, groupOfTop, considered.filter((c) => c.unit && !names.includes(c.unit)).map((c) => c.unit!), a.typeOf);
  const byName = new Map(types.map((t) => [t.name, t]));
  const causes: Cause[] = [];
  const groupsOf = new Map<Cause, CauseGroup[]>();
  /** A library's container holder: the library's object that owns it. */
  const ownerOf = new Map<Cause, { node: number; type: string }>();
  for (const { group, kept, unit } of considered) {
    const counted = unit ? units.get(unit)?.get(group) : undefined;
    if (unit && counted) {
      const t = byName.get(unit);
      kept.push({
        type: unit,
        newObjects: counted.count,
        newBytes: counted.bytes,
        share: counted.count / units.get(unit)!.total,
        countPerMinute: t?.countPerMinute ?? 0,
        verdict: t?.verdict ?? 'ok',
        origin: origin(unit, counted.samples),
      });
    }
    const verdict = kept.some((k) => k.verdict === 'leak' && k.share >= MIN_LEAK_SHARE)
      ? 'leak'
      : kept.some((k) => k.verdict !== 'ok' && (k.origin === 'user' || k.origin === 'shape') && k.share >= MIN_LEAK_SHARE)
        ? 'suspect'
        : undefined;
    if (!verdict) continue;
    kept.sort((x, y) => (unit ? Number(y.type === unit) - Number(x.type === unit) : 0) || compareKept(x, y));
    const first = names.indexOf(kept[0].type) + 1;
    const sampleNodes = first > 0 ? group.samples[first] : (counted?.samples ?? []);
    let retained = 0;
    for (const t of group.tops) retained += dom.retained[t];
    const path = displayPath(pathCtx, sampleNodes[0], memo);
    const cause = describeCause({ graph, pathCtx, path, group, kept, verdict, retained, sampleNodes, resolve, tops: group.tops, top });
    groupsOf.set(cause, [group]);
    if (cause.holder.inLibrary && cause.holder.kind === 'container') {
      const owner = libraryOwner(graph, path, group.holder);
      if (owner > 0) ownerOf.set(cause, { node: owner, type: a.typeOf(owner) });
    }
    causes.push(cause);
  }
  const merged = mergeLibraryOwners(mergeSameCauses(causes, groupsOf), groupsOf, ownerOf);
  if (byLabels) {
    for (const c of merged) c.evidence.push('Named from the first snapshot: the censuses before it labelled these objects as they were born; the next snapshot gives this cause its growth.');
  } else {
    const births = keptBirths(graph, member, names, top, groupOfTop, merged.map((c) => ({ groups: groupsOf.get(c)!, type: c.kept[0].type })), { typeOf: a.typeOf, dom, watermarks: context.watermarks });
    merged.forEach((c, k) => {
      // From the baseline sample on: nothing before it counts as new.
      const series = { objects: births[k].objects.slice(baseline), retainedBytes: births[k].retainedBytes.slice(baseline) };
      c.growth = causeGrowth(series, c.kept[0].type, context.sampleTimes?.slice(baseline));
      c.evidence.splice(1, 0, growthEvidence(c.growth));
      if (baseline > 0) c.evidence.push(`The program's long-lived objects were made after the first sample, so objects born after sample ${baseline + 1} count as new.`);
      // All of it born in one interval: a burst (a warm-up, a batch), not an accumulation.
      if (c.verdict === 'leak' && isOneBurst(c.growth)) c.verdict = 'suspect';
    });
  }
  const ranked = merged.sort((x, y) => rank(x) - rank(y) || y.newObjects - x.newObjects).slice(0, context.maxCauses ?? 5);
  // No growth series from the labels, so no late start to look for.
  if (byLabels) return { causes: ranked, lateStart: false };
  const lead = ranked[0];
  const leadTops = lead ? groupsOf.get(lead)!.flatMap((g) => g.tops) : [];
  // One top object of the program's (not a backing store) retains most of a cause whose objects were born over several intervals.
  let largest = -1;
  for (const t of leadTops) if (largest < 0 || dom.retained[t] > dom.retained[largest]) largest = t;
  const lateStart =
    !!lead && largest >= 0 && lead.newObjects >= 20 && lead.growth!.intervalsGrowing >= 2 && !isPlumbingNode(graph, largest) && dom.retained[largest] >= 0.8 * lead.retainedBytes;
  return { causes: ranked, lateStart };
}

/** V8's backing stores and internals (arrays, hidden objects, `system / …` but a closure's context): looked through, never a holder or a unit. */
function isPlumbingNode(g: HeapGraph, v: number): boolean {
  const k = typeIndices(g);
  const t = g.nodeType[v];
  if (t === k.nodeArray || t === k.nodeHidden) return true;
  const s = g.strings[g.nodeName[v]] ?? '';
  return s.startsWith('system / ') && s !== 'system / Context';
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
 * The unit of a cause without a class of the program's: the library class whose topmost objects
 * retain the most. Candidates are the tops of a library's class, and, under tops of the runtime's
 * (a `Timeout`, an `Array`), the topmost library object above some kept objects.
 */
function unitType(g: HeapGraph, dom: Dominators, top: Int32Array, group: CauseGroup, typeOf: (v: number) => string, origin: (type: string, sample?: number) => KeptType['origin']): string | undefined {
  const retained = new Map<string, number>();
  const seen = new Set<number>();
  const vote = (w: number, name: string) => {
    // A context's global (a vm context's `window`: the proxy its code sees, a few bytes, and the
    // global object behind it, `Window / `) stands for its whole context, under the proxy's name.
    const global = globalOf(g, w);
    if (global) {
      w = global.proxy;
      name = typeOf(w);
    }
    if (seen.has(w)) return;
    seen.add(w);
    const bytes = global ? Math.max(dom.retained[w], dom.retained[global.context], dom.retained[global.object]) : dom.retained[w];
    retained.set(name, (retained.get(name) ?? 0) + bytes);
  };
  const isClass = (name: string, w: number) => {
    const o = origin(name, w);
    return o === 'library' || o === 'user';
  };
  for (const t of group.tops) {
    const name = typeOf(t);
    if (isClass(name, t)) vote(t, name);
  }
  for (const samples of group.samples) {
    for (const v of samples.slice(0, 4)) {
      let unit = -1;
      for (let w = v, guard = 0; w >= 0 && guard < 10_000; guard++) {
        if (isClass(typeOf(w), w)) unit = w;
        if (w === top[v]) break;
        const up = dom.dominator[w];
        if (up === w) break;
        w = up;
      }
      if (unit >= 0) vote(unit, typeOf(unit));
    }
  }
  let best: string | undefined;
  for (const [t, bytes] of retained) if (!best || bytes > retained.get(best)! || (bytes === retained.get(best)! && t < best)) best = t;
  return best;
}

/**
 * Tops grouped by holder: per group the tops, and per marked type (k = 1..count) the new objects
 * under them, their bytes and some of them.
 */
function groupByHolder(g: HeapGraph, member: Uint8Array, top: Int32Array, parentNode: Int32Array, isNew: (w: number) => boolean, count: number): { groups: CauseGroup[]; groupOfTop: Map<number, CauseGroup | null> } {
  const k = typeIndices(g);
  const { nodeType, nodeName, nodeSelfSize, strings } = g;
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
  return { groups, groupOfTop };
}

/** New objects of one type under some group's tops: how many, their bytes, some of them. */
interface UnitCount {
  count: number;
  bytes: number;
  samples: number[];
}

/** Per unit type: its new objects under each group's tops, and under any top (`total`); one pass over the nodes. */
function countUnits(g: HeapGraph, top: Int32Array, groupOfTop: Map<number, CauseGroup | null>, units: string[], typeOf: TypeNamer): Map<string, Map<CauseGroup, UnitCount> & { total: number }> {
  const out = new Map<string, Map<CauseGroup, UnitCount> & { total: number }>();
  if (!units.length) return out;
  for (const u of units) out.set(u, Object.assign(new Map<CauseGroup, UnitCount>(), { total: 0 }));
  // Class names only: compare the node's name first, then its type name.
  const byName = new Int8Array(g.strings.length);
  for (let v = 1; v < g.nodeCount; v++) {
    const t = top[v];
    if (t < 0) continue;
    const ni = g.nodeName[v];
    if (byName[ni] === 0) byName[ni] = out.has(g.strings[ni] ?? '') ? 1 : 2;
    if (byName[ni] !== 1) continue;
    const counts = out.get(typeOf(v));
    if (!counts) continue;
    counts.total++;
    const group = groupOfTop.get(t);
    if (!group) continue;
    let c = counts.get(group);
    if (!c) counts.set(group, (c = { count: 0, bytes: 0, samples: [] }));
    c.count++;
    c.bytes += g.nodeSelfSize[v];
    if (c.samples.length < SAMPLE_NODES) c.samples.push(v);
  }
  return out;
}

/**
 * Per cause: its first kept type's new objects under its groups' tops, by birth (see `birthSeries`);
 * one pass over the new nodes (a marked type compared by its mark, another by its name), then one
 * down the dominator tree for the bytes.
 */
function keptBirths(g: HeapGraph, member: Uint8Array, names: string[], top: Int32Array, groupOfTop: Map<number, CauseGroup | null>, wanted: { groups: CauseGroup[]; type: string }[], ctx: { typeOf: TypeNamer; dom: Dominators; watermarks: number[] }): BirthSeries[] {
  const births = wanted.map(() => new BirthCounter(ctx.watermarks));
  const byGroup = new Map<CauseGroup, { k: number; mark: number; type: string }>();
  const marks = new Uint8Array(256);
  const unitNames = new Set<string>();
  wanted.forEach((w, k) => {
    const mark = names.indexOf(w.type) + 1;
    if (mark) marks[mark] = 1;
    else unitNames.add(w.type);
    for (const group of w.groups) byGroup.set(group, { k, mark, type: w.type });
  });
  const byName = new Int8Array(g.strings.length); // 0 unknown, 1 a unit's name, 2 not
  const which = new Uint16Array(g.nodeCount); // 1 + the cause that counts the node, 0 none
  for (let v = 1; v < g.nodeCount; v++) {
    const t = top[v];
    if (t < 0) continue;
    const m = member[v];
    if (!marks[m]) {
      if (!unitNames.size) continue;
      const ni = g.nodeName[v];
      if (byName[ni] === 0) byName[ni] = unitNames.has(g.strings[ni] ?? '') ? 1 : 2;
      if (byName[ni] !== 1) continue;
    }
    const group = groupOfTop.get(t);
    const w = group ? byGroup.get(group) : undefined;
    if (!w || (w.mark ? m !== w.mark : ctx.typeOf(v) !== w.type)) continue;
    which[v] = w.k + 1;
  }
  // Bytes once: an object inside another counted object of its cause (a node of a chain or a tree)
  // adds its count but none of its bytes, which its ancestor's retained size has already.
  const { order, dominator } = ctx.dom;
  const above = new Uint16Array(g.nodeCount); // the cause of the nearest counted strict dominator
  for (let i = 0; i < order.length; i++) {
    const v = order[i];
    const up = dominator[v];
    if (up !== v) above[v] = which[up] || above[up];
    const k = which[v];
    if (k) births[k - 1].add(g.nodeId[v], above[v] === k ? 0 : ctx.dom.retained[v]);
  }
  return births.map((b) => b.series());
}

/** Causes that name the same thing in the code (same id) made one: their objects and bytes added up, kept types and groups merged. */
function mergeSameCauses(causes: Cause[], groupsOf: Map<Cause, CauseGroup[]>): Cause[] {
  const byId = new Map<string, Cause>();
  for (const c of causes) {
    const same = byId.get(c.id);
    if (!same) byId.set(c.id, c);
    else absorb(same, c, groupsOf);
  }
  return [...byId.values()];
}

/**
 * Causes held in the containers of one library object made one: the library keeps its entries in
 * two structures (axios's `handlers` array and its internal `handlerEntries` Map), both filled by
 * one call of the program. The cause that names the program's line and class leads.
 */
function mergeLibraryOwners(causes: Cause[], groupsOf: Map<Cause, CauseGroup[]>, ownerOf: Map<Cause, { node: number; type: string }>): Cause[] {
  const byOwner = new Map<number, Cause[]>();
  for (const c of causes) {
    const owner = ownerOf.get(c);
    if (owner) byOwner.set(owner.node, [...(byOwner.get(owner.node) ?? []), c]);
  }
  const gone = new Set<Cause>();
  for (const [, same] of byOwner) {
    if (same.length < 2) continue;
    const score = (c: Cause) => (c.addedAt && isUserScript(c.addedAt.file) ? 2 : 0) + (c.kept[0].origin === 'user' ? 1 : 0);
    const [lead, ...rest] = [...same].sort((x, y) => score(y) - score(x) || y.newObjects - x.newObjects);
    for (const c of rest) {
      lead.evidence.push(`The same ${ownerOf.get(lead)!.type} also keeps an entry for each in ${c.holder.label.replace(/ of an? .*$/, '')}: ${c.newObjects.toLocaleString('en-US')} new objects (${c.kept.map((k) => k.type).join(', ')}).`);
      absorb(lead, c, groupsOf);
      gone.add(c);
    }
  }
  return causes.filter((c) => !gone.has(c));
}

/** Adds cause `c` into `same`: its objects and bytes, kept types and groups. */
function absorb(same: Cause, c: Cause, groupsOf: Map<Cause, CauseGroup[]>): void {
  groupsOf.get(same)!.push(...groupsOf.get(c)!);
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
  // The lead type (the program's class, or the library's unit: jsdom's Window) stays first.
  const lead = same.kept[0].type;
  same.kept.sort((x, y) => Number(y.type === lead) - Number(x.type === lead) || compareKept(x, y));
}
