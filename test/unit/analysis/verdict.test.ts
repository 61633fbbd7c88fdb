import * as assert from 'node:assert/strict';
import { computeSeries, packSample, theilSenPerMinute } from '../../../src/core/analysis/growth';
import { assembleReport, MAX_REPORT_SAMPLES } from '../../../src/core/assemble';
import { formatReport } from '../../../src/cli/format';
import type { Sample, TypeSeries, TypeStat } from '../../../src/core/report';

/**
 * A small heap simulator: per type, live objects remembered by birth interval. Each step runs the
 * scenario (which adds and frees objects), then a sample is taken exactly as aggregateTypes would
 * report it (count, bytes, newCount, cohorts by birth interval).
 */
interface SimType {
  name: string;
  size: number;
  /** live[j] = objects alive that were born in interval j (0 = before the first sample). */
  live: number[];
}

type Scenario = (k: number, add: (name: string, n: number) => void, free: (name: string, keep: (born: number) => number) => void) => void;

function simulate(steps: number, scenario: Scenario, opts: { sizes?: Record<string, number>; resetAt?: number; startMaxId?: number } = {}): Sample[] {
  const types = new Map<string, SimType>();
  const get = (name: string) => {
    let t = types.get(name);
    if (!t) types.set(name, (t = { name, size: opts.sizes?.[name] ?? 32, live: [] }));
    return t;
  };
  const samples: Sample[] = [];
  let base = 0; // first sample of the current id epoch
  let maxId = opts.startMaxId ?? 1000;
  for (let k = 0; k < steps; k++) {
    if (k === opts.resetAt) {
      // A new V8 heap: ids start low again, every live object is "born before the first sample" of the epoch.
      base = k;
      maxId = 101;
      for (const t of types.values()) t.live = [t.live.reduce((a, b) => a + b, 0)];
    }
    const interval = k - base;
    scenario(
      k,
      (name, n) => {
        const t = get(name);
        while (t.live.length <= interval) t.live.push(0);
        t.live[interval] += n;
        maxId += 2 * n;
      },
      (name, keep) => {
        const t = get(name);
        t.live = t.live.map((n, born) => Math.min(n, Math.max(0, keep(born))));
      },
    );
    maxId += 2;
    const stats: TypeStat[] = [];
    for (const t of types.values()) {
      const cohorts = t.live.slice(0, interval + 1);
      while (cohorts.length <= interval) cohorts.push(0);
      let count = 0;
      for (const c of cohorts) count += c;
      if (count === 0) continue;
      const newCount = k === base ? count : cohorts[interval];
      stats.push({ name: t.name, count, bytes: count * t.size, newCount, newBytes: newCount * t.size, cohorts });
    }
    samples.push({
      index: k, time: 1_000_000 + k * 1000, heapUsed: 0, heapTotal: 0, nodes: 0, edges: 0,
      snapshotBytes: 0, pauseMs: 0, analysisMs: 0, maxId, types: stats,
    });
  }
  return samples;
}

/** Every sample but the last packed as a watch keeps them. */
function packed(samples: Sample[]): Sample[] {
  const kept = new Map<string, TypeStat>();
  return [...samples.slice(0, -1).map((s) => packSample(s, kept)), samples[samples.length - 1]];
}

const byName = (series: TypeSeries[], name: string) => {
  const s = series.find((x) => x.name === name);
  assert.ok(s, `no series for ${name}`);
  return s;
};
const leaks = (series: TypeSeries[]) => series.filter((s) => s.verdict === 'leak').map((s) => s.name);

