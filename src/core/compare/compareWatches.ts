// Two watches of one program compared: per cause and per type, fixed / still leaking / new, with
// the evidence from both reports and both series for one chart. Runs of different programs, or a
// run too short for the growth rules to have judged it, get a statement instead of verdicts.
import { GROWTH_RULES, lastResetIndex } from '../analysis/growth';
import { isInternalType } from '../analysis/typeNames';
import { programKey } from '../program';
import type { Cause, TypeSeries } from '../report';
import type { SavedWatch } from '../savedWatch';
import {
  COMPARISON_VERSION,
  RATE_CHANGE_FACTOR,
  type CauseChange,
  type ChangeVerdict,
  type Comparison,
  type Enough,
  type RateChange,
  type RunSeries,
  type RunSummary,
  type TypeChange,
} from './comparison';
import { matchCauses } from './matchCauses';

/** Compares a baseline watch (`before`) with a later run of the same program (`after`). */
export function compareWatches(before: SavedWatch, after: SavedWatch): Comparison {
  const b = summarize(before);
  const a = summarize(after);
  const notes: string[] = [];
  const base = { version: COMPARISON_VERSION, before: b, after: a, causes: [], types: [], notes };
  const enough: Enough = { samples: GROWTH_RULES.minSamplesForLeak, seconds: 0 };

  if (b.programKey && a.programKey && b.programKey !== a.programKey) {
    return {
      ...base, enough, outcome: 'different-programs',
      statement:
        `These are runs of different programs: the baseline ran ${b.programKey} (${b.description}), the after run ${a.programKey} (${a.description}). ` +
        'Compare two runs of the same script (its path relative to its git work tree, or to the folder it was started in).',
    };
  }
  if (!b.programKey || !a.programKey) {
    const unknown = [!b.programKey && 'the baseline', !a.programKey && 'the after run'].filter(Boolean).join(' and ');
    notes.push(`The program of ${unknown} is not known (snapshot files, or a report saved without it); both are taken to be runs of the same program.`);
  }
  const commits = [b.program?.git, a.program?.git];
  if (commits[0] && commits[1]) {
    const words = (g: { commit: string; dirty?: boolean }) => `${g.commit.slice(0, 12)}${g.dirty ? ' with changes not committed' : ''}`;
    notes.push(`Baseline at commit ${words(commits[0])}; after run at ${words(commits[1])}.`);
  }

  // A run with fewer samples has no verdict yet, unless it found a leak early (censuses, a runaway heap).
  for (const [side, run, w] of [['baseline', b, before], ['after run', a, after]] as const) {
    if (run.samples < enough.samples && !w.types.some((t) => t.verdict === 'leak')) {
      return {
        ...base, enough, outcome: 'too-short',
        statement:
          `The ${side} is too short to judge: ${run.samples} sample${run.samples === 1 ? '' : 's'}` +
          `${run.samples > 1 ? ` over ${run.seconds.toFixed(1)} s` : ''}; a leak verdict needs at least ${enough.samples} ` +
          '(two intervals whose new objects are seen surviving). Watch it again with more samples.',
      };
    }
  }

  const pairs = matchCauses(before.causes ?? [], b.program?.root, after.causes ?? [], a.program?.root);
  const afterTypes = new Map(after.types.map((t) => [t.name, t]));
  const beforeTypes = new Map(before.types.map((t) => [t.name, t]));
  // A baseline cause gone from the after run is fixed only if the after run lasted long enough for
  // its old rate to have added the least growth a verdict counts.
  const gone = pairs.filter((p) => p.before && !p.after);
  if (gone.length && a.samples < enough.samples) {
    return {
      ...base, enough, outcome: 'too-short',
      statement:
        `The after run is too short to tell whether ${gone[0].before!.title} is fixed: ${a.samples} sample${a.samples === 1 ? '' : 's'}; ` +
        `no growth can be told from fewer than ${enough.samples}. Watch it again with more samples.`,
    };
  }
  const rateOf = (c: Cause) => Math.max(0, c.kept[0]?.countPerMinute ?? 0);
  const slowest = gone.map((p) => p.before!).filter((c) => rateOf(c) > 0).sort((x, y) => rateOf(x) - rateOf(y))[0];
  if (slowest) enough.seconds = Math.ceil((60 * GROWTH_RULES.minNetObjects) / rateOf(slowest));
  if (a.seconds < enough.seconds) {
    return {
      ...base, enough, outcome: 'too-short',
      statement:
        `The after run is too short to tell whether ${slowest!.title} is fixed: it spans ${a.seconds.toFixed(1)} s, and at its rate in the baseline ` +
        `(${grouped(rateOf(slowest!))}/min) it would take ${enough.seconds} s to add ${GROWTH_RULES.minNetObjects} objects, the least growth a verdict counts. ` +
        `Watch for at least ${enough.seconds} s.`,
    };
  }

  const afterKeeps = new Set((after.causes ?? []).flatMap((c) => c.kept.map((k) => k.type)));
  const causes: CauseChange[] = pairs.map((p) => causeChange(p.before, p.after, p.matchedBy, before, after, afterTypes, afterKeeps));
  const types: TypeChange[] = [];
  for (const name of new Set([...before.types, ...after.types].filter((t) => t.verdict === 'leak' && !isInternalType(t.name)).map((t) => t.name))) {
    types.push(typeChange(name, beforeTypes.get(name), afterTypes.get(name), before, after, afterKeeps.has(name)));
  }
  const order: Record<ChangeVerdict, number> = { 'still-leaking': 0, new: 1, fixed: 2 };
  causes.sort((x, y) => order[x.verdict] - order[y.verdict]);
  types.sort((x, y) => order[x.verdict] - order[y.verdict]);
  return { ...base, enough, outcome: 'compared', statement: resultStatement(causes, types), causes, types };
}

