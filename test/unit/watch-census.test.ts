// The census (per-type counts without a heap snapshot) on a real program through its real inspector,
// checked against a real heap snapshot of the same program.
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { CensusTaker } from '../../src/core/census';
import { connectWebSocket, type CdpConnection } from '../../src/core/cdp/connection';
import { spawnInspected } from '../../src/core/cdp/endpoints';
import type { Sample } from '../../src/core/report';
import { SnapshotAnalyzer } from '../../src/core/worker/analyzer';
import { realProcessHooks } from './cdp-support';

const programs = path.join(__dirname, 'programs');

describe('watch: census of a real program', function () {
  const { cleanups, workerPath } = realProcessHooks();

  async function start(): Promise<{ connection: CdpConnection; analyzer: SnapshotAnalyzer; evaluate(expression: string): Promise<unknown> }> {
    const inspected = await spawnInspected(process.execPath, [path.join(programs, 'census.js')], { timeoutMs: 30_000 });
    inspected.stdout.resume();
    inspected.stderr.resume();
    cleanups.push(() => inspected.child.kill('SIGKILL'));
    const connection = await connectWebSocket(inspected.wsUrl, { timeoutMs: 10_000, defaultTimeoutMs: 120_000 });
    cleanups.push(() => connection.close());
    const analyzer = new SnapshotAnalyzer({ workerPath: workerPath(), maxHeapMb: 256 });
    cleanups.push(() => analyzer.dispose());
    await connection.send('HeapProfiler.enable');
    const evaluate = async (expression: string) => (await connection.send('Runtime.evaluate', { expression, returnByValue: true })).result.value;
    // The program has run its top level once `held` is there.
    for (let k = 0; k < 100 && (await evaluate('typeof held')) !== 'object'; k++) await new Promise((r) => setTimeout(r, 100));
    return { connection, analyzer, evaluate };
  }

  async function snapshot(connection: CdpConnection, analyzer: SnapshotAnalyzer, index: number): Promise<Sample> {
    analyzer.begin();
    const off = connection.on('HeapProfiler.addHeapSnapshotChunk', ({ chunk }) => analyzer.push(chunk));
    await connection.send('HeapProfiler.takeHeapSnapshot', { reportProgress: false });
    off();
    return analyzer.finish({ index, time: Date.now(), pauseMs: 0, heapUsed: 0, heapTotal: 0 });
  }

  const countIn = (sample: Sample, name: string) => sample.types.find((t) => t.name === name)?.count ?? 0;

  it('counts live objects by class as a heap snapshot does, and runs no getter or Proxy trap of the program', async () => {
    const { connection, analyzer, evaluate } = await start();
    const census = new CensusTaker(connection);
    const counted = await census.take({ tracked: [] }, 60_000);
    const snap = await snapshot(connection, analyzer, 0);
    // Sub.prototype is an object whose prototype is Kept.prototype: a Kept to V8's snapshot as well.
    assert.equal(counted.counts.Kept, 1001);
    assert.equal(counted.counts.Sub, 50);
    for (const name of ['Kept', 'Sub']) assert.equal(counted.counts[name], countIn(snap, name), name);
    // Built-in types: Node's own objects of other realms are not on this Object.prototype's chain, so a
    // census counts fewer than the snapshot; census verdicts are for the program's classes only.
    for (const name of ['Array', 'Map']) assert.ok(counted.counts[name] <= countIn(snap, name) + 2, `${name}: ${counted.counts[name]} counted, ${countIn(snap, name)} in the snapshot`);
    assert.ok(counted.objects > 1050 && counted.pauseMs >= 0, JSON.stringify({ objects: counted.objects, pauseMs: counted.pauseMs }));
    assert.equal(await evaluate('getterRan'), false, 'a constructor getter of the program ran');
    assert.equal(await evaluate('trapRan'), false, 'a Proxy trap of the program ran');
  });

  it('labels tracked objects with the census that first saw them: the survivors of each interval', async () => {
    const { connection, evaluate } = await start();
    const census = new CensusTaker(connection);
    const first = await census.take({ tracked: ['Kept'] }, 60_000);
    assert.deepEqual(first.cohorts.Kept, [1001], 'Sub objects are named by their own class');
    await evaluate('step()');
    const second = await census.take({ tracked: ['Kept', 'Sub'] }, 60_000);
    // Kept: 1001 before + 100 born; Sub starts being tracked here, so its objects are labelled 1.
    assert.deepEqual(second.cohorts.Kept, [1001, 100]);
    assert.deepEqual(second.cohorts.Sub, [0, 50]);
    await evaluate('step()');
    const third = await census.take({ tracked: ['Kept'] }, 60_000);
    assert.deepEqual(third.started, []);
    assert.deepEqual(third.cohorts.Kept, [1001, 50, 100], 'half of the first step’s objects died');
    assert.equal(third.counts.Kept, 1151);
  });

  it('starts labelling the types that grew over a baseline, at most as many as asked', async () => {
    const { connection, evaluate } = await start();
    const census = new CensusTaker(connection);
    await evaluate('step()');
    const counted = await census.take({ tracked: [], baseline: { Kept: 1001, Sub: 50 }, minGrowth: 20, maxTracked: 1 }, 60_000);
    assert.deepEqual(counted.started, ['Kept'], 'Kept grew by 100, Sub not at all');
    assert.deepEqual(counted.cohorts, { Kept: [1101] });
  });

  it('leaves nothing of its own in the program once the labels are dropped', async () => {
    const { connection, analyzer } = await start();
    const before = await snapshot(connection, analyzer, 0);
    const census = new CensusTaker(connection);
    await census.take({ tracked: ['Kept'] }, 60_000);
    await census.dropLabels();
    assert.equal(census.nextIndex, 0);
    const after = await snapshot(connection, analyzer, 1);
    assert.equal(countIn(after, 'WeakMap'), countIn(before, 'WeakMap'), 'the labels WeakMap is gone');
    assert.equal(countIn(after, 'Kept'), 1001);
    const again = await census.take({ tracked: ['Kept'] }, 60_000);
    assert.deepEqual(again.cohorts.Kept, [1001], 'a new state labels everything afresh');
  });
});
