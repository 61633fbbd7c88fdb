// A snapshot saved to a file as it streams (`saveSnapshotsDir`): written chunk by chunk, kept once
// the snapshot is in, removed when it is not. Written by whichever thread receives the chunks.
import * as fs from 'node:fs';

/** A `.heapsnapshot` file being written while its snapshot streams. */
export class SnapshotFile {
  private readonly stream: fs.WriteStream;

  constructor(readonly path: string) {
    this.stream = fs.createWriteStream(path);
    this.stream.on('error', () => {}); // reported by close()
  }

  /** Appends one chunk. */
  write(chunk: string): void {
    this.stream.write(chunk);
  }

  /** Finishes the file; rejects with what the user can do when it could not be written. */
  close(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.stream.end((error?: Error | null) => (error ? reject(new Error(`Could not save the snapshot to ${this.path}: ${error.message}`)) : resolve()));
    });
  }

  /** Drops the file (the snapshot was not taken whole). */
  async discard(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.stream.once('close', () => resolve());
      this.stream.destroy();
    });
    await fs.promises.rm(this.path, { force: true });
  }
}
