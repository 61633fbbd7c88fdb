import { formatBytes } from '../format';
import type { Sample, SampleInfo, TypeSeries, TypeStat, Verdict } from '../report';
import { isInternalType, typeTier } from './typeNames';

/**
 * The thresholds behind the verdicts, judged on the recent `window` samples and (for longer series)
 * on the whole series since the last id reset, thinned to `window` points:
 * - trend: count up by at least `minNetObjects`, Theil–Sen slope > 0, at least half the steps up and
 *   at most `maxDownShare` of them down;
 * - retention (MemLab's baseline/target/final over a series): objects born in at least
 *   `minRetainedShare` of the intervals old enough to have been seen again are still alive at the
 *   last sample, `minRetainedObjects` of them in all (needs `minSamplesForLeak` samples).
 * `leak` = trend and retention, for a type the program makes (V8 internals such as `(system)`,
 * `(array)`, `(compiled code)`, `(number)` are at most `suspect`: they grow because their holders do;
 * runtime types such as `Array`, `Map`, `Timeout` need `minRuntimeKeptShare` of their newborns kept).
 * `suspect` = trend without retention (growth the GC still frees, or too few samples yet), retention
 * with net growth but no clean trend, or bytes up by `minNetBytes` while the count holds. Else `ok`.
 */
export const GROWTH_RULES = {
  /** Samples (since the last id reset) a `leak` verdict needs: two intervals whose objects are seen surviving. */
  minSamplesForLeak: 4,
  /** The recent window the verdict looks at (samples); a longer series is also judged as a whole, thinned to this many points. */
  window: 12,
  /** Net growth (objects) below which a count change is noise. */
  minNetObjects: 20,
  /** Objects born inside the window and still alive at its end, below which retention is noise. */
  minRetainedObjects: 20,
  /** Share of the window's intervals whose newborn objects must still be alive. */
  minRetainedShare: 0.75,
  /** Share of steps that may go down while the trend still holds. */
  maxDownShare: 0.25,
  /** Net growth of bytes, with a flat count, worth a `suspect`. */
  minNetBytes: 1 << 20,
  /**
   * Share of the newborn objects seen at their sample that a runtime type (`Array`, `Map`, `Timeout`…)
   * must still have alive for a `leak`. The runtime makes such objects on its own, and a program's
   * start-up keeps a few of every interval's while most die; a leaked container keeps nearly all.
   */
  minRuntimeKeptShare: 0.5,
} as const;

/** What one window of samples shows for one type. */
interface WindowFindings {
  /** Samples in the stretch, and the points of it looked at (fewer when thinned). */
  samples: number;
  points: number;
  seconds: number;
  first: number;
  last: number;
  up: number;
  down: number;
  slopePerMinute: number;
  trend: boolean;
  bytesFirst: number;
  bytesLast: number;
  bytesTrend: boolean;
  /** Intervals (inside the window, old enough to have been seen again) and how many kept objects. */
  intervals: number;
  intervalsKept: number;
  retained: number;
  born: number;
  /** Samples since the oldest interval whose objects are still alive. */
  oldestKept: number;
  retention: boolean;
}

/**
 * Per-type time series over the samples, with a verdict (`leak` / `suspect` / `ok`) and its evidence,
 * ranked: leaks first, then suspects, each with the program's own classes before the runtime's, then
 * by growth. Reads `cohorts` from the last sample only, and `newCount` from every sample. After an
 * id reset (`idsReset`, or `maxId` below the one before) the verdict starts again from that sample.
 */
export function computeSeries(samples: Sample[]): TypeSeries[] {
  if (samples.length === 0) return [];
  const start = lastResetIndex(samples);
  const segment = samples.slice(start);
  // Each type's stats by sample, in one pass (a map per sample cost ~0.5 s at 3,600 samples × 258 types).
  const n = samples.length;
  const byName = new Map<string, (TypeStat | undefined)[]>();
  for (let i = 0; i < n; i++) {
    for (const t of samples[i].types) {
      let stats = byName.get(t.name);
      if (!stats) byName.set(t.name, (stats = new Array<TypeStat | undefined>(n).fill(undefined)));
      stats[i] = t;
    }
  }

  const out: TypeSeries[] = [];
  for (const [name, stats] of byName) {
    const counts = stats.map((t) => t?.count ?? 0);
    const bytes = stats.map((t) => t?.bytes ?? 0);
    const judged = judge(name, segment, stats.slice(start));
    if (start > 0) judged.evidence.push(`Object ids restarted at sample ${samples[start].index}; the verdict uses the ${segment.length} samples since.`);
    out.push({ name, counts, bytes, ...judged });
  }
  return out.sort(compareSeries);
}