/** The changes that fail a gate: still leaking or new (`any`), or new only (`new`); a type only when no cause of the after run keeps it. */
export function failingChanges(comparison: Comparison, failOn: 'any' | 'new'): Array<CauseChange | TypeChange> {
  const fails = (c: CauseChange | TypeChange) => c.leaksNow && (c.verdict === 'new' || (failOn === 'any' && c.verdict === 'still-leaking'));
  return [...comparison.causes.filter(fails), ...comparison.types.filter((t) => !t.keptByCause && fails(t))];
}

function causeChange(
  before: Cause | undefined,
  after: Cause | undefined,
  matchedBy: CauseChange['matchedBy'],
  beforeRun: SavedWatch,
  afterRun: SavedWatch,
  afterTypes: Map<string, TypeSeries>,
  afterKeeps: Set<string>,
): CauseChange {
  const main = (after ?? before)!;
  const type = main.kept[0]?.type ?? '';
  const beforeType = before?.kept[0]?.type ?? type;
  // Each run that has samples charts the counted type: a fixed cause's after run too (at 0 when none are left), so the chart shows both.
  const series = { before: runSeries(beforeRun, before ? beforeType : type), after: runSeries(afterRun, after ? type : beforeType) };
  const common = { id: main.id, title: main.title, ...(matchedBy ? { matchedBy } : {}), ...(before ? { before } : {}), ...(after ? { after } : {}), series: dropEmpty(series) };
  if (before && after) {
    const rate = rateChange(before.kept[0]?.countPerMinute ?? 0, after.kept[0]?.countPerMinute ?? 0);
    const moved = matchedBy === 'holder' && before.addedAt && after.addedAt && before.addedAt.line !== after.addedAt.line ? ` (its line moved: ${before.addedAt.line} → ${after.addedAt.line})` : '';
    return {
      ...common, verdict: 'still-leaking', leaksNow: after.verdict === 'leak', rate,
      evidence: [
        `Still ${after.verdict === 'leak' ? 'leaking' : 'growing (suspect)'}${moved}: ${type} ${rateWords(rate)}.`,
        ...after.evidence.slice(0, 1),
      ],
    };
  }
  if (after) {
    return { ...common, verdict: 'new', leaksNow: after.verdict === 'leak', evidence: [`Not in the baseline: ${after.evidence[0] ?? after.title}`] };
  }
  const b = before!;
  const was = `Baseline: ${b.title} grew about ${grouped(b.kept[0]?.countPerMinute ?? 0)}/min${b.addedAt ? `, added at ${baseName(b.addedAt.file)}:${b.addedAt.line}` : ''}.`;
  const now = afterTypes.get(beforeType);
  // No cause of the after run holds it, yet its type still leaks and no other cause keeps it: not fixed.
  if (now?.verdict === 'leak' && !afterKeeps.has(beforeType)) {
    return { ...common, verdict: 'still-leaking', leaksNow: true, evidence: [was, `After: no cause was found, but ${beforeType} still leaks: ${now.evidence[0] ?? ''}`] };
  }
  const after2 = !now
    ? `After: no ${beforeType} objects at all.`
    : afterKeeps.has(beforeType) && now.verdict !== 'ok'
      ? `After: this holder keeps no new ${beforeType} objects; ${beforeType} is now kept by another cause (below).`
      : `After: no cause keeps new ${beforeType} objects; ${now.evidence[0] ?? ''}`;
  return { ...common, verdict: 'fixed', leaksNow: false, evidence: [was, after2] };
}

