// The graph put together from the tables a parse read: the nodes' CSR offsets, the edges, the
// string table, locations and allocation traces, checked against each other.
import { ArrayRecycler, GrowableColumns, sharedArray } from './columns';
import { corrupt } from './errors';
import type { AllocationTraces, HeapGraph, SnapshotLocations, SnapshotMeta } from './graph';

/** What the nodes say once "nodes" has ended. */
export interface NodeSummary {
  /** The CSR offsets of the edges, n + 1 of them. */
  firstEdge: Uint32Array;
  /** The largest string index a node names (checked against the strings at the end). */
  maxName: number;
  totalSize: number;
}

/**
 * The CSR offsets, the total size and the largest string index a node names. The offsets overwrite
 * the counts in place when the column has room for one more row (it is sized so): no fresh n + 1
 * words; edge_count is read nowhere else.
 */
export function summarizeNodes(nodes: GrowableColumns, recycler?: ArrayRecycler): NodeSummary {
  const n = nodes.length;
  const counts = nodes.column('edge_count') as Uint32Array;
  const names = nodes.column('name') as Uint32Array;
  const self = nodes.column('self_size') as Uint32Array;
  // The offsets overwrite the counts in place when the column has room for one more row (it is
  // sized so): no fresh n + 1 words. edge_count is read nowhere else.
  const raw = nodes.words[nodes.indexOf('edge_count')];
  const firstEdge =
    raw.length > n ? raw.subarray(0, n + 1) : recycler ? recycler.take<Uint32Array>(Uint32Array, n + 1) : sharedArray<Uint32Array>(Uint32Array, n + 1);
  let sum = 0;
  let maxName = -1;
  let totalSize = 0;
  for (let i = 0; i < n; i++) {
    const count = counts[i];
    firstEdge[i] = sum;
    sum += count;
    if (names[i] > maxName) maxName = names[i];
    totalSize += self[i];
  }
  firstEdge[n] = sum;
  return { firstEdge, maxName, totalSize };
}

/** The tables a parse read, for `assembleGraph`. */
export interface ReadTables {
  meta: SnapshotMeta;
  nodes: GrowableColumns;
  edges: GrowableColumns;
  strings: string[];
  /** The nodes' summary (made now if "nodes" did not come first). */
  summary(): NodeSummary;
  /** Converts the edges not converted while streaming; their largest string index, and which edge types are indexed. */
  convertedEdges(): { maxEdgeName: number; indexed: Uint8Array };
  locations: GrowableColumns | null;
  functionInfos: GrowableColumns | null;
  trace: GrowableColumns | null;
}

/** Puts the tables read together as a graph, checking that they agree (node and edge counts, string indices, edge targets). */
export function assembleGraph(t: ReadTables): HeapGraph {
  const { meta, nodes, edges } = t;
  if (nodes.col !== 0) throw corrupt(`"nodes" holds ${nodes.total} numbers, not a multiple of ${meta.node_fields.length} fields`);
  if (edges.col !== 0) throw corrupt(`"edges" holds ${edges.total} numbers, not a multiple of ${meta.edge_fields.length} fields`);
  const nodeCount = nodes.length;
  const edgeCount = edges.length;
  const nodeFieldCount = meta.node_fields.length;
  const strings = t.strings;
  const stringCount = strings.length;

  const { firstEdge, maxName, totalSize } = t.summary();
  if (firstEdge[nodeCount] !== edgeCount) throw corrupt(`the nodes declare ${firstEdge[nodeCount]} edges but "edges" holds ${edgeCount}`);
  const nodeName = nodes.column('name') as Uint32Array;
  if (maxName >= stringCount) {
    const n = nodeName.findIndex((name) => name >= stringCount);
    throw corrupt(`node ${n} names string ${nodeName[n]}, but there are ${stringCount} strings`);
  }
  const { maxEdgeName, indexed } = t.convertedEdges();
  const edgeTo = edges.column('to_node') as Uint32Array;
  const edgeType = edges.column('type') as Uint8Array;
  const edgeNameOrIndex = edges.column('name_or_index') as Uint32Array;
  if (maxEdgeName >= stringCount) {
    const e = edgeNameOrIndex.findIndex((name, k) => indexed[edgeType[k]] === 0 && name >= stringCount);
    throw corrupt(`edge ${e} names string ${edgeNameOrIndex[e]}, but there are ${stringCount} strings`);
  }

  const detachedness = nodes.columnOrNull('detachedness');
  const graph: HeapGraph = {
    nodeCount,
    edgeCount,
    nodeType: nodes.column('type') as Uint8Array,
    nodeName,
    nodeId: nodes.column('id') as Uint32Array,
    nodeSelfSize: nodes.column('self_size') as Uint32Array,
    nodeTraceId: (nodes.columnOrNull('trace_node_id') as Uint32Array | null) ?? new Uint32Array(nodeCount),
    nodeDetachedness: (detachedness as Uint8Array | null) ?? new Uint8Array(nodeCount),
    firstEdge,
    edgeType,
    edgeNameOrIndex,
    edgeTo,
    strings,
    nodeTypeNames: (meta.node_types[0] as string[]) ?? [],
    edgeTypeNames: (meta.edge_types[0] as string[]) ?? [],
    locations: locationsOf(t.locations, nodeFieldCount, nodeCount),
    traces: tracesOf(t.functionInfos, t.trace),
    totalSize,
  };
  return graph;
}

/** The `locations` table, node indices turned into ordinals (checked). */
function locationsOf(loc: GrowableColumns | null, nodeFieldCount: number, nodeCount: number): SnapshotLocations {
  if (!loc) {
    const empty = new Uint32Array(0);
    return { count: 0, node: empty, scriptId: empty, line: empty, column: empty };
  }
  const node = loc.column('object_index') as Uint32Array;
  for (let k = 0; k < loc.length; k++) {
    node[k] = node[k] / nodeFieldCount;
    if (node[k] >= nodeCount) throw corrupt(`location ${k} points outside "nodes"`);
  }
  return {
    count: loc.length,
    node,
    scriptId: loc.column('script_id') as Uint32Array,
    line: loc.column('line') as Uint32Array,
    column: loc.column('column') as Uint32Array,
  };
}

/** The allocation traces, when the snapshot has them. */
function tracesOf(fi: GrowableColumns | null, tr: GrowableColumns | null): AllocationTraces | undefined {
  if (!fi || !tr || fi.length === 0 || tr.length === 0) return undefined;
  return {
    functionCount: fi.length,
    functionName: fi.column('name') as Uint32Array,
    functionScriptName: fi.column('script_name') as Uint32Array,
    functionScriptId: fi.column('script_id') as Uint32Array,
    functionLine: fi.column('line') as Uint32Array,
    functionColumn: fi.column('column') as Uint32Array,
    traceCount: tr.length,
    traceId: tr.column('id') as Uint32Array,
    traceFunction: tr.column('function_info_index') as Uint32Array,
    traceParent: tr.column('parent') as Int32Array,
  };
}
