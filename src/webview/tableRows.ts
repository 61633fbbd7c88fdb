// The rows of the types table (pure: no DOM). By cause: each cause, the types it keeps beneath it,
// then the types no cause keeps; by type: every type, flat. Filtered by name (a cause stays above the
// kept types that match), sorted by a column within each level (causes among causes, kept types
// within their cause, other types among themselves).
import type { Cause, KeptType, Report, TypeSeries, Verdict } from '../core/report';
import { headlineText } from '../display/causes';
import { formatCount } from '../display/format';

export type SortKey = 'name' | 'count' | 'delta' | 'bytes' | 'retained' | 'rate' | 'verdict';

/** How the table groups its rows: by cause (the default when there are causes) or by type. */
export type TableView = 'causes' | 'types';

export interface TableRow {
  kind: 'cause' | 'kept' | 'type';
  /** The row's key, unique in the table: `cause:<id>`, `kept:<id>:<type>`, `type:<name>`. */
  key: string;
  /** The type of a kept or type row. */
  type?: string;
  /** The cause of a cause or kept row. */
  causeId?: string;
  /** What the Type cell shows, and its tooltip. */
  name: string;
  title: string;
  verdict: ShownVerdict;
  count: number;
  delta: number;
  rate: number;
  bytes: number;
  retained?: number;
  /** Counts per sample (the sparkline). */
  trend: number[];
  /** Position in the report's own order at its level (its ranking). */
  rank: number;
}

/** A cause's row and the rows of the types it keeps. */
export interface CauseGroup {
  row: TableRow;
  kept: TableRow[];
}

export interface TableRows {
  causes: CauseGroup[];
  /** Type rows: every type (by type), or the types no cause keeps (by cause). */
  types: TableRow[];
}

/**
 * A row's verdict as shown: the report's, except that a type judged `ok` while the report is too
 * early to tell (too few samples for a leak verdict) shows `early`, not a pass.
 */
export type ShownVerdict = Verdict | 'early';

const VERDICT_RANK: Record<ShownVerdict, number> = { leak: 0, suspect: 1, early: 2, ok: 3 };

function last(values: number[]): number {
  return values.length ? values[values.length - 1] : 0;
}

/** The change in count since the first sample: a type first seen later had none then. */
export function countDelta(t: TypeSeries, samples: number): number {
  if (!t.counts.length) return 0;
  return last(t.counts) - (t.counts.length < samples ? 0 : t.counts[0]);
}

function typeRow(t: TypeSeries, rank: number, samples: number, early: boolean): TableRow {
  return {
    kind: 'type', key: `type:${t.name}`, type: t.name, name: t.name, title: t.name, verdict: early && t.verdict === 'ok' ? 'early' : t.verdict,
    count: last(t.counts), delta: countDelta(t, samples), rate: t.countPerMinute,
    bytes: last(t.bytes), retained: t.retainedBytes, trend: t.counts, rank,
  };
}

/** A kept type's row: the type's own series (the same numbers as in the per-type view), its share in the tooltip. */
function keptRow(cause: Cause, k: KeptType, series: TypeSeries | undefined, rank: number, samples: number): TableRow {
  const base = series ? typeRow(series, rank, samples, false) : {
    kind: 'type' as const, key: '', type: k.type, name: k.type, title: k.type, verdict: k.verdict,
    count: k.newObjects, delta: k.newObjects, rate: k.countPerMinute, bytes: k.newBytes, retained: undefined, trend: [], rank,
  };
  const share = Math.round(100 * Math.min(1, k.share));
  return {
    ...base,
    kind: 'kept',
    key: `kept:${cause.id}:${k.type}`,
    causeId: cause.id,
    title: `${k.type}: ${formatCount(k.newObjects)} new objects (${share} % of its new objects) kept by ${cause.holder.label}`,
  };
}

function causeRow(cause: Cause, lead: TypeSeries | undefined, rank: number): TableRow {
  return {
    kind: 'cause', key: `cause:${cause.id}`, causeId: cause.id, name: cause.holder.label, title: headlineText(cause), verdict: cause.verdict,
    count: cause.newObjects, delta: cause.newObjects, rate: cause.kept[0]?.countPerMinute ?? lead?.countPerMinute ?? 0,
    bytes: cause.newBytes, retained: cause.retainedBytes, trend: lead?.counts ?? [], rank,
  };
}

function sortValue(row: TableRow, key: SortKey): number | string {
  switch (key) {
    case 'name': return row.name.toLowerCase();
    case 'count': return row.count;
    case 'delta': return row.delta;
    case 'bytes': return row.bytes;
    case 'retained': return row.retained ?? -1;
    case 'rate': return row.rate;
    case 'verdict': return VERDICT_RANK[row.verdict];
  }
}

/** Sorts rows of one level by `key`; ties keep the report's order (verdict) or put faster growth, then more bytes, first. */
export function sortRows(rows: TableRow[], key: SortKey, ascending: boolean): TableRow[] {
  const dir = ascending ? 1 : -1;
  return rows.slice().sort((a, b) => {
    const va = sortValue(a, key);
    const vb = sortValue(b, key);
    const primary = va < vb ? -dir : va > vb ? dir : 0;
    if (key === 'verdict') return primary || a.rank - b.rank;
    return primary || b.rate - a.rate || b.bytes - a.bytes;
  });
}

/** The table's rows for a report, a view, a filter (lower case) and a sort. */
export function tableRows(report: Report, view: TableView, filter: string, key: SortKey, ascending: boolean): TableRows {
  const series = new Map(report.types.map((t) => [t.name, t]));
  const samples = report.samples.length;
  const matches = (text: string) => !filter || text.toLowerCase().includes(filter);
  const causes = view === 'causes' ? report.causes ?? [] : [];
  const groups: CauseGroup[] = [];
  const keptTypes = new Set<string>();
  causes.forEach((cause, i) => {
    for (const k of cause.kept) keptTypes.add(k.type);
    // A filter lists the kept types it matches, under their cause; a cause it matches by name alone stands alone.
    const kept = cause.kept.map((k, j) => keptRow(cause, k, series.get(k.type), j, samples)).filter((r) => matches(r.name));
    if (!kept.length && !matches(cause.title) && !matches(cause.holder.label)) return;
    groups.push({ row: causeRow(cause, series.get(cause.kept[0]?.type ?? ''), i), kept: sortRows(kept, key, ascending) });
  });
  const sortedGroups = sortRows(groups.map((g) => g.row), key, ascending).map((row) => groups.find((g) => g.row === row)!);
  const types = report.types.map((t, i) => typeRow(t, i, samples, !!report.tooEarly)).filter((r) => !keptTypes.has(r.name) && matches(r.name));
  return { causes: sortedGroups, types: sortRows(types, key, ascending) };
}
