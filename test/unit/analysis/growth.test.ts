import * as assert from 'node:assert/strict';
import { computeSeries } from '../../../src/core/analysis/growth';
import type { Sample, TypeSeries } from '../../../src/core/report';
import { FIXTURES, type Fixture } from '../../fixtures/index';
import { sampleProgram } from '../../fixtures/harness';

/** Runs `work` over `items`, at most `limit` at a time. */
async function pool<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

const describeSeries = (series: TypeSeries[]) =>
  series
    .slice(0, 6)
    .map((s) => `${s.verdict} ${s.name} ${JSON.stringify(s.counts)}`)
    .join('\n  ');

describe('growth verdicts on real Node processes (fixtures through the inspector)', function () {
  // The time is mostly the 72 snapshot pauses; generous because a loaded machine stretches every one.
  this.timeout(300_000);
  const results = new Map<string, { samples: Sample[]; series: TypeSeries[] }>();

  before(async () => {
    // Six samples each: the first after start-up settles, then every 300 ms; four fixtures at a time.
    const sampled = await pool(FIXTURES, 4, async (f) => sampleProgram(f.file, { samples: 6, intervalMs: 300, warmupMs: 600 }));
    FIXTURES.forEach((f, i) => results.set(f.name, { samples: sampled[i], series: computeSeries(sampled[i]) }));
  });

  const leaks = FIXTURES.filter((f) => f.kind === 'leak');
  const controls = FIXTURES.filter((f) => f.kind === 'control');

  for (const f of leaks) {
    it(`${f.name}: ${f.leakType} is ranked first, with verdict leak`, () => {
      const { series } = results.get(f.name)!;
      const top = series[0];
      assert.equal(top.name, f.leakType, `ranking:\n  ${describeSeries(series)}`);
      assert.equal(top.verdict, 'leak', top.evidence.join('\n'));
      assert.ok(top.countPerMinute > 0);
      assert.match(top.evidence.join('\n'), /still alive at the last sample/);
    });
  }

  for (const f of controls) {
    it(`${f.name}: no type is a leak`, () => {
      const { series } = results.get(f.name)!;
      const leaking = series.filter((s) => s.verdict === 'leak');
      assert.deepEqual(leaking.map((s) => s.name), [], leaking.map((s) => `${s.name}: ${s.evidence.join(' ')}`).join('\n'));
    });
  }

  it('every sample saw the fixture’s own classes, and ids only grew', () => {
    for (const f of FIXTURES as Fixture[]) {
      const { samples } = results.get(f.name)!;
      assert.equal(samples.length, 6);
      for (let i = 1; i < samples.length; i++) assert.ok(samples[i].maxId > samples[i - 1].maxId, `${f.name}: ids grow`);
      if (f.leakType) assert.ok(samples.every((s) => s.types.some((t) => t.name === f.leakType)), `${f.name}: ${f.leakType} seen`);
    }
  });
});
