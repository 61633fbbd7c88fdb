import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, readdirSync, readFileSync, renameSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { analyzeSnapshotFiles } from '../../../src/core/analyzeFiles';
import { SnapshotAnalyzer } from '../../../src/core/worker/analyzer';
import { SnapshotSession } from '../../../src/core/worker/session';
import { retainedBySet } from '../../../src/core/analysis/dominators';
import { markTypes } from '../../../src/core/analysis/naming';
import { takeSnapshotOf } from '../helpers/takeSnapshot';
import { builtBundles } from '../helpers/bundles';

/** Streams a file to the analyzer as ~100 kB string chunks, as HeapProfiler.addHeapSnapshotChunk does. */
async function streamFile(analyzer: SnapshotAnalyzer, file: string): Promise<void> {
  analyzer.begin();
  for await (const chunk of createReadStream(file, { encoding: 'utf8', highWaterMark: 100_000 })) analyzer.push(chunk as string);
}

/** CPU time (user + system, ms) of this process's main thread so far. */
function mainThreadCpuMs(): number {
  const fields = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8').split(') ')[1].split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15 of stat)
  return ticks * 10; // USER_HZ is 100 on Linux
}

const info = (index: number) => ({ index, time: Date.now(), pauseMs: 1, heapUsed: 1, heapTotal: 1 });

/** takeSnapshotOf, cached under the OS temp folder by the program's text (large snapshots take a while to write). */
function cachedSnapshotOf(setup: string): string {
  const file = join(tmpdir(), `leak-watch-test-${createHash('sha256').update(setup).digest('hex').slice(0, 12)}.heapsnapshot`);
  if (!existsSync(file)) renameSync(takeSnapshotOf(setup), file);
  return file;
}

describe('snapshot analyzer (worker)', function () {
  this.timeout(180_000);
  let small: string;
  let large: string;
  let analyzer: SnapshotAnalyzer;

  before(() => {
    small = takeSnapshotOf(`
      class WorkerProbe { constructor(i) { this.i = i; } }
      globalThis.keep = Array.from({ length: 3000 }, (_, i) => new WorkerProbe(i));`);
    // About 150 MB of snapshot (issue 7's size for this check): enough analysis work to show any
    // blocking of the caller. Cached under the OS temp folder: writing it takes 10-20 s.
    large = cachedSnapshotOf(`
      class Big { constructor(i, p) { this.i = i; this.parent = p; this.label = 'x' + i; } }
      globalThis.big = []; let p = null;
      for (let i = 0; i < 740000; i++) { const b = new Big(i, p); globalThis.big.push(b); if (i % 10 === 0) p = b; }`);
  });
  beforeEach(() => (analyzer = new SnapshotAnalyzer({ workerPath: builtBundles().worker })));
  afterEach(() => analyzer.dispose());

  it('turns streamed chunks into the same Sample as an in-process reading', async () => {
    await streamFile(analyzer, small);
    const sample = await analyzer.finish(info(0));
    const session = new SnapshotSession();
    const local = await session.analyzeFile(small, info(0));
    assert.equal(sample.nodes, local.nodes);
    assert.equal(sample.edges, local.edges);
    assert.equal(sample.snapshotBytes, statSync(small).size);
    const probe = sample.types.find((t) => t.name === 'WorkerProbe');
    assert.equal(probe?.count, 3000);
    assert.deepEqual(
      sample.types.map((t) => [t.name, t.count, t.bytes]),
      local.types.map((t) => [t.name, t.count, t.bytes]),
    );
  });

  it('reports a corrupt stream on finish and stays usable for the next snapshot', async () => {
    analyzer.begin();
    analyzer.push('{"snapshot":{"meta":{}},"nodes":[1,2,');
    analyzer.push('oops');
    await assert.rejects(analyzer.finish(info(0)), /not a V8 heap snapshot|corrupt/);
    await streamFile(analyzer, small);
    const sample = await analyzer.finish(info(0));
    assert.ok(sample.nodes > 1000);
  });

  it('never blocks the caller’s event loop for more than 50 ms while analysing', async () => {
    // Wall-clock lag is what the machine's load makes it; the caller's own CPU time is not. The main
    // thread's CPU time (Linux: /proc/self/task/<pid>/stat) during the whole analysis bounds the
    // longest it could have been busy: under 50 ms in total means no single block of 50 ms.
    // The lag monitor is for the message only, and off during the measured window: its own timer
    // wakes the thread every `resolution` ms, which over a 150 MB analysis on a loaded machine
    // came to 40-120 ms of this thread's CPU by itself.
    const lag = monitorEventLoopDelay({ resolution: 5 });
    lag.enable();
    await streamFile(analyzer, large);
    lag.disable();
    const before = mainThreadCpuMs();
    const sample = await analyzer.finish(info(0));
    await analyzer.retainedSizes(['Big']);
    await analyzer.explain(['Big']);
    const cpuMs = mainThreadCpuMs() - before;
    assert.ok(sample.snapshotBytes > 140e6, `snapshot of ${sample.snapshotBytes} bytes`);
    assert.ok(cpuMs < 50, `the caller's thread worked ${cpuMs} ms during the analysis (event-loop lag while streaming up to ${(lag.max / 1e6).toFixed(1)} ms)`);
  });

  it('analyses a large file with its dominators computed ahead on the parse\'s helper thread: the retained sizes one thread gives', async () => {
    // The file is parsed on two threads (16 MB or more) and has 200k+ nodes: the last file of an
    // analysis gets its dominators started on the edge helper's thread, joined by retainedSizes.
    const report = await analyzeSnapshotFiles([large], analyzer);
    const types = report.types.filter((t) => typeof t.retainedBytes === 'number');
    assert.ok(types.some((t) => t.name === 'Big'), 'Big has a retained size');
    const session = new SnapshotSession(); // one thread, no helper
    await session.analyzeFile(large, info(0));
    const here = session.retainedSizes(types.map((t) => t.name));
    assert.deepEqual(Object.fromEntries(types.map((t) => [t.name, t.retainedBytes])), here);
    assert.ok(here.Big > 0);
  });

  it('runs the analysis at a lower priority than the caller (Linux: the worker thread at nice 5)', async function () {
    if (process.platform !== 'linux') this.skip();
    /** The nice value of each of this process's threads, by thread id. */
    const nices = () =>
      new Map(
        readdirSync('/proc/self/task').map((tid) => {
          const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
          return [Number(tid), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16])] as const;
        }),
      );
    const before = nices().get(process.pid);
    await streamFile(analyzer, small);
    await analyzer.finish(info(0)); // the worker is up and has served a request
    const now = nices();
    assert.ok([...now.values()].includes(5), `a thread at nice 5 (the worker's): ${JSON.stringify([...now])}`);
    assert.equal(now.get(process.pid), before, "the caller's own thread keeps its priority");
  });

  it('fails pending requests when disposed, with a clear message', async () => {
    await streamFile(analyzer, small);
    const pending = assert.rejects(analyzer.finish(info(0)), /disposed/);
    await analyzer.dispose();
    await pending;
  });
});

