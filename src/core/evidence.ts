// Verdicts from every kind of sample a watch takes: heap snapshots (ids, cohorts, the why), censuses
// between them (counts and birth cohorts of the program's classes, at a fraction of a snapshot's
// pause), and the heap line. The rules are growth.ts's own, applied to each kind of series:
// a census series is judged by `computeSeries` exactly as a snapshot series is, and a census
// `leak` stands only once the snapshot after it agrees (and brings the retainer paths). A watch of a
// big heap starts with censuses: their first is then the series' baseline, bytes unknown until the snapshot.
import { GROWTH_RULES, compareSeries, computeSeries, lastResetIndex } from './analysis/growth';
import { isInternalType, typeTier } from './analysis/typeNames';
import type { Census } from './census';
import type { Sample, TypeSeries, TypeStat } from './report';

/** A census series of one tracking state: the snapshot before it (if any), and its censuses in order. */
export interface CensusState {
  /** The snapshot the censuses follow (its counts are the series' first point); none when the watch began with censuses (the first census is then). */
  after?: Sample;
  censuses: Census[];
  /** For each tracked type, the census index from which its objects are labelled. */
  trackedFrom: Map<string, number>;
}

/** A type's census verdict once a snapshot confirmed it. */
export interface ConfirmedLeak {
  series: TypeSeries;
  /** When the confirming snapshot was taken (ms since the epoch). */
  at: number;
}

/** Program classes a census counts as a snapshot does (built-in types of Node's other realms are missed). */
export function censusComparable(name: string): boolean {
  return typeTier(name) === 0 && !name.includes(' ');
}

/** At most this many types are labelled by a census (each label is an entry of a WeakMap in the program). */
export const MAX_TRACKED_TYPES = 16;

/** The counts a census compares with to start labelling a type: the program classes of the snapshot before, else of the state's first census. */
export function censusBaseline(state: CensusState): Record<string, number> {
  const baseline: Record<string, number> = {};
  if (state.after) {
    for (const t of state.after.types) if (censusComparable(t.name)) baseline[t.name] = t.count;
  } else {
    for (const [name, count] of Object.entries(state.censuses[0]?.counts ?? {})) if (censusComparable(name)) baseline[name] = count;
  }
  return baseline;
}

/** Adds a census to its state, and the types it started to label. */
export function addCensus(state: CensusState, census: Census): void {
  state.censuses.push(census);
  for (const name of census.started) if (!state.trackedFrom.has(name)) state.trackedFrom.set(name, census.index);
}

/**
 * The verdicts of the tracked types over one census state, by `computeSeries` over the points
 * [snapshot, census 0, …, census k] (without a snapshot before: [census 0, …, census k]): counts at
 * every point, birth cohorts (from the last census) for the intervals after each type's tracking
 * began; bytes from the snapshot's bytes per object (none without one).
 */
export function judgeCensusState(state: CensusState): TypeSeries[] {
  const out: TypeSeries[] = [];
  const last = state.censuses[state.censuses.length - 1];
  if (!last) return out;
  const { after } = state;
  for (const [name, from] of state.trackedFrom) {
    const cohorts = last.cohorts[name];
    const base = after ? after.types.find((t) => t.name === name) : { count: state.censuses[0].counts[name] ?? 0, bytes: 0 };
    if (!cohorts || !base || from > last.index) continue;
    const perObject = base.count > 0 ? base.bytes / base.count : 0;
    const stat = (count: number, newCount: number, c: number[]): TypeStat => ({
      name, count, bytes: count * perObject, newCount, newBytes: newCount * perObject, cohorts: c,
    });
    const point = (index: number, census: Census, count: number, newCount: number, c: number[]): Sample => ({
      index, time: census.time, heapUsed: 0, heapTotal: 0, nodes: 0, edges: 0, snapshotBytes: 0,
      pauseMs: census.pauseMs, analysisMs: 0, maxId: index + 1, idsReset: false, types: [stat(count, newCount, c)],
    });
    const points: Sample[] = after ? [{ ...after, maxId: 1, idsReset: false, types: [stat(base.count, 0, [])] }] : [];
    for (const census of state.censuses) {
      const count = census.counts[name] ?? 0;
      const born = census.index > from ? (census.cohorts[name]?.[census.index] ?? 0) : 0;
      points.push(point(points.length, census, count, born, census === last ? cohorts.slice(from) : []));
    }
    const [series] = computeSeries(points);
    if (!series) continue;
    series.evidence = series.evidence.map((e) =>
      after
        ? e.replace(/(\d+) samples/g, (_m, n) => `${n} samples (a snapshot, then censuses)`)
        : e.replace(/(\d+) samples/g, (_m, n) => `${n} censuses (before the first snapshot)`).replace(/; bytes [^;]*$/, '; bytes unknown until a snapshot.'),
    );
    out.push(series);
  }
  return out;
}

