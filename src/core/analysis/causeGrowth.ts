/**
 * A cause's growth over the samples, read off the last snapshot alone: V8's object ids only grow, so
 * each earlier sample's largest id (its watermark) dates every kept object still alive, and the
 * objects of the cause's first kept type born by each sample make a series whose slope is the
 * cause's own rate of accumulation. (Its top objects would not do: a container made after the first
 * sample is one top object that holds all the rest.)
 */
import type { CauseGrowth } from '../report';
import { formatBytes } from '../format';
import { theilSenPerMinute } from './growth';

/** The cumulative counts and retained bytes by birth, before the times give them a slope. */
export type BirthSeries = Pick<CauseGrowth, 'objects' | 'retainedBytes'>;

/**
 * Counts objects by birth: per sample k (watermarks[k] its largest id; the last graph's sample after
 * them), the objects born by then (id ≤ watermarks[k]; all of them at the last) and their retained bytes.
 */
export class BirthCounter {
  private readonly count: number[];
  private readonly bytes: number[];

  constructor(private readonly watermarks: number[]) {
    this.count = new Array<number>(watermarks.length + 1).fill(0);
    this.bytes = new Array<number>(watermarks.length + 1).fill(0);
  }

  /** One object, by its id and retained bytes. */
  add(id: number, retained: number): void {
    // The first sample whose watermark is at or above the id (the last: born after every earlier one).
    let lo = 0;
    let hi = this.watermarks.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.watermarks[mid] >= id) hi = mid;
      else lo = mid + 1;
    }
    this.count[lo]++;
    this.bytes[lo] += retained;
  }

  /** The cumulative series. */
  series(): BirthSeries {
    const objects = [...this.count];
    const retainedBytes = [...this.bytes];
    for (let k = 1; k < objects.length; k++) {
      objects[k] += objects[k - 1];
      retainedBytes[k] += retainedBytes[k - 1];
    }
    return { objects, retainedBytes };
  }
}

/** The series with its slopes per minute over the sample times (one per point; without them, no slopes). */
export function causeGrowth(series: BirthSeries, type: string, times?: number[]): CauseGrowth {
  const n = series.objects.length;
  const timed = times && times.length === n ? times : undefined;
  const samples = (timed ?? []).map((time) => ({ time }));
  let intervalsGrowing = 0;
  for (let k = 1; k < n; k++) if (series.objects[k] > series.objects[k - 1]) intervalsGrowing++;
  return {
    type,
    times: timed ? [...timed] : [],
    objects: series.objects,
    retainedBytes: series.retainedBytes,
    objectsPerMinute: timed ? round(theilSenPerMinute(samples, series.objects)) : 0,
    retainedBytesPerMinute: timed ? round(theilSenPerMinute(samples, series.retainedBytes)) : 0,
    intervals: n - 1,
    intervalsGrowing,
  };
}

/** One sentence on a cause's growth: how many intervals added to it, and how fast. */
export function growthEvidence(g: CauseGrowth): string {
  const total = g.objects[g.objects.length - 1] ?? 0;
  const rate = g.times.length ? `: about ${grouped(g.objectsPerMinute)} more per minute, retaining ${formatBytes(Math.round(g.retainedBytesPerMinute))} more per minute` : '';
  return `The ${grouped(total)} new ${g.type} objects it keeps were born in ${g.intervalsGrowing} of the ${g.intervals} intervals between samples and are all still alive${rate}.`;
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

