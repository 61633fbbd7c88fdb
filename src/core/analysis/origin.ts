/**
 * Whose code a node or a type comes from: the program's own, a library's (`node_modules`), or
 * Node's and V8's. Read from the snapshot alone: a function's or object's location names its
 * script (see `scriptNames`).
 */
import type { HeapGraph } from '../snapshot/graph';
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

/** A namer of type origins for a graph: a class is `user` unless its objects' constructor lives in a library or in Node. */
export function typeOrigin(g: HeapGraph): (type: string, sample?: number) => KeptType['origin'] {
  const known = new Map<string, KeptType['origin']>();
  return (type, sample) => {
    let o = known.get(type);
    if (o) return o;
    const tier = typeTier(type);
    const code = tier === 1 || type.startsWith('(') || sample === undefined ? 'unknown' : codeOrigin(g, sample);
    // Where the class is defined decides (a library's `Window` is not the browser's); without a location, the name.
    o = tier === 1 ? 'shape' : code === 'user' ? 'user' : code === 'library' ? 'library' : code === 'node' || tier === 2 ? 'runtime' : 'user';
    known.set(type, o);
    return o;
  };
}
