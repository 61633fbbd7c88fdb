import type { HeapGraph } from '../heap/graph';
import type { TypeStat } from '../report';
import { nodeTypeRule, ShapeNames } from './typeNames';

/**
 * Per-type totals of one snapshot (DevTools' Summary), in one pass over the graph's typed arrays.
 *
 * Naming: objects and natives by their constructor/native name; plain objects (`Object`) by their
 * own named properties, `{a, b, c}`, as DevTools does, so that `Object` does not hide everything
 * (objects with more than `MAX_SHAPE_PROPERTIES` properties are dictionaries and stay `Object`);
 * the rest `(closure)`, `(string)` (also concatenated and sliced strings), `(array)`, `(compiled code)`,
 * `(system)`, `(number)`, `(regexp)`, … by V8 node type.
 * Synthetic nodes (the root, `(GC roots)` and its children, C++ roots) are skipped.
 *
 * Birth: V8 gives heap objects odd ids that only grow; embedder ("native") nodes get even ids
 * made from addresses, neither ordered nor stable, so they count in `count`/`bytes` but are never
 * `new` and belong to no cohort. `watermarks` must be increasing (restart them after an id reset).
 */
export function aggregateTypes(graph: HeapGraph, watermarks: number[], previousMaxId: number, shapes: ShapeNames = new ShapeNames(graph)): TypeStat[] {
  const rules = graph.nodeTypeNames.map(nodeTypeRule);
  const w = watermarks.length;
  const cohortWidth = w + 1;
  const marks = Float64Array.from(watermarks);

  const names: string[] = [];
  const classOf = new Map<string, number>();
  const classFor = (name: string): number => {
    let c = classOf.get(name);
    if (c === undefined) {
      c = names.length;
      names.push(name);
      classOf.set(name, c);
    }
    return c;
  };
  // Fixed names per node type; -1 = by name, -2 = skipped.
  const typeClass = rules.map((r) => (r.kind === 'fixed' ? classFor(r.name) : r.kind === 'skip' ? -2 : -1));
  // Class by string index for named nodes; -1 unknown yet, -2 plain `Object` (named by its shape).
  const nameClass = new Int32Array(graph.strings.length).fill(-1);

  let capacity = 1024;
  let count = new Float64Array(capacity);
  let bytes = new Float64Array(capacity);
  let newCount = new Float64Array(capacity);
  let newBytes = new Float64Array(capacity);
  let cohorts = new Float64Array(capacity * cohortWidth);
  const grow = (need: number) => {
    while (capacity <= need) capacity *= 2;
    const widen = (a: Float64Array, width = 1) => {
      const b = new Float64Array(capacity * width);
      b.set(a);
      return b;
    };
    count = widen(count);
    bytes = widen(bytes);
    newCount = widen(newCount);
    newBytes = widen(newBytes);
    cohorts = widen(cohorts, cohortWidth);
  };

  const { nodeType, nodeName, nodeId, nodeSelfSize, strings } = graph;
  for (let i = 0; i < graph.nodeCount; i++) {
    let c = typeClass[nodeType[i]];
    if (c === -2) continue;
    if (c === -1) {
      const nameIndex = nodeName[i];
      c = nameClass[nameIndex];
      if (c === -1) {
        const name = strings[nameIndex] ?? '';
        c = name === 'Object' ? -2 : classFor(name);
        nameClass[nameIndex] = c;
      }
      if (c === -2) c = classFor(shapes.nameOf(i));
    }
    if (c >= capacity) grow(c);
    const size = nodeSelfSize[i];
    count[c]++;
    bytes[c] += size;
    const id = nodeId[i];
    if ((id & 1) === 0) continue; // embedder node: no birth order
    if (id > previousMaxId) {
      newCount[c]++;
      newBytes[c] += size;
    }
    cohorts[c * cohortWidth + cohortOf(marks, id)]++;
  }

  const out: TypeStat[] = [];
  for (let c = 0; c < names.length; c++) {
    if (c >= capacity || count[c] === 0) continue;
    out.push({
      name: names[c],
      count: count[c],
      bytes: bytes[c],
      newCount: newCount[c],
      newBytes: newBytes[c],
      cohorts: Array.from(cohorts.subarray(c * cohortWidth, (c + 1) * cohortWidth)),
    });
  }
  return out.sort((a, b) => b.bytes - a.bytes || b.count - a.count || (a.name < b.name ? -1 : 1));
}

/** The largest V8 heap-object id in a snapshot (odd ids only: embedder nodes' even ids are addresses, not a sequence). */
export function maxObjectId(graph: HeapGraph): number {
  let max = 0;
  const ids = graph.nodeId;
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i];
    if (id & 1 && id > max) max = id;
  }
  return max;
}

/** Index of the first watermark ≥ id (ids ≤ marks[0] → 0; above every mark → marks.length). */
export function cohortOf(marks: ArrayLike<number>, id: number): number {
  let lo = 0;
  let hi = marks.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (marks[mid] < id) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
