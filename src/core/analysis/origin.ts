/**
 * Whose code a node or a type comes from: the program's own, a library's (`node_modules`), or
 * Node's and V8's. Read from the snapshot alone: a function's or object's location names its
 * script (see `scriptNames`).
 */
import type { HeapGraph } from '../heap/graph';
import type { KeptType } from '../report';
import { isUserScript, nodeLocation, scriptNames } from './allocation';
import { typeTier } from './typeNames';

/** Where a node's code lives: `user`, `library` (node_modules), `node` (Node's own scripts), or `unknown` (no location). */
export function codeOrigin(g: HeapGraph, node: number): 'user' | 'library' | 'node' | 'unknown' {
  const loc = nodeLocation(g, node);
  if (!loc) return 'unknown';
  const name = scriptNames(g).get(loc.scriptId);
  if (!name) return 'unknown';
  if (isUserScript(name)) return 'user';
  return /[\\/]node_modules[\\/]/.test(name) ? 'library' : 'node';
}

/**
 * The node whose location names an object's class: the object itself, its own `constructor` (a
 * prototype), or its prototype's; a context's global proxy is read through its global object.
 */
function classNode(g: HeapGraph, node: number): number {
  if (nodeLocation(g, node)) return node;
  const global = globalOf(g, node);
  if (global && global.object !== node) node = global.object;
  const mine = propertyTarget(g, node, 'constructor');
  if (mine >= 0 && nodeLocation(g, mine)) return mine;
  const proto = propertyTarget(g, node, '__proto__');
  const ctor = proto >= 0 ? propertyTarget(g, proto, 'constructor') : -1;
  return ctor >= 0 ? ctor : node;
}

/** An object's class code: its own location, else its prototype's `constructor` (objects made by `Object.create(proto)`). */
function classOrigin(g: HeapGraph, node: number): ReturnType<typeof codeOrigin> {
  return codeOrigin(g, classNode(g, node));
}

/** The script (path or URL) that defines an object's class, or a function's code, when known. */
export function classScript(g: HeapGraph, node: number): string | undefined {
  const loc = nodeLocation(g, classNode(g, node));
  return loc ? scriptNames(g).get(loc.scriptId) : undefined;
}

/** The packages a script in `node_modules` belongs to, the outermost first (`a/node_modules/b` → a, b; pnpm's `.pnpm` left out). */
export function packagesOf(script: string): string[] {
  const parts = script.split(/[\\/]node_modules[\\/]/).slice(1);
  const out: string[] = [];
  for (const part of parts) {
    const [first, second] = part.split(/[\\/]/);
    if (!first || first.startsWith('.')) continue;
    out.push(first.startsWith('@') && second ? `${first}/${second}` : first);
  }
  return out;
}

/**
 * When `w` is a context's global (e.g. jsdom's Window): its global proxy (what the context's code
 * sees as `globalThis`), the global object behind it, and its native context. The proxy's
 * `native_context` edge leads to a context whose `global_proxy_object` edge leads back to it; the
 * global object reaches the proxy by its `global_proxy` edge.
 */
export function globalOf(g: HeapGraph, w: number): { proxy: number; object: number; context: number } | undefined {
  const { firstEdge, edgeType, edgeNameOrIndex, edgeTo, strings, edgeTypeNames } = g;
  const internal = edgeTypeNames.indexOf('internal');
  const named = (e: number, name: string) => edgeType[e] === internal && strings[edgeNameOrIndex[e]] === name;
  const edge = (from: number, name: string) => {
    for (let e = firstEdge[from]; e < firstEdge[from + 1]; e++) if (named(e, name)) return edgeTo[e];
    return -1;
  };
  const contextOfProxy = (proxy: number) => {
    const context = edge(proxy, 'native_context');
    if (context < 0) return -1;
    for (let f = firstEdge[context]; f < firstEdge[context + 1]; f++) if (edgeTo[f] === proxy && named(f, 'global_proxy_object')) return context;
    return -1;
  };
  const proxied = edge(w, 'global_proxy');
  if (proxied >= 0) {
    const context = contextOfProxy(proxied);
    return context >= 0 ? { proxy: proxied, object: w, context } : undefined;
  }
  const context = contextOfProxy(w);
  return context >= 0 ? { proxy: w, object: w, context } : undefined;
}

function propertyTarget(g: HeapGraph, node: number, name: string): number {
  for (let e = g.firstEdge[node], end = g.firstEdge[node + 1]; e < end; e++) {
    if (g.edgeTypeNames[g.edgeType[e]] === 'property' && g.strings[g.edgeNameOrIndex[e]] === name) return g.edgeTo[e];
  }
  return -1;
}

/** JavaScript's and Node's own objects, also those of another realm (a vm context's `JSON`, `TypedArray`, `Map Iterator`). */
function isBuiltinName(type: string): boolean {
  if (/ Iterator$|^(Intl|WebAssembly)\.|^(TypedArray|AsyncFunction|GeneratorFunction|AsyncGeneratorFunction)$/.test(type)) return true;
  return /^[A-Za-z_$][\w$]*$/.test(type) && (globalThis as Record<string, unknown>)[type] !== undefined;
}

/**
 * A namer of type origins for a graph: a class is `user` unless its objects' constructor lives in a
 * library or in Node. Given several objects of the type, the first whose class code has a location
 * decides (a vm context's global proxy, say, has none of its own).
 */
export function typeOrigin(g: HeapGraph): (type: string, samples?: number | readonly number[]) => KeptType['origin'] {
  const known = new Map<string, KeptType['origin']>();
  const tries = new Map<string, number>();
  return (type, samples) => {
    let o = known.get(type);
    if (o) return o;
    const tier = typeTier(type);
    const nodes = samples === undefined ? [] : typeof samples === 'number' ? [samples] : samples.slice(0, 8);
    let code: ReturnType<typeof codeOrigin> = 'unknown';
    if (tier !== 1 && !type.startsWith('(')) {
      for (const node of nodes) {
        code = classOrigin(g, node);
        if (code !== 'unknown') break;
      }
    }
    // Where the class is defined decides (a library's `Window` is not the browser's); without a location, the name.
    o = tier === 1 ? 'shape' : code === 'user' ? 'user' : code === 'library' ? 'library' : code === 'node' || tier === 2 || isBuiltinName(type) ? 'runtime' : 'user';
    // A guess from the name alone is kept only after a few calls: a later one may bring an object whose class has a location.
    const tried = (tries.get(type) ?? 0) + nodes.length;
    tries.set(type, tried);
    if (code !== 'unknown' || tier === 1 || type.startsWith('(') || tried >= 32) known.set(type, o);
    return o;
  };
}
