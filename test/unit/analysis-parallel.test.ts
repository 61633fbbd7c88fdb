import * as assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { computeDistances } from '../../src/core/analysis/distances';
import { computeDominators } from '../../src/core/analysis/dominators';
import { distancesAndDominators, dominatorsAlone, startPageToucher, useAnalysisHelper } from '../../src/core/analysis/parallel';
import { ArrayRecycler } from '../../src/core/snapshot/columns';
import type { HeapGraph } from '../../src/core/snapshot/graph';
import { parseSnapshotFile } from '../../src/core/snapshot/parser';
import { takeSnapshotOf } from './helpers/takeSnapshot';

const WORKER = join(__dirname, '../../dist/snapshotWorker.js');

const bytesOf = (a: ArrayBufferView) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

describe('distances and dominators on two threads', function () {
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

  after(() => useAnalysisHelper(undefined));

  it('gives what one thread gives, with the distances and half the predecessor lists from the helper', () => {
    const distances = computeDistances(g);
    const dominators = computeDominators(g);
    let predecessorsBy = '';
    useAnalysisHelper(WORKER, { minNodes: 0, startWaitMs: 20_000, onPredecessors: (by) => (predecessorsBy = by) });
    const both = distancesAndDominators(g);
    assert.ok(both.distances.distance.buffer instanceof SharedArrayBuffer, 'the helper computed the distances');
    assert.equal(predecessorsBy, 'helper', 'the helper filled half of the predecessor lists');
    for (const k of ['distance', 'parentEdge', 'parentNode'] as const) assert.ok(bytesOf(both.distances[k]).equals(bytesOf(distances[k])), k);
    for (const k of ['dominator', 'retained', 'order'] as const) assert.ok(bytesOf(both.dominators[k]).equals(bytesOf(dominators[k])), k);
  });

  it('gives what one thread gives for the dominators alone, their arrays first touched by another thread', () => {
    const dominators = computeDominators(g);
    useAnalysisHelper(WORKER, { minNodes: 0 });
    for (let run = 0; run < 3; run++) {
      const alone = dominatorsAlone(g);
      assert.ok(alone.order.buffer instanceof SharedArrayBuffer, 'the preorder is the shared array the toucher was given');
      assert.ok(alone.dominator.buffer instanceof SharedArrayBuffer, 'so is the dominator array (the slots)');
      for (const k of ['dominator', 'retained', 'order'] as const) assert.ok(bytesOf(alone[k]).equals(bytesOf(dominators[k])), k);
    }
    // Without a helper script (in-process callers that never asked for threads), or below the size where a thread pays: plain arrays.
    useAnalysisHelper(undefined, { minNodes: 0 });
    assert.ok(!(dominatorsAlone(g).order.buffer instanceof SharedArrayBuffer));
    useAnalysisHelper(WORKER);
    assert.ok(!(dominatorsAlone(g).order.buffer instanceof SharedArrayBuffer));
  });

  it('touches pages beside a thread writing them and loses none of its writes', async () => {
    // 64 MB written from the start up here while the toucher comes from the end down: they cross.
    const a = new Int32Array(new SharedArrayBuffer(64 << 20));
    const first = new Int32Array(new SharedArrayBuffer(4 << 20));
    const toucher = startPageToucher([first, a], [1]);
    for (let i = 0; i < a.length; i++) a[i] = i + 1;
    await toucher.exited;
    let wrong = 0;
    for (let i = 0; i < a.length; i++) if (a[i] !== i + 1) wrong++;
    assert.equal(wrong, 0);
    assert.ok(first.every((x) => x === 0), 'untouched values stay 0');
  });

  it('computes the distances itself when the helper cannot run or the graph is not shared', async () => {
    const distances = computeDistances(g);
    // A script that never starts the helper.
    const idle = join(mkdtempSync(join(tmpdir(), 'leak-watch-idle-')), 'idle.js');
    writeFileSync(idle, '// does nothing\n');
    let predecessorsBy = '';
    useAnalysisHelper(idle, { minNodes: 0, startWaitMs: 200, onPredecessors: (by) => (predecessorsBy = by) });
    const a = distancesAndDominators(g);
    assert.ok(!(a.distances.distance.buffer instanceof SharedArrayBuffer));
    assert.ok(bytesOf(a.distances.distance).equals(bytesOf(distances.distance)));
    // The second half of the predecessor lists was filled here, through the helper's cursors: the same tree.
    assert.equal(predecessorsBy, 'here');
    const dominators = computeDominators(g);
    for (const k of ['dominator', 'retained', 'order'] as const) assert.ok(bytesOf(a.dominators[k]).equals(bytesOf(dominators[k])), k);
    // A graph in ordinary memory (a recycler of plain buffers): no helper is started.
    useAnalysisHelper(WORKER, { minNodes: 0, startWaitMs: 20_000 });
    const recycler = new ArrayRecycler(0);
    recycler.give([new Uint32Array(g.edgeCount), new Uint32Array(g.edgeCount), new Uint8Array(g.edgeCount)]);
    const plain = await parseSnapshotFile(file, { recycler });
    assert.ok(!(plain.edgeTo.buffer instanceof SharedArrayBuffer), 'the edges are in a recycled plain buffer');
    const b = distancesAndDominators(plain);
    assert.ok(!(b.distances.distance.buffer instanceof SharedArrayBuffer));
    assert.ok(bytesOf(b.distances.parentEdge).equals(bytesOf(distances.parentEdge)));
    // Below the size where a thread pays: one thread.
    useAnalysisHelper(WORKER);
    assert.ok(g.nodeCount < 200_000);
    assert.ok(!(distancesAndDominators(g).distances.distance.buffer instanceof SharedArrayBuffer));
  });
});
