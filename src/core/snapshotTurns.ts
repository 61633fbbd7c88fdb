// The isolates of one program share the machine: their snapshots take turns (one snapshot, streamed
// and parsed, at a time: each briefly needs memory in the program and in the analysis), and the
// memory guard of each counts the graphs the other isolates' analyzers still hold.
import { analysisMemoryBudget, defaultWorkerLimitBytes } from './memoryGuard';

/** Bytes a parsed graph keeps per byte of snapshot JSON (measured 0.9–1.3×; see memoryGuard.ts). */
const GRAPH_BYTES_PER_JSON_BYTE = 1.3;

/** One snapshot at a time among the isolates of a program, in the order they asked. */
export class SnapshotTurns {
  private busy = false;
  private readonly waiting: Array<() => void> = [];

  /** Resolves with the function that ends this turn, once no other snapshot is under way. */
  take(): Promise<() => void> {
    return new Promise((resolve) => {
      const grant = () => {
        this.busy = true;
        let released = false;
        resolve(() => {
          if (released) return;
          released = true;
          this.busy = false;
          this.waiting.shift()?.();
        });
      };
      if (this.busy) this.waiting.push(grant);
      else grant();
    });
  }

  /** True while an isolate's snapshot is under way. */
  get taken(): boolean {
    return this.busy;
  }
}

/**
 * The memory budgets of several analyzers that share the machine: together they may use at most
 * `limitBytes` (default: what one analysis worker may use), so each one's budget is that limit less
 * the graphs the others hold (estimated from their last snapshot's size), and never more than the
 * machine's free memory.
 */
export class SharedAnalysisMemory {
  private readonly held = new Map<object, number>();

  constructor(
    private readonly limitBytes = defaultWorkerLimitBytes(),
    private readonly freeBytes: () => number = () => analysisMemoryBudget(Number.POSITIVE_INFINITY),
  ) {}

  /** Records that `owner`'s analyzer now holds the graph of a snapshot of `snapshotBytes`. */
  holds(owner: object, snapshotBytes: number): void {
    this.held.set(owner, Math.ceil(snapshotBytes * GRAPH_BYTES_PER_JSON_BYTE));
  }

  /** `owner`'s analyzer holds nothing any more (disposed). */
  release(owner: object): void {
    this.held.delete(owner);
  }

  /** The memory `owner`'s next snapshot may need (bytes). */
  budgetFor(owner: object): number {
    let others = 0;
    for (const [who, bytes] of this.held) if (who !== owner) others += bytes;
    return Math.max(0, Math.min(this.limitBytes - others, this.freeBytes()));
  }
}