/**
 * Whether the snapshot after a census state agrees with a census `leak` of `name`. After a snapshot:
 * the type is still there (at least 90 % of the last census's count, so the census named it as the
 * snapshot does), up since the snapshot before, and most of that growth is objects born in between
 * and still alive (ids). Without a snapshot before (no ids to tell the new objects), the census
 * labels already showed the births surviving; the snapshot must count what the censuses counted:
 * at least 90 % of the last census's count and no more than it plus the growth since at 2× the
 * censuses' rate (+10 %), and up since the first census by most (75 %) of the censuses' growth.
 */
export function snapshotConfirms(name: string, state: CensusState, snapshot: Sample, series?: Pick<TypeSeries, 'countPerMinute'>): boolean {
  const now = snapshot.types.find((t) => t.name === name);
  const lastCensus = state.censuses[state.censuses.length - 1];
  const census = lastCensus?.counts[name];
  if (!now || census === undefined) return false;
  if (!state.after) {
    const first = state.censuses[0].counts[name] ?? 0;
    const minutes = Math.max(0, snapshot.time - lastCensus.time) / 60_000;
    // The censuses' rate: their slope, or first to last when they came back to back (the program paused for most of those steps).
    const span = (lastCensus.time - state.censuses[0].time) / 60_000;
    const rate = Math.max(0, series?.countPerMinute ?? 0, span > 0 ? (census - first) / span : 0);
    const most = 1.1 * (census + 2 * rate * minutes) + GROWTH_RULES.minNetObjects;
    const grown = now.count - first;
    return censusComparable(name) && now.count >= 0.9 * census && now.count <= most && grown >= GROWTH_RULES.minNetObjects && grown >= 0.75 * (census - first);
  }
  const before = state.after.types.find((t) => t.name === name);
  if (!before) return false;
  const grown = now.count - before.count;
  return now.count >= 0.9 * census && grown >= GROWTH_RULES.minNetObjects && now.newCount >= 0.75 * grown;
}

/** The runaway heap: what the heap line and the snapshots show when the heap grows fast. */
export interface Runaway {
  /** Used heap at the watch's first sample and now (after GC), and the seconds between. */
  firstHeap: number;
  heapNow: number;
  seconds: number;
}

/**
 * A leak decided early, when the heap runs away and the evidence is overwhelming: on three snapshots
 * or more (each taken because the heap had grown half again), a type up at every step by at least
 * 1,000 objects in all, nearly all (90 %) of those born between the first two still alive at the
 * last, and its bytes a real share (5 %) of the heap's growth. V8 internals stay `suspect`, as in
 * growth.ts. The usual rules need four snapshots; a heap that doubles between them cannot wait.
 */