/** Index of the sample that starts the last baseline: marked `idsReset`, or whose `maxId` fell below the one before (0 when none). */
export function lastResetIndex(samples: readonly Pick<SampleInfo, 'idsReset' | 'maxId'>[]): number {
  let start = 0;
  for (let i = 1; i < samples.length; i++) if (samples[i].idsReset || samples[i].maxId < samples[i - 1].maxId) start = i;
  return start;
}

/** Leaks, then suspects, then ok; within leaks and suspects the program's own types first; then by growth. */
export function compareSeries(a: TypeSeries, b: TypeSeries): number {
  const rank: Record<Verdict, number> = { leak: 0, suspect: 1, ok: 2 };
  return (
    rank[a.verdict] - rank[b.verdict] ||
    (a.verdict === 'ok' ? 0 : typeTier(a.name) - typeTier(b.name)) ||
    b.countPerMinute - a.countPerMinute ||
    b.bytesPerMinute - a.bytesPerMinute ||
    (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)
  );
}

type Judgement = Pick<TypeSeries, 'verdict' | 'evidence' | 'countPerMinute' | 'bytesPerMinute'>;

function judge(name: string, segment: Sample[], stats: (TypeStat | undefined)[]): Judgement {
  const n = segment.length;
  const recentFrom = Math.max(0, n - GROWTH_RULES.window);
  const recent = examine(segment, stats, recentFrom);
  const whole = recentFrom > 0 ? examine(segment, stats, 0) : recent;
  const countPerMinute = recent.slopePerMinute;
  const bytesPerMinute = theilSenPerMinute(segment.slice(recentFrom), stats.slice(recentFrom).map((t) => t?.bytes ?? 0));
  const evidence: string[] = [];

  const leaking = (w: WindowFindings) => w.trend && w.retention;
  const found = leaking(recent) ? recent : leaking(whole) ? whole : null;
  let verdict: Verdict = 'ok';
  if (found) {
    evidence.push(describeTrend(found), describeRetention(found));
    if (isInternalType(name)) {
      verdict = 'suspect';
      evidence.push('A V8 internal type: it grows because the objects that hold it do; look at the program’s own types first.');
    } else if (typeTier(name) === 2 && found.born > 0 && found.retained < GROWTH_RULES.minRuntimeKeptShare * found.born) {
      verdict = 'suspect';
      evidence.push(
        `A runtime type, and most of its new objects died (a leak keeps at least ${Math.round(100 * GROWTH_RULES.minRuntimeKeptShare)} %): ` +
          'start-up or the runtime’s own work, or a leak of a few; look at the program’s own types first.',
      );
    } else {
      verdict = 'leak';
    }
  } else {
    const w = recent.trend || recent.retention ? recent : whole;
    if (w.trend) {
      verdict = 'suspect';
      evidence.push(describeTrend(w));
      evidence.push(
        n < GROWTH_RULES.minSamplesForLeak
          ? `${n} samples so far; a leak verdict needs ${GROWTH_RULES.minSamplesForLeak}, to see new objects survive.`
          : describeRetention(w),
      );
    } else if (w.retention && w.last - w.first >= GROWTH_RULES.minNetObjects) {
      verdict = 'suspect';
      evidence.push(describeRetention(w), describeTrend(w));
    } else if (recent.bytesTrend) {
      verdict = 'suspect';
      evidence.push(
        `Bytes ${formatBytes(recent.bytesFirst)} → ${formatBytes(recent.bytesLast)} (+${formatBytes(recent.bytesLast - recent.bytesFirst)}) ` +
          `while the count went ${grouped(recent.first)} → ${grouped(recent.last)}: its objects get larger.`,
      );
    } else {
      evidence.push(describeSteady(recent));
    }
  }
  return { verdict, evidence, countPerMinute, bytesPerMinute };
}

