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
import { sharedArray } from '../heap/columns';
import type { HeapGraph } from '../heap/graph';
import { computeDistances, type DistanceArrays, type Distances } from '../analysis/distances';
import { computeDominators, dominatorsInRoom, fillSecondPredecessors, markedTops, sumMarkedTops, type DominatorRoom, type Dominators, type PredecessorHelper } from '../analysis/dominators';
import { adoptEdgeKinds, adoptNonEssentialEdges, edgeKinds, edgeSource, knownNonEssentialEdges, markNonEssentialRange, nonEssentialArray, nonEssentialEdges, takeSharedSpareWords, type EdgeKinds } from '../analysis/edges';

// control[0], the distances: IDLE, RUNNING, DONE, FAILED or CANCELLED.
const IDLE = 0;
const RUNNING = 1;
const DONE = 2;
const FAILED = 3;
const CANCELLED = 4;
// control[1], the go-ahead for the predecessors: WAIT, GO or STOP.
const WAIT = 0;
const GO = 1;
const STOP = 2;
// control[2], the helper's half of the predecessors: IDLE, ACTIVE, DONE, FAILED or SKIPPED.
const ACTIVE = 1;
const SKIPPED = 4;

let helperScript: string | undefined;
let helperOptions: Required<Pick<HelperOptions, 'minNodes' | 'startWaitMs'>> & HelperOptions = { minNodes: 200_000, startWaitMs: 0 };

/** How the helper threads are used. */
export interface HelperOptions {
  /** Smaller graphs are done on one thread (a thread costs more than it saves); default 200,000 nodes. */
  minNodes?: number;
  /** Tests: how long to wait for a helper that has not started its part (default 0: never wait, do it here). */
  startWaitMs?: number;
  /** Told who filled the second half of the predecessor lists. */
  onPredecessors?: (by: 'helper' | 'here') => void;
}

/**
 * The worker script that runs `runDistanceHelper` for `workerData.distances` (the snapshot worker
 * names itself). `minNodes`: smaller graphs are done on one thread (a thread costs more than it
 * saves). `startWaitMs` (tests): how long to wait for a helper that has not started its part
 * (default 0: never wait, do it here). `onPredecessors` is told who filled the second half of the
 * predecessor lists.
 */
export function useAnalysisHelper(script: string | undefined, options: HelperOptions = {}): void {
  helperScript = script && existsSync(script) ? script : undefined;
  helperOptions = { minNodes: options.minNodes ?? 200_000, startWaitMs: options.startWaitMs ?? 0, onPredecessors: options.onPredecessors };
}

/** What the helper thread is given (`workerData.distances`); every array is in shared memory. */
export interface DistanceRequest {
  graph: Pick<HeapGraph, 'nodeCount' | 'edgeCount' | 'firstEdge' | 'edgeTo' | 'edgeType' | 'edgeNameOrIndex' | 'nodeType' | 'nodeName' | 'nodeId' | 'nodeTypeNames' | 'edgeTypeNames'>;
  out: DistanceArrays;
  /** The dominators' shared arrays: once the distances are done, the helper fills the second half of the predecessor lists. */
  preds: { slots: Int32Array; second: Uint32Array; pred: Uint32Array; mid: number; nonEssential: Uint32Array };
  /** Int32 [0] the distances' state, [1] the predecessors' go-ahead, [2] the helper's half of them. */
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
  let dominators: Dominators;
  try {
    dominators = computeDominators(g, helper?.predecessors);
  } catch (error) {
    if (!helper) throw error;
    dominators = computeDominators(g); // the helper failed its half: all on this thread
  }
  const distances = helper?.finish() ?? computeDistances(g);
  return { distances, dominators };
}

// How a page is write-touched beside threads that may write it: `Atomics.compareExchange(a, j, 0,
// 0)`, which changes no value (a word that is 0 stays 0, any other is left alone) and faults the
// page in for writing at once. `Atomics.add(a, j, 0)`, as safe, first reads: the page is mapped to
// the kernel's zero page, then copied on the write, and that copy flushes the TLB of every core
// running the process. Measured here while another thread of the process ran: 3.0 ms/MB for the
// add against 0.5 for the compare-exchange (and the flushes interrupt that other thread too).

