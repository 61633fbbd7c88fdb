/**
 * Why a type grows: for the new objects of each type, their retainer-path clusters with the
 * suspect edge and the line that creates it, the type's retained size, strong back-references on
 * those paths with the bytes they keep alive, and the allocation sites. Distances and dominators
 * are computed once per graph and reused; clustering walks only the new objects.
 * Positions are in the running scripts; `mapLeakSources` (sources/sourceMaps) maps them to originals.
 */
import type { HeapGraph } from '../heap/graph';
import type { AllocationSite, BackReference, CauseStep, Leak, RetainerPath, SourcePosition } from '../report';
import { codePath } from './codePath';
import { holderFacts } from './holders';
import { backReferences } from './backrefs';
import { grouped } from './growth';
import { makeTypeNamer, markTypes, type TypeNamer } from './naming';
import { GraphAnalysis } from './pipeline';
import { clusterPaths, type DisplayPath, type PathCluster, type PathContext } from './retainers';
import { findCall, findCollectionAdd, findDeclaration, findListenerAdd, findPropertyAssignment } from '../sources/references';
import { candidateFiles, firstHit, lastName, reportSites, scriptResolver, type Hint, type Resolve } from './sites';

export interface ExplainContext {
  /** Largest object id of each earlier sample, in order; holders at or below the first are long-lived. */
  watermarks: number[];
  /** Objects with a larger id are new since the previous sample. */
  previousMaxId: number;
  /** CDP script ids → URLs (`Debugger.scriptParsed`). */
  scriptUrls?: Record<string, string>;
  /** Resolves a script id or URL to a local file; tried before `scriptUrls`. */
  resolveScript?: (scriptIdOrUrl: string | number) => string | undefined;
  /** The type namer; default: the same names `aggregateTypes` counts by. */
  typeOf?: TypeNamer;
  /** Clusters per type (default 5). */
  maxClusters?: number;
  /**
   * More types whose retained sizes will be asked for next (`retainedByType`): marked and summed in
   * the same pass as the explained ones, so that call finds them done.
   */
  alsoRetained?: string[];
  /** The graph's analysis, whose steps are reused across calls; default: a new one on this thread. */
  analysis?: GraphAnalysis;
}

/** Explains each named type on this graph (types with no objects are left out). */
export function explainTypes(graph: HeapGraph, typeNames: string[], context: ExplainContext): Leak[] {
  if (!typeNames.length) return [];
  const a = context.analysis ?? new GraphAnalysis(graph);
  const typeOf = context.typeOf ?? a.typeOf;
  const explained = typeNames.slice(0, 254);
  const extra = context.typeOf ? [] : (context.alsoRetained ?? []).filter((t) => !explained.includes(t));
  const marked = [...explained, ...extra].slice(0, 254);
  const member = markTypes(graph, marked, typeOf);
  a.distancesAndDominators();
  const retained = a.retainedOf(member, marked.length);
  if (extra.length) a.keepRetained(marked, retained);
  const total = new Float64Array(typeNames.length);
  const fresh: number[][] = typeNames.map(() => []);
  const ids = graph.nodeId;
  for (let v = 1; v < graph.nodeCount; v++) {
    const m = member[v];
    if (!m || m > explained.length) continue;
    total[m - 1]++;
    if (ids[v] & 1 && ids[v] > context.previousMaxId) fresh[m - 1].push(v);
  }
  const oldId = context.watermarks.length ? context.watermarks[0] : context.previousMaxId;
  const pathCtx: PathContext = { graph, kinds: a.edgeKinds(), distances: a.distances(), typeOf, oldId };
  const resolve = scriptResolver(context);
  const leaks: Leak[] = [];
  typeNames.forEach((type, t) => {
    if (!total[t]) return;
    const nodes = fresh[t].length ? fresh[t] : allOf(member, t + 1);
    const retainedBytes = retained[t + 1] ?? 0;
    const clusters = clusterPaths(pathCtx, nodes, context.maxClusters ?? 5);
    const { sites, raw: rawSites, foundNew: made } = reportSites(graph, type, nodes, resolve);
    const hintFiles = sites.map((s, i) => ({ file: s.file, near: rawSites[i].kind === 'allocation' ? { line: rawSites[i].line, column: rawSites[i].column } : undefined }));
    const retainerPaths = foldedClusters(graph, clusters, resolve).map(({ cluster: c, steps, holderIndex }) => {
      const site = c.suspectEdgeIndex >= 0 ? suspectSite(graph, c.example, c.suspectEdgeIndex, resolve, hintFiles) : undefined;
      return { count: c.count, bytes: c.bytes, edges: c.edges, suspectEdgeIndex: c.suspectEdgeIndex, ...(site ? { suspectSite: site } : {}), steps, suspectStepIndex: holderIndex };
    });
    const backRefs: BackReference[] = backReferences(graph, a.distances(), typeOf, clusters.map((c) => c.example), clusters.map((c) => c.suspectEdgeIndex)).map(({ candidate, ...b }) => {
      const site = propertySite(graph, candidate.holderNode, candidate.edge, resolve, hintFiles);
      return site ? { ...b, site } : b;
    });
    let newBytes = 0;
    for (const v of fresh[t]) newBytes += graph.nodeSelfSize[v];
    const evidence = evidenceFor(type, nodes.length, fresh[t].length > 0, clusters, backRefs);
    if (made) {
      // Without traces, the `new Type(` found in the class's file is the best site to jump to.
      const constructorSite = sites[0];
      sites.unshift({ ...made, functionName: constructorSite.functionName, count: constructorSite.count, bytes: constructorSite.bytes, kind: 'source' });
      evidence.push(`${type} objects are made with \`new ${type}(…)\` at ${made.file}:${made.line} (found in the source; precise allocation sites need allocation tracking).`);
    }
    leaks.push({
      type,
      verdict: 'suspect',
      newObjects: fresh[t].length,
      newBytes,
      retainedBytes,
      evidence,
      allocationSites: sites,
      retainerPaths,
      backReferences: backRefs,
    });
  });
  return leaks;
}

