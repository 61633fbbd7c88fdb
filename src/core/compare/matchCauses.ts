// Which cause of one run is which cause of another. First by id (file paths taken relative to each
// run's program root, so two clones compare); then, for causes still unmatched, by what a fix that
// moves lines keeps: the holder's kind, variable and event, the adding line's file, and the first
// kept class of the program's. Each cause is matched at most once.
import type { Cause } from '../report';
import { relativeToRoot } from '../program';

/** A cause of the before run, the after run, or both. */
export interface CausePair {
  before?: Cause;
  after?: Cause;
  matchedBy?: 'id' | 'holder';
}

/** Pairs the causes of two runs; `beforeRoot`/`afterRoot`: each program's root (see `WatchedProgram.root`). Before's order, then after's unmatched. */
export function matchCauses(before: readonly Cause[], beforeRoot: string | undefined, after: readonly Cause[], afterRoot: string | undefined): CausePair[] {
  const pairs: CausePair[] = before.map((c) => ({ before: c }));
  const unmatchedAfter = new Set(after);
  const afterById = new Map<string, Cause>();
  for (const c of after) {
    const id = rootlessId(c.id, afterRoot);
    if (!afterById.has(id)) afterById.set(id, c);
  }
  for (const pair of pairs) {
    const same = afterById.get(rootlessId(pair.before!.id, beforeRoot));
    if (same && unmatchedAfter.has(same)) {
      pair.after = same;
      pair.matchedBy = 'id';
      unmatchedAfter.delete(same);
    }
  }
  // By holder: within one key, in the order of the adding lines (lines inserted above move them all alike).
  const byKey = new Map<string, Cause[]>();
  for (const c of after) {
    if (!unmatchedAfter.has(c)) continue;
    const key = holderKey(c, afterRoot);
    byKey.set(key, [...(byKey.get(key) ?? []), c]);
  }
  for (const list of byKey.values()) list.sort(byAddingLine);
  const unmatchedBefore = pairs.filter((p) => !p.after).sort((x, y) => byAddingLine(x.before!, y.before!));
  for (const pair of unmatchedBefore) {
    const candidates = byKey.get(holderKey(pair.before!, beforeRoot));
    const same = candidates?.shift();
    if (!same) continue;
    pair.after = same;
    pair.matchedBy = 'holder';
    unmatchedAfter.delete(same);
  }
  for (const c of after) if (unmatchedAfter.has(c)) pairs.push({ after: c });
  return pairs;
}

/** A cause's id with its program root left out of the file paths in it. */
export function rootlessId(id: string, root: string | undefined): string {
  if (!root) return id;
  const prefix = root.endsWith('/') || root.endsWith('\\') ? root : `${root}${root.includes('\\') && !root.includes('/') ? '\\' : '/'}`;
  return id.split(prefix).join('');
}

/** What names a cause in the code, line numbers aside: holder kind, variable, event, the adding (or declaring) line's file, the first kept class of the program's. */
export function holderKey(c: Cause, root: string | undefined): string {
  const file = c.addedAt?.file ?? c.holder.declaredAt?.file ?? '';
  const userType = c.kept.find((k) => k.origin === 'user')?.type ?? c.kept[0]?.type ?? '';
  return JSON.stringify([c.holder.kind, c.holder.variable ?? '', c.holder.event ?? '', relativeToRoot(file, root), userType]);
}

function byAddingLine(x: Cause, y: Cause): number {
  return (x.addedAt?.line ?? 0) - (y.addedAt?.line ?? 0) || (x.addedAt?.column ?? 0) - (y.addedAt?.column ?? 0);
}
