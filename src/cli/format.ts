import { formatBytes } from '../core/format';
import { ALSO_GROWING, describeIsolate } from '../core/programReport';
import type { Cause, CauseStep, IsolateInfo, IsolateReport, Leak, Report, SourcePosition, TypeSeries } from '../core/report';

/** A signed number with a thousands separator. */
export function signed(n: number): string {
  const s = Math.round(n).toLocaleString('en-US');
  return n > 0 ? `+${s}` : s;
}

/**
 * Beyond C0 controls (escape sequences, newlines), what a terminal would act on or reorder: DEL, C1
 * controls, the Arabic letter mark, left-to-right and right-to-left marks, line and paragraph
 * separators, and bidi embeddings, overrides and isolates (U+202A–202E, U+2066–2069).
 */
const BEYOND_C0 = '\\u007f-\\u009f\\u061c\\u200e\\u200f\\u2028\\u2029\\u202a-\\u202e\\u2066-\\u2069';
const TERMINAL_UNSAFE = new RegExp(`[\\u0000-\\u001f${BEYOND_C0}]`, 'g');
/** JSON.stringify escapes C0 controls in strings itself (and its layout's newlines must stay). */
const JSON_UNSAFE = new RegExp(`[${BEYOND_C0}]`, 'g');

/**
 * Text made safe for a terminal, the one escaping of everything the CLI prints that came from the
 * debuggee or a file (type names, paths, script URLs, messages quoting them): each character of
 * TERMINAL_UNSAFE shown as `\xNN` or `\uNNNN`; cut to `max` characters first (marked `…`).
 */
export function inert(text: string, max = 120): string {
  let cut = text;
  if (text.length > max) {
    let end = max - 1;
    if (/[\ud800-\udbff]/.test(text[end - 1] ?? '')) end--; // not half a surrogate pair
    cut = `${text.slice(0, end)}…`;
  }
  return cut.replace(TERMINAL_UNSAFE, escapeChar);
}

/** Text of several lines (a stack trace) made safe line by line, its line breaks kept. */
export function inertLines(text: string): string {
  return text
    .split(/\r?\n/)
    .map((line) => inert(line, Infinity))
    .join('\n');
}

