import * as assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { retainedByMarks } from '../../../src/core/analysis/dominators';
import { GraphAnalysis } from '../../../src/core/analysis/pipeline';
import { parseFileOnTwoThreads } from '../../../src/core/worker/edgeHelper';
import { startPageToucher } from '../../../src/core/worker/pageToucher';
import { ThreadedEngine, type ThreadedEngineOptions } from '../../../src/core/worker/threadedEngine';
import { ArrayRecycler } from '../../../src/core/heap/columns';
import type { HeapGraph } from '../../../src/core/heap/graph';
import { parseSnapshotFile } from '../../../src/core/heap/file';
import { distancesOf, dominatorsOf, nonEssentialOf } from '../helpers/steps';
import { takeSnapshotOf } from '../helpers/takeSnapshot';
import { builtBundles } from '../helpers/bundles';

const WORKER = builtBundles().worker;
/** The helpers' own smaller bundle, which the worker starts its helper threads from. */
const HELPER = builtBundles().helper;

const bytesOf = (a: ArrayBufferView) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

/** Distances and dominators of a graph through the threaded engine, both asked for (as explanations do). */
function both(graph: HeapGraph, script: string | undefined, options: ThreadedEngineOptions) {
  const a = new GraphAnalysis(graph, new ThreadedEngine(script, options));
  a.distancesAndDominators();
  return { distances: a.distances(), dominators: a.dominators() };
}

/** The dominators alone through the threaded engine (retained sizes of one snapshot). */
const dominatorsAlone = (graph: HeapGraph, script: string | undefined, options: ThreadedEngineOptions = {}) => new GraphAnalysis(graph, new ThreadedEngine(script, options)).dominators();

