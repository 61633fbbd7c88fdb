/**
 * Where objects are made. With V8's allocation tracking on, each node carries the id of its
 * allocation stack in `trace_tree`; the site is the innermost frame in the program's own code
 * (frames in `node:` internals and `node_modules` are skipped unless nothing else is left). Without
 * traces, only the snapshot's `locations` (the constructor's or function's own position) are known.
 * Positions here are in the running (generated) script; `sources/` maps them to files and `.ts` lines.
 */
import type { HeapGraph } from '../heap/graph';

/** An allocation site before source resolution: script by id and URL, 1-based line and column. */
export interface RawAllocationSite {
  scriptId: number;
  /** The script's URL or path as V8 knows it ('' when unknown). */
  scriptName: string;
  line: number;
  column: number;
  functionName: string;
  count: number;
  bytes: number;
  kind: 'allocation' | 'constructor';
}

/** Whether a script URL is the program's own code rather than Node's or a dependency's. */
export function isUserScript(url: string): boolean {
  if (!url) return false;
  if (url.startsWith('node:') || url.startsWith('internal/') || url.startsWith('evalmachine.')) return false;
  return !/[\\/]node_modules[\\/]/.test(url);
}

/** Allocation sites of the given nodes, most objects first (traces when present, else constructor locations). */
export function allocationSites(g: HeapGraph, nodes: ArrayLike<number>, max = 5): RawAllocationSite[] {
  const sites = g.traces && g.traces.traceCount > 0 ? traceSites(g, nodes) : constructorSites(g, nodes);
  return sites.sort((a, b) => b.count - a.count || b.bytes - a.bytes).slice(0, max);
}

function traceSites(g: HeapGraph, nodes: ArrayLike<number>): RawAllocationSite[] {
  const t = g.traces!;
  // trace node id → index in the pre-order arrays
  let maxId = 0;
  for (let i = 0; i < t.traceCount; i++) if (t.traceId[i] > maxId) maxId = t.traceId[i];
  const indexOfId = new Int32Array(maxId + 1).fill(-1);
  for (let i = 0; i < t.traceCount; i++) indexOfId[t.traceId[i]] = i;
  // per trace index: the function-info index of its innermost user frame (-2 = not computed)
  const userFrame = new Int32Array(t.traceCount).fill(-2);
  const userFrameOf = (leaf: number): number => {
    if (userFrame[leaf] !== -2) return userFrame[leaf];
    let found = -1;
    for (let i = leaf; i >= 0; i = t.traceParent[i]) {
      const f = t.traceFunction[i];
      if (isUserScript(g.strings[t.functionScriptName[f]] ?? '')) {
        found = f;
        break;
      }
    }
    if (found < 0) found = t.traceFunction[leaf];
    userFrame[leaf] = found;
    return found;
  };
  const byFunction = new Map<number, RawAllocationSite>();
  const untracked: number[] = [];
  for (let i = 0; i < nodes.length; i++) {
    const v = nodes[i];
    const id = g.nodeTraceId[v];
    const index = id > 0 && id <= maxId ? indexOfId[id] : -1;
    if (index < 0) {
      untracked.push(v);
      continue;
    }
    const f = userFrameOf(index);
    let site = byFunction.get(f);
    if (!site) {
      site = {
        scriptId: t.functionScriptId[f],
        scriptName: g.strings[t.functionScriptName[f]] ?? '',
        line: t.functionLine[f],
        column: t.functionColumn[f],
        functionName: g.strings[t.functionName[f]] || '(anonymous)',
        count: 0,
        bytes: 0,
        kind: 'allocation',
      };
      byFunction.set(f, site);
    }
    site.count++;
    site.bytes += g.nodeSelfSize[v];
  }
  // Objects made before tracking started have no trace: fall back to their constructor for those.
  return [...byFunction.values(), ...(untracked.length ? constructorSites(g, untracked) : [])];
}

function constructorSites(g: HeapGraph, nodes: ArrayLike<number>): RawAllocationSite[] {
  const bySite = new Map<string, RawAllocationSite>();
  const names = scriptNames(g);
  for (let i = 0; i < nodes.length; i++) {
    const v = nodes[i];
    const j = locationIndex(g, v);
    if (j < 0) continue;
    const loc = g.locations;
    const key = `${loc.scriptId[j]}:${loc.line[j]}:${loc.column[j]}`;
    let site = bySite.get(key);
    if (!site) {
      site = {
        scriptId: loc.scriptId[j],
        scriptName: names.get(loc.scriptId[j]) ?? '',
        line: loc.line[j] + 1,
        column: loc.column[j] + 1,
        functionName: g.strings[g.nodeName[v]] ?? '',
        count: 0,
        bytes: 0,
        kind: 'constructor',
      };
      bySite.set(key, site);
    }
    site.count++;
    site.bytes += g.nodeSelfSize[v];
  }
  return [...bySite.values()];
}

const scriptNameCache = new WeakMap<HeapGraph, Map<number, string>>();

/**
 * Script ids → script names (paths or URLs), read from the snapshot itself: a function's location
 * carries its script id, and its `shared` → `script_or_debug_info` edge leads to the Script, named
 * by its path. No `Debugger.scriptParsed` needed.
 */
export function scriptNames(g: HeapGraph): Map<number, string> {
  let names = scriptNameCache.get(g);
  if (names) return names;
  names = new Map();
  const loc = g.locations;
  const edgeNamed = (v: number, wanted: (name: string) => boolean): number => {
    for (let e = g.firstEdge[v]; e < g.firstEdge[v + 1]; e++) {
      const t = g.edgeTypeNames[g.edgeType[e]];
      if (t === 'element' || t === 'hidden') continue;
      if (wanted(g.strings[g.edgeNameOrIndex[e]] ?? '')) return g.edgeTo[e];
    }
    return -1;
  };
  for (let j = 0; j < loc.count; j++) {
    const id = loc.scriptId[j];
    if (names.has(id)) continue;
    const shared = edgeNamed(loc.node[j], (n) => n === 'shared');
    if (shared < 0) continue;
    const script = edgeNamed(shared, (n) => n === 'script_or_debug_info' || n === 'script');
    if (script < 0) continue;
    const name = g.strings[g.nodeName[script]] ?? '';
    if (name && !name.startsWith('system /')) names.set(id, name);
  }
  scriptNameCache.set(g, names);
  return names;
}

const locationOrder = new WeakMap<HeapGraph, Int32Array | 'sorted'>();

/** Index into `graph.locations` of a node's entry, or -1 (binary search when V8 wrote them in node order). */
function locationIndex(g: HeapGraph, node: number): number {
  const loc = g.locations;
  let order = locationOrder.get(g);
  if (!order) {
    let sorted = true;
    for (let j = 1; j < loc.count && sorted; j++) sorted = loc.node[j - 1] < loc.node[j];
    if (sorted) order = 'sorted';
    else {
      order = new Int32Array(g.nodeCount).fill(-1);
      for (let j = 0; j < loc.count; j++) order[loc.node[j]] = j;
    }
    locationOrder.set(g, order);
  }
  if (order !== 'sorted') return order[node];
  let lo = 0;
  let hi = loc.count - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const x = loc.node[mid];
    if (x === node) return mid;
    if (x < node) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

/** The snapshot location (script id, 0-based line/column) of one node, if V8 recorded one. */
export function nodeLocation(g: HeapGraph, node: number): { scriptId: number; line: number; column: number } | undefined {
  const j = locationIndex(g, node);
  if (j < 0) return undefined;
  return { scriptId: g.locations.scriptId[j], line: g.locations.line[j], column: g.locations.column[j] };
}
