// A comparison of two watches as the terminal shows it: the two runs, each cause's verdict with its
// evidence, the leaking types before and after, the result. Every string from a file is escaped.
import { failingChanges } from '../core/compare/compareWatches';
import type { CauseChange, ChangeVerdict, Comparison, RunSummary, TypeChange, TypeSide } from '../core/compare/comparison';
import { inert, signed, table } from './format';

const MARK: Record<ChangeVerdict, string> = { fixed: 'FIXED', 'still-leaking': 'STILL LEAKING', new: 'NEW' };
const VERDICT: Record<string, string> = { leak: 'LEAK', suspect: 'suspect', ok: 'ok' };

/** The comparison as text; `before`/`after` name the files (or runs) compared. */
export function formatComparison(c: Comparison, names: { before: string; after: string; failOn: 'any' | 'new' }): string {
  const out: string[] = [];
  out.push(`baseline: ${runLine(c.before, names.before)}`);
  out.push(`after:    ${runLine(c.after, names.after)}`);
  out.push('');
  if (c.outcome !== 'compared') {
    out.push(`No verdict. ${inert(c.statement, Infinity)}`);
    for (const note of c.notes) out.push(`note: ${inert(note, 300)}`);
    return out.join('\n');
  }
  const width = Math.max(...c.causes.map((x) => MARK[x.verdict].length), 0);
  for (const cause of c.causes) out.push(causeLines(cause, width), '');
  if (c.types.length) {
    out.push(typesTable(c.types), '');
  }
  const failing = failingChanges(c, names.failOn);
  out.push(inert(c.statement, Infinity));
  if (failing.length) {
    const which = names.failOn === 'new' ? 'new' : 'still leaking or new';
    out.push(`${failing.length} ${which}: exit code 3${names.failOn === 'new' ? ' (--fail-on new)' : ''}.`);
  } else {
    const ignored = names.failOn === 'new' && c.causes.some((x) => x.verdict === 'still-leaking' && x.leaksNow);
    out.push(ignored ? 'Nothing new (the leaks still there were in the baseline; --fail-on new): exit code 0.' : 'Nothing still leaking or new: exit code 0.');
  }
  for (const note of c.notes) out.push(`note: ${inert(note, 300)}`);
  return out.join('\n');
}

function runLine(r: RunSummary, name: string): string {
  const program = r.programKey ? `${inert(r.programKey, 120)} ` : '';
  const git = r.program?.git ? `, commit ${inert(r.program.git.commit.slice(0, 12), 12)}${r.program.git.dirty ? ' (with changes)' : ''}` : '';
  return `${program}(${inert(r.description, 120)}) — ${r.samples} samples over ${r.seconds.toFixed(1)} s, started ${inert(r.startedAt, 40)}${git}; ${inert(name, 200)}`;
}

function causeLines(c: CauseChange, width: number): string {
  const where = c.after?.addedAt ?? c.before?.addedAt;
  const at = where ? ` (${inert(baseName(where.file), 80)}:${where.line})` : '';
  const suspect = c.verdict !== 'fixed' && !c.leaksNow ? '  [suspect: growing, not proven kept; not counted for the exit code]' : '';
  const lines = [`${MARK[c.verdict].padEnd(width)}  ${inert(c.title, 200)}${at}${suspect}`];
  for (const e of c.evidence) lines.push(`  · ${inert(e, 300)}`);
  if (c.verdict !== 'fixed') lines.push(`  fix: ${inert((c.after ?? c.before)!.fix, 300)}`);
  return lines.join('\n');
}

function typesTable(types: TypeChange[]): string {
  const side = (s: TypeSide | undefined) => (s ? `${VERDICT[s.verdict] ?? '?'} ${signed(s.countPerMinute)}/min` : '(none)');
  const rows = [['type', 'baseline', 'after', 'verdict'], ...types.map((t) => [inert(t.name, 60), side(t.before), side(t.after), MARK[t.verdict].toLowerCase()])];
  const widths = rows[0].map((_, k) => Math.max(...rows.map((r) => [...r[k]].length)));
  return rows.map((r) => r.map((cell, k) => (k === 0 ? cell.padEnd(widths[k]) : k === 3 ? cell : cell.padStart(widths[k]))).join('  ').trimEnd()).join('\n');
}

function baseName(file: string): string {
  return file.slice(Math.max(file.lastIndexOf('/'), file.lastIndexOf('\\')) + 1);
}