/**
 * Clusters in the code's words (see `codePath`), those that differ only inside a folded step of
 * Node's plumbing merged into the larger: their objects and bytes added up.
 */
function foldedClusters(g: HeapGraph, clusters: PathCluster[], resolve: Resolve): { cluster: PathCluster; steps: CauseStep[]; holderIndex: number }[] {
  const byKey = new Map<string, { cluster: PathCluster; steps: CauseStep[]; holderIndex: number }>();
  for (const c of clusters) {
    const kind = c.suspectEdgeIndex >= 0 ? holderFacts(c.example, c.suspectEdgeIndex).kind : 'other';
    const { steps, holderIndex } = codePath(g, c.example, c.suspectEdgeIndex, { resolve, holderKind: kind });
    const key = `${holderIndex}\u0002${steps.map((s) => (s.folded ? `${s.label}` : `${s.from}\u0000${s.edge}\u0000${s.edgeType}\u0000${s.to}`)).join('\u0001')}`;
    const same = byKey.get(key);
    if (!same) byKey.set(key, { cluster: { ...c }, steps, holderIndex });
    else {
      same.cluster.count += c.count;
      same.cluster.bytes += c.bytes;
    }
  }
  return [...byKey.values()].sort((a, b) => b.cluster.count - a.cluster.count || b.cluster.bytes - a.cluster.bytes);
}

/** The nodes marked `value`. */
function allOf(member: Uint8Array, value: number): number[] {
  const out: number[] = [];
  for (let v = 0; v < member.length; v++) if (member[v] === value) out.push(v);
  return out;
}

/** The line that creates the suspect edge: `cache.set(…)`, `registry.add(…)`, `bus.on('x', …)`, `this.x = …`, `let x`. */
function suspectSite(g: HeapGraph, path: DisplayPath, i: number, resolve: Resolve, hints: Hint[]): SourcePosition | undefined {
  const e = path.edges[i];
  const holders = path.holders.slice(0, i + 1).reverse();
  const files = candidateFiles(g, holders, resolve, hints);
  const labels = path.edges.slice(Math.max(0, i - 2), i + 1).map((x) => x.edge);
  if (isTimerHolder(e.from)) {
    // A timer that is never cleared: the line that starts it, in the function that made the objects.
    const hit = firstHit(hints, (f, near) => findCall(f, ['setInterval', 'setTimeout'], near));
    if (hit) return hit;
  }
  const listening = labels.findIndex((l) => l === '_events' || l.startsWith('_events.'));
  if (listening >= 0) {
    const event = lastName(labels[listening] === '_events' ? (labels[listening + 1] ?? '') : labels[listening]);
    const hit = event ? firstHit(files, (f, near) => findListenerAdd(f, event, near)) : undefined;
    if (hit) return hit;
  }
  if (e.edge.startsWith('[]') || e.edge.startsWith('<key>')) {
    const name = i > 0 ? lastName(path.edges[i - 1].edge) : '';
    if (name) return firstHit(files, (f, near) => findCollectionAdd(f, name, e.from, near));
    return undefined;
  }
  const name = lastName(e.edge);
  if (!name) return undefined;
  if (e.edgeType === 'context') return firstHit(files, (f, near) => findDeclaration(f, name, near));
  return firstHit(files, (f, near) => findPropertyAssignment(f, name, near));
}

