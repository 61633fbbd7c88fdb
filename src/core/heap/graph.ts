/**
 * The compact heap graph that the streaming parser builds from a `.heapsnapshot`: typed arrays for
 * node fields, CSR edges, and the string table. Nodes are addressed by ordinal (0..nodeCount-1),
 * never by V8's `node index × field count`. Node 0 is the synthetic root, as in V8's snapshots.
 */
export interface HeapGraph {
  readonly nodeCount: number;
  readonly edgeCount: number;
  /** Per node: index into `nodeTypeNames` ("hidden", "array", "string", "object", "closure", …). */
  readonly nodeType: Uint8Array;
  /** Per node: index into `strings`. */
  readonly nodeName: Uint32Array;
  /** Per node: V8's object id (stable across snapshots of one process; new objects get larger ids). */
  readonly nodeId: Uint32Array;
  /** Per node: shallow size in bytes (clamped to 2^32-1). */
  readonly nodeSelfSize: Uint32Array;
  /** Per node: allocation trace node id (0 = none; present when allocation tracking was on). */
  readonly nodeTraceId: Uint32Array;
  /** Per node: V8's detachedness (0 unknown, 1 attached, 2 detached); zeros when absent. */
  readonly nodeDetachedness: Uint8Array;
  /** CSR: the edges of node i are firstEdge[i] .. firstEdge[i + 1] - 1. Length nodeCount + 1. */
  readonly firstEdge: Uint32Array;
  /** Per edge: index into `edgeTypeNames` ("context", "element", "property", "internal", "hidden", "shortcut", "weak"). */
  readonly edgeType: Uint8Array;
  /** Per edge: string index for named edges; the element index for "element" and "hidden" edges. */
  readonly edgeNameOrIndex: Uint32Array;
  /** Per edge: target node ordinal. */
  readonly edgeTo: Uint32Array;
  /** The snapshot's string table. */
  readonly strings: string[];
  /** `meta.node_types[0]`: the names of node types, by index. */
  readonly nodeTypeNames: readonly string[];
  /** `meta.edge_types[0]`: the names of edge types, by index. */
  readonly edgeTypeNames: readonly string[];
  /** `locations`: where functions/classes were defined (0-based line and column, as V8 writes them). */
  readonly locations: SnapshotLocations;
  /** `trace_function_infos` + `trace_tree`, present when allocation tracking was on. */
  readonly traces?: AllocationTraces;
  /** Total shallow bytes of all nodes. */
  readonly totalSize: number;
}

export interface SnapshotLocations {
  readonly count: number;
  /** Node ordinal of the function/object the location belongs to. */
  readonly node: Uint32Array;
  readonly scriptId: Uint32Array;
  /** 0-based. */
  readonly line: Uint32Array;
  /** 0-based. */
  readonly column: Uint32Array;
}

/** The allocation-tracking call tree, flattened in pre-order. */
export interface AllocationTraces {
  /** Functions: names and script positions, by function-info index. */
  readonly functionCount: number;
  readonly functionName: Uint32Array; // string index
  readonly functionScriptName: Uint32Array; // string index
  readonly functionScriptId: Uint32Array;
  /** 1-based as V8 writes them; 0 = unknown. */
  readonly functionLine: Uint32Array;
  /** 1-based as V8 writes them; 0 = unknown. */
  readonly functionColumn: Uint32Array;
  /** Trace tree nodes in pre-order. */
  readonly traceCount: number;
  readonly traceId: Uint32Array;
  readonly traceFunction: Uint32Array; // function-info index
  /** Index (into these trace arrays) of the parent trace node; -1 for the root. */
  readonly traceParent: Int32Array;
}

/** Field order facts read from `snapshot.meta`, never assumed. */
export interface SnapshotMeta {
  node_fields: string[];
  node_types: unknown[];
  edge_fields: string[];
  edge_types: unknown[];
  trace_function_info_fields?: string[];
  trace_node_fields?: string[];
  sample_fields?: string[];
  location_fields?: string[];
}

/** Helpers that read a graph in the problem's words. */
export function nodeTypeName(g: HeapGraph, node: number): string {
  return g.nodeTypeNames[g.nodeType[node]] ?? 'unknown';
}

/** The name of an edge: its property name, or `[index]` for elements and hidden edges. */
export function edgeName(g: HeapGraph, edge: number): string {
  const t = g.edgeTypeNames[g.edgeType[edge]];
  if (t === 'element' || t === 'hidden') return `[${g.edgeNameOrIndex[edge]}]`;
  return g.strings[g.edgeNameOrIndex[edge]] ?? '';
}
