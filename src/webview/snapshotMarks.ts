// Where the heap chart marks its snapshots: one short tick on the time axis per snapshot, thinned so
// that a long watch (hundreds of samples) still reads as separate marks, not a solid band.

/**
 * The pixel positions to mark, left to right: `xs` (sorted) inside [left, right], keeping a mark
 * only when it is at least `minGap` px right of the last one kept. The last snapshot is always kept.
 */
export function thinMarks(xs: readonly number[], left: number, right: number, minGap: number): number[] {
  const inside = xs.filter((x) => x >= left && x <= right);
  const kept: number[] = [];
  for (const x of inside) {
    if (kept.length === 0 || x - kept[kept.length - 1] >= minGap) kept.push(x);
  }
  const lastX = inside[inside.length - 1];
  if (lastX !== undefined && kept[kept.length - 1] !== lastX) {
    // The newest snapshot matters most: it replaces the mark it would crowd.
    if (kept.length > 1 && lastX - kept[kept.length - 1] < minGap) kept.pop();
    kept.push(lastX);
  }
  return kept;
}