/**
 * A thread's whole job in `dominatorsAlone`: write-touch every page of the arrays in order (one
 * compare-exchange of 0 for 0 per 4 kB, see above), those this thread starts filling at once from
 * their end down, until `stop` is set.
 */
const PREFAULT_SOURCE = `
const { workerData } = require('node:worker_threads');
const { arrays, downward, stop } = workerData;
const PAGE = 1024, CHECK = 256 * PAGE;
outer: for (let k = 0; k < arrays.length; k++) {
  const a = new Int32Array(arrays[k]);
  const down = downward.includes(k);
  for (let j = 0; j < a.length; j += PAGE) {
    if (j % CHECK === 0 && Atomics.load(stop, 0)) break outer;
    Atomics.compareExchange(a, down ? a.length - 1 - j : j, 0, 0);
  }
}`;

/**
 * The dominators when no distances are wanted (retained sizes of one snapshot). Their big arrays
 * (the slots, written from the start up at once; the predecessor offsets and lists, after the
 * DFS; the preorder, from its start up) are first touched by a short-lived thread on the other
 * core while this one finds the essential edges and runs the DFS: where a fresh page is dear (a
 * VM whose host backs guest memory on first touch, ~3 ms/MB) the faults are off this thread's
 * path. Same result as `computeDominators`; one thread below the helper's size, or when no helper
 * is wanted (`useAnalysisHelper` not called).
 */
export function dominatorsAlone(g: HeapGraph): Dominators {
  const n = g.nodeCount;
  if (!helperScript || n < helperOptions.minNodes) return computeDominators(g);
  const room = dominatorRoom(g);
  const toucher = startPageToucher([room.slots, room.parent, room.firstPred, room.pred, room.vertex, room.stack], [0, 1, 4]);
  try {
    return computeDominators(g, undefined, room);
  } finally {
    toucher.stop();
  }
}

/** A `DominatorRoom` for the graph in shared memory (the parents in the graph's spare words when they are shared). */
function dominatorRoom(g: HeapGraph): DominatorRoom {
  const n = g.nodeCount;
  return {
    slots: sharedArray<Int32Array>(Int32Array, 2 * n),
    vertex: sharedArray(Uint32Array, n),
    firstPred: sharedArray(Uint32Array, n + 1),
    pred: sharedArray(Uint32Array, Math.max(g.edgeCount, 2 * n)),
    parent: takeSharedSpareWords(g),
    stack: sharedArray<Int32Array>(Int32Array, 2 * n),
  };
}

/** What a thread that computes a graph's dominators ahead is given (`dominatorsAhead` in its message); every array is in shared memory. */
export interface DominatorsAheadRequest {
  graph: Pick<HeapGraph, 'nodeCount' | 'edgeCount' | 'firstEdge' | 'edgeTo' | 'edgeType' | 'edgeNameOrIndex' | 'nodeId' | 'nodeSelfSize' | 'nodeTypeNames' | 'edgeTypeNames'>;
  room: DominatorRoom;
  /** Zeroed: the thread fills the graph's non-essential edge bits here first. */
  nonEssential: Uint32Array;
  /**
   * Int32 [0]: IDLE, RUNNING, DONE, FAILED or CANCELLED; [1]: TREE once the preorder and the
   * immediate dominators are in the room (or the helper ended); [2] and [3]: the chunks of the
   * bits claimed and done (`shareNonEssential`); [4]: PREORDERED once the DFS is done (or the
   * helper ended).
   */
  control: Int32Array;
}

/** The non-essential bits are shared out in this many ranges of edges, claimed by whichever thread is free. */
const BIT_CHUNKS = 32;

/**
 * Fills chunks of a graph's non-essential bits (`markNonEssentialRange`) for as long as some are
 * unclaimed: the helper of dominators ahead and the thread that started it both call it, so the
 * bits take half the time when both are free, and the helper does them all when the other is not.
 * `claims[0]` counts the chunks claimed, `claims[1]` those done.
 */
