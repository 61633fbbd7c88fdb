// The snapshot's string table: JSON strings read as they stream, escapes decoded, UTF-8 and chunk
// boundaries handled, very long ones cut in the middle.
import { corrupt, describeByte } from './errors';
import { BACKSLASH, CLOSE_BRACKET, COMMA, CR, NEWLINE, QUOTE, SPACE, TAB } from './jsonBytes';

/** The "strings" array of a snapshot, read from just after its `[`. */
export class StringTable {
  /** The strings so far, in order. */
  readonly strings: string[] = [];
  /** The table's `]` has been read. */
  ended = false;
  /** The pieces of a string that goes on in the next chunk. */
  private pieces: Buffer[] = [];
  private escaped = false;
  private hasEscape = false;
  private inString = false;

  /** Reads buf[i, end) of the table; returns the offset reached (just after its `]` once `ended`). */
  scan(buf: Buffer, i: number, end: number): number {
    while (i < end) {
      if (!this.inString) {
        // Fast path: decode everything up to the chunk's last quote in one call and cut the
        // strings out of that text (a quote is ASCII, so the cut never splits a UTF-8 sequence).
        const last = buf.lastIndexOf(QUOTE, end - 1);
        if (last > i) {
          const next = this.scanText(buf, i, last + 1);
          if (next > i) {
            i = next;
            if (this.ended) return i;
            continue;
          }
        }
        const c = buf[i];
        if (c === QUOTE) {
          this.inString = true;
          this.hasEscape = false;
          this.escaped = false;
          this.pieces = [];
          i++;
          continue;
        }
        if (c === COMMA || c === SPACE || c === NEWLINE || c === CR || c === TAB) {
          i++;
          continue;
        }
        if (c === CLOSE_BRACKET) {
          this.ended = true;
          return i + 1;
        }
        throw corrupt(`unexpected ${describeByte(c)} in the "strings" table`);
      }
      // Inside a string: find the closing quote that is not escaped.
      const start = i;
      let escaped = this.escaped;
      let closed = -1;
      for (; i < end; i++) {
        const c = buf[i];
        if (escaped) {
          escaped = false;
        } else if (c === BACKSLASH) {
          escaped = true;
          this.hasEscape = true;
        } else if (c === QUOTE) {
          closed = i;
          break;
        }
      }
      this.escaped = escaped;
      if (closed < 0) {
        this.pieces.push(Buffer.from(buf.subarray(start, end))); // copy: the caller may reuse its buffer
        return end;
      }
      let text: string;
      if (this.pieces.length === 0) text = buf.toString('utf8', start, closed);
      else {
        this.pieces.push(buf.subarray(start, closed));
        text = Buffer.concat(this.pieces).toString('utf8');
        this.pieces = [];
      }
      this.strings.push(tableString(this.hasEscape ? decodeEscaped(text) : text));
      this.inString = false;
      i = closed + 1;
    }
    return i;
  }

  /**
   * The strings of buf[i, stop), where stop - 1 is a quote and i is outside any string. Returns the
   * byte offset reached: after the section's `]`, after the last string closed before stop, or
   * at an opening quote whose string goes on past stop (the byte loop then takes it).
   */
  private scanText(buf: Buffer, i: number, stop: number): number {
    const text = buf.toString('utf8', i, stop);
    const n = text.length;
    const strings = this.strings;
    let j = 0;
    let done = 0; // chars fully consumed
    let backslash = text.indexOf('\\');
    if (backslash < 0) backslash = n;
    while (j < n) {
      const c = text.charCodeAt(j);
      if (c === QUOTE) {
        let q = text.indexOf('"', j + 1);
        if (q < 0) break;
        if (backslash < q) {
          // An escape inside (or before) this string: find the real closing quote.
          let escaped = false;
          q = -1;
          for (let x = j + 1; x < n; x++) {
            const d = text.charCodeAt(x);
            if (escaped) escaped = false;
            else if (d === BACKSLASH) escaped = true;
            else if (d === QUOTE) {
              q = x;
              break;
            }
          }
          if (q < 0) break;
          const raw = text.slice(j + 1, q);
          strings.push(tableString(raw.indexOf('\\') >= 0 ? decodeEscaped(raw) : raw));
          backslash = text.indexOf('\\', q + 1);
          if (backslash < 0) backslash = n;
        } else {
          strings.push(tableString(text.slice(j + 1, q)));
        }
        j = q + 1;
        done = j;
        continue;
      }
      if (c === COMMA || c === SPACE || c === NEWLINE || c === CR || c === TAB) {
        j++;
        done = j;
        continue;
      }
      if (c === CLOSE_BRACKET) {
        this.ended = true;
        return i + Buffer.byteLength(text.slice(0, j + 1), 'utf8');
      }
      throw corrupt(`unexpected ${describeByte(c)} in the "strings" table`);
    }
    if (done === n) return stop;
    return i + (done === 0 ? 0 : Buffer.byteLength(text.slice(0, done), 'utf8'));
  }
}

/**
 * The longest string the table keeps whole. V8 cuts the names it writes at 1024 characters (its
 * `heap_snapshot_string_limit`) and builds few longer ones (WeakMap entries name two of them), so
 * only a crafted file has longer ones; what the analysis builds from names (plain-object shapes,
 * paths, the report) then stays proportional to the file.
 */
export const MAX_STRING_CHARS = 4096;

/** A string as the table keeps it: one longer than MAX_STRING_CHARS loses its middle (marked `…`), never half a surrogate pair. */
export function tableString(s: string): string {
  if (s.length <= MAX_STRING_CHARS) return s;
  let head = (MAX_STRING_CHARS >> 1) - 1;
  let tail = s.length - (MAX_STRING_CHARS >> 1);
  if (isHighSurrogate(s.charCodeAt(head - 1))) head--;
  if (isLowSurrogate(s.charCodeAt(tail))) tail++;
  // A copy of its own: a slice would keep the whole string alive.
  return Buffer.from(`${s.slice(0, head)}…${s.slice(tail)}`, 'utf16le').toString('utf16le');
}

export function isHighSurrogate(c: number): boolean {
  return c >= 0xd800 && c <= 0xdbff;
}

function isLowSurrogate(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}

function decodeEscaped(raw: string): string {
  try {
    return JSON.parse(`"${raw}"`) as string;
  } catch {
    throw corrupt(`a string in the "strings" table has an invalid escape`);
  }
}
