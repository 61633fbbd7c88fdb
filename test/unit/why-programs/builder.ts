/** A tiny HeapGraph builder for hand-made test graphs (node 0 is the synthetic root). */
import type { HeapGraph } from '../../../src/core/heap/graph';

export const NODE_TYPES = ['hidden', 'array', 'string', 'object', 'code', 'closure', 'regexp', 'number', 'native', 'synthetic', 'concatenated string', 'sliced string', 'symbol', 'bigint', 'object shape'];
export const EDGE_TYPES = ['context', 'element', 'property', 'internal', 'hidden', 'shortcut', 'weak'];

interface NodeSpec { type: string; name: string; id: number; size: number; trace: number }
interface EdgeSpec { from: number; type: string; name: string | number; to: number }

export class GraphBuilder {
  readonly nodes: NodeSpec[] = [];
  readonly edges: EdgeSpec[] = [];
  readonly locations: { node: number; script: number; line: number; column: number }[] = [];
  private nextId = 1;
  constructor() {
    this.node('synthetic', '', 0);
  }
  /** Adds a node; returns its ordinal. Ids grow with creation order unless given. */
  node(type: string, name: string, size = 16, id?: number, trace = 0): number {
    this.nodes.push({ type, name, id: id ?? this.nextId, size, trace });
    this.nextId = Math.max(this.nextId, id ?? this.nextId) + 2;
    return this.nodes.length - 1;
  }
  obj(name: string, size = 16, id?: number): number {
    return this.node('object', name, size, id);
  }
  edge(from: number, type: string, name: string | number, to: number): this {
    this.edges.push({ from, type, name, to });
    return this;
  }
  prop(from: number, name: string, to: number): this {
    return this.edge(from, 'property', name, to);
  }
  build(traces?: HeapGraph['traces']): HeapGraph {
    const strings: string[] = [];
    const index = new Map<string, number>();
    const str = (s: string) => {
      let i = index.get(s);
      if (i === undefined) {
        i = strings.length;
        strings.push(s);
        index.set(s, i);
      }
      return i;
    };
    str('');
    const n = this.nodes.length;
    const sorted = this.edges.map((e, i) => ({ ...e, i })).sort((a, b) => a.from - b.from || a.i - b.i);
    const firstEdge = new Uint32Array(n + 1);
    for (const e of sorted) firstEdge[e.from + 1]++;
    for (let i = 0; i < n; i++) firstEdge[i + 1] += firstEdge[i];
    const m = sorted.length;
    const edgeType = new Uint8Array(m);
    const edgeNameOrIndex = new Uint32Array(m);
    const edgeTo = new Uint32Array(m);
    sorted.forEach((e, j) => {
      edgeType[j] = EDGE_TYPES.indexOf(e.type);
      edgeNameOrIndex[j] = typeof e.name === 'number' ? e.name : str(e.name);
      edgeTo[j] = e.to;
    });
    let totalSize = 0;
    const g: HeapGraph = {
      nodeCount: n,
      edgeCount: m,
      nodeType: Uint8Array.from(this.nodes, (x) => NODE_TYPES.indexOf(x.type)),
      nodeName: Uint32Array.from(this.nodes, (x) => str(x.name)),
      nodeId: Uint32Array.from(this.nodes, (x) => x.id),
      nodeSelfSize: Uint32Array.from(this.nodes, (x) => ((totalSize += x.size), x.size)),
      nodeTraceId: Uint32Array.from(this.nodes, (x) => x.trace),
      nodeDetachedness: new Uint8Array(n),
      firstEdge,
      edgeType,
      edgeNameOrIndex,
      edgeTo,
      strings,
      nodeTypeNames: NODE_TYPES,
      edgeTypeNames: EDGE_TYPES,
      locations: {
        count: this.locations.length,
        node: Uint32Array.from(this.locations, (l) => l.node),
        scriptId: Uint32Array.from(this.locations, (l) => l.script),
        line: Uint32Array.from(this.locations, (l) => l.line),
        column: Uint32Array.from(this.locations, (l) => l.column),
      },
      traces,
      totalSize,
    };
    return g;
  }
}
