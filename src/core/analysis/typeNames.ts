import type { HeapGraph } from '../heap/graph';

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


const UNSEEN = 0;
const KEY = 1;
const NOT_KEY = 2;

/**
 * The names of one graph's plain objects, each distinct shape's built once: a trie over the string
 * indices of the property names ends at the shape's name, so naming an object walks its edges and
 * allocates nothing (a heap of a million parsed records has a few shapes, not a million strings).
 * One per graph, shared by the aggregation and the type namer (`GraphAnalysis.shapes`).
 */
export class ShapeNames {
  /** Per string index: whether it names a property that counts (not `__proto__`, not a symbol). */
  private readonly keyKind: Uint8Array;
  /** Per trie node: its children by string index (made when the first one is). */
  private readonly children: (Map<number, number> | undefined)[] = [undefined];
  /** Per trie node: its parent and the string index that leads to it (the root's are -1). */
  private readonly parent: number[] = [-1];
  private readonly key: number[] = [-1];
  /** Per trie node: the shape's name, once asked for. */
  private readonly names: (string | undefined)[] = [undefined];

  private readonly propertyEdge: number;

  constructor(private readonly graph: HeapGraph) {
    this.propertyEdge = graph.edgeTypeNames.indexOf('property');
    this.keyKind = new Uint8Array(graph.strings.length);
  }

  /**
   * A plain object's name from its own named properties in V8's order, `{a, b, c}` (as DevTools
   * names them), or `Object` when it has none or more than `MAX_SHAPE_PROPERTIES`.
   */
  nameOf(node: number): string {
    const { edgeType, edgeNameOrIndex, firstEdge, strings } = this.graph;
    const keyKind = this.keyKind;
    let t = 0;
    let n = 0;
    for (let e = firstEdge[node], end = firstEdge[node + 1]; e < end; e++) {
      if (edgeType[e] !== this.propertyEdge) continue;
      const s = edgeNameOrIndex[e];
      let kind = s < keyKind.length ? keyKind[s] : NOT_KEY;
      if (kind === UNSEEN) {
        const text = strings[s];
        kind = keyKind[s] = text === undefined || text === '__proto__' || text.startsWith('<symbol') ? NOT_KEY : KEY;
      }
      if (kind === NOT_KEY) continue;
      if (++n > MAX_SHAPE_PROPERTIES) return 'Object';
      t = this.child(t, s);
    }
    return n === 0 ? 'Object' : (this.names[t] ?? this.nameTrieNode(t));
  }

  private child(t: number, s: number): number {
    let map = this.children[t];
    if (!map) this.children[t] = map = new Map();
    let c = map.get(s);
    if (c === undefined) {
      c = this.parent.length;
      map.set(s, c);
      this.children.push(undefined);
      this.parent.push(t);
      this.key.push(s);
      this.names.push(undefined);
    }
    return c;
  }

  private nameTrieNode(t: number): string {
    const keys: string[] = [];
    for (let u = t; u > 0; u = this.parent[u]) keys.push(this.graph.strings[this.key[u]]);
    return (this.names[t] = `{${keys.reverse().join(', ')}}`);
  }
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
