/**
 * The comparison of two watches of one program (a baseline, "before", and a run after a change):
 * per cause and per type, whether the leak is fixed, still leaking (and how much slower or faster),
 * or new, with the evidence and both runs' series for one chart. The CLI prints it as text or JSON;
 * the panel renders it.
 */
import type { Cause, TypeSeries } from '../report';
import type { WatchedProgram } from '../watchedProgram';

export const COMPARISON_VERSION = 1;

/**
 * `fixed`: it leaked (or grew) before, and the after run, long enough to judge, shows it no longer
 * growing; `still-leaking`: it grows in both runs; `new`: it leaks in the after run and the baseline
 * had no such cause (nor, for a type, any growth of it).
 */
export type ChangeVerdict = 'fixed' | 'still-leaking' | 'new';

/** One run's series of a type, its x axis in seconds from that run's first sample (so two runs overlay). */
export interface RunSeries {
  type: string;
  seconds: number[];
  counts: number[];
  bytes: number[];
}

/** Growth in objects per minute before and after, and after ÷ before (absent when there was no growth before). */
export interface RateChange {
  before: number;
  after: number;
  ratio?: number;
  /** `slower`/`faster` when the rates differ by at least `RATE_CHANGE_FACTOR`, else `same`. */
  change: 'slower' | 'faster' | 'same';
}

/** A cause of one run or both, and its verdict. */
export interface CauseChange {
  verdict: ChangeVerdict;
  /** The after run's cause's id, else the baseline's. */
  id: string;
  /** The after run's title, else the baseline's. */
  title: string;
  /** How the two runs' causes were found to be one: the same id, or the same holder, file and kept class (lines moved). */
  matchedBy?: 'id' | 'holder';
  /** True when the cause leaks in the after run (verdict `leak`, not just `suspect`): what fails a gate. */
  leaksNow: boolean;
  before?: Cause;
  after?: Cause;
  /** The growth of the counted type (the cause's first kept type), when it grew in both runs. */
  rate?: RateChange;
  /** Sentences that back the verdict. */
  evidence: string[];
  /** The counted type's series in each run that has samples (zeros in a run that had none of it, as a fixed cause's after run). */
  series: { before?: RunSeries; after?: RunSeries };
}

/** A type's verdict in one run, as the comparison shows it. */
export type TypeSide = Pick<TypeSeries, 'verdict' | 'countPerMinute' | 'bytesPerMinute' | 'evidence'>;

/** A type that leaks in one run or both, and its verdict. */
export interface TypeChange {
  name: string;
  verdict: ChangeVerdict;
  /** True when the type leaks in the after run. */
  leaksNow: boolean;
  /** True when a cause of the after run keeps this type (the cause then speaks for it in a gate). */
  keptByCause: boolean;
  before?: TypeSide;
  after?: TypeSide;
  rate?: RateChange;
  evidence: string[];
  series: { before?: RunSeries; after?: RunSeries };
}

/** One of the two runs, in brief. */
export interface RunSummary {
  /** What was watched (the report's target description). */
  description: string;
  program?: WatchedProgram;
  /** The program's script relative to its root, when known: what makes two runs the same program. */
  programKey?: string;
  startedAt: string;
  /** Samples since the last id reset (the ones the verdicts use), and the seconds they span. */
  samples: number;
  seconds: number;
}

/** What a run needs for the comparison to judge it. */
export interface Enough {
  /** Samples since the last id reset (`GROWTH_RULES.minSamplesForLeak`). */
  samples: number;
  /** Seconds the after run must span for the slowest leak of the baseline to add `GROWTH_RULES.minNetObjects` objects at its old rate. */
  seconds: number;
}

/** Two watches compared, or why they could not be. */
export interface Comparison {
  version: number;
  /** `compared`: verdicts below; `different-programs`, `too-short`: no verdicts, `statement` says why. */
  outcome: 'compared' | 'different-programs' | 'too-short';
  /** One or two sentences: the result, or why there is none and what to do. */
  statement: string;
  before: RunSummary;
  after: RunSummary;
  enough: Enough;
  /** Causes: still leaking first, then new, then fixed; within each, as the runs ranked them. */
  causes: CauseChange[];
  types: TypeChange[];
  /** Remarks that qualify the result (a program not known, commits, …). */
  notes: string[];
}

/** Rates that differ by less than this factor are called the same (two runs of one leak vary by ±30 % under load). */
export const RATE_CHANGE_FACTOR = 1.5;
