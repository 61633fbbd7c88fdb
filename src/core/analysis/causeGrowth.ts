/**
 * A cause's growth over the samples, read off the last snapshot alone: V8's object ids only grow, so
 * each earlier sample's largest id (its watermark) dates every top object still alive, and the top
 * objects born by each sample make a series whose slope is the cause's own rate of accumulation.
 */
import type { HeapGraph } from '../heap/graph';
import type { CauseGrowth } from '../report';
import { formatBytes, theilSenPerMinute } from './growth';

/** The cumulative counts and retained bytes by birth, before the times give them a slope. */
export type BirthSeries = Pick<CauseGrowth, 'topObjects' | 'retainedBytes'>;

/**
 * Per sample k (watermarks[k] its largest id; the last graph's sample after them): the top objects
 * born by then (id ≤ watermarks[k], all of them at the last) and the bytes they retain.
 */
export function birthSeries(g: HeapGraph, tops: number[], retained: Float64Array, watermarks: number[]): BirthSeries {
  const n = watermarks.length + 1;
  const count = new Array<number>(n).fill(0);
  const bytes = new Array<number>(n).fill(0);
  for (const t of tops) {
    const id = g.nodeId[t];
    // The first sample whose watermark is at or above the id (n - 1: born after the last earlier one).
    let lo = 0;
    let hi = watermarks.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (watermarks[mid] >= id) hi = mid;
      else lo = mid + 1;
    }
    count[lo]++;
    bytes[lo] += retained[t];
  }
  for (let k = 1; k < n; k++) {
    count[k] += count[k - 1];
    bytes[k] += bytes[k - 1];
  }
  return { topObjects: count, retainedBytes: bytes };
}

/** Two causes' series added up (causes that name the same code, merged). */
export function addBirthSeries(a: BirthSeries, b: BirthSeries): BirthSeries {
  return { topObjects: a.topObjects.map((x, k) => x + (b.topObjects[k] ?? 0)), retainedBytes: a.retainedBytes.map((x, k) => x + (b.retainedBytes[k] ?? 0)) };
}

/** The series with its slopes per minute over the sample times (one per point; without them, no slopes). */
export function causeGrowth(series: BirthSeries, times?: number[]): CauseGrowth {
  const n = series.topObjects.length;
  const timed = times && times.length === n ? times : undefined;
  const samples = (timed ?? []).map((time) => ({ time }));
  let intervalsGrowing = 0;
  for (let k = 1; k < n; k++) if (series.topObjects[k] > series.topObjects[k - 1]) intervalsGrowing++;
  return {
    times: timed ? [...timed] : [],
    topObjects: series.topObjects,
    retainedBytes: series.retainedBytes,
    topObjectsPerMinute: timed ? round(theilSenPerMinute(samples, series.topObjects)) : 0,
    retainedBytesPerMinute: timed ? round(theilSenPerMinute(samples, series.retainedBytes)) : 0,
    intervals: n - 1,
    intervalsGrowing,
  };
}

/** One sentence on a cause's growth: how many intervals added to it, and how fast. */
export function growthEvidence(g: CauseGrowth): string {
  const total = g.topObjects[g.topObjects.length - 1] ?? 0;
  const rate = g.times.length ? `: about ${grouped(g.topObjectsPerMinute)} more per minute, retaining ${formatBytes(Math.round(g.retainedBytesPerMinute))} more per minute` : '';
  return `The ${grouped(total)} topmost new objects it keeps were born in ${g.intervalsGrowing} of the ${g.intervals} intervals between samples and are all still alive${rate}.`;
}

/**
 * Whether the growth is one burst rather than an accumulation: with three intervals or more, all
 * the cause's top objects were born in one of them.
 */
export function isOneBurst(g: CauseGrowth): boolean {
  return g.intervals >= 3 && g.intervalsGrowing <= 1;
}

function round(x: number): number {
  return Math.round(x * 10) / 10;
}

const GROUPED = new Intl.NumberFormat('en-US');
function grouped(n: number): string {
  return GROUPED.format(Math.round(n));
}