function shareNonEssential(g: HeapGraph, kinds: EdgeKinds, bits: Uint32Array, claims: Int32Array): void {
  const size = Math.ceil(g.edgeCount / BIT_CHUNKS / 32) * 32;
  for (;;) {
    const c = Atomics.add(claims, 0, 1);
    if (c >= BIT_CHUNKS) return;
    markNonEssentialRange(g, kinds, bits, Math.min(c * size, g.edgeCount), Math.min((c + 1) * size, g.edgeCount));
    Atomics.add(claims, 1, 1);
    Atomics.notify(claims, 1);
  }
}

/** control[1] of a `DominatorsAheadRequest`: the tree is known, only the retained sizes are left. */
const TREE = 1;
/** control[4] of a `DominatorsAheadRequest`: the DFS is done. */
const PREORDERED = 1;

/** Marked nodes whose retained sums (`retainedByMarks`) the join works out beside the helper's last step. */
export interface MarksToSum {
  marks: Uint8Array;
  count: number;
}

interface AheadDominators {
  request: DominatorsAheadRequest;
  thread: Worker;
}

const ahead = new WeakMap<HeapGraph, AheadDominators>();
/** How long a join waits for the helper to take its job before doing the work itself. */
const AHEAD_START_MS = 5_000;

/**
 * Starts a graph's dominators on `thread`, a helper that has booted already and is idle (the file
 * parse's edge helper, see `ParseFileOptions.keepHelper`), for when they will be asked for next
 * (retained sizes of the file just read): this thread takes its share of the non-essential bits,
 * touches the pages the helper writes, waits out the DFS, then sums the sample, answers it and
 * takes the next request; `analyzeGraph(g).dominators` then joins them (`joinDominatorsAhead`).
 * (Filling half of the predecessor lists here was tried: the DFS's second count per edge cost
 * more than the half saved.) Below the helper's size, or over columns not in shared memory, the
 * thread is let go and nothing starts (false).
 */
export function startDominatorsAhead(g: HeapGraph, thread: Worker): boolean {
  const n = g.nodeCount;
  const { firstEdge, edgeTo, edgeType, edgeNameOrIndex, nodeId, nodeSelfSize } = g;
  if (ahead.has(g) || n < helperOptions.minNodes || knownNonEssentialEdges(g) || ![firstEdge, edgeTo, edgeType, edgeNameOrIndex, nodeId, nodeSelfSize].every(isShared)) {
    void thread.terminate();
    return false;
  }
  const request: DominatorsAheadRequest = {
    graph: { nodeCount: n, edgeCount: g.edgeCount, firstEdge, edgeTo, edgeType, edgeNameOrIndex, nodeId, nodeSelfSize, nodeTypeNames: g.nodeTypeNames, edgeTypeNames: g.edgeTypeNames },
    room: dominatorRoom(g),
    nonEssential: nonEssentialArray(g),
    control: sharedArray<Int32Array>(Int32Array, 5),
  };
  const kinds = edgeKinds(g);
  try {
    // The helper's only use of strings is the edge kinds (for the bits): sent as they are.
    thread.postMessage({ dominatorsAhead: request, kinds });
  } catch {
    void thread.terminate();
    return false;
  }
  thread.on('error', () => undefined);
  thread.unref();
  ahead.set(g, { request, thread });
  // The helper's first work is the bits: this thread takes its share of them, then faults in the
  // pages the helper writes next (the slots, the preorder and the DFS parents, then the
  // predecessor lists).
  const { control, room } = request;
  shareNonEssential(g, kinds, request.nonEssential, control.subarray(2, 4));
  touchWhile(control, [room.slots, room.parent, room.vertex, room.pred, room.firstPred]);
  // The DFS reads the slots at random, all over them: this thread's own passes over the graph
  // (the sample's sums), streamed beside it, would push them out of the cache the two cores share
  // (measured: the DFS of a 150 MB file took 203-213 ms with this thread waiting, 210-271 ms with
  // it summing; at 600 MB the whole analysis 3.94 -> 3.85 s). So they wait for the DFS, a few
  // hundred ms, if the helper is at work (one that has not even taken its job is left to the join).
  if (Atomics.load(control, 0) === RUNNING) Atomics.wait(control, 4, 0, Math.max(1_000, n / 2_000));
  return true;
}

