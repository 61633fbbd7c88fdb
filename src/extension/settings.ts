import * as vscode from 'vscode';

/** The user's `leakWatch.*` settings, read fresh at each start. */
export interface LeakWatchSettings {
  /** Seconds between snapshots; 0 = adaptive within the pause budget. */
  interval: number;
  pauseBudget: number;
  heapUsagePollMs: number;
  allocationSites: boolean;
  ignoreTypes: string[];
  chartedTypes: number;
  forceGc: boolean;
  /** End the watch as soon as the verdicts are settled. */
  untilVerdict: boolean;
  /** Watch the restarted program when a watched debug session restarts, compared with the run before. */
  followRestarts: boolean;
  /** Ask (a modal dialog) before a snapshot that may not fit the program's memory, instead of refusing it. */
  askBeforeRiskySnapshots: boolean;
}

function clamp(value: number, min: number, max: number, fallback: number): number {
  return Number.isFinite(value) ? Math.min(max, Math.max(min, value)) : fallback;
}

/** Reads `leakWatch.*` (for a resource's folder when given), clamped to sane ranges. */
export function readSettings(scope?: vscode.ConfigurationScope): LeakWatchSettings {
  const c = vscode.workspace.getConfiguration('leakWatch', scope);
  const ignore = c.get<unknown>('ignoreTypes', []);
  return {
    interval: clamp(c.get<number>('interval', 0), 0, 3600, 0),
    pauseBudget: clamp(c.get<number>('pauseBudget', 0.1), 0.01, 0.9, 0.1),
    heapUsagePollMs: clamp(c.get<number>('heapUsagePollMs', 1000), 200, 60_000, 1000),
    allocationSites: c.get<boolean>('allocationSites', false) === true,
    ignoreTypes: Array.isArray(ignore) ? ignore.filter((t): t is string => typeof t === 'string') : [],
    chartedTypes: Math.round(clamp(c.get<number>('chartedTypes', 5), 1, 20, 5)),
    forceGc: c.get<boolean>('forceGc', true) !== false,
    untilVerdict: c.get<boolean>('untilVerdict', false) === true,
    followRestarts: c.get<boolean>('followRestarts', true) !== false,
    askBeforeRiskySnapshots: c.get<boolean>('askBeforeRiskySnapshots', true) !== false,
  };
}
