// The "edges" array of a snapshot file in blocks, for two threads that parse it from both ends:
// where the array starts, the numbers whose first digit is in one block, and where they go in the
// table. Byte parsing only; the threads and their hand-offs are worker/edgeHelper.ts.
import type { FileHandle } from 'node:fs/promises';
import type { GrowableColumns } from './columns';
import type { DigitScanner } from './digits';
import { SnapshotError } from './errors';
import { spreadRows } from './numberTables';
import type { SnapshotParser } from './parser';

/** Bytes past a block's end that its last number may need (a number in V8's tables has at most 10 digits). */
export const NUMBER_SLACK = 24;

/** The helper met the parser at `at`: a number it was reading when its last block ended goes on there. */
export async function finishNumber(file: FileHandle, parser: SnapshotParser, at: number): Promise<void> {
  const bytes = await readAt(file, at - 1, NUMBER_SLACK + 1);
  if (!isDigit(bytes[0])) return; // the block ended between numbers
  let d = 1;
  while (d < bytes.length && isDigit(bytes[d])) d++;
  if (d === bytes.length) throw new SnapshotError(`corrupt heap snapshot: a number of ${NUMBER_SLACK} digits or more in "edges"`);
  parser.pushEdges(bytes.subarray(1, d));
}

/**
 * The numbers whose first digit is in one block of "edges", into the scanner's stage: its input
 * holds the byte before the block, then the block up to `blockEnd`, then up to `length` bytes (a
 * number that begins before `blockEnd` may end after it; `complete`: the bytes end where the array
 * does). Returns how many, or -1 at a byte V8 never writes there (a sign, a fraction, anything but
 * digits and separators; the one-thread parse words it).
 */
export function blockNumbers(scanner: DigitScanner, length: number, blockEnd: number, complete: boolean): number {
  const bytes = scanner.input;
  let i = 1;
  // A number that began in the block before belongs to it.
  if (isDigit(bytes[0])) while (i < length && isDigit(bytes[i])) i++;
  const run = { count: 0, num: 0, inNum: false, negative: false };
  i = scanner.scan(bytes, i, blockEnd, run);
  if (i < blockEnd) return -1;
  if (run.inNum) {
    // The block's last number goes on past its end.
    let num = run.num;
    while (i < length && isDigit(bytes[i])) num = (num * 10 + (bytes[i++] - 0x30)) >>> 0;
    if (i === length && !complete) return -1; // ran out of slack: no V8 number is that long
    scanner.stage[run.count++] = num;
  }
  return run.count;
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

/** Writes `count` numbers of the flat table, from number `p0` on, into the columns (rows and fields counted from p0). */
export function placeNumbers(stage: Uint32Array, count: number, table: GrowableColumns, p0: number): void {
  const width = table.width;
  let k = 0;
  // The fields of a row begun in the block before.
  for (let p = p0; k < count && p % width !== 0; p++, k++) table.set(p % width, (p / width) | 0, stage[k]);
  // Whole rows, as the parser spreads its stage (the columns are zeroed: zeros need no write).
  const rows = ((count - k) / width) | 0;
  spreadRows(stage, k, rows, table, (p0 + k) / width);
  k += rows * width;
  // The first fields of a row that ends in the block after.
  for (let p = p0 + k; k < count; p++, k++) table.set(p % width, (p / width) | 0, stage[k]);
}

const KEY = Buffer.from('"edges"');

/**
 * The offset of the `[` that opens the top-level "edges" array, or -1. Looks for the key itself,
 * preceded by what may precede a key; the parser checks the offset against its own anyway.
 */
export async function findEdges(file: FileHandle, buf: Buffer, stop: () => boolean): Promise<number> {
  let pos = 0;
  for (;;) {
    const { bytesRead } = await file.read(buf, 0, buf.length, pos);
    if (bytesRead < KEY.length) return -1;
    const chunk = buf.subarray(0, bytesRead);
    for (let j = chunk.indexOf(KEY); j >= 0; j = chunk.indexOf(KEY, j + 1)) {
      const before = j > 0 ? chunk[j - 1] : (await readAt(file, pos - 1, 1))[0];
      if (!(before === 0x2c || before === 0x7b || before === 0x20 || before === 0x0a || before === 0x0d || before === 0x09)) continue;
      const after = (await readAt(file, pos + j + KEY.length, 64)).toString('latin1');
      const m = /^\s*:\s*\[/.exec(after);
      if (m) return pos + j + KEY.length + m[0].length - 1;
    }
    if (bytesRead < buf.length || stop()) return -1;
    pos += bytesRead - (KEY.length - 1);
  }
}

async function readAt(file: FileHandle, pos: number, length: number): Promise<Buffer> {
  if (pos < 0) return Buffer.alloc(0);
  const b = Buffer.alloc(length);
  const { bytesRead } = await file.read(b, 0, length, pos);
  return b.subarray(0, bytesRead);
}