/** The line that assigns `holder.prop` (e.g. `this.parent = parent` in the holder's constructor). */
function propertySite(g: HeapGraph, holder: number, prop: string, resolve: Resolve, hints: Hint[]): SourcePosition | undefined {
  return firstHit(candidateFiles(g, [holder], resolve, hints), (f, near) => findPropertyAssignment(f, prop, near));
}

function isTimerHolder(type: string): boolean {
  return type === 'TimersList' || type === 'Timeout' || type === 'Immediate';
}

/** What to do about a holder, by its kind, in one sentence. */
export function holderFix(path: PathEdge[], i: number): string {
  const e = path[i];
  const name = i > 0 ? lastName(path[i - 1].edge) : '';
  const called = name ? ` \`${name}\`` : '';
  if (path.slice(Math.max(0, i - 2), i + 1).some((x) => x.edge.startsWith('_events')))
    return 'Remove the listener when its owner is done (emitter.off / removeListener), or register it with an AbortSignal and abort it.';
  if (isTimerHolder(e.from)) return 'A timer that is never cleared keeps its callback and all it captures: clearInterval/clearTimeout it when the work is done (or unref() it).';
  if (e.from === 'Map' || e.from === 'WeakMap')
    return `Evict entries from the Map${called} (delete them when done, or bound it as an LRU), or key a WeakMap by the object whose lifetime they follow.`;
  if (e.from === 'Set' || e.from === 'WeakSet') return `Delete entries from the Set${called} when they are done, or use a WeakSet (or WeakRef entries).`;
  if (e.from === 'Array') return `Remove items from the array${called} when they are done (splice/shift), or bound its length.`;
  if (e.edgeType === 'context') return `The variable \`${lastName(e.edge)}\` lives as long as its closure: clear or bound what it holds.`;
  return `Clear ${e.from}.${lastName(e.edge)} when it is no longer needed, or hold it through a WeakRef.`;
}

type PathEdge = RetainerPath['edges'][number];

function evidenceFor(type: string, n: number, areNew: boolean, clusters: PathCluster[], backRefs: BackReference[]): string[] {
  const out: string[] = [];
  const top = clusters[0];
  if (top && n > 0) {
    const pct = Math.round((top.count / n) * 100);
    const what = `${grouped(top.count)} of ${grouped(n)} ${areNew ? 'new ' : ''}${type} objects (${pct} %)`;
    if (top.suspectEdgeIndex >= 0) {
      const i = top.suspectEdgeIndex;
      const e = top.edges[i];
      const holderName = i > 0 ? lastName(top.edges[i - 1].edge) : '';
      const known = holderName ? ` ${holderName}` : '';
      const j = top.edges.findIndex((x, at) => at <= i && at >= i - 2 && x.edge === '_events');
      const held =
        j >= 0 && j + 1 < top.edges.length
          ? `the '${lastName(top.edges[j + 1].edge)}' listeners (${e.from} → ${e.edge}) of the long-lived ${top.edges[j].from}${j > 0 ? ` ${lastName(top.edges[j - 1].edge)}` : ''}`
          : `the long-lived ${e.from}${known} → ${e.edge}`;
      out.push(`${what} are held by ${held}. ${holderFix(top.edges, i)}`);
    } else out.push(`${what} share one retainer path; no holder there predates the growth.`);
  }
  for (const b of backRefs.slice(0, 1)) {
    if (b.bytes > 0) out.push(`${b.holder}.${b.edge} points back at its ${b.target} (${grouped(b.count)} such edges); were it weak, ${grouped(b.bytes)} bytes could be collected.`);
  }
  return out;
}
