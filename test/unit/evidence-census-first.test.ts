// The rule by which the first snapshot confirms what censuses found when the watch began with
// censuses (no snapshot before them, so no object ids to tell the new objects).
import * as assert from 'node:assert/strict';
import type { Census } from '../../src/core/census';
import { snapshotConfirms, type CensusState } from '../../src/core/evidence';
import type { Sample } from '../../src/core/report';

describe('evidence: a snapshot confirms a census leak with no snapshot before it', () => {
  const census = (index: number, time: number, count: number): Census => ({ time, pauseMs: 100, index, counts: { Thing: count }, objects: count, started: [], cohorts: {} });
  const state: CensusState = { censuses: [census(0, 0, 1000), census(1, 60_000, 2000), census(2, 120_000, 3000)], trackedFrom: new Map([['Thing', 1]]) };
  const snapshot = (count: number, time = 120_000): Sample => ({
    index: 0, time, heapUsed: 0, heapTotal: 0, nodes: 0, edges: 0, snapshotBytes: 0, pauseMs: 0, analysisMs: 0, maxId: 1, idsReset: false,
    types: [{ name: 'Thing', count, bytes: count * 40, newCount: count, newBytes: count * 40, cohorts: [] }],
  });
  const rate = { countPerMinute: 1000 };

  it('confirms when the snapshot counts what the censuses counted, and the growth since them', () => {
    assert.equal(snapshotConfirms('Thing', state, snapshot(3000), rate), true);
    assert.equal(snapshotConfirms('Thing', state, snapshot(4000, 180_000), rate), true, 'a minute later, a minute’s growth more');
  });

  it('takes the censuses’ rate from first to last when their slope was measured back to back (the program paused most of the time)', () => {
    // Censuses 4 s apart after a long first gap: their slope says 3,000/min; first to last, 10,000/min.
    const backToBack: CensusState = { censuses: [census(0, 0, 1000), census(1, 48_000, 9000), census(2, 52_000, 9200), census(3, 56_000, 9400), census(4, 60_000, 11_000)], trackedFrom: new Map([['Thing', 1]]) };
    assert.equal(snapshotConfirms('Thing', backToBack, snapshot(31_000, 180_000), { countPerMinute: 3000 }), true, 'two minutes later, 20,000 more');
    assert.equal(snapshotConfirms('Thing', backToBack, snapshot(60_000, 180_000), { countPerMinute: 3000 }), false, 'far more than the censuses’ rate allows');
  });

  it('refuses a snapshot that counts much fewer or much more, or a type it does not have', () => {
    assert.equal(snapshotConfirms('Thing', state, snapshot(2500), rate), false, 'the census counted objects the snapshot does not see');
    assert.equal(snapshotConfirms('Thing', state, snapshot(6000), rate), false, 'the snapshot names other objects so');
    assert.equal(snapshotConfirms('Other', state, snapshot(3000), rate), false);
  });
});