/**
 * The dominators `startDominatorsAhead` started for this graph, once the helper is done; undefined
 * when none were started, or the helper failed (or took longer than any graph should): then the
 * caller computes them. While the helper works this thread touches the pages it will write last
 * (the stack, where the retained sizes by DFS number go), then waits. Given `marked`, it walks the tree for their retained sums
 * (`markedTops`) while the helper computes the retained sizes, and adds them up once they are in
 * (`sums`, as `retainedByMarks` gives them).
 */
export function joinDominatorsAhead(g: HeapGraph, marked?: MarksToSum): { dominators: Dominators; sums?: Float64Array } | undefined {
  const job = ahead.get(g);
  if (!job) return undefined;
  ahead.delete(g);
  const { control, room, nonEssential } = job.request;
  const n = g.nodeCount;
  touchWhile(control, [room.stack]); // the rest was touched by startDominatorsAhead
  // An idle thread takes its message at once; one that has not by now never will (it died).
  Atomics.wait(control, 0, IDLE, AHEAD_START_MS);
  if (Atomics.compareExchange(control, 0, IDLE, CANCELLED) === IDLE) {
    void job.thread.terminate();
    return undefined;
  }
  const longest = Math.max(60_000, n / 50);
  let walked = false;
  if (marked) {
    Atomics.wait(control, 1, 0, longest);
    const state = Atomics.load(control, 0);
    if (Atomics.load(control, 1) === TREE && (state === RUNNING || state === DONE)) {
      markedTops(room.vertex.subarray(0, n), room.parent.subarray(0, n), marked.marks, marked.count, room.firstPred, scratchNext(room, n));
      walked = true;
    }
  }
  Atomics.wait(control, 0, RUNNING, longest);
  const done = Atomics.load(control, 0) === DONE;
  void job.thread.terminate();
  if (!done) return undefined;
  adoptNonEssentialEdges(g, nonEssential);
  const dominators = dominatorsInRoom(n, room);
  if (!walked || !marked) return { dominators };
  return { dominators, sums: sumMarkedTops(dominators, marked.marks, marked.count, room.firstPred) };
}

/** The room's words `markedTops` may chain in beside the helper's retained sizes: the first half of the slots (the dominators' `scratch[1]`). */
function scratchNext(room: DominatorRoom, n: number): Uint32Array {
  return new Uint32Array(room.slots.buffer, room.slots.byteOffset, n);
}

/** The helper's side of `startDominatorsAhead`: the non-essential bits, then the dominators into the shared room (TREE on the way); DONE or FAILED. */
export function runDominatorsAhead(request: DominatorsAheadRequest, kinds: EdgeKinds): void {
  const { control } = request;
  if (Atomics.compareExchange(control, 0, IDLE, RUNNING) !== IDLE) return;
  Atomics.notify(control, 0);
  const mark = (word: number, value: number) => {
    Atomics.store(control, word, value);
    Atomics.notify(control, word);
  };
  const preordered = () => mark(4, PREORDERED);
  const tree = () => mark(1, TREE);
  try {
    const g = { ...request.graph, strings: [] } as unknown as HeapGraph;
    adoptEdgeKinds(g, kinds);
    const claims = control.subarray(2, 4);
    shareNonEssential(g, kinds, request.nonEssential, claims);
    // Chunks the other thread claimed may still be under way (a few ms each).
    for (let done = Atomics.load(claims, 1); done < BIT_CHUNKS; done = Atomics.load(claims, 1)) {
      if (Atomics.wait(claims, 1, done, 10_000) === 'timed-out') throw new Error('the non-essential bits were never finished');
    }
    adoptNonEssentialEdges(g, request.nonEssential);
    computeDominators(g, undefined, request.room, { preordered, tree });
    Atomics.store(control, 0, DONE);
  } catch {
    Atomics.store(control, 0, FAILED);
  }
  Atomics.notify(control, 0);
  // Whoever waits for a step wakes, whatever the end.
  preordered();
  tree();
}