describe('growth verdicts on simulated series', () => {
  it('linear growth that is kept is a leak, with trend and survival as evidence', () => {
    const series = computeSeries(simulate(6, (k, add) => add('Sample', 50)));
    const s = byName(series, 'Sample');
    assert.equal(s.verdict, 'leak');
    assert.deepEqual(s.counts, [50, 100, 150, 200, 250, 300]);
    assert.match(s.evidence.join('\n'), /Count 50 → 300 \(\+250\) over 6 samples/);
    assert.match(s.evidence.join('\n'), /born in 4 of the 4 earlier intervals are still alive/);
    assert.ok(Math.abs(s.countPerMinute - 3000) < 1e-6, `countPerMinute ${s.countPerMinute}`);
    assert.ok(Math.abs(s.bytesPerMinute - 3000 * 32) < 1e-6);
  });

  it('a plateau (bounded working set with full turnover) is ok', () => {
    const series = computeSeries(
      simulate(8, (k, add, free) => {
        add('WorkItem', 500);
        free('WorkItem', (born) => (born === k ? 500 : 0));
      }),
    );
    assert.equal(byName(series, 'WorkItem').verdict, 'ok');
  });

  it('a cache that fills up and then evicts (LRU) is ok once full', () => {
    // Capacity 300, 200 inserts per interval: the oldest interval's entries go first.
    const series = computeSeries(
      simulate(8, (k, add, free) => {
        add('CacheEntry', 200);
        free('CacheEntry', (born) => (born === k ? 200 : born === k - 1 ? 100 : 0));
      }),
    );
    assert.equal(byName(series, 'CacheEntry').verdict, 'ok');
  });

  it('a sawtooth (grows, then is cleared) is never a leak', () => {
    const series = computeSeries(
      simulate(9, (k, add, free) => {
        if (k % 3 === 0) free('Batch', () => 0);
        add('Batch', 200);
      }),
    );
    assert.notEqual(byName(series, 'Batch').verdict, 'leak');
  });

  it('a one-off step (one burst, then flat) is not a leak', () => {
    const series = computeSeries(simulate(7, (k, add) => add('Config', k === 2 ? 1000 : k === 0 ? 10 : 0)));
    const s = byName(series, 'Config');
    assert.notEqual(s.verdict, 'leak');
  });

  it('growth whose new objects die (a queue that grows but is drained) is at most suspect', () => {
    const series = computeSeries(
      simulate(7, (k, add, free) => {
        add('Job', 100 + 40 * k);
        free('Job', (born) => (born === k ? Infinity : 0));
      }),
    );
    const s = byName(series, 'Job');
    assert.equal(s.verdict, 'suspect');
    assert.match(s.evidence.join('\n'), /Count 100 → 340/);
  });

  it('a slow leak of a few objects per interval under heavy churn is a leak, the churn ok', () => {
    const series = computeSeries(
      simulate(6, (k, add, free) => {
        add('Record', 6);
        add('Message', 20_000 + (k % 2) * 3000);
        free('Message', (born) => (born === k ? Infinity : 0));
      }),
    );
    assert.equal(byName(series, 'Record').verdict, 'leak');
    assert.equal(byName(series, 'Message').verdict, 'ok');
    assert.equal(series[0].name, 'Record');
  });

  it('tiny growth stays below the noise thresholds', () => {
    const series = computeSeries(simulate(6, (k, add) => add('Tiny', k === 0 ? 100 : 2)));
    assert.equal(byName(series, 'Tiny').verdict, 'ok');
  });

  it('a trickle is suspect until enough of its objects are seen held', () => {
    const trickle = computeSeries(simulate(6, (k, add) => add('Trickle', 4)));
    assert.equal(byName(trickle, 'Trickle').verdict, 'suspect');
    const more = computeSeries(simulate(7, (k, add) => add('Trickle', 4)));
    assert.equal(byName(more, 'Trickle').verdict, 'leak');
  });

  it('needs four samples before it says leak', () => {
    const three = computeSeries(simulate(3, (k, add) => add('Sample', 100)));
    assert.equal(byName(three, 'Sample').verdict, 'suspect');
    assert.match(byName(three, 'Sample').evidence.join('\n'), /a leak verdict needs 4/);
    const four = computeSeries(simulate(4, (k, add) => add('Sample', 100)));
    assert.equal(byName(four, 'Sample').verdict, 'leak');
  });

  it('V8 internals that grow with a leak are suspects, ranked after the program’s own type', () => {
    const series = computeSeries(
      simulate(6, (k, add) => {
        add('(system)', 900);
        add('(closure)', 300);
        add('Timeout', 300);
        add('PollState', 300);
        add('{id, body}', 300);
      }),
    );
    assert.equal(byName(series, '(system)').verdict, 'suspect');
    assert.deepEqual(series.slice(0, 4).map((s) => s.name), ['PollState', '{id, body}', '(closure)', 'Timeout']);
    assert.deepEqual(leaks(series).sort(), ['(closure)', 'PollState', 'Timeout', '{id, body}']);
  });

  it('a runtime type that keeps a few of each interval’s objects while most die is a suspect; the same for a class is a leak', () => {
    // Start-up: every interval makes 100 arrays and keeps 20 of them (caches and tables filling up).
    const warmUp = (name: string) =>
      computeSeries(
        simulate(6, (k, add, free) => {
          add(name, 100);
          free(name, (born) => (born === k ? Infinity : 20));
        }),
      );
    const array = byName(warmUp('Array'), 'Array');
    assert.equal(array.verdict, 'suspect');
    assert.match(array.evidence.join('\n'), /runtime type, and most of its new objects died/);
    assert.equal(byName(warmUp('Job'), 'Job').verdict, 'leak');
    // A leaked container keeps all of its new objects: a leak even for a runtime type.
    const kept = computeSeries(simulate(6, (k, add) => add('Array', 100)));
    assert.equal(byName(kept, 'Array').verdict, 'leak');
  });

  it('ranks leaks by growth, then suspects, then ok types', () => {
    const series = computeSeries(
      simulate(6, (k, add, free) => {
        add('Slow', 30);
        add('Fast', 300);
        add('Queue', 100 + 50 * k);
        free('Queue', (born) => (born === k ? Infinity : 0));
        add('Steady', k === 0 ? 1000 : 0);
      }),
    );
    assert.deepEqual(series.map((s) => `${s.verdict} ${s.name}`), ['leak Fast', 'leak Slow', 'suspect Queue', 'ok Steady']);
  });

  it('bytes that grow while the count holds make a suspect', () => {
    const samples = simulate(6, (k, add) => add('Buffer', k === 0 ? 10 : 0));
    samples.forEach((s, k) => (s.types[0].bytes = 1000 + k * 600_000));
    const s = byName(computeSeries(samples), 'Buffer');
    assert.equal(s.verdict, 'suspect');
    assert.match(s.evidence.join('\n'), /its objects get larger/);
  });

  it('starts a new baseline after an id reset', () => {
    // Growth before the reset, flat after it: the old growth no longer counts.
    const flatAfter = computeSeries(simulate(10, (k, add) => add('Sample', k < 5 ? 100 : 0), { resetAt: 5 }));
    const s = byName(flatAfter, 'Sample');
    assert.equal(s.verdict, 'ok');
    assert.equal(s.counts.length, 10);
    assert.match(s.evidence.join('\n'), /ids restarted at sample 5; the verdict uses the 5 samples since/);
    // Growth only after the reset is judged on the new samples alone.
    const growsAfter = computeSeries(simulate(10, (k, add) => add('Sample', k >= 5 ? 100 : 0), { resetAt: 5 }));
    assert.equal(byName(growsAfter, 'Sample').verdict, 'leak');
  });

  it('honours idsReset even when maxId (a running maximum) did not drop', () => {
    const samples = simulate(10, (k, add) => add('Sample', k < 5 ? 100 : 0), { resetAt: 5 });
    for (let k = 5; k < 10; k++) samples[k].maxId += 1_000_000;
    samples[5].idsReset = true;
    const s = byName(computeSeries(samples), 'Sample');
    assert.equal(s.verdict, 'ok');
    assert.match(s.evidence.join('\n'), /ids restarted at sample 5/);
  });

  it('a type missing from one sample counts as zero there, and one odd step does not hide a leak', () => {
    const samples = simulate(6, (k, add) => add('Sample', 50));
    samples[2].types = [];
    const s = byName(computeSeries(samples), 'Sample');
    assert.deepEqual(s.counts, [50, 100, 0, 200, 250, 300]);
    assert.equal(s.verdict, 'leak');
    assert.match(s.evidence.join('\n'), /down in 1/);
  });

  it('needs cohorts on the last sample only, and stays fast over a long watch', () => {
    const samples = simulate(120, (k, add, free) => {
      add('Sample', 5);
      add('Churn', 1000);
      free('Churn', (born) => (born === k ? Infinity : 0));
      for (let t = 0; t < 100; t++) add(`Steady${t}`, k === 0 ? 10 : 0);
    });
    const compact = packed(samples);
    assert.ok(compact[0].types.every((t) => t.cohorts.length === 0));
    // Each of the 100 steady types is one object over the packed samples from the second on (the
    // first counts every object as new); the growing one is a new object each time.
    const steady = (s: Sample) => s.types.find((t) => t.name === 'Steady7');
    assert.ok(compact.slice(2, -1).every((s) => steady(s) === steady(compact[1])));
    assert.ok(steady(compact[0]) !== steady(compact[1]));
    assert.ok(steady(compact[0]) !== steady(samples[0]), 'a copy, without the cohorts');
    const grown = (s: Sample) => s.types.find((t) => t.name === 'Sample')!;
    assert.deepEqual(compact.slice(0, 5).map((s) => grown(s).count), [5, 10, 15, 20, 25]);
    assert.deepEqual(computeSeries(compact.slice(0, -1)), computeSeries(samples.slice(0, -1).map((s) => ({ ...s, types: s.types.map((t) => ({ ...t, cohorts: [] })) }))));
    const started = Date.now();
    const series = computeSeries(compact);
    const ms = Date.now() - started;
    assert.equal(byName(series, 'Sample').verdict, 'leak');
    assert.equal(byName(series, 'Churn').verdict, 'ok');
    assert.equal(series[0].name, 'Sample');
    assert.ok(ms < 2000, `computeSeries over 120 samples × 102 types took ${ms} ms`);
    // Without any cohorts survival cannot be seen: growth alone is only a suspect.
    assert.equal(byName(computeSeries(packed([...samples, samples[samples.length - 1]]).slice(0, -1)), 'Sample').verdict, 'suspect');
  });

  it('a long watch\'s report lists 720 evenly spaced samples, the first and last kept; verdicts use them all', async () => {
    const samples = simulate(2000, (k, add, free) => {
      add('Sample', 5);
      add('Churn', 1000);
      free('Churn', (born) => (born === k ? Infinity : 0));
    });
    const compact = packed(samples);
    const input = { target: { kind: 'run' as const, description: 'simulated' }, startedAt: new Date(0), explain: async () => [] };
    const report = await assembleReport({ ...input, samples: compact });
    assert.equal(MAX_REPORT_SAMPLES, 720);
    assert.equal(report.samples.length, 720);
    assert.equal(report.samplesTaken, 2000);
    assert.equal(report.samples[0].index, 0);
    assert.equal(report.samples[719].index, 1999);
    const gaps = report.samples.slice(1).map((s, k) => s.index - report.samples[k].index);
    assert.ok(gaps.every((g) => g === 2 || g === 3), 'evenly spaced');
    const full = computeSeries(compact);
    for (const t of report.types) {
      const whole = byName(full, t.name);
      assert.equal(t.counts.length, 720);
      assert.deepEqual(t.counts, report.samples.map((s) => whole.counts[s.index]), `${t.name}: the counts of the listed samples`);
      assert.deepEqual(t.bytes, report.samples.map((s) => whole.bytes[s.index]));
      assert.equal(t.verdict, whole.verdict);
      assert.equal(t.countPerMinute, whole.countPerMinute);
    }
    assert.equal(byName(report.types, 'Sample').verdict, 'leak');
    assert.match(formatReport(report, 5), /^2000 snapshots of simulated/);
    // Up to the limit every sample is listed, and samplesTaken is left out.
    const short = await assembleReport({ ...input, samples: compact.slice(0, 720) });
    assert.deepEqual(short.samples.map((s) => s.index), Array.from({ length: 720 }, (_, k) => k));
    assert.equal(short.samplesTaken, undefined);
  });

  it('a leak too slow to see in the recent window is found over the whole watch', () => {
    const series = computeSeries(
      simulate(90, (k, add, free) => {
        if (k % 3 === 0) add('Slow', 1);
        add('Churn', 500);
        free('Churn', (born) => (born === k ? Infinity : 0));
      }),
    );
    const s = byName(series, 'Slow');
    assert.equal(s.verdict, 'leak');
    assert.match(s.evidence.join('\n'), /over 90 samples \(12 evenly spaced\)/);
    assert.equal(byName(series, 'Churn').verdict, 'ok');
  });

  it('a leak that starts late in a long watch is found in the recent window', () => {
    const s = byName(computeSeries(simulate(50, (k, add) => add('Late', k === 0 ? 100 : k >= 40 ? 50 : 0))), 'Late');
    assert.equal(s.verdict, 'leak');
    assert.match(s.evidence.join('\n'), /over 12 samples/);
  });

  it('Theil–Sen ignores a single outlier', () => {
    const times = [0, 1, 2, 3, 4, 5, 6].map((i) => ({ time: i * 60_000 }));
    assert.equal(theilSenPerMinute(times, [0, 10, 20, 30, 1000, 50, 60]), 10);
    assert.equal(theilSenPerMinute(times.slice(0, 1), [5]), 0);
  });
});
