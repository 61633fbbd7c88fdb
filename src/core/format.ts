// Numbers as the user reads them, the same in the CLI, the panel, hovers and messages. Plain
// functions, no Node or DOM API: the webview bundles this file too (through src/display/format.ts).

/** The byte units, powers of 1000 apart. */
export const BYTE_UNITS = ['B', 'kB', 'MB', 'GB', 'TB'] as const;

/** How a number and its unit are written: plain for terminals and JSON, typographic where text wraps. */
export interface ByteStyle {
  /** Between the number and its unit: ' ' (default) or a no-break space (the panel, hovers). */
  space?: string;
  /** Before a negative number: '-' (default) or '−' (U+2212). */
  minus?: string;
}

/** The unit for `bytes`: its index in BYTE_UNITS and its divisor. */
export function byteUnitOf(bytes: number): { unit: number; divisor: number } {
  let unit = 0;
  let divisor = 1;
  // Chosen on the rounded value: 999,600 B is "1.0 MB", not "1000 kB".
  while (Math.abs(bytes) >= divisor * 999.5 && unit < BYTE_UNITS.length - 1) {
    divisor *= 1000;
    unit++;
  }
  return { unit, divisor };
}

/**
 * Bytes in decimal SI units, as Chrome DevTools' Memory panel writes them: B, kB, MB, GB (powers of
 * 1000), one decimal below 100 and none from 100 on; "–" for a number that is not finite.
 */
export function formatBytes(n: number, style: ByteStyle = {}): string {
  if (!Number.isFinite(n)) return '–';
  const { space = ' ', minus = '-' } = style;
  const a = Math.abs(n);
  const { unit, divisor } = byteUnitOf(a);
  const v = a / divisor;
  const digits = unit === 0 || v >= 99.95 ? 0 : 1;
  const text = v.toFixed(digits);
  return `${n < 0 && Number(text) !== 0 ? minus : ''}${text}${space}${BYTE_UNITS[unit]}`;
}