/** JSON text (JSON.stringify's output) with the characters it leaves raw that a terminal acts on escaped too (DEL, C1, bidi): the same JSON. */
export function inertJson(json: string): string {
  return json.replace(JSON_UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function escapeChar(c: string): string {
  const code = c.charCodeAt(0);
  return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** Rows as aligned columns, two spaces apart. */
export function table(rows: string[][], align: ('l' | 'r')[]): string {
  const widths = align.map((_, k) => Math.max(...rows.map((r) => [...r[k]].length)));
  return rows
    .map((r) => r.map((cell, k) => (align[k] === 'r' ? cell.padStart(widths[k]) : cell.padEnd(widths[k]))).join('  ').trimEnd())
    .join('\n');
}

const VERDICT_MARK: Record<string, string> = { leak: 'LEAK', suspect: 'suspect', ok: 'ok', early: 'too early' };

/** The table of types: growth, rate and verdict (several samples), or sizes (one snapshot). */
export function typesTable(report: Report, top: number): string {
  const multi = report.samples.length > 1;
  const shown = multi ? report.types.slice(0, top) : [...report.types].sort((a, b) => last(b.bytes) - last(a.bytes)).slice(0, top);
  if (!shown.length) return '(no types)';
  if (!multi) {
    return table(
      [['type', 'count', 'shallow', 'retained'], ...shown.map((t) => [inert(t.name, 60), last(t.counts).toLocaleString('en-US'), formatBytes(last(t.bytes)), t.retainedBytes === undefined ? '' : formatBytes(t.retainedBytes)])],
      ['l', 'r', 'r', 'r'],
    );
  }
  return table(
    [
      ['type', 'count', 'Δ count', 'Δ bytes', 'per min', 'verdict'],
      ...shown.map((t: TypeSeries) => [
        inert(t.name, 60),
        last(t.counts).toLocaleString('en-US'),
        signed(last(t.counts) - t.counts[0]),
        (last(t.bytes) - t.bytes[0] >= 0 ? '+' : '') + formatBytes(last(t.bytes) - t.bytes[0]),
        signed(t.countPerMinute),
        // Too few samples for a leak verdict: a type not called a leak is not cleared either.
        VERDICT_MARK[report.tooEarly && t.verdict === 'ok' ? 'early' : t.verdict],
      ]),
    ],
    ['l', 'r', 'r', 'r', 'r', 'l'],
  );
}

/** A path in the code's words, one step a line (a folded step as its label), the step at `marked` marked. */
function stepLines(steps: CauseStep[], marked: number, mark: string): string[] {
  return steps.map((s, k) => `    ${k === 0 ? '' : '→ '}${inert(s.label ?? `${s.from} .${s.edge}`, 160)}${k === marked ? `  ◀ ${mark}` : ''}`);
}

/** One leak: evidence, allocation sites, top retainer path with the suspect edge marked, back-references. */
export function leakDetail(leak: Leak): string {
  const out: string[] = [];
  out.push(`${VERDICT_MARK[leak.verdict]}: ${inert(leak.type)} — ${leak.newObjects.toLocaleString('en-US')} new objects, ${formatBytes(leak.newBytes)} new, ${formatBytes(leak.retainedBytes)} retained`);
  for (const e of leak.evidence) out.push(`  · ${inert(e, 200)}`);
  if (leak.allocationSites.length) {
    out.push('  allocated at:');
    for (const s of leak.allocationSites.slice(0, 3)) {
      const how = s.kind === 'constructor' ? ' (the constructor; allocation stacks were not recorded)' : s.kind === 'source' ? ' (found in the source; --precise-sites records the exact site)' : '';
      out.push(`    ${at(s)}  ${inert(s.functionName || '(anonymous)', 60)}  ×${s.count.toLocaleString('en-US')}${how}`);
    }
  }
  const path = leak.retainerPaths[0];
  if (path) {
    out.push(`  retained by (${path.count.toLocaleString('en-US')} objects, ${formatBytes(path.bytes)}):`);
    if (path.steps) out.push(...stepLines(path.steps, path.suspectStepIndex ?? -1, 'suspect: an old holder keeps the new objects'));
    else {
      path.edges.forEach((e, k) => {
        const mark = k === path.suspectEdgeIndex ? '  ◀ suspect: an old holder keeps the new objects' : '';
        out.push(`    ${k === 0 ? '' : '→ '}${inert(e.from, 50)} .${inert(e.edge, 50)}${mark}`);
      });
    }
    out.push(`    → ${inert(leak.type, 50)}`);
    if (path.suspectSite) out.push(`    suspect edge created at ${at(path.suspectSite)}`);
  }
  for (const b of leak.backReferences.slice(0, 3)) {
    const where = b.site ? ` at ${at(b.site)}` : '';
    out.push(`  back-reference ${inert(b.holder, 40)}.${inert(b.edge, 40)} → ${inert(b.target, 40)} keeps ${formatBytes(b.bytes)} alive${where}`);
    out.push(`    fix: ${inert(b.fix, 200)}`);
  }
  return out.join('\n');
}

const ORIGIN_NOTE: Record<string, string> = { user: 'your class', shape: 'plain object', library: 'library', runtime: 'runtime' };

/** file:line:column, the file escaped (a script's URL is whatever the program named it). */
function at(p: SourcePosition): string {
  return `${inert(p.file, 200)}:${p.line}:${p.column}`;
}

/**
 * One cause: what holds the objects and where the program adds to it, the types it keeps, where they
 * are made, the path in code words, the fix; `where`: the isolate it lives in (a program's report).
 */
export function causeDetail(cause: Cause, where?: string): string {
  const out: string[] = [];
  out.push(`${VERDICT_MARK[cause.verdict]}: ${inert(cause.title, 200)}`);
  if (where) out.push(`  lives in ${inert(where, 200)}`);
  if (cause.addedAt) out.push(`  added at ${at(cause.addedAt)} (${cause.addedAt.call ? `${cause.addedAt.how}: ${inert(cause.addedAt.call, 80)}(…)` : cause.addedAt.how})`);
  const h = cause.holder;
  const declared = h.declaredAt ? `, ${inert(h.declaredAt.scope ?? 'declared', 80)} at ${at(h.declaredAt)}` : '';
  out.push(`  holder: ${h.kind}${h.variable ? ` \`${inert(h.variable, 60)}\`` : ''}${h.event ? ` event '${inert(h.event, 60)}'` : ''} (${inert(h.type, 40)}${h.inLibrary ? ', in a library or Node' : ''}${declared})`);
  out.push(`  keeps ${cause.newObjects.toLocaleString('en-US')} new objects (${formatBytes(cause.newBytes)}), retaining ${formatBytes(cause.retainedBytes)}:`);
  const rows = cause.kept.slice(0, 8).map((k) => [
    `    ${inert(k.type, 50)}`,
    k.newObjects.toLocaleString('en-US'),
    formatBytes(k.newBytes),
    `${signed(k.countPerMinute)}/min`,
    VERDICT_MARK[k.verdict],
    ORIGIN_NOTE[k.origin] ?? '',
  ]);
  if (rows.length) out.push(table(rows, ['l', 'r', 'r', 'r', 'l', 'l']));
  if (cause.kept.length > 8) out.push(`    … and ${cause.kept.length - 8} more types`);
  for (const s of cause.allocationSites.slice(0, 2)) {
    const how = s.kind === 'constructor' ? ' (the constructor; allocation stacks were not recorded)' : s.kind === 'source' ? ' (found in the source; --precise-sites records the exact site)' : '';
    out.push(`  ${inert(cause.kept[0]?.type ?? '', 50)} made at ${at(s)}  ${inert(s.functionName || '(anonymous)', 60)}${how}`);
  }
  out.push('  path:');
  out.push(...stepLines(cause.path.steps, cause.path.holderIndex, 'holder'));
  const last = cause.path.steps[cause.path.steps.length - 1];
  if (last) out.push(`    → ${inert(last.to, 50)}`);
  for (const e of cause.evidence.slice(1)) out.push(`  · ${inert(e, 240)}`);
  out.push(`  fix: ${inert(cause.fix, 300)}`);
  return out.join('\n');
}

/**
 * The whole human-readable report; `shownAlready`: notes printed while watching, not repeated. A
 * program of several isolates: a summary row per isolate, then each isolate's report.
 */
export function formatReport(report: Report, top: number, shownAlready: ReadonlySet<string> = new Set()): string {
  if (report.isolates && report.isolates.length > 1) return formatProgram(report, report.isolates, top, shownAlready);
  return formatHeap(report, top, shownAlready);
}

/** The report of one heap. */
function formatHeap(report: Report, top: number, shownAlready: ReadonlySet<string>, where?: string): string {
  const parts: string[] = [];
  const lastSample = report.samples[report.samples.length - 1];
  const n = report.samplesTaken ?? report.samples.length;
  if (lastSample) {
    parts.push(
      `${n} snapshot${n === 1 ? '' : 's'} of ${inert(report.target.description, 200)}; heap ${formatBytes(lastSample.heapUsed || 0)}, ` +
        `${lastSample.nodes.toLocaleString('en-US')} objects; last pause ${Math.round(lastSample.pauseMs)} ms, analysis ${Math.round(lastSample.analysisMs)} ms`,
    );
  }
  parts.push('', typesTable(report, top));
  if (report.causes?.length) for (const cause of report.causes) parts.push('', causeDetail(cause, where));
  else if (report.leaks.length) for (const leak of report.leaks) parts.push('', leakDetail(leak));
  else if (report.tooEarly) parts.push('', inert(report.tooEarly, 400));
  else if (n > 1) parts.push('', 'No leak found.');
  for (const note of report.notes ?? []) if (!shownAlready.has(note)) parts.push(`note: ${inert(note, 300)}`);
  return parts.join('\n');
}

/** A program's report: a row per isolate (samples, heap, worst verdict, how it ended), then each isolate's report under a heading, then the program's notes. */
function formatProgram(report: Report, sections: IsolateReport[], top: number, shownAlready: ReadonlySet<string>): string {
  const began = Date.parse(report.startedAt);
  const parts: string[] = [`${sections.length} isolates of ${inert(report.target.description, 200)}:`, ''];
  const rows = sections.map((s) => {
    const worst = s.types.some((t) => t.verdict === 'leak') ? 'leak' : s.types.some((t) => t.verdict === 'suspect') ? 'suspect' : s.tooEarly ? 'early' : 'ok';
    const lastSample = s.samples[s.samples.length - 1];
    return [
      `  ${inert(describeIsolate(s.isolate), 80)}`,
      String(s.samplesTaken ?? s.samples.length),
      lastSample ? formatBytes(lastSample.heapUsed) : '',
      s.samples.length > 1 ? VERDICT_MARK[worst] : '',
      lifetime(s.isolate, began),
    ];
  });
  parts.push(table([['  isolate', 'samples', 'heap', 'verdict', 'watched'], ...rows], ['l', 'r', 'r', 'l', 'l']));
  for (const s of sections) {
    const where = describeIsolate(s.isolate);
    const heading = `== ${where}: ${s.isolate.title} ==`;
    const body = s.samples.length
      ? formatHeap({ ...report, ...s, target: { ...report.target, description: s.isolate.title }, isolates: undefined }, top, shownAlready, where)
      : ['No snapshot was taken.', ...(s.notes ?? []).filter((n) => !shownAlready.has(n)).map((n) => `note: ${inert(n, 300)}`)].join('\n');
    parts.push('', inert(heading, 300), body);
  }
  const own = new Set(sections[0].notes ?? []);
  const programNotes = (report.notes ?? []).filter((n) => !own.has(n) && !n.startsWith(ALSO_GROWING) && !shownAlready.has(n));
  if (programNotes.length) parts.push('', ...programNotes.map((n) => `note: ${inert(n, 300)}`));
  return parts.join('\n');
}

/** "+0.0 s – +6.2 s, took its samples", "+1.5 s – +4.0 s, exited (code 0)", "+2.1 s –, watching". */
function lifetime(isolate: IsolateInfo, began: number): string {
  const at = (t: number) => `+${Math.max(0, (t - began) / 1000).toFixed(1)} s`;
  const span = `${at(isolate.startedAt)} – ${isolate.endedAt !== undefined ? at(isolate.endedAt) : ''}`;
  const end = isolate.end;
  if (!end) return `${span}, watching`;
  const how =
    end.how === 'exited' ? `exited${end.exitCode !== undefined ? ` (code ${end.exitCode})` : ''}` : end.how === 'done' ? 'took its samples' : end.how === 'stopped' ? 'stopped' : `failed: ${inert(end.reason, 120)}`;
  return `${span}, ${how}`;
}

function last(a: number[]): number {
  return a[a.length - 1] ?? 0;
}
