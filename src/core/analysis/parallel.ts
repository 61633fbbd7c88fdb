/**
 * Distances and dominators at once, on two threads. They are independent walks of the same graph:
 * a helper thread runs the breadth-first distances over the graph's shared-memory columns while
 * this thread computes the dominators, so an explanation costs about the dominators alone.
 *
 * The helper's part is settled through one shared word: the helper starts only if this thread has
 * not given up on it yet, and this thread computes the distances itself when the helper never
 * started, failed, or the graph is not in shared memory. The result is the same either way.
 */
import { existsSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import type { HeapGraph } from '../snapshot/graph';
import { computeDistances, type DistanceArrays, type Distances } from './distances';
import { computeDominators, type Dominators } from './dominators';
import { edgeKinds } from './edges';

const IDLE = 0;
const RUNNING = 1;
const DONE = 2;
const FAILED = 3;
const CANCELLED = 4;

let helperScript: string | undefined;
let helperOptions = { minNodes: 200_000, startWaitMs: 0 };

/**
 * The worker script that runs `runDistanceHelper` for `workerData.distances` (the snapshot worker
 * names itself). `minNodes`: smaller graphs are done on one thread (a thread costs more than it
 * saves). `startWaitMs` (tests): how long to wait for a helper that has not started when the
 * dominators are done (default 0: never wait, compute the distances here).
 */
export function useAnalysisHelper(script: string | undefined, options: { minNodes?: number; startWaitMs?: number } = {}): void {
  helperScript = script && existsSync(script) ? script : undefined;
  helperOptions = { minNodes: options.minNodes ?? 200_000, startWaitMs: options.startWaitMs ?? 0 };
}

/** What the helper thread is given (`workerData.distances`); every array is in shared memory. */
export interface DistanceRequest {
  graph: Pick<HeapGraph, 'nodeCount' | 'edgeCount' | 'firstEdge' | 'edgeTo' | 'edgeType' | 'edgeNameOrIndex' | 'nodeType' | 'nodeName' | 'nodeTypeNames' | 'edgeTypeNames'>;
  out: DistanceArrays;
  /** Int32 [0]: IDLE, RUNNING, DONE, FAILED or CANCELLED. */
  control: Int32Array;
}

/** The strings the distances read (posted once the helper runs): the few edge names DevTools' filter looks at. */
export interface DistanceStrings {
  length: number;
  index: number[];
  text: string[];
}

/** Distances and dominators of a graph, the distances on a helper thread when one can run. */
export function distancesAndDominators(g: HeapGraph): { distances: Distances; dominators: Dominators } {
  const helper = startDistanceHelper(g);
  const dominators = computeDominators(g);
  const distances = helper?.finish() ?? computeDistances(g);
  return { distances, dominators };
}

function isShared(a: ArrayBufferView): boolean {
  return a.buffer instanceof SharedArrayBuffer;
}

function startDistanceHelper(g: HeapGraph): { finish(): Distances | undefined } | undefined {
  const script = helperScript;
  const { minNodes, startWaitMs } = helperOptions;
  if (!script || g.nodeCount < minNodes) return undefined;
  const { firstEdge, edgeTo, edgeType, edgeNameOrIndex, nodeType, nodeName } = g;
  if (![firstEdge, edgeTo, edgeType, edgeNameOrIndex, nodeType, nodeName].every(isShared)) return undefined;
  const n = g.nodeCount;
  const words = () => new SharedArrayBuffer(n * 4);
  const out: DistanceArrays = { distance: new Int32Array(words()), parentEdge: new Int32Array(words()), parentNode: new Int32Array(words()), queue: new Uint32Array(words()) };
  const control = new Int32Array(new SharedArrayBuffer(4));
  const graph: DistanceRequest['graph'] = { nodeCount: n, edgeCount: g.edgeCount, firstEdge, edgeTo, edgeType, edgeNameOrIndex, nodeType, nodeName, nodeTypeNames: g.nodeTypeNames, edgeTypeNames: g.edgeTypeNames };
  let worker: Worker;
  try {
    worker = new Worker(script, { workerData: { distances: { graph, out, control } satisfies DistanceRequest } });
  } catch {
    return undefined;
  }
  worker.unref();
  worker.on('error', () => Atomics.compareExchange(control, 0, IDLE, CANCELLED));
  // While the thread starts: the strings it needs.
  worker.postMessage(distanceStrings(g));
  return {
    finish(): Distances | undefined {
      if (startWaitMs > 0) Atomics.wait(control, 0, IDLE, startWaitMs);
      let state = Atomics.compareExchange(control, 0, IDLE, CANCELLED); // not started by now: never
      if (state === RUNNING) {
        // A generous bound: the helper does less work than the dominators just done here.
        Atomics.wait(control, 0, RUNNING, Math.max(60_000, n / 50));
        state = Atomics.load(control, 0);
      }
      void worker.terminate();
      if (state !== DONE) return undefined; // failed, or too slow: computed here instead, into fresh arrays
      return { distance: out.distance, parentEdge: out.parentEdge, parentNode: out.parentNode };
    },
  };
}

/** The edge names DevTools' distance filter reads: the native context's map name, WeakMap entry names, and (map descriptors) slot names. */
function distanceStrings(g: HeapGraph): DistanceStrings {
  const k = edgeKinds(g);
  const index: number[] = [];
  for (const i of [k.sloppyFunctionMap, k.nativeContext, k.mapDescriptors]) if (i >= 0) index.push(i);
  const strings = g.strings;
  for (let i = 0; i < strings.length; i++) {
    const s = strings[i];
    if (s.length > 40 && s.includes(' / part of key (')) index.push(i); // as ephemeronTableId filters
  }
  if (k.mapDescriptors >= 0) {
    for (let v = 0; v < g.nodeCount; v++) {
      if (g.nodeType[v] !== k.nodeArray || g.nodeName[v] !== k.mapDescriptors) continue;
      for (let e = g.firstEdge[v]; e < g.firstEdge[v + 1]; e++) {
        const t = g.edgeType[e];
        if (t !== k.element && t !== k.hidden) index.push(g.edgeNameOrIndex[e]);
      }
    }
  }
  return { length: strings.length, index, text: index.map((i) => strings[i]) };
}

/** The helper thread's side: the distances into the shared arrays, then DONE (or FAILED). */
export function runDistanceHelper(request: DistanceRequest, strings: DistanceStrings): void {
  const { control } = request;
  if (Atomics.compareExchange(control, 0, IDLE, RUNNING) !== IDLE) return;
  try {
    const table: string[] = new Array(strings.length);
    strings.index.forEach((i, k) => (table[i] = strings.text[k]));
    computeDistances({ ...request.graph, strings: table } as unknown as HeapGraph, request.out);
    Atomics.store(control, 0, DONE);
  } catch {
    Atomics.store(control, 0, FAILED);
  }
  Atomics.notify(control, 0);
}
