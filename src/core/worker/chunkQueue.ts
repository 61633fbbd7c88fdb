// Chunks received on the worker's own inspector session wait here and are parsed one per turn of the
// event loop, so that the socket is read as fast as the debuggee writes (V8's reply, the end of the
// pause, is seen when it comes, not after the parse has caught up).

/** A queue of snapshot chunks, each handed to `parse` in a later turn, in order. */
export class ChunkQueue {
  private chunks: string[] = [];
  private head = 0;
  private scheduled = false;
  private waiters: Array<() => void> = [];

  constructor(private readonly parse: (chunk: string) => void) {}

  /** Queues one chunk. */
  push(chunk: string): void {
    this.chunks.push(chunk);
    this.schedule();
  }

  /** Drops the chunks not parsed yet. */
  clear(): void {
    this.chunks = [];
    this.head = 0;
    this.release();
  }

  /** Resolves once every queued chunk has been parsed (or dropped). */
  drained(): Promise<void> {
    if (this.head >= this.chunks.length) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.step());
  }

  private step(): void {
    this.scheduled = false;
    if (this.head < this.chunks.length) {
      const chunk = this.chunks[this.head];
      this.chunks[this.head++] = ''; // parsed text is not kept
      this.parse(chunk);
    }
    if (this.head < this.chunks.length) this.schedule();
    else this.clear();
  }

  private release(): void {
    for (const resolve of this.waiters.splice(0)) resolve();
  }
}
