// What a snapshot that cannot be read is told as: one error type, whose message says what is wrong
// (and, from a file, which file).

/** Prefixes a parse error with the file it came from. */
export function withFile(e: unknown, path: string): Error {
  const err = e as NodeJS.ErrnoException;
  if (err?.code === 'ENOENT') return new SnapshotError(`${path}: no such file`);
  if (err?.code === 'EISDIR') return new SnapshotError(`${path}: is a directory, not a .heapsnapshot file`);
  if (e instanceof SnapshotError) return new SnapshotError(`${path}: ${e.message}`);
  return new SnapshotError(`${path}: ${err?.message ?? String(e)}`);
}

/** A snapshot that cannot be read, with a message saying why. */
export class SnapshotError extends Error {
  override name = 'SnapshotError';
}

export function notASnapshot(why: string): SnapshotError {
  return new SnapshotError(`not a V8 heap snapshot: ${why}`);
}
export function corrupt(why: string): SnapshotError {
  return new SnapshotError(`corrupt heap snapshot: ${why}`);
}
export function truncated(why: string): SnapshotError {
  return new SnapshotError(`truncated heap snapshot: ${why}`);
}

export function describeByte(c: number): string {
  return c >= 32 && c < 127 ? `'${String.fromCharCode(c)}'` : `byte 0x${c.toString(16).padStart(2, '0')}`;
}
