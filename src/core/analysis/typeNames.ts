import type { HeapGraph } from '../snapshot/graph';

/**
 * How heap nodes are grouped into types, in DevTools' Summary words, and which types are the
 * runtime's own (so that, among equal leaks, the program's classes are named first).
 */

/** What a node of one V8 node type is counted as: skipped, a fixed `(…)` name, or its own name. */
export type NodeTypeRule = { kind: 'skip' } | { kind: 'fixed'; name: string } | { kind: 'byName' };

const FIXED: Record<string, string> = {
  hidden: '(system)',
  array: '(array)',
  string: '(string)',
  code: '(compiled code)',
  closure: '(closure)',
  regexp: '(regexp)',
  number: '(number)',
  // One row for all strings: V8 flattens cons strings and slices in place, so separate rows would
  // trade objects between them from one sample to the next and fake growth in one of them.
  'concatenated string': '(string)',
  'sliced string': '(string)',
  symbol: '(symbol)',
  bigint: '(bigint)',
  'object shape': '(object shape)',
};

/** The rule for one of `meta.node_types[0]`: objects and natives by name, synthetic roots skipped, the rest `(type)`. */
export function nodeTypeRule(nodeType: string): NodeTypeRule {
  if (nodeType === 'synthetic') return { kind: 'skip' };
  if (nodeType === 'object' || nodeType === 'native') return { kind: 'byName' };
  return { kind: 'fixed', name: FIXED[nodeType] ?? `(${nodeType})` };
}

/** Plain objects with at most this many named properties are named by them (`{a, b}`); more make a dictionary, named `Object`. */
export const MAX_SHAPE_PROPERTIES = 8;

/**
 * A plain object's name from its own named properties in V8's order, `{a, b, c}` (as DevTools names
 * them), or `Object` when it has none or more than `MAX_SHAPE_PROPERTIES`. `propertyEdge` is the
 * index of "property" in `graph.edgeTypeNames`.
 */
export function plainObjectName(graph: HeapGraph, node: number, propertyEdge: number): string {
  const { edgeType, edgeNameOrIndex, strings } = graph;
  let shape = '';
  let n = 0;
  for (let e = graph.firstEdge[node], end = graph.firstEdge[node + 1]; e < end; e++) {
    if (edgeType[e] !== propertyEdge) continue;
    const key = strings[edgeNameOrIndex[e]];
    if (key === undefined || key === '__proto__' || key.startsWith('<symbol')) continue;
    if (++n > MAX_SHAPE_PROPERTIES) return 'Object';
    shape = n === 1 ? key : `${shape}, ${key}`;
  }
  return n === 0 ? 'Object' : `{${shape}}`;
}

/**
 * Types V8 or Node make on the program's behalf: backing stores and internals, built-in
 * constructors, and Node's own classes. A leak shows in them too, but as a consequence.
 */
const RUNTIME_TYPES = new Set([
  'Object', 'Array', 'Map', 'Set', 'WeakMap', 'WeakSet', 'WeakRef', 'FinalizationRegistry', 'Promise',
  'Function', 'Error', 'TypeError', 'RangeError', 'SyntaxError', 'Date', 'RegExp', 'ArrayBuffer',
  'SharedArrayBuffer', 'DataView', 'Uint8Array', 'Int8Array', 'Uint16Array', 'Int16Array', 'Uint32Array',
  'Int32Array', 'Float32Array', 'Float64Array', 'BigInt64Array', 'BigUint64Array', 'Uint8ClampedArray',
  'Buffer', 'FastBuffer', 'Arguments', 'Generator', 'AsyncGenerator', 'Iterator', 'Proxy', 'Symbol',
  'Number', 'String', 'Boolean', 'BigInt', 'global', 'Window', 'system', 'Context',
  // Node's own classes that a program's leak drags along.
  'Timeout', 'Immediate', 'TimersList', 'EventEmitter', 'AsyncResource', 'TickObject', 'PromiseWrap',
  'AbortController', 'AbortSignal', 'EventTarget', 'Event', 'TCP', 'Socket', 'Server', 'WriteWrap',
  'ShutdownWrap', 'FSReqCallback', 'Resource',
]);

/** How much a type name says about the program: 0 its own class, 1 a plain-object shape `{…}`, 2 the runtime's. */
export function typeTier(name: string): 0 | 1 | 2 {
  if (name.startsWith('{')) return 1;
  if (name.startsWith('(') || name.includes(' / ') || RUNTIME_TYPES.has(name)) return 2;
  return 0;
}

/** V8 internals (backing stores, code, maps, boxed numbers) that no program allocates by name. */
export function isInternalType(name: string): boolean {
  return (
    name === '(system)' ||
    name === '(array)' ||
    name === '(compiled code)' ||
    name === '(object shape)' ||
    name === '(number)' ||
    name.startsWith('system / ')
  );
}