/**
 * Trend and retention of one type over segment[from..], judged on at most `GROWTH_RULES.window`
 * samples: a longer stretch is thinned evenly, and each step then spans several intervals (so a
 * slow leak's steps add up, and an interval's births are pooled with its neighbours').
 */
function examine(segment: Sample[], stats: (TypeStat | undefined)[], from: number): WindowFindings {
  const n = segment.length;
  const span = n - from;
  const m = Math.min(span, GROWTH_RULES.window);
  // Segment indices of the points looked at; the last is always the last sample.
  const picked = evenlySpaced(span, m);
  const idx = Array.from({ length: m }, (_, k) => from + (picked ? picked[k] : k));
  const counts = idx.map((i) => stats[i]?.count ?? 0);
  const bytes = idx.map((i) => stats[i]?.bytes ?? 0);
  const times = idx.map((i) => segment[i]);
  const steps = Math.max(0, m - 1);
  let up = 0;
  let down = 0;
  let bytesDown = 0;
  for (let k = 1; k < m; k++) {
    if (counts[k] > counts[k - 1]) up++;
    else if (counts[k] < counts[k - 1]) down++;
    if (bytes[k] < bytes[k - 1]) bytesDown++;
  }
  const first = counts[0] ?? 0;
  const last = counts[m - 1] ?? 0;
  const slopePerMinute = theilSenPerMinute(times, counts);
  const maxDown = Math.floor(GROWTH_RULES.maxDownShare * steps);
  const trend =
    m >= 3 && last - first >= GROWTH_RULES.minNetObjects && slopePerMinute > 0 && down <= maxDown && up >= Math.ceil(steps / 2);
  const bytesFirst = bytes[0] ?? 0;
  const bytesLast = bytes[m - 1] ?? 0;
  const bytesTrend =
    m >= 3 && bytesLast - bytesFirst >= GROWTH_RULES.minNetBytes && bytesDown <= maxDown && theilSenPerMinute(times, bytes) > 0;

  // Retention, from the last sample's cohorts aligned from the end: the interval that ended at
  // segment sample i is cohorts[L-1-(n-1-i)]. Step k pools the intervals ending at idx[k-1]+1 .. idx[k];
  // steps 1..m-2 ended at least one point before the last, so their objects have been seen surviving.
  const cohorts = stats[n - 1]?.cohorts ?? [];
  const cohortOfSample = (i: number) => cohorts.length - 1 - (n - 1 - i);
  let intervals = 0;
  let intervalsKept = 0;
  let retained = 0;
  let born = 0;
  let oldestKept = 0;
  for (let k = 1; k <= m - 2; k++) {
    let kept = 0;
    let seen = false;
    for (let i = idx[k - 1] + 1; i <= idx[k]; i++) {
      const c = cohortOfSample(i);
      if (c < 1) continue; // cohort 0 is "before the first watermark", not a birth interval
      seen = true;
      kept += cohorts[c];
      if (cohorts[c] > 0) oldestKept = Math.max(oldestKept, n - 1 - i);
      born += stats[i]?.newCount ?? 0;
    }
    if (!seen) continue;
    intervals++;
    retained += kept;
    if (kept > 0) intervalsKept++;
  }
  const retention =
    m >= GROWTH_RULES.minSamplesForLeak &&
    intervals >= 2 &&
    intervalsKept >= Math.ceil(GROWTH_RULES.minRetainedShare * intervals) &&
    retained >= GROWTH_RULES.minRetainedObjects;
  const seconds = m > 1 ? (times[m - 1].time - times[0].time) / 1000 : 0;
  return {
    samples: span, points: m, seconds, first, last, up, down, slopePerMinute, trend, bytesFirst, bytesLast, bytesTrend,
    intervals, intervalsKept, retained, born, oldestKept, retention,
  };
}

/** Points a Theil–Sen slope looks at; longer series are thinned evenly (the pairs grow as the square). */
const MAX_SLOPE_POINTS = 32;

