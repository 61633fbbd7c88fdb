// Number formatting for the panel.

export { formatBytes } from '../core/format';

/** 12345 → "12,345". */
export function formatCount(count: number): string {
  return Number.isFinite(count) ? Math.round(count).toLocaleString('en-US') : '–';
}

/** +12 / −3 / 0. */
export function formatDelta(delta: number): string {
  if (!Number.isFinite(delta) || delta === 0) return '0';
  return `${delta > 0 ? '+' : '−'}${formatCount(Math.abs(delta))}`;
}

/** Per-minute rate with one decimal when small. */
export function formatRate(perMinute: number): string {
  if (!Number.isFinite(perMinute)) return '–';
  const abs = Math.abs(perMinute);
  const text = abs >= 100 ? Math.round(abs).toLocaleString('en-US') : abs.toFixed(1);
  return `${perMinute < 0 ? '−' : perMinute > 0 ? '+' : ''}${text}/min`;
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
