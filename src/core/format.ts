// Numbers as the user reads them, the same in the CLI, the panel, hovers and messages. Plain
// functions, no Node or DOM API: the webview bundles this file too.

/**
 * Bytes in decimal SI units, as Chrome DevTools' Memory panel writes them: B, kB, MB, GB (powers of
 * 1000), one decimal (two for GB); "–" for a number that is not finite.
 */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n)) return '–';
  const a = Math.abs(n);
  if (a < 1000) return `${Math.round(n)} B`;
  if (a < 1e6) return `${(n / 1e3).toFixed(1)} kB`;
  if (a < 1e9) return `${(n / 1e6).toFixed(1)} MB`;
  return `${(n / 1e9).toFixed(2)} GB`;
}
