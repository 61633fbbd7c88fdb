// Before a snapshot: will parsing it fit in the memory the analysis may use? Say so before trying,
// rather than letting the worker (or the machine) run out of memory half-way through.
import * as os from 'node:os';
import type { ProgramMemory } from './programMemory';
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


/**
 * The program's own extra memory while V8 builds and sends a heap snapshot, per byte of its used
 * heap, before the watch has measured it on the program's first snapshot. Measured (VmData growth,
 * bench/watch-signals.ts and a heap of 300,000 small records): 6.5× (Node 24), 7.0× (22), 8.3× (20),
 * 8.0× (18) for the server-like program's 60 MB heap, but 22–24× (Node 20) for heaps of many small
 * objects, whose JSON (queued in the program until the inspector's socket takes it) is large for
 * their size. The first snapshot is judged by the worst case.
 */
const FIRST_SNAPSHOT_EXTRA_PER_HEAP_BYTE = 24;
/** A census's walk of the heap (`queryObjects`): +1.3× the heap after a GC, +0.25× once memory was in use. */
const CENSUS_EXTRA_PER_HEAP_BYTE = 1.4;
/** Headroom asked over the prediction. */
const PROGRAM_MARGIN = 1.15;

/** What the guard says about one sample of the program. */
export type ProgramVerdict = { fits: true; extraBytes: number } | { fits: false; extraBytes: number; message: string };

/** The guard's refusal (`ProgramVerdict.message`) reworded for a question asked before refusing: the sample is on hold. */
export function onHold(message: string): string {
  return message.replace(/^(.+?) was not taken: /, '$1 is on hold: ');
}

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
    const factor = kind === 'census' ? CENSUS_EXTRA_PER_HEAP_BYTE : (this.measuredFactor ?? FIRST_SNAPSHOT_EXTRA_PER_HEAP_BYTE);
    const base = this.baselineRss !== undefined ? this.baselineRss + Math.max(0, memory.heapUsed - this.baselineHeap) : memory.rss;
    const extraBytes = Math.max(0, Math.ceil(base + factor * memory.heapUsed - memory.rss));
    for (const limit of memory.limits) {
      if (limit.kind === 'heap') continue; // a snapshot's memory is outside the JS heap
      const left = limit.limitBytes - limit.usedBytes;
      if (extraBytes * PROGRAM_MARGIN <= left) continue;
      const message =
        `${what} was not taken: it would need about ${formatBytes(extraBytes)} more memory in the program ` +
        `(${factor.toFixed(1)}× its ${formatBytes(memory.heapUsed)} heap${kind === 'census' ? '' : this.measuredFactor !== undefined ? ', as measured on its first snapshot' : ', the most a first snapshot has needed'}), ` +
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