describe('snapshot session: retained sizes', () => {
  it('gives each type the retained size of its own member set', async () => {
    const file = takeSnapshotOf(`
      class Holder { constructor() { this.items = Array.from({ length: 50 }, (_, i) => new Item(i)); } }
      class Item { constructor(i) { this.i = i; this.payload = 'p'.repeat(100 + i); } }
      globalThis.holders = Array.from({ length: 20 }, () => new Holder());`);
    const session = new SnapshotSession();
    await session.analyzeFile(file, info(0));
    const types = ['Holder', 'Item', '(string)', 'Array'];
    const sizes = session.retainedSizes(types);
    // Reference: one member array per type, as the sizes were computed before they shared one marking.
    const a = session.analysis!;
    const marks = markTypes(a.graph, types, a.typeOf);
    for (const [k, name] of types.entries()) {
      const member = Uint8Array.from(marks, (m) => (m === k + 1 ? 1 : 0));
      assert.equal(sizes[name], retainedBySet(a.dominators(), member), name);
    }
    assert.ok(sizes.Holder > sizes.Item && sizes.Item > 20 * 50 * 100, JSON.stringify(sizes));
  });
});

describe('snapshot session: id resets', () => {
  it('marks the sample after resetBaseline() as a new baseline', async () => {
    const file = takeSnapshotOf('globalThis.x = [1, 2, 3];');
    const session = new SnapshotSession();
    const a = await session.analyzeFile(file, info(0));
    const b = await session.analyzeFile(file, info(1));
    session.resetBaseline();
    const c = await session.analyzeFile(file, info(2));
    assert.equal(a.idsReset, undefined);
    assert.equal(b.idsReset, undefined);
    assert.equal(c.idsReset, true);
    assert.equal(c.types[0].cohorts.length, 1, "cohorts start again");
  });
});
