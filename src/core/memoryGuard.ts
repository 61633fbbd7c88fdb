// Before a snapshot: will parsing it fit in the memory the analysis may use? Say so before trying,
// rather than letting the worker (or the machine) run out of memory half-way through.
import * as os from 'node:os';
import { formatBytes } from './format';

/**
 * Bytes of snapshot JSON per byte of used JS heap. Measured on real snapshots (Node 20): 1.3–1.4 for
 * small heaps of mixed objects (3 MB used), 2.0–2.2 for heaps of many small objects (17 MB and 77 MB
 * used: 200 k and 1 M `{i, s}` records, snapshots of 36 MB and 170 MB).
 * The larger figure is used, so the estimate errs on the side of refusing.
 */
export const JSON_BYTES_PER_HEAP_BYTE = 2.2;
/**
 * Bytes the parsed graph (typed arrays, string table) needs per byte of snapshot JSON; the JSON itself
 * is streamed, never held whole. Measured on the same snapshots: the finished graph holds 0.9–1.3× the
 * JSON, and parsing peaks at 1.5–1.6× (garbage not yet collected).
 */
export const PARSE_BYTES_PER_JSON_BYTE = 1.6;

/** What parsing a snapshot of a heap with `heapUsedBytes` in use is expected to need. */
export interface SnapshotEstimate {
  /** Expected size of the snapshot's JSON (bytes). */
  jsonBytes: number;
  /** Expected memory the analysis needs to parse it (bytes). */
  parseBytes: number;
}

/** Estimates the snapshot's JSON size and the memory parsing it needs, from the debuggee's used heap. */
export function estimateSnapshot(heapUsedBytes: number): SnapshotEstimate {
  const used = Number.isFinite(heapUsedBytes) && heapUsedBytes > 0 ? heapUsedBytes : 0;
  const jsonBytes = Math.ceil(used * JSON_BYTES_PER_HEAP_BYTE);
  return { jsonBytes, parseBytes: Math.ceil(jsonBytes * PARSE_BYTES_PER_JSON_BYTE) };
}

/** The analysis worker's default old-generation limit, as `SnapshotAnalyzer` sets it (three quarters of RAM, at most 16 GB). */
export function defaultWorkerLimitBytes(totalBytes = os.totalmem()): number {
  return Math.min(16384, Math.floor((totalBytes / 2 ** 20) * 0.75)) * 2 ** 20;
}

/**
 * The memory the analysis may use now: the machine's free memory (MemAvailable on Linux), and never
 * more than the worker's own heap limit.
 */
export function analysisMemoryBudget(workerLimitBytes = defaultWorkerLimitBytes(), freeBytes = os.freemem()): number {
  return Math.min(workerLimitBytes, freeBytes);
}

/** The guard's answer for one snapshot. */
export type MemoryVerdict = { fits: true; estimate: SnapshotEstimate; budgetBytes: number } | { fits: false; estimate: SnapshotEstimate; budgetBytes: number; message: string };

/** Compares the estimate for a heap of `heapUsedBytes` with `budgetBytes`; when it does not fit, says so and what to do. */
export function checkSnapshotFits(heapUsedBytes: number, budgetBytes: number): MemoryVerdict {
  const estimate = estimateSnapshot(heapUsedBytes);
  if (estimate.parseBytes <= budgetBytes) return { fits: true, estimate, budgetBytes };
  const message =
    `The program's heap (${formatBytes(heapUsedBytes)} in use) is too big to analyse on this machine: its snapshot would be about ` +
    `${formatBytes(estimate.jsonBytes)} and parsing it needs about ${formatBytes(estimate.parseBytes)}, but only ${formatBytes(budgetBytes)} ` +
    'is available to the analysis. No snapshot was taken. Free some memory, or watch the program with a smaller workload.';
  return { fits: false, estimate, budgetBytes, message };
}