export function judgeRunaway(samples: Sample[], runaway: Runaway): Map<string, string[]> {
  const early = new Map<string, string[]>();
  const segment = samples.slice(lastResetIndex(samples));
  if (segment.length < 3) return early;
  const [first, second] = segment;
  const last = segment[segment.length - 1];
  const heapGrowth = last.heapUsed - first.heapUsed;
  if (heapGrowth <= 0) return early;
  for (const t of last.types) {
    if (isInternalType(t.name)) continue;
    const counts = segment.map((s) => s.types.find((x) => x.name === t.name)?.count ?? 0);
    if (counts.some((c, i) => i > 0 && c <= counts[i - 1])) continue;
    const grown = counts[counts.length - 1] - counts[0];
    if (grown < 1000) continue;
    const bornSecond = second.types.find((x) => x.name === t.name)?.newCount ?? 0;
    const cohorts = t.cohorts;
    // cohorts[j]: born in the interval that ended at sample j of the segment (0 = before the first).
    const keptSecond = cohorts.length === segment.length ? cohorts[1] : 0;
    if (bornSecond < 1000 || keptSecond < 0.9 * bornSecond) continue;
    const bytesGrown = t.bytes - (first.types.find((x) => x.name === t.name)?.bytes ?? 0);
    if (bytesGrown < 0.05 * heapGrowth) continue;
    early.set(t.name, [
      `The heap is running away: ${mb(runaway.firstHeap)} → ${mb(runaway.heapNow)} (×${(runaway.heapNow / Math.max(1, runaway.firstHeap)).toFixed(1)}) in ${Math.round(runaway.seconds)} s; decided on ${segment.length} snapshots instead of ${GROWTH_RULES.minSamplesForLeak}.`,
      `Count ${counts.map((c) => c.toLocaleString('en-US')).join(' → ')}: up at every snapshot; ${keptSecond.toLocaleString('en-US')} of the ${bornSecond.toLocaleString('en-US')} born between the first two (${Math.round((100 * keptSecond) / bornSecond)} %) are still alive at the last; ${mb(bytesGrown)} of the heap's ${mb(heapGrowth)} growth.`,
    ]);
  }
  return early;
}

/** The verdicts of a watch: the snapshot series, with census verdicts (confirmed or pending) and early runaway leaks laid over them. */
export function combineVerdicts(
  snapshotSeries: TypeSeries[],
  censusSeries: TypeSeries[],
  confirmed: ReadonlyMap<string, ConfirmedLeak>,
  early: ReadonlyMap<string, string[]>,
): TypeSeries[] {
  const byName = new Map(snapshotSeries.map((s) => [s.name, s]));
  const pending = new Map(censusSeries.map((s) => [s.name, s]));
  const out: TypeSeries[] = [];
  for (const base of snapshotSeries) {
    let s = base;
    const held = confirmed.get(base.name);
    const census = pending.get(base.name);
    const runaway = early.get(base.name);
    if (base.verdict !== 'leak' && runaway) {
      s = { ...base, verdict: typeTier(base.name) === 2 && base.verdict === 'ok' ? 'suspect' : 'leak', evidence: runaway };
    } else if (base.verdict !== 'leak' && held) {
      s = { ...base, verdict: 'leak', evidence: held.series.evidence, countPerMinute: held.series.countPerMinute };
    } else if (base.verdict === 'ok' && census && census.verdict !== 'ok') {
      s = { ...base, verdict: 'suspect', evidence: pendingEvidence(census), countPerMinute: census.countPerMinute };
    }
    out.push(s);
  }
  for (const [name, census] of pending) {
    if (!byName.has(name)) out.push({ ...census, verdict: census.verdict === 'ok' ? 'ok' : 'suspect', evidence: pendingEvidence(census) });
  }
  return out.sort(compareSeries);
}

/** A census verdict's evidence while no snapshot has confirmed it: a census `leak` says what comes next. */
function pendingEvidence(census: TypeSeries): string[] {
  if (census.verdict !== 'leak') return census.evidence;
  return [...census.evidence, 'Counted by censuses between snapshots; the next snapshot confirms it and finds who holds the objects.'];
}

/**
 * Settled, for `--until-verdict`: no type that could still become a leak (the program's classes and
 * object shapes) is `suspect`, and the evidence is complete (a leak was found, or there are enough
 * snapshots since the last id reset for a `leak` to have shown).
 */
export function verdictsSettled(series: TypeSeries[], snapshots: Sample[]): boolean {
  const anyLeak = series.some((s) => s.verdict === 'leak');
  const enough = snapshots.length - lastResetIndex(snapshots) >= GROWTH_RULES.minSamplesForLeak;
  if (!anyLeak && !enough) return false;
  return !series.some((s) => s.verdict === 'suspect' && typeTier(s.name) < 2);
}

function mb(bytes: number): string {
  return `${(bytes / 1e6).toFixed(bytes >= 1e8 ? 0 : 1)} MB`;
}
