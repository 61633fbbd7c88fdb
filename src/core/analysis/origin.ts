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

/** The node whose location names an object's class: the object itself, its own `constructor` (a prototype), or its prototype's. */
function classNode(g: HeapGraph, node: number): number {
  if (nodeLocation(g, node)) return node;
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

/** A namer of type origins for a graph: a class is `user` unless its objects' constructor lives in a library or in Node. */
export function typeOrigin(g: HeapGraph): (type: string, sample?: number) => KeptType['origin'] {
  const known = new Map<string, KeptType['origin']>();
  return (type, sample) => {
    let o = known.get(type);
    if (o) return o;
    const tier = typeTier(type);
    const code = tier === 1 || type.startsWith('(') || sample === undefined ? 'unknown' : classOrigin(g, sample);
    // Where the class is defined decides (a library's `Window` is not the browser's); without a location, the name.
    o = tier === 1 ? 'shape' : code === 'user' ? 'user' : code === 'library' ? 'library' : code === 'node' || tier === 2 || isBuiltinName(type) ? 'runtime' : 'user';
    known.set(type, o);
    return o;
  };
}
