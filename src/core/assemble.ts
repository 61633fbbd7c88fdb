import { computeSeries } from './analysis/growth';
import { REPORT_VERSION, type Leak, type Report, type ReportTarget, type Sample, type SampleInfo } from './report';

/** How many leaking or suspect types are explained (retainer paths, sites, back-references). */
export const MAX_EXPLAINED_TYPES = 5;

export interface ReportInput {
  target: ReportTarget;
  startedAt: Date;
  /** All samples, in order. */
  samples: readonly Sample[];
  heapUsage?: Report['heapUsage'];
  notes?: readonly string[];
  /** Explains the given types on the latest snapshot (the worker's `explain`). */
  explain(types: string[]): Promise<Leak[]>;
}

/** Builds the report from samples: per-type series and verdicts, then explanations of the leaks. */
export async function assembleReport(input: ReportInput): Promise<Report> {
  const notes = [...(input.notes ?? [])];
  const types = computeSeries([...input.samples]) // it starts from the last id reset itself;
  const explained = types.filter((t) => t.verdict !== 'ok').slice(0, MAX_EXPLAINED_TYPES);
  let leaks: Leak[] = [];
  if (explained.length) {
    try {
      leaks = await input.explain(explained.map((t) => t.name));
    } catch (error) {
      notes.push(`Could not explain the growing types: ${(error as Error)?.message ?? String(error)}`);
    }
  }
  // Carry the series' verdicts and evidence onto the explanations, and retained sizes onto the series.
  const byName = new Map(types.map((t) => [t.name, t]));
  for (const leak of leaks) {
    const t = byName.get(leak.type);
    if (!t) continue;
    leak.verdict = t.verdict;
    if (!leak.evidence.length) leak.evidence = [...t.evidence];
    if (t.retainedBytes === undefined) t.retainedBytes = leak.retainedBytes;
  }
  return {
    version: REPORT_VERSION,
    target: input.target,
    startedAt: input.startedAt.toISOString(),
    samples: input.samples.map(sampleInfo),
    heapUsage: input.heapUsage ? [...input.heapUsage] : undefined,
    types,
    leaks,
    notes: notes.length ? notes : undefined,
  };
}

/** A sample without its per-type detail. */
export function sampleInfo(s: Sample): SampleInfo {
  const { types: _types, ...info } = s;
  return info;
}
