// The number tables ("nodes", "edges", "locations", the trace's function infos) as columns: the
// numbers staged in file order are spread into typed-array columns row by row, and edge targets
// become node ordinals as the rows arrive.
import type { GrowableColumns } from './columns';
import type { SnapshotMeta } from './graph';
import { corrupt } from './errors';

export type ColumnCtor = typeof Uint8Array | typeof Uint32Array | typeof Int32Array;

// The small columns are bytes from the start (no wide copy to narrow later, fewer fresh pages to
// fault in); the rest are Uint32Array. The hot loop stores through `bytes`/`words`, one kind each.
export const NODE_COLUMN_TYPES: Record<string, ColumnCtor> = { type: Uint8Array, detachedness: Uint8Array };
export const EDGE_COLUMN_TYPES: Record<string, ColumnCtor> = { type: Uint8Array };

/** Numbers staged before they are spread into columns: a multiple of 3 and 7 fields, small enough to stay in cache. */
export const STAGE_SIZE = 3 * 7 * 8192;

/** Moves the whole rows of `stage[0, count)` into the table's columns; returns how many numbers are left (the start of a row). */
export function flushStage(stage: Uint32Array, count: number, table: GrowableColumns): number {
  const width = table.width;
  const rows = (count / width) | 0;
  while (table.length + rows > table.capacity) table.grow();
  spreadRows(stage, 0, rows, table, table.length);
  table.length += rows;
  const used = rows * width;
  stage.copyWithin(0, used, count);
  return count - used;
}

/** `rows` whole rows of a flat table, from `stage[from]` on, into the table's columns from row `row0` on (zeros not written). */
export function spreadRows(stage: Uint32Array, from: number, rows: number, table: GrowableColumns, row0: number): void {
  const width = table.width;
  for (let c = 0; c < width; c++) {
    if (table.isByte[c] === 1) spreadBytes(stage, from + c, width, rows, table.bytes[c], row0);
    else spreadWords(stage, from + c, width, rows, table.words[c], row0);
  }
}

// Zeros are not stored: new typed arrays are zeroed already, and a page only ever written zeros is
// never touched, so all-zero columns (trace_node_id without allocation tracking, detachedness) cost
// no memory. Every column is fresh (`GrowableColumns` copies into new arrays when it grows).
function spreadBytes(stage: Uint32Array, first: number, width: number, rows: number, column: Uint8Array, row0: number): void {
  for (let r = 0, x = first; r < rows; r++, x += width) {
    const v = stage[x];
    if (v !== 0) column[row0 + r] = v;
  }
}

function spreadWords(stage: Uint32Array, first: number, width: number, rows: number, column: Uint32Array, row0: number): void {
  for (let r = 0, x = first; r < rows; r++, x += width) {
    const v = stage[x];
    if (v !== 0) column[row0 + r] = v;
  }
}

/** Per edge type: 1 when its name_or_index is an index (element, hidden, and types the meta does not name), 0 for a string. */
export function indexedEdgeTypes(meta: SnapshotMeta): Uint8Array {
  const indexed = new Uint8Array(256).fill(1);
  ((meta.edge_types[0] as string[]) ?? []).forEach((t, k) => (indexed[k] = t === 'element' || t === 'hidden' ? 1 : 0));
  return indexed;
}

/**
 * Edge rows [from, to) of `edges`: each target turns from a node index into a node ordinal
 * (checked against the `nodeRows` there are). Returns the largest string index a named edge
 * holds (`maxName` or more).
 */
export function convertEdgeRows(edges: GrowableColumns, nodeFieldCount: number, nodeRows: number, indexed: Uint8Array, from: number, to: number, maxName: number): number {
  const limit = nodeRows * nodeFieldCount;
  const edgeTo = edges.words[edges.indexOf('to_node')];
  const names = edges.words[edges.indexOf('name_or_index')];
  const types = edges.bytes[edges.indexOf('type')];
  for (let e = from; e < to; e++) {
    const target = edgeTo[e];
    const ordinal = (target / nodeFieldCount) >>> 0;
    if (target >= limit || ordinal * nodeFieldCount !== target) throw corrupt(`edge ${e} points at node index ${target}, outside "nodes"`);
    edgeTo[e] = ordinal;
    if (indexed[types[e]] === 0 && names[e] > maxName) maxName = names[e];
  }
  return maxName;
}

/** The column types of the "edges" table: bytes for the edge type, words for the rest. */
export function edgeColumnTypes(meta: SnapshotMeta): (typeof Uint8Array | typeof Uint32Array)[] {
  return meta.edge_fields.map((f) => (EDGE_COLUMN_TYPES[f] ?? Uint32Array) as typeof Uint8Array | typeof Uint32Array);
}
