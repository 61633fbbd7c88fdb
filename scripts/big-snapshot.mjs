#!/usr/bin/env node
// Writes a large, valid, deterministic V8 heap snapshot file by streaming, for the tests of the
// memory limits (a 1 GB-class snapshot). A real one of that size takes V8 minutes to write (a 600 MB
// snapshot of a real Node heap took 78 s of CPU, 5 min of wall time on a loaded machine), so this
// writes the same format directly: the header with V8's meta, then the nodes, edges and strings,
// in ~1 MB pieces, never holding the file in memory.
//   node scripts/big-snapshot.mjs <out.heapsnapshot> <target MB>
// Prints one line of JSON: { file, bytes, units, nodes, edges, ms }.
//
// The heap: root → (GC roots) → global; global.records → Array → (object elements) → every
// BigRecord; each BigRecord has a label (a string shared by 1 in 1000 records), `parent` (the
// previous record: a long chain, deep retainer paths) and `tags` (an elements array pointing at the
// label and back at its record). Three nodes and six edges per record; ids are V8's odd ones.
import { closeSync, openSync, renameSync, statSync, writeSync } from 'node:fs';

const NODE_FIELDS = ['type', 'name', 'id', 'self_size', 'edge_count', 'trace_node_id', 'detachedness'];
const NODE_TYPES = ['hidden', 'array', 'string', 'object', 'code', 'closure', 'regexp', 'number', 'native', 'synthetic', 'concatenated string', 'sliced string', 'symbol', 'bigint', 'object shape'];
const EDGE_TYPES = ['context', 'element', 'property', 'internal', 'hidden', 'shortcut', 'weak'];
const T = Object.fromEntries(NODE_TYPES.map((t, k) => [t, k]));
const E = Object.fromEntries(EDGE_TYPES.map((t, k) => [t, k]));
const NF = NODE_FIELDS.length;

const FIXED_STRINGS = ['', '(GC roots)', 'global', 'records', 'Array', 'elements', '(object elements)', 'BigRecord', 'label', 'parent', 'tags'];
const S = Object.fromEntries(FIXED_STRINGS.map((s, k) => [s, k]));
const LABELS = 1000;
/** Bytes of snapshot text per record, measured on this layout (used to pick the record count). */
const BYTES_PER_UNIT = 162;
const HEAD_NODES = 5; // root, (GC roots), global, records Array, its (object elements)

export function generateBigSnapshot(out, targetBytes) {
  const started = performance.now();
  const units = Math.max(1, Math.round(targetBytes / BYTES_PER_UNIT));
  const nodeCount = HEAD_NODES + 3 * units;
  // root 2, (GC roots) 1, global 1, Array 1, elements `units`; per record 3 + 2.
  const edgeCount = 5 + units + 5 * units;
  const record = (k) => HEAD_NODES + 3 * k; // node index of record k; its label string +1, its tags +2
  const id = (n) => (n === 0 ? 1 : 2 * n + 3);
  const partial = `${out}.partial-${process.pid}`;
  const fd = openSync(partial, 'w');
  let piece = '';
  const flush = (force = false) => {
    if (piece.length >= 1 << 20 || (force && piece)) {
      writeSync(fd, piece);
      piece = '';
    }
  };
  const meta = {
    node_fields: NODE_FIELDS,
    node_types: [NODE_TYPES, 'string', 'number', 'number', 'number', 'number', 'number'],
    edge_fields: ['type', 'name_or_index', 'to_node'],
    edge_types: [EDGE_TYPES, 'string_or_number', 'node'],
    trace_function_info_fields: ['function_id', 'name', 'script_name', 'script_id', 'line', 'column'],
    trace_node_fields: ['id', 'function_info_index', 'count', 'size', 'children'],
    sample_fields: ['timestamp_us', 'last_assigned_id'],
    location_fields: ['object_index', 'script_id', 'line', 'column'],
  };
  piece += `{"snapshot":{"meta":${JSON.stringify(meta)},"node_count":${nodeCount},"edge_count":${edgeCount},"trace_function_count":0},\n"nodes":[`;
  let first = true;
  const node = (type, name, n, size, edges) => {
    piece += `${first ? '' : ',\n'}${type},${name},${id(n)},${size},${edges},0,0`;
    first = false;
  };
  node(T.synthetic, S[''], 0, 0, 2);
  node(T.synthetic, S['(GC roots)'], 1, 0, 1);
  node(T.object, S.global, 2, 64, 1);
  node(T.object, S.Array, 3, 32, 1);
  node(T.array, S['(object elements)'], 4, 16 + 8 * units, units);
  for (let k = 0; k < units; k++) {
    node(T.object, S.BigRecord, record(k), 40, 3);
    node(T.string, FIXED_STRINGS.length + (k % LABELS), record(k) + 1, 48, 0);
    node(T.array, S['(object elements)'], record(k) + 2, 32, 2);
    flush();
  }
  piece += '],\n"edges":[';
  first = true;
  const edge = (type, nameOrIndex, to) => {
    piece += `${first ? '' : ',\n'}${type},${nameOrIndex},${to * NF}`;
    first = false;
  };
  edge(E.element, 1, 1); // root → (GC roots)
  edge(E.element, 2, 2); // root → global
  edge(E.element, 1, 2); // (GC roots) → global
  edge(E.property, S.records, 3);
  edge(E.internal, S.elements, 4);
  for (let k = 0; k < units; k++) {
    edge(E.element, k, record(k));
    flush();
  }
  for (let k = 0; k < units; k++) {
    const r = record(k);
    edge(E.property, S.label, r + 1);
    edge(E.property, S.parent, k === 0 ? 2 : record(k - 1));
    edge(E.property, S.tags, r + 2);
    edge(E.element, 0, r + 1);
    edge(E.element, 1, r);
    flush();
  }
  const labels = Array.from({ length: LABELS }, (_, j) => `label ${j} of the big snapshot`);
  piece += `],\n"trace_function_infos":[],\n"trace_tree":[],\n"samples":[],\n"locations":[],\n"strings":${JSON.stringify([...FIXED_STRINGS, ...labels])}}\n`;
  flush(true);
  closeSync(fd);
  renameSync(partial, out);
  return { file: out, bytes: statSync(out).size, units, nodes: nodeCount, edges: edgeCount, ms: Math.round(performance.now() - started) };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [out, mb] = process.argv.slice(2);
  if (!out || !(Number(mb) > 0)) {
    console.error('usage: node scripts/big-snapshot.mjs <out.heapsnapshot> <target MB>');
    process.exit(2);
  }
  console.log(JSON.stringify(generateBigSnapshot(out, Number(mb) * 1e6)));
}
