// The memory guards' arithmetic: the program's (the first snapshot judged by the worst factor, later
// ones by the factor measured, memory the program keeps from a snapshot counted as its own) and the
// analysis worker's (a snapshot's header that declares more than there is memory for is refused
// before anything is allocated).
import * as assert from 'node:assert/strict';
import { ProgramMemoryGuard } from '../../src/core/memoryGuard';
import type { ProgramMemory } from '../../src/core/programMemory';
import { SnapshotParser } from '../../src/core/heap/parser';

const MB = 1e6;

function program(rss: number, heapUsed: number, dataLimit: number, dataUsed: number, maxRss?: number): ProgramMemory {
  return {
    rss: rss * MB, heapUsed: heapUsed * MB, maxRss: maxRss === undefined ? undefined : maxRss * MB, local: true, nodeVersion: 'v20.20.2',
    limits: [
      { kind: 'data', limitBytes: dataLimit * MB, usedBytes: dataUsed * MB, source: 'its data size limit (ulimit -d)' },
      { kind: 'heap', limitBytes: 10 * MB, usedBytes: heapUsed * MB, source: 'its JavaScript heap limit (--max-old-space-size)' },
    ],
  };
}

describe('watch: memory guards', () => {
  it('judges the first snapshot by the worst factor, later ones by the one measured, and counts memory the program kept', () => {
    const guard = new ProgramMemoryGuard();
    // 20 MB heap, 400 MB limit, 100 MB in use: 24 × 20 = 480 MB would not fit.
    const refused = guard.check('snapshot', program(80, 20, 400, 100), 'Snapshot 1');
    assert.equal(refused.fits, false);
    assert.match((refused as { message: string }).message, /^Snapshot 1 was not taken: it would need about 480 MB more memory in the program \(24\.0× its 20\.0 MB heap, the most a first snapshot has needed\), but only 300 MB is left under its data size limit \(ulimit -d\) \(400 MB, 100 MB in use\)/);
    // With room, it is taken; its peak RSS was 80 + 160 MB: a factor of 8.
    const before = program(80, 20, 2000, 100);
    assert.equal(guard.check('snapshot', before, 'Snapshot 1').fits, true);
    guard.snapshotTaken(before, program(230, 20, 2000, 250, 240));
    // Afterwards the program keeps most of it (RSS 230 MB): the next snapshot needs only the rest.
    const second = guard.check('snapshot', program(230, 21, 400, 250), 'Snapshot 2');
    assert.deepEqual(second, { fits: true, extraBytes: 19 * MB });
    // The JS heap limit bounds JavaScript allocations only, never a snapshot.
    assert.equal(guard.check('snapshot', program(230, 21, 4000, 250), 'Snapshot 3').fits, true);
  });

  it('refuses a snapshot whose header asks for columns larger than the memory there is, before allocating', () => {
    const header = {
      snapshot: {
        meta: { node_fields: ['type', 'name', 'id', 'self_size', 'edge_count', 'trace_node_id', 'detachedness'], node_types: [['object']], edge_fields: ['type', 'name_or_index', 'to_node'], edge_types: [['property']] },
        node_count: 50_000_000_000,
        edge_count: 200_000_000_000,
      },
      nodes: [0, 0, 1, 0, 0, 0, 0],
    };
    const parser = new SnapshotParser({ maxGraphBytes: 1e9 });
    assert.throws(
      () => parser.push(JSON.stringify(header)),
      /the snapshot declares 50,000,000,000 nodes and 200,000,000,000 edges: its graph would need about 3\.5 GB, more than the 1\.0 GB free for the analysis/,
    );
  });
});