function typeChange(name: string, before: TypeSeries | undefined, after: TypeSeries | undefined, beforeRun: SavedWatch, afterRun: SavedWatch, keptByCause: boolean): TypeChange {
  const side = (t: TypeSeries) => ({ verdict: t.verdict, countPerMinute: t.countPerMinute, bytesPerMinute: t.bytesPerMinute, evidence: t.evidence });
  const series = dropEmpty({ before: runSeries(beforeRun, name), after: runSeries(afterRun, name) });
  const common = { name, keptByCause, leaksNow: after?.verdict === 'leak', ...(before ? { before: side(before) } : {}), ...(after ? { after: side(after) } : {}), series };
  const grewBefore = before?.verdict === 'leak' || before?.verdict === 'suspect';
  if (after && after.verdict !== 'ok' && grewBefore) {
    const rate = rateChange(before!.countPerMinute, after.countPerMinute);
    return { ...common, verdict: 'still-leaking', rate, evidence: [`Still ${after.verdict === 'leak' ? 'leaking' : 'growing (suspect)'}: ${rateWords(rate)}.`, ...after.evidence.slice(0, 1)] };
  }
  if (after?.verdict === 'leak') return { ...common, verdict: 'new', evidence: [`Not growing in the baseline${before ? ` (${before.evidence[0] ?? 'ok'})` : ''}; now: ${after.evidence[0] ?? ''}`] };
  return {
    ...common, verdict: 'fixed',
    evidence: [`Baseline: ${before?.evidence[0] ?? ''}`, after ? `After: ${after.evidence[0] ?? ''}` : `After: no ${name} objects at all.`],
  };
}

function rateChange(before: number, after: number): RateChange {
  const ratio = before > 0 ? after / before : undefined;
  const change = ratio === undefined ? 'same' : ratio <= 1 / RATE_CHANGE_FACTOR ? 'slower' : ratio >= RATE_CHANGE_FACTOR ? 'faster' : 'same';
  return { before, after, ...(ratio === undefined ? {} : { ratio }), change };
}

function rateWords(r: RateChange): string {
  const rates = `${grouped(r.after)}/min now against ${grouped(r.before)}/min before`;
  if (r.change === 'slower') return `${rates}, ${(1 / r.ratio!).toFixed(1)}× slower`;
  if (r.change === 'faster') return `${rates}, ${r.ratio!.toFixed(1)}× faster`;
  return `${rates}, about as fast`;
}

function resultStatement(causes: CauseChange[], types: TypeChange[]): string {
  const list = causes.length ? causes : types;
  if (!list.length) return 'No leak in either run.';
  const count = (v: ChangeVerdict) => list.filter((c) => c.verdict === v).length;
  const what = causes.length ? 'cause' : 'leaking type';
  const n = list.length;
  return `${n} ${what}${n === 1 ? '' : 's'}: ${count('fixed')} fixed, ${count('still-leaking')} still leaking, ${count('new')} new.`;
}

/** A run in brief: samples since the last id reset and the seconds they span. */
function summarize(w: SavedWatch): RunSummary {
  const start = lastResetIndex(w.samples);
  const judged = w.samples.slice(start);
  const taken = w.samplesTaken && start === 0 ? w.samplesTaken : judged.length;
  const program = w.watch?.program;
  const key = programKey(program);
  return {
    description: w.target.description,
    ...(program ? { program } : {}),
    ...(key ? { programKey: key } : {}),
    startedAt: w.startedAt,
    samples: taken,
    seconds: judged.length > 1 ? (judged[judged.length - 1].time - judged[0].time) / 1000 : 0,
  };
}

/**
 * A type's series in one run, with seconds from the run's first sample. A type no sample counted
 * (the report lists every type any sample had) is a series of zeros: none of it was alive.
 */
function runSeries(w: SavedWatch, type: string): RunSeries | undefined {
  if (!type || !w.samples.length) return undefined;
  const t0 = w.samples[0].time;
  const seconds = w.samples.map((s) => (s.time - t0) / 1000);
  const t = w.types.find((x) => x.name === type);
  if (!t) return { type, seconds, counts: seconds.map(() => 0), bytes: seconds.map(() => 0) };
  // A type seen by censuses alone has no point per sample.
  if (t.counts.length !== w.samples.length || t.bytes.length !== w.samples.length) return undefined;
  return { type, seconds, counts: t.counts, bytes: t.bytes };
}

function dropEmpty<T extends Record<string, unknown>>(o: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as { [K in keyof T]?: Exclude<T[K], undefined> };
}

const GROUPED = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

function grouped(n: number): string {
  return GROUPED.format(n);
}

function baseName(file: string): string {
  return file.slice(Math.max(file.lastIndexOf('/'), file.lastIndexOf('\\')) + 1);
}