/** Ends the helper of dominators started ahead for a graph that is no longer wanted. */
export function cancelDominatorsAhead(g: HeapGraph): void {
  const job = ahead.get(g);
  if (!job) return;
  ahead.delete(g);
  Atomics.compareExchange(job.request.control, 0, IDLE, CANCELLED);
  void job.thread.terminate();
}

/** Whether `startDominatorsAhead` started this graph's dominators and nobody joined them yet. */
export function dominatorsAheadPending(g: HeapGraph): boolean {
  return ahead.has(g);
}

/**
 * Write-touches each 4 kB page of `arrays`, from their ends down (the helper fills them from the
 * start up; a compare-exchange of 0 for 0 leaves its writes), until the helper is done or has the tree.
 */
function touchWhile(control: Int32Array, arrays: ArrayBufferView[]): void {
  const PAGE = 1024;
  for (const view of arrays) {
    const a = new Int32Array(view.buffer, view.byteOffset, view.byteLength >>> 2);
    for (let j = a.length - 1, k = 0; j >= 0; j -= PAGE, k++) {
      if (k % 64 === 0 && (Atomics.load(control, 0) > RUNNING || Atomics.load(control, 1) === TREE)) return;
      Atomics.compareExchange(a, j, 0, 0);
    }
  }
}

/**
 * Starts a thread that write-touches every page of the shared arrays, in order, those listed in
 * `downward` from their end down; `stop` ends it early. `exited` settles when the thread is gone
 * (or could not start: the pages are then touched by whoever writes them, as they would be anyway).
 */
export function startPageToucher(arrays: ArrayBufferView[], downward: number[] = []): { stop(): void; exited: Promise<void> } {
  const stop = sharedArray<Int32Array>(Int32Array, 1);
  let worker: Worker | undefined;
  let exited = Promise.resolve();
  try {
    worker = new Worker(PREFAULT_SOURCE, { eval: true, workerData: { arrays: arrays.map((a) => a.buffer), downward, stop } });
    worker.on('error', () => undefined);
    exited = new Promise((resolve) => worker!.once('exit', () => resolve()));
    worker.unref();
  } catch {
    worker = undefined;
  }
  return {
    stop() {
      Atomics.store(stop, 0, 1);
      void worker?.terminate();
    },
    exited,
  };
}

function isShared(a: ArrayBufferView): boolean {
  return a.buffer instanceof SharedArrayBuffer;
}

