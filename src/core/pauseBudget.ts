// How long to wait between snapshots so that the debuggee spends at most `budget` of wall time paused.

export interface PauseBudget {
  /** Largest share of wall time spent paused, in (0, 1). Default 0.1. */
  budget?: number;
  /** Never wait less than this (ms). Default 1000. */
  floorMs?: number;
}

/** The gap (ms) to leave after a snapshot that paused the debuggee for `pauseMs`, so pause / (pause + gap) ≤ budget. */
export function nextSnapshotGap(pauseMs: number, options: PauseBudget = {}): number {
  const budget = options.budget ?? 0.1;
  const floorMs = options.floorMs ?? 1000;
  if (!(budget > 0 && budget < 1)) throw new RangeError(`The pause budget must be between 0 and 1 (exclusive); got ${budget}.`);
  const pause = Number.isFinite(pauseMs) && pauseMs > 0 ? pauseMs : 0;
  return Math.max(floorMs, Math.ceil(pause * (1 / budget - 1)));
}

/** Where a watch stands against its budget: when it started (any clock, ms) and how long the program has been paused so far. */
export interface PauseAccount {
  startedAt: number;
  pausedMs: number;
}

/**
 * The earliest time (same clock as `startedAt`) a sample that will pause the program for
 * `expectedPauseMs` may start, so that once it ends the program has spent at most `budget` of the
 * watch's wall time paused: (paused + pause) / (elapsed + pause) ≤ budget.
 */
export function earliestSampleStart(account: PauseAccount, expectedPauseMs: number, budget = 0.1): number {
  if (!(budget > 0 && budget < 1)) throw new RangeError(`The pause budget must be between 0 and 1 (exclusive); got ${budget}.`);
  const pause = Number.isFinite(expectedPauseMs) && expectedPauseMs > 0 ? expectedPauseMs : 0;
  return account.startedAt + (account.pausedMs + pause) / budget - pause;
}

/** A faster pace for a while, at the user's asking: 3× the pause budget, at most half the wall time, for a minute. */
export const FASTER = { factor: 3, maxBudget: 0.5, forMs: 60_000 } as const;

/** The pause budget of a faster pace from `budget` (FASTER); undefined when it would be no faster. */
export function fasterBudget(budget: number): number | undefined {
  const faster = Math.min(FASTER.maxBudget, budget * FASTER.factor);
  return faster > budget ? faster : undefined;
}
