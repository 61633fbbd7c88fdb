// The cheap live heap line: `Runtime.getHeapUsage` polled between snapshots, kept with bounded memory.
import type { CdpConnection } from './cdp/connection';

export interface HeapUsagePoint {
  /** ms since the epoch */
  time: number;
  used: number;
  total: number;
}

/** Points kept; beyond this every other one is dropped, so the line keeps its shape. */
const MAX_HEAP_POINTS = 20_000;

/** The heap line of one watch: its points, and a poller that can be started and stopped. */
export class HeapLine {
  private readonly kept: HeapUsagePoint[] = [];
  private stopPoller: () => void = () => {};

  /** `onPoint` hears every point, polled or recorded. */
  constructor(
    private readonly connection: CdpConnection,
    /** How often to poll (ms); a change takes effect from the next poll. */
    public pollMs: number,
    private readonly onPoint: (point: HeapUsagePoint) => void,
  ) {}

  /** The points so far (the array itself; copy before handing it out). */
  get points(): readonly HeapUsagePoint[] {
    return this.kept;
  }

  /** Adds a point measured elsewhere (e.g. at a snapshot). */
  record(point: HeapUsagePoint): void {
    this.kept.push(point);
    if (this.kept.length > MAX_HEAP_POINTS) {
      const thinned = this.kept.filter((_, i) => i % 2 === 0 || i === this.kept.length - 1);
      this.kept.length = 0;
      this.kept.push(...thinned);
    }
    this.onPoint(point);
  }

  /** Polls every pollMs until `stop()`; missed points are skipped. */
  start(): void {
    this.stop();
    let timer: NodeJS.Timeout | undefined;
    let stopped = false;
    const tick = async () => {
      if (stopped || this.connection.closed) return;
      try {
        const usage = await this.connection.send('Runtime.getHeapUsage', undefined, { timeoutMs: 5000 });
        if (!stopped) this.record({ time: Date.now(), used: usage.usedSize, total: usage.totalSize });
      } catch {
        // A missed point is fine; a closed connection ends the watch on its own.
      }
      if (!stopped) timer = setTimeout(tick, this.pollMs);
    };
    timer = setTimeout(tick, this.pollMs);
    this.stopPoller = () => {
      stopped = true;
      clearTimeout(timer);
    };
  }

  /** Stops polling (no poll is queued behind a GC or snapshot). */
  stop(): void {
    this.stopPoller();
    this.stopPoller = () => {};
  }
}
