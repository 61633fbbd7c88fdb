// Whether two snapshots are of one process, judged by what their shared object ids name. V8 keeps
// an object's id for its life, so in one process an id names the same object (type and name) in
// every snapshot; another process (even of the same program) numbers its own objects, and many of
// the same ids name other objects there.
import type { HeapGraph } from '../heap/graph';

/** About how many objects a sample holds. */
const SAMPLE_SIZE = 4096;
/** Shared ids needed before judging. */
const MIN_SHARED = 200;
/** Below this share of shared ids naming the same object, the snapshots are of two processes. */
const MIN_SAME_SHARE = 0.97;

/** What a sample of a snapshot's object ids name, picked by a hash of the id (so another snapshot picks the same ids). */
export interface ObjectIdSample {
  /** An id is picked when its hash's top `bits` bits are zero. */
  readonly bits: number;
  /** Picked id → `type:name`. */
  readonly names: Map<number, string>;
}

/** The agreement of two snapshots' shared ids. */
export interface IdAgreement {
  /** Picked ids found in both. */
  shared: number;
  /** Of those, the ones naming another object (type or name). */
  differing: number;
  /** True when enough are shared and too many differ: the snapshots are of two processes. */
  otherProcess: boolean;
}

/** Picks about 4096 of the graph's objects by id and records what each names. */
export function sampleObjectIds(g: HeapGraph): ObjectIdSample {
  const bits = Math.max(0, Math.floor(Math.log2(g.nodeCount / SAMPLE_SIZE)));
  const names = new Map<number, string>();
  forPicked(g, bits, (n, id) => names.set(id, objectKey(g, n)));
  return { bits, names };
}

/** Compares what the ids of an earlier snapshot's sample name in `g`. */
export function compareObjectIds(before: ObjectIdSample, g: HeapGraph): IdAgreement {
  let shared = 0;
  let differing = 0;
  forPicked(g, before.bits, (n, id) => {
    const was = before.names.get(id);
    if (was === undefined) return;
    shared++;
    if (was !== objectKey(g, n)) differing++;
  });
  return { shared, differing, otherProcess: shared >= MIN_SHARED && shared - differing < MIN_SAME_SHARE * shared };
}

/** Calls `pick` for each heap object (odd id; even ids are the embedder's) whose id hashes into the sample; heap numbers are left out (their boxes change value). */
function forPicked(g: HeapGraph, bits: number, pick: (node: number, id: number) => void): void {
  const number = g.nodeTypeNames.indexOf('number');
  const shift = 32 - bits;
  for (let n = 1; n < g.nodeCount; n++) {
    const id = g.nodeId[n];
    if ((id & 1) === 0 || g.nodeType[n] === number) continue;
    if (bits > 0 && Math.imul(id, 0x9e3779b1) >>> shift !== 0) continue;
    pick(n, id);
  }
}

function objectKey(g: HeapGraph, n: number): string {
  return `${g.nodeTypeNames[g.nodeType[n]]}:${g.strings[g.nodeName[n]] ?? ''}`;
}