describe('the threaded engine: the steps on helper threads, as one thread computes them', function () {
  this.timeout(120_000);
  let file = '';
  let g: HeapGraph;

  before(async () => {
    // WeakMap entries (whose distances wait for both key and table), Maps and classes (map
    // descriptors), closures: every filter of the distances meets something.
    file = takeSnapshotOf(`
      class Owner { constructor(i) { this.i = i; this.peer = null; } }
      const wm = new WeakMap();
      globalThis.keys = [];
      globalThis.cache = new Map();
      for (let i = 0; i < 3000; i++) {
        const k = new Owner(i);
        keys.push(k);
        wm.set(k, { value: i, back: k });
        cache.set('k' + i, () => k);
      }
      globalThis.wm = wm;`);
    g = await parseSnapshotFile(file);
  });

  it('gives what one thread gives, with the distances and half the predecessor lists from the helper', () => {
    const distances = distancesOf(g);
    const dominators = dominatorsOf(g);
    let predecessorsBy = '';
    const threaded = both(g, WORKER, { minNodes: 0, startWaitMs: 20_000, onPredecessors: (by) => (predecessorsBy = by) });
    assert.ok(threaded.distances.distance.buffer instanceof SharedArrayBuffer, 'the helper computed the distances');
    assert.equal(predecessorsBy, 'helper', 'the helper filled half of the predecessor lists');
    for (const k of ['distance', 'parentEdge', 'parentNode'] as const) assert.ok(bytesOf(threaded.distances[k]).equals(bytesOf(distances[k])), k);
    for (const k of ['dominator', 'retained', 'order'] as const) assert.ok(bytesOf(threaded.dominators[k]).equals(bytesOf(dominators[k])), k);
  });

  it('gives what one thread gives for the dominators alone, their arrays first touched by another thread', () => {
    const dominators = dominatorsOf(g);
    for (let run = 0; run < 3; run++) {
      const alone = dominatorsAlone(g, WORKER, { minNodes: 0 });
      assert.ok(alone.order.buffer instanceof SharedArrayBuffer, 'the preorder is the shared array the toucher was given');
      assert.ok(alone.dominator.buffer instanceof SharedArrayBuffer, 'so is the dominator array (the slots)');
      for (const k of ['dominator', 'retained', 'order'] as const) assert.ok(bytesOf(alone[k]).equals(bytesOf(dominators[k])), k);
      assert.ok(alone.retainedInOrder, 'the room holds the retained sizes by DFS number too');
      assert.ok(alone.retainedInOrder.every((size, i) => size === dominators.retained[dominators.order[i]]), 'retainedInOrder[i] is the retained size of order[i]');
    }
    // Without a helper script (in-process callers that never asked for threads), or below the size where a thread pays: plain arrays.
    assert.ok(!(dominatorsAlone(g, undefined, { minNodes: 0 }).order.buffer instanceof SharedArrayBuffer));
    assert.ok(!(dominatorsAlone(g, WORKER).order.buffer instanceof SharedArrayBuffer));
  });

  /** The file parsed on two threads, and the edge helper's thread, idle, kept for one more job. */
  async function parseKeepingHelper(script = WORKER): Promise<{ graph: HeapGraph; thread: Worker }> {
    let thread: Worker | undefined;
    let by = '';
    const graph = await parseFileOnTwoThreads(file, { edgeWorker: script, parallelMinBytes: 0, helperWaitMs: 10_000, keepHelper: (t) => (thread = t), onEdges: (who) => (by = who) });
    assert.notEqual(by, 'parser', 'the helper parsed "edges"');
    assert.ok(thread instanceof Worker, 'the helper thread is handed over');
    return { graph, thread };
  }

  it('computes the dominators ahead on the parse\'s helper thread, joined here, as one thread does', async () => {
    const dominators = dominatorsOf(g);
    const bits = Buffer.from(bytesOf(nonEssentialOf(g)));
    const engine = new ThreadedEngine(WORKER, { minNodes: 0 });
    // Joined at once: this thread touches the pages the helper writes last, then waits.
    const a = await parseKeepingHelper();
    const aa = new GraphAnalysis(a.graph, engine);
    assert.ok(engine.startDominatorsAhead(aa, a.thread));
    assert.ok(aa.dominatorsPending);
    const joined = aa.dominators();
    assert.ok(!aa.dominatorsPending);
    assert.ok(joined.order.buffer instanceof SharedArrayBuffer, 'the helper\'s arrays');
    for (const k of ['dominator', 'retained', 'order'] as const) assert.ok(bytesOf(joined[k]).equals(bytesOf(dominators[k])), k);
    assert.ok(aa.nonEssentialKnown && bytesOf(aa.nonEssentialEdges()).equals(bits), 'the helper\'s non-essential bits are the graph\'s');
    // Joined late: the helper is done.
    const b = await parseKeepingHelper();
    const bb = new GraphAnalysis(b.graph, engine);
    assert.ok(engine.startDominatorsAhead(bb, b.thread));
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const late = bb.dominators();
    for (const k of ['dominator', 'retained', 'order'] as const) assert.ok(bytesOf(late[k]).equals(bytesOf(dominators[k])), k);
    // With the distances (explanations): those here meanwhile, the same as on one thread.
    const c = await parseKeepingHelper();
    const cc = new GraphAnalysis(c.graph, engine);
    assert.ok(engine.startDominatorsAhead(cc, c.thread));
    cc.distancesAndDominators();
    const distances = distancesOf(g);
    assert.ok(bytesOf(cc.distances().distance).equals(bytesOf(distances.distance)));
    for (const k of ['dominator', 'retained', 'order'] as const) assert.ok(bytesOf(cc.dominators()[k]).equals(bytesOf(dominators[k])), k);
  });

  it('sums marked nodes\' retained sizes beside the helper\'s last step, as one thread does (the helper bundle)', async () => {
    const dominators = dominatorsOf(g);
    // Marks 1..5 on about half of the nodes, nested in each other anywhere in the tree.
    const marks = new Uint8Array(g.nodeCount);
    for (let v = 0, x = 7; v < g.nodeCount; v++) {
      x = (x * 1103515245 + 12345) >>> 0;
      marks[v] = x % 10 < 5 ? (x >>> 8) % 5 + 1 : 0;
    }
    const expected = retainedByMarks(dominators, marks, 5);
    assert.ok(expected[1] > 0 && expected[5] > 0);
    const engine = new ThreadedEngine(HELPER, { minNodes: 0 });
    for (const wait of [0, 1500]) {
      const a = await parseKeepingHelper(HELPER);
      const aa = new GraphAnalysis(a.graph, engine);
      assert.ok(engine.startDominatorsAhead(aa, a.thread));
      if (wait) await new Promise((resolve) => setTimeout(resolve, wait)); // joined once the helper is done
      const sums = aa.retainedOf(marks, 5);
      assert.ok(!aa.dominatorsPending);
      assert.deepEqual([...sums], [...expected], `joined after ${wait} ms`);
      const joined = aa.dominators();
      assert.ok(joined.order.buffer instanceof SharedArrayBuffer, 'the helper\'s arrays');
      assert.ok(joined.retainedInOrder?.every((size, i) => size === dominators.retained[dominators.order[i]]), 'by DFS number, from the helper');
      for (const k of ['dominator', 'retained', 'order'] as const) assert.ok(bytesOf(joined[k]).equals(bytesOf(dominators[k])), k);
      // Asked again, the sums come from the joined dominators: the same.
      assert.deepEqual([...aa.retainedOf(marks, 5)], [...expected]);
    }
  });

  it('computes the dominators here when the kept thread cannot, and hands no thread over without the option', async () => {
    const dominators = dominatorsOf(g);
    // No helper script: the dominators done here are in plain arrays.
    const engine = new ThreadedEngine(undefined, { minNodes: 0 });
    // A thread that takes the job and is gone without a word.
    const mute = new Worker(`require('node:worker_threads').parentPort.once('message', () => process.exit(0));`, { eval: true });
    const a = new GraphAnalysis(await parseSnapshotFile(file), engine);
    assert.ok(engine.startDominatorsAhead(a, mute));
    const started = performance.now();
    const here = a.dominators();
    assert.ok(performance.now() - started >= 4_000, 'it waited for the thread to start, a while');
    assert.ok(!(here.order.buffer instanceof SharedArrayBuffer), 'computed here');
    for (const k of ['dominator', 'retained', 'order'] as const) assert.ok(bytesOf(here[k]).equals(bytesOf(dominators[k])), k);
    // Below the helper's size the thread is let go at once.
    const sized = new ThreadedEngine(WORKER);
    const small = await parseKeepingHelper();
    assert.equal(sized.startDominatorsAhead(new GraphAnalysis(small.graph, sized), small.thread), false);
    assert.equal(await new Promise((resolve) => small.thread.once('exit', resolve)), 1, 'terminated');
    // Parsed on one thread: nothing to keep.
    let kept = false;
    await parseFileOnTwoThreads(file, { keepHelper: () => (kept = true) });
    assert.equal(kept, false);
  });

  it('touches pages beside a thread writing them and loses none of its writes', async () => {
    // 64 MB written from the start up here while the toucher comes from the end down: they cross.
    const a = new Int32Array(new SharedArrayBuffer(64 << 20));
    const first = new Int32Array(new SharedArrayBuffer(4 << 20));
    const toucher = startPageToucher([first, a], [false, true]);
    for (let i = 0; i < a.length; i++) a[i] = i + 1;
    await toucher.exited;
    let wrong = 0;
    for (let i = 0; i < a.length; i++) if (a[i] !== i + 1) wrong++;
    assert.equal(wrong, 0);
    assert.ok(first.every((x) => x === 0), 'untouched values stay 0');
  });

  it('computes the distances itself when the helper cannot run or the graph is not shared', async () => {
    const distances = distancesOf(g);
    // A script that never starts the helper.
    const idle = join(mkdtempSync(join(tmpdir(), 'leak-watch-idle-')), 'idle.js');
    writeFileSync(idle, '// does nothing\n');
    let predecessorsBy = '';
    const a = both(g, idle, { minNodes: 0, startWaitMs: 200, onPredecessors: (by) => (predecessorsBy = by) });
    assert.ok(!(a.distances.distance.buffer instanceof SharedArrayBuffer));
    assert.ok(bytesOf(a.distances.distance).equals(bytesOf(distances.distance)));
    // The second half of the predecessor lists was filled here, through the helper's cursors: the same tree.
    assert.equal(predecessorsBy, 'here');
    const dominators = dominatorsOf(g);
    for (const k of ['dominator', 'retained', 'order'] as const) assert.ok(bytesOf(a.dominators[k]).equals(bytesOf(dominators[k])), k);
    // A graph in ordinary memory (a recycler of plain buffers): no helper is started.
    const recycler = new ArrayRecycler(0);
    recycler.give([new Uint32Array(g.edgeCount), new Uint32Array(g.edgeCount), new Uint8Array(g.edgeCount)]);
    const plain = await parseSnapshotFile(file, { recycler });
    assert.ok(!(plain.edgeTo.buffer instanceof SharedArrayBuffer), 'the edges are in a recycled plain buffer');
    const b = both(plain, WORKER, { minNodes: 0, startWaitMs: 20_000 });
    assert.ok(!(b.distances.distance.buffer instanceof SharedArrayBuffer));
    assert.ok(bytesOf(b.distances.parentEdge).equals(bytesOf(distances.parentEdge)));
    // Below the size where a thread pays: one thread.
    assert.ok(g.nodeCount < 200_000);
    assert.ok(!(both(g, WORKER, {}).distances.distance.buffer instanceof SharedArrayBuffer));
  });
});
