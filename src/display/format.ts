// Number and text formatting for the panel and the editor's hovers (pure: no DOM, no vscode).
// Bytes are written by the one rule of src/core/format.ts (decimal SI units, as Chrome DevTools
// writes them); here a number and its unit are joined by a no-break space, so a line never breaks
// between them, and a negative number takes the minus sign (−).
import { BYTE_UNITS, byteUnitOf, formatBytes as formatBytesPlain } from '../core/format';

const NBSP = '\u00a0';
const GROUPED = new Intl.NumberFormat('en-US');

/** 1536 → "1.5 kB", 7_150_000 → "7.2 MB", 479_300 → "479 kB", the unit joined by a no-break space. */
export function formatBytes(bytes: number): string {
  return formatBytesPlain(bytes, { space: NBSP, minus: '\u2212' });
}

/**
 * Labels for a chart's byte axis: one unit for all (the largest tick's), and only the decimals that
 * tell the ticks apart (2 MB, 2.5 MB, 3 MB; not 2.00 MB, 2.50 MB).
 */
export function formatByteTicks(ticks: number[]): string[] {
  const largest = ticks.reduce((m, t) => Math.max(m, Math.abs(t)), 0);
  const { unit, divisor } = byteUnitOf(largest);
  let digits = 0;
  while (digits < 3 && ticks.some((t) => Math.abs(Number((t / divisor).toFixed(digits)) * divisor - t) > divisor * 1e-6)) digits++;
  return ticks.map((t) => `${t < 0 ? '\u2212' : ''}${(Math.abs(t) / divisor).toFixed(digits)}${NBSP}${BYTE_UNITS[unit]}`);
}

/** 12345 → "12,345". */
export function formatCount(count: number): string {
  return Number.isFinite(count) ? GROUPED.format(Math.round(count)) : '–';
}

/** +12 / −3 / 0. */
export function formatDelta(delta: number): string {
  if (!Number.isFinite(delta) || delta === 0) return '0';
  return `${delta > 0 ? '+' : '−'}${formatCount(Math.abs(delta))}`;
}

/** Objects per minute: whole and grouped from 100 on (19,122, not 19121.7), one decimal below, 0 for none. */
export function formatPerMinute(perMinute: number): string {
  const abs = Math.abs(perMinute);
  if (abs < 0.05) return '0';
  return `${perMinute < 0 ? '−' : ''}${abs >= 100 ? GROUPED.format(Math.round(abs)) : abs.toFixed(1)}`;
}

/** A signed growth per minute without its unit, "+1,234" (where a column's head names the unit). */
export function formatGrowth(perMinute: number): string {
  if (!Number.isFinite(perMinute)) return '–';
  const text = formatPerMinute(perMinute);
  return perMinute > 0 && text !== '0' ? `+${text}` : text;
}

/** A signed growth rate, "+1,234/min". */
export function formatRate(perMinute: number): string {
  return Number.isFinite(perMinute) ? `${formatGrowth(perMinute)}/min` : '–';
}

/** Milliseconds, grouped: "4,522 ms". */
export function formatMs(ms: number): string {
  return `${formatCount(ms)}${NBSP}ms`;
}

/** Clock time hh:mm:ss. */
export function formatTime(epochMs: number): string {
  const d = new Date(epochMs);
  return [d.getHours(), d.getMinutes(), d.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
}

/** Last path segment of a file path or URL. */
export function baseName(file: string): string {
  const parts = file.split(/[\\/]/);
  return parts[parts.length - 1] || file;
}

/** A piece of a sentence: plain words, or code (a name or an expression, written `so` in the sentence). */
export interface TextPiece {
  text: string;
  code: boolean;
}

/**
 * A sentence of the analysis as pieces to render: `backticked` parts become code (the analysis groups
 * its numbers itself). An unpaired backtick stays text.
 */
export function sentencePieces(sentence: string): TextPiece[] {
  const parts = sentence.split('`');
  // An even number of parts means one backtick without its pair: the last one is literal.
  if (parts.length % 2 === 0) parts.splice(parts.length - 2, 2, `${parts[parts.length - 2]}\`${parts[parts.length - 1]}`);
  const pieces: TextPiece[] = [];
  parts.forEach((text, i) => {
    if (!text) return;
    pieces.push({ text, code: i % 2 === 1 });
  });
  return pieces;
}

/**
 * What a watch is of, in words: a js-debug session name such as "server.js [31376] « API server"
 * becomes "API server (pid 31376)" (the launch configuration's name, else the program's), an
 * inspector URL its host and port; anything else stays as it is.
 */
export function targetLabel(target: string): string {
  const session = /^(.+?) \[(\d+)\](?: « (.+?))?(?: « .*)?$/.exec(target.trim());
  // A configuration Start Leak Watch made itself is named "Leak Watch: <file>": said once.
  if (session) return `${(session[3] ?? session[1]).replace(/^Leak Watch: /, '')} (pid ${session[2]})`;
  const url = /^wss?:\/\/([^/]+)\//i.exec(target.trim());
  return url ? url[1] : target;
}

/** The panel's tab: "Leak Watch · API server (pid 31376)". */
export function panelTitle(target: string): string {
  return `Leak Watch · ${targetLabel(target)}`;
}
