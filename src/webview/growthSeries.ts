// What the growth chart plots (pure: no DOM): which types, and their values per sample as the change
// since the first sample (objgraph's show_growth) or as absolute values.
import type { Report } from '../core/report';
import { leadType } from '../display/causes';

/** The change since the first sample, or the absolute values. */
export type GrowthScale = 'change' | 'absolute';

/**
 * The types the growth chart follows, `top` at most: with causes, each cause's lead type first (so
 * every cause has its line), then their other kept types in the causes' order; without, the report's
 * first types (its ranking).
 */
export function chartedTypeNames(report: Report, top: number): string[] {
  const present = new Set(report.types.filter((t) => t.counts.length > 0).map((t) => t.name));
  const causes = report.causes ?? [];
  const names: string[] = [];
  const add = (name: string) => {
    if (names.length < top && present.has(name) && !names.includes(name)) names.push(name);
  };
  for (const cause of causes) add(leadType(cause));
  for (const cause of causes) for (const k of cause.kept) add(k.type);
  if (!causes.length) for (const t of report.types) add(t.name);
  return names;
}

/**
 * A type's values aligned to the samples (a type first seen later has no earlier values: none of its
 * objects were alive then). As the change since the first sample, those samples count 0; as absolute
 * values they are left out (a log scale has no 0).
 */
export function growthValues(values: readonly number[], samples: number, scale: GrowthScale): (number | null)[] {
  const missing = Math.max(0, samples - values.length);
  const seen = values.slice(-samples);
  if (scale === 'absolute') return new Array<number | null>(missing).fill(null).concat(seen);
  const base = missing > 0 ? 0 : seen[0] ?? 0;
  return new Array<number | null>(missing).fill(0).concat(seen.map((v) => v - base));
}

