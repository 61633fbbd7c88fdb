/**
 * Per-node type names, the same words `aggregateTypes` counts by (so "Session" here and in the
 * Summary mean the same objects), and short node labels for retainer paths.
 */
import type { HeapGraph } from '../heap/graph';
import { nodeTypeRule, ShapeNames } from './typeNames';

/** The type name of one node: `(closure)`, `Session`, `{a, b}`, `(system)`, … (synthetic nodes: their own name). */
export type TypeNamer = (node: number) => string;

/** A type namer for a graph, with per-name caches (no per-node objects); `shapes`: the graph's plain-object names. */
export function makeTypeNamer(g: HeapGraph, shapes: ShapeNames = new ShapeNames(g)): TypeNamer {
  const rules = g.nodeTypeNames.map(nodeTypeRule);
  return (v: number) => {
    const rule = rules[g.nodeType[v]];
    if (rule.kind === 'fixed') return rule.name;
    const name = g.strings[g.nodeName[v]] ?? '';
    if (rule.kind === 'skip' || name !== 'Object') return name;
    return shapes.nameOf(v);
  };
}

/**
 * Marks the nodes of the given types in one pass: `member[v]` = 1 + index of v's type in `types`
 * (0 = none). Plain-object shapes are only computed when a `{…}` type is asked for.
 */
export function markTypes(g: HeapGraph, types: string[], typeOf: TypeNamer): Uint8Array {
  const member = new Uint8Array(g.nodeCount);
  const wanted = new Map(types.map((t, i) => [t, i + 1]));
  const wantShapes = types.some((t) => t.startsWith('{') || t === 'Object');
  const rules = g.nodeTypeNames.map(nodeTypeRule);
  const fixed = rules.map((r) => (r.kind === 'fixed' ? (wanted.get(r.name) ?? 0) : -1));
  const byName = new Int16Array(g.strings.length).fill(-1);
  for (let v = 1; v < g.nodeCount; v++) {
    const f = fixed[g.nodeType[v]];
    if (f >= 0) {
      member[v] = f;
      continue;
    }
    const ni = g.nodeName[v];
    let m = byName[ni];
    if (m < 0) {
      const name = g.strings[ni] ?? '';
      m = name === 'Object' && wantShapes ? 255 : (wanted.get(name) ?? 0);
      byName[ni] = m;
    }
    member[v] = m === 255 ? (wanted.get(typeOf(v)) ?? 0) : m;
  }
  return member;
}

/** Whether a node is a V8 container that a reader should look through (backing stores, tables, contexts' internals). */
export function isContainer(g: HeapGraph, v: number, nodeArray: number, nodeHidden: number): boolean {
  const t = g.nodeType[v];
  if (t === nodeArray || t === nodeHidden) return true;
  const name = g.strings[g.nodeName[v]] ?? '';
  return name.startsWith('system / ') && name !== 'system / Context';
}