/** Theil–Sen slope (median of pairwise slopes) of values over the samples' times, per minute. */
export function theilSenPerMinute(samples: Pick<Sample, 'time'>[], values: number[]): number {
  const n = values.length;
  const points = Math.min(n, MAX_SLOPE_POINTS);
  const picked = evenlySpaced(n, points);
  const at = (k: number) => (picked ? picked[k] : k);
  const slopes: number[] = [];
  for (let a = 0; a < points; a++) {
    const i = at(a);
    for (let b = a + 1; b < points; b++) {
      const j = at(b);
      const dt = samples[j].time - samples[i].time;
      if (dt > 0) slopes.push((values[j] - values[i]) / dt);
    }
  }
  if (slopes.length === 0) return 0;
  slopes.sort((a, b) => a - b);
  const mid = slopes.length >> 1;
  const median = slopes.length % 2 ? slopes[mid] : (slopes[mid - 1] + slopes[mid]) / 2;
  return median * 60_000;
}

function describeTrend(w: WindowFindings): string {
  const steps = w.points - 1;
  const thinned = w.points < w.samples ? ` (${w.points} evenly spaced)` : '';
  const delta = w.last - w.first;
  return (
    `Count ${grouped(w.first)} → ${grouped(w.last)} (${delta >= 0 ? '+' : ''}${grouped(delta)}) ` +
    `over ${w.samples} samples${thinned} (${w.seconds.toFixed(1)} s): up in ${w.up} of ${steps} steps, down in ${w.down}; ` +
    `about ${grouped(Math.round(w.slopePerMinute))}/min; bytes ${formatBytes(w.bytesFirst)} → ${formatBytes(w.bytesLast)}.`
  );
}

function describeRetention(w: WindowFindings): string {
  if (w.intervals === 0) return 'No interval is old enough yet to tell whether new objects survive.';
  const share = w.born > 0 ? ` (${Math.round((100 * Math.min(w.retained, w.born)) / w.born)} % of those seen when new)` : '';
  return (
    `Objects born in ${w.intervalsKept} of the ${w.intervals} earlier intervals are still alive at the last sample: ` +
    `${grouped(w.retained)}${share}` +
    (w.oldestKept > 0 ? `, the oldest ${w.oldestKept} sample${w.oldestKept === 1 ? '' : 's'} later.` : '.')
  );
}

function describeSteady(w: WindowFindings): string {
  const kept = w.intervals > 0 ? `; ${grouped(w.retained)} of the objects born during it are still alive` : '';
  return `Count ${grouped(w.first)} → ${grouped(w.last)} over ${w.samples} samples: no sustained growth${kept}.`;
}

/** `max` indexes evenly spaced over 0..n-1, the first and last included; undefined when n ≤ max. */
export function evenlySpaced(n: number, max: number): number[] | undefined {
  if (n <= max) return undefined;
  return Array.from({ length: max }, (_, k) => Math.round((k * (n - 1)) / (max - 1)));
}

/**
 * An older sample as a watch keeps it. `computeSeries` reads cohorts from the last sample only, and
 * a cohort list grows by one per sample (memory quadratic in samples if kept), so without cohorts;
 * and each type's stats shared with the last kept sample's when they are the same numbers (most
 * types of a program do not change from one sample to the next), so a kept sample costs little
 * more than its array of types. `kept` maps each name to its latest kept stats (one copy of the
 * name too); it is updated.
 */
export function packSample(sample: Sample, kept: Map<string, TypeStat>): Sample {
  const types = sample.types.map((t) => {
    const before = kept.get(t.name);
    if (before && before.count === t.count && before.bytes === t.bytes && before.newCount === t.newCount && before.newBytes === t.newBytes) {
      return before;
    }
    const packed: TypeStat = { ...t, name: before?.name ?? t.name, cohorts: NO_COHORTS };
    kept.set(packed.name, packed);
    return packed;
  });
  return { ...sample, types };
}

/** One empty array shared by every type of every older sample (thousands of them in a long watch). */
const NO_COHORTS: number[] = [];

/** One formatter for every number in the evidence: `toLocaleString` builds a new one per call (~20 µs each). */
const GROUPED = new Intl.NumberFormat('en-US');

/** An integer with thousands separators, `12,345`. */
export function grouped(n: number): string {
  return GROUPED.format(n);
}
