// Before a snapshot: will parsing it fit in the memory the analysis may use? Say so before trying,
// rather than letting the worker (or the machine) run out of memory half-way through.
import * as os from 'node:os';
import type { ProgramMemory } from './programMemory';

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

/** "1.5 GB", "730 MB", "12 kB". */
export function formatBytes(bytes: number): string {
  if (bytes >= 1e9) return `${(bytes / 1e9).toFixed(1)} GB`;
  if (bytes >= 1e6) return `${Math.round(bytes / 1e6)} MB`;
  if (bytes >= 1e3) return `${Math.round(bytes / 1e3)} kB`;
  return `${Math.round(bytes)} B`;
}

/**
 * The program's own extra memory while V8 builds and sends a heap snapshot, per byte of its used
 * heap, by Node major version: its private writable memory (VmData) grew by 8.0× (18), 8.3× (20),
 * 7.0× (22), 6.5× (24) on a 60 MB heap (bench/watch-signals.ts); RSS by a little less.
 */
const SNAPSHOT_EXTRA_PER_HEAP_BYTE: Record<number, number> = { 18: 8.0, 20: 8.3, 22: 7.0, 24: 6.5 };
/** For another Node (or not Node at all): the largest measured, rounded up. */
const UNKNOWN_SNAPSHOT_EXTRA = 8.5;
/** A census's walk of the heap (`queryObjects`): +1.3× the heap after a GC, +0.25× once memory was in use. */
const CENSUS_EXTRA_PER_HEAP_BYTE = 1.4;
/** Headroom asked over the prediction. */
const PROGRAM_MARGIN = 1.15;

/** The measured extra memory per heap byte of a snapshot for this Node version (`v20.19.0`). */
export function snapshotExtraFactor(nodeVersion: string | undefined): number {
  const major = Number(/^v(\d+)\./.exec(nodeVersion ?? '')?.[1]);
  return SNAPSHOT_EXTRA_PER_HEAP_BYTE[major] ?? UNKNOWN_SNAPSHOT_EXTRA;
}

/** What the guard says about one sample of the program. */
export type ProgramVerdict = { fits: true; extraBytes: number } | { fits: false; extraBytes: number; message: string };

/**
 * Guards the watched program's memory across a watch. A snapshot makes V8 build the whole graph
 * and its JSON in the program's memory; the allocator keeps most of that afterwards and the next
 * snapshot reuses it. So the peak is predicted as the program's RSS before its first snapshot, plus
 * its heap's growth since, plus the factor × its heap (the factor measured on that first snapshot
 * once there is one), and only what the program does not have already must fit under each limit.
 */
export class ProgramMemoryGuard {
  private baselineRss: number | undefined;
  private baselineHeap = 0;
  private measuredFactor: number | undefined;

  /** Checks a sample of `kind` against every limit of the program's; says why not, with the numbers. */
  check(kind: 'snapshot' | 'census', memory: ProgramMemory, what: string): ProgramVerdict {
    const factor = kind === 'census' ? CENSUS_EXTRA_PER_HEAP_BYTE : (this.measuredFactor ?? snapshotExtraFactor(memory.nodeVersion));
    const base = this.baselineRss !== undefined ? this.baselineRss + Math.max(0, memory.heapUsed - this.baselineHeap) : memory.rss;
    const extraBytes = Math.max(0, Math.ceil(base + factor * memory.heapUsed - memory.rss));
    for (const limit of memory.limits) {
      if (limit.kind === 'heap') continue; // a snapshot's memory is outside the JS heap
      const left = limit.limitBytes - limit.usedBytes;
      if (extraBytes * PROGRAM_MARGIN <= left) continue;
      const message =
        `${what} was not taken: it would need about ${formatBytes(extraBytes)} more memory in the program ` +
        `(${factor.toFixed(1)}× its ${formatBytes(memory.heapUsed)} heap${this.measuredFactor !== undefined && kind === 'snapshot' ? ', as measured on its first snapshot' : ''}), ` +
        `but only ${formatBytes(Math.max(0, left))} is left under ${limit.source} (${formatBytes(limit.limitBytes)}, ${formatBytes(limit.usedBytes)} in use). ` +
        'Taking it could get the program killed for lack of memory. Give the program more memory, or watch it with a smaller workload.';
      return { fits: false, extraBytes, message };
    }
    return { fits: true, extraBytes };
  }

  /** Learns from the first snapshot: the program's memory just before it, and its peak after. */
  snapshotTaken(before: ProgramMemory, after: ProgramMemory): void {
    if (this.baselineRss !== undefined) return;
    this.baselineRss = before.rss;
    this.baselineHeap = before.heapUsed;
    // The peak RSS is a high-water mark: only a peak above the RSS before can be this snapshot's.
    if (after.maxRss !== undefined && after.maxRss > before.rss && before.heapUsed > 0) {
      this.measuredFactor = (after.maxRss - before.rss) / before.heapUsed;
    }
  }
}
