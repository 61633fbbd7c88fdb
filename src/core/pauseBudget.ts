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
