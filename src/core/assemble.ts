import { computeSeries, evenlySpaced } from './analysis/growth';
import { REPORT_VERSION, type Cause, type Leak, type Report, type ReportTarget, type Sample, type SampleInfo, type TypeSeries } from './report';

/** How many leaking or suspect types are explained (retainer paths, sites, back-references). */
export const MAX_EXPLAINED_TYPES = 5;
/** How many of the top types get a retained size. */
export const MAX_RETAINED_TYPES = 20;
/**
 * The most samples a report lists, and points in each type's series. A longer watch's report lists
 * that many, evenly spaced, the first and last kept (verdicts still use every sample): at a sample a
 * second, an hour of 250 types would otherwise be 15 MB of JSON, built, sent to the panel and saved
 * after every sample.
 */
export const MAX_REPORT_SAMPLES = 720;

export interface ReportInput {
  target: ReportTarget;
  startedAt: Date;
  /** All samples, in order. */
  samples: readonly Sample[];
  heapUsage?: Report['heapUsage'];
  notes?: readonly string[];
  /**
   * Explains the given types on the latest snapshot (the worker's `explain`); `alsoRetained` are the
   * types `retainedSizes` is asked for next, which the worker sums in the same pass.
   */
  explain(types: string[], alsoRetained?: string[]): Promise<Leak[]>;
  /** The causes of the growing types on the latest snapshot (the worker's `causes`), given every type's verdict and growth; optional. */
  causes?(types: Pick<TypeSeries, 'name' | 'verdict' | 'countPerMinute'>[]): Promise<Cause[]>;
  /** Retained bytes per type on the latest snapshot (the worker's `retainedSizes`); optional. */
  retainedSizes?(types: string[]): Promise<Record<string, number>>;
  /** The verdicts, when the caller judged more than the samples (a watch's censuses); default `computeSeries(samples)`. */
  series?: TypeSeries[];
  /** Added to the report as they are (see `Report`). */
  censuses?: Report['censuses'];
  verdictAt?: number;
  tooEarly?: string;
}

/** Builds the report from samples: per-type series and verdicts, then explanations of the leaks. */
export async function assembleReport(input: ReportInput): Promise<Report> {
  const notes = [...(input.notes ?? [])];
  const types = input.series ?? computeSeries([...input.samples]); // it starts from the last id reset itself
  const explained = types.filter((t) => t.verdict !== 'ok').slice(0, MAX_EXPLAINED_TYPES);
  const sizes = input.retainedSizes ? retainedWanted(types) : [];
  let leaks: Leak[] = [];
  if (explained.length) {
    try {
      leaks = await input.explain(explained.map((t) => t.name), sizes.length ? sizes : undefined);
    } catch (error) {
      notes.push(`Could not explain the growing types: ${(error as Error)?.message ?? String(error)}`);
    }
  }
  let causes: Cause[] | undefined;
  const growing = types.filter((t) => t.verdict !== 'ok');
  if (input.causes && growing.length) {
    try {
      causes = await input.causes(growing.map(({ name, verdict, countPerMinute }) => ({ name, verdict, countPerMinute })));
    } catch (error) {
      notes.push(`Could not find the causes of the growing types: ${(error as Error)?.message ?? String(error)}`);
    }
  }
  const byName = new Map(types.map((t) => [t.name, t]));
  if (input.retainedSizes && sizes.length) {
    try {
      const retained = await input.retainedSizes(sizes);
      for (const [name, bytes] of Object.entries(retained)) {
        const t = byName.get(name);
        if (t) t.retainedBytes = bytes;
      }
    } catch (error) {
      notes.push(`Could not compute retained sizes: ${(error as Error)?.message ?? String(error)}`);
    }
  }
  // Carry the series' verdicts and evidence onto the explanations, and retained sizes onto the series.
  for (const leak of leaks) {
    const t = byName.get(leak.type);
    if (!t) continue;
    leak.verdict = t.verdict;
    if (!leak.evidence.length) leak.evidence = [...t.evidence];
    if (t.retainedBytes === undefined) t.retainedBytes = leak.retainedBytes;
  }
  const picked = evenlySpaced(input.samples.length, MAX_REPORT_SAMPLES);
  if (picked) {
    for (const t of types) {
      t.counts = picked.map((i) => t.counts[i]);
      t.bytes = picked.map((i) => t.bytes[i]);
    }
  }
  return {
    version: REPORT_VERSION,
    target: input.target,
    startedAt: input.startedAt.toISOString(),
    samples: picked ? picked.map((i) => sampleInfo(input.samples[i])) : input.samples.map(sampleInfo),
    samplesTaken: picked ? input.samples.length : undefined,
    heapUsage: input.heapUsage ? [...input.heapUsage] : undefined,
    types,
    ...(input.causes ? { causes: causes ?? [] } : {}),
    leaks,
    notes: notes.length ? notes : undefined,
    censuses: input.censuses?.length ? input.censuses : undefined,
    verdictAt: input.verdictAt,
    tooEarly: input.tooEarly,
  };
}

/** The types to get retained sizes for: the ranked ones, and the largest by shallow size. */
function retainedWanted(types: TypeSeries[]): string[] {
  const last = (a: number[]) => a[a.length - 1] ?? 0;
  return [
    ...new Set([
      ...types.slice(0, MAX_RETAINED_TYPES).map((t) => t.name),
      ...[...types].sort((a, b) => last(b.bytes) - last(a.bytes)).slice(0, MAX_RETAINED_TYPES).map((t) => t.name),
    ]),
  ];
}

/** A sample without its per-type detail. */
export function sampleInfo(s: Sample): SampleInfo {
  const { types: _types, ...info } = s;
  return info;
}
