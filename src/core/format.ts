// Numbers as the user reads them, the same in the CLI, the panel, hovers and messages. Plain
// functions, no Node or DOM API: the webview bundles this file too.

/**
 * Bytes in decimal SI units, as Chrome DevTools' Memory panel writes them: B, kB, MB, GB (powers of
 * 1000); kB and MB with one decimal below 100 and none from 100 on, GB with one; "–" for a number
 * that is not finite.
 */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n)) return '–';
  const a = Math.abs(n);
  if (a < 1000) return `${Math.round(n)} B`;
  if (a < 1e6) return scaled(n, 1e3, 'kB');
  if (a < 1e9) return scaled(n, 1e6, 'MB');
  return `${(n / 1e9).toFixed(1)} GB`;
}

function scaled(n: number, unit: number, name: string): string {
  const v = n / unit;
  return Math.abs(v) < 99.95 ? `${v.toFixed(1)} ${name}` : `${Math.round(v)} ${name}`;
}
