// The bytes of JSON the parser's state machine tells apart, and the small scans over them.

export const OPEN_BRACE = 0x7b;
export const CLOSE_BRACE = 0x7d;
export const OPEN_BRACKET = 0x5b;
export const CLOSE_BRACKET = 0x5d;
export const QUOTE = 0x22;
export const BACKSLASH = 0x5c;
export const COLON = 0x3a;
export const COMMA = 0x2c;
export const SPACE = 0x20;
export const NEWLINE = 0x0a;
export const CR = 0x0d;
export const TAB = 0x09;
export const MINUS = 0x2d;
export const DOT = 0x2e;

/** Characters that may follow the integer part of a JSON number. */
export function isNumberTail(c: number): boolean {
  return (c >= 48 && c <= 57) || c === DOT || c === 101 || c === 69 || c === 43 || c === MINUS;
}

/** The offset of the first byte at or after i that is not JSON whitespace. */
export function skipWhitespace(buf: Buffer, i: number, end: number): number {
  while (i < end) {
    const c = buf[i];
    if (c !== SPACE && c !== NEWLINE && c !== CR && c !== TAB) break;
    i++;
  }
  return i;
}