function startDistanceHelper(g: HeapGraph): { predecessors: PredecessorHelper; finish(): Distances | undefined } | undefined {
  const script = helperScript;
  const { minNodes, startWaitMs, onPredecessors } = helperOptions;
  if (!script || g.nodeCount < minNodes) return undefined;
  const { firstEdge, edgeTo, edgeType, edgeNameOrIndex, nodeType, nodeName, nodeId } = g;
  if (![firstEdge, edgeTo, edgeType, edgeNameOrIndex, nodeType, nodeName, nodeId].every(isShared)) return undefined;
  const n = g.nodeCount;
  const out: DistanceArrays = {
    distance: sharedArray(Int32Array, n),
    parentEdge: sharedArray(Int32Array, n),
    parentNode: sharedArray(Int32Array, n),
    queue: sharedArray(Uint32Array, n),
  };
  const control = sharedArray<Int32Array>(Int32Array, 3);
  const graph: DistanceRequest['graph'] = { nodeCount: n, edgeCount: g.edgeCount, firstEdge, edgeTo, edgeType, edgeNameOrIndex, nodeType, nodeName, nodeId, nodeTypeNames: g.nodeTypeNames, edgeTypeNames: g.edgeTypeNames };
  // The dominators' arrays, shared: the helper's second job is half of the predecessor lists,
  // the nodes from `mid` on (about half of the edges).
  // The dominators' bits are computed once the helper is on its way (it reads them only after the DFS that needs them).
  const known = knownNonEssentialEdges(g);
  const preds = {
    nonEssential: known ?? nonEssentialArray(g),
    slots: sharedArray<Int32Array>(Int32Array, 2 * n),
    second: sharedArray<Uint32Array>(Uint32Array, n + 1),
    pred: sharedArray<Uint32Array>(Uint32Array, g.edgeCount),
    mid: g.edgeCount > 0 ? edgeSource(g, g.edgeCount >>> 1) : n,
  };
  const firstPred = sharedArray<Uint32Array>(Uint32Array, n + 1);
  let worker: Worker;
  try {
    worker = new Worker(script, { workerData: { distances: { graph, out, preds, control } satisfies DistanceRequest } });
  } catch {
    return undefined;
  }
  worker.unref();
  // A thread that fails to start or throws shows as a helper that never started or failed (the
  // shared words say which); its 'error' event must not go unhandled.
  worker.on('error', () => undefined);
  // While the thread starts: the strings it needs, and the bits.
  worker.postMessage(distanceStrings(g));
  if (!known) nonEssentialEdges(g, preds.nonEssential);
  const predecessors: PredecessorHelper = {
    ...preds,
    firstPred,
    begin() {
      Atomics.store(control, 1, GO);
      Atomics.notify(control, 1);
    },
    end() {
      if (startWaitMs > 0) Atomics.wait(control, 2, IDLE, startWaitMs);
      const was = Atomics.compareExchange(control, 2, IDLE, SKIPPED);
      if (was === IDLE) {
        // The helper is not there yet (still on the distances): its half is done here.
        fillSecondPredecessors(g, nonEssentialEdges(g), preds.slots, preds.second, preds.pred, preds.mid, n);
        onPredecessors?.('here');
        return true;
      }
      if (was === ACTIVE) Atomics.wait(control, 2, ACTIVE, Math.max(60_000, n / 50));
      const done = Atomics.load(control, 2) === DONE;
      if (done) onPredecessors?.('helper');
      return done;
    },
  };
  return {
    predecessors,
    finish(): Distances | undefined {
      if (startWaitMs > 0) Atomics.wait(control, 0, IDLE, startWaitMs);
      let state = Atomics.compareExchange(control, 0, IDLE, CANCELLED); // not started by now: never
      if (state === RUNNING) {
        // A generous bound: the helper does less work than the dominators just done here.
        Atomics.wait(control, 0, RUNNING, Math.max(60_000, n / 50));
        state = Atomics.load(control, 0);
      }
      Atomics.store(control, 1, STOP); // a helper still waiting for the go-ahead stops waiting
      Atomics.notify(control, 1);
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
  for (const i of k.ephemeronTables.keys()) index.push(i); // the WeakMap entries' edge names (edgeKinds found them)
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
    const g = { ...request.graph, strings: table } as unknown as HeapGraph;
    computeDistances(g, request.out);
    Atomics.store(control, 0, DONE);
    Atomics.notify(control, 0);
    helpWithPredecessors(g, request);
  } catch {
    if (Atomics.load(control, 0) === RUNNING) Atomics.store(control, 0, FAILED);
    Atomics.notify(control, 0);
  }
}

/** The helper's second job: the predecessor entries of the nodes from `mid` on, once the dominators' DFS has counted them. */
function helpWithPredecessors(g: HeapGraph, request: DistanceRequest): void {
  const { control, preds } = request;
  Atomics.wait(control, 1, WAIT, 120_000);
  if (Atomics.load(control, 1) !== GO) return;
  if (Atomics.compareExchange(control, 2, IDLE, ACTIVE) !== IDLE) return; // done without us
  Atomics.notify(control, 2);
  try {
    fillSecondPredecessors(g, preds.nonEssential, preds.slots, preds.second, preds.pred, preds.mid, g.nodeCount);
    Atomics.store(control, 2, DONE);
  } catch {
    Atomics.store(control, 2, FAILED);
  }
  Atomics.notify(control, 2);
}
