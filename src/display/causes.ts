// Causes in the words the panel and the editor's hovers share (pure: no DOM, no vscode): the
// one-line headline, what a holder line does and keeps, the fix by the holder's kind, the types the
// growth chart follows, allocation sites told once.
import type { AllocationSite, Cause, CauseStep, HolderKind, Report, SourcePosition, TypeSeries, Verdict } from '../core/report';
import { baseName, formatBytes, formatCount, formatRate, type TextPiece } from './format';

const VERDICT_WORD: Record<Verdict, string> = { leak: 'Leak', suspect: 'Suspect', ok: 'Growing' };

/** The type a cause is named by: its first kept type (the program's class when there is one). */
export function leadType(cause: Cause): string {
  return cause.kept[0]?.type ?? cause.holder.type;
}

/** "server.js:46", where the program adds to the holder; undefined when that line is not known. */
export function addedWhere(cause: Cause): string | undefined {
  return cause.addedAt ? `${baseName(cause.addedAt.file)}:${cause.addedAt.line}` : undefined;
}

/** The holder's label as pieces, its variable (`configEmitter`) as code. */
export function holderPieces(cause: Cause): TextPiece[] {
  const { label, variable } = cause.holder;
  const at = variable ? wordAt(label, variable) : -1;
  if (at < 0) return [{ text: label, code: false }];
  return [
    { text: label.slice(0, at), code: false },
    { text: variable!, code: true },
    { text: label.slice(at + variable!.length), code: false },
  ].filter((p) => p.text);
}

/** Where `word` stands as a whole word in `text` (the last time), or -1. */
function wordAt(text: string, word: string): number {
  for (let at = text.lastIndexOf(word); at >= 0; at = at > 0 ? text.lastIndexOf(word, at - 1) : -1) {
    const before = text[at - 1];
    const after = text[at + word.length];
    if ((before === undefined || !/[\w$]/.test(before)) && (after === undefined || !/[\w$]/.test(after))) return at;
  }
  return -1;
}

/** A headline's parts: "Leak" · "Connection" · "kept by the 'reload' listeners of configEmitter" · "server.js:46". */
export interface Headline {
  verdict: string;
  type: string;
  holder: TextPiece[];
  where?: string;
}

/** The one line that tells a cause: "Leak: Connection — kept by the 'reload' listeners of configEmitter, server.js:46". */
export function headline(cause: Cause): Headline {
  return { verdict: VERDICT_WORD[cause.verdict], type: leadType(cause), holder: holderPieces(cause), where: addedWhere(cause) };
}

/** The headline as plain text (tooltips, hovers' titles, tests). */
export function headlineText(cause: Cause): string {
  const h = headline(cause);
  return `${h.verdict}: ${h.type} — kept by ${h.holder.map((p) => p.text).join('')}${h.where ? `, ${h.where}` : ''}`;
}

/** What to change, in a few words, chosen from the holder's kind (the Problems entry's fix). */
export function shortFix(cause: Cause): string {
  const { kind, type } = cause.holder;
  switch (kind) {
    case 'listener':
      return 'Remove the listener when done (off / removeListener), or add it with an AbortSignal and abort.';
    case 'container':
      if (type === 'Set' || type === 'WeakSet') return 'Delete entries when done, or use a WeakSet.';
      if (type === 'Array') return 'Remove items when done (splice / shift), or bound its length.';
      return 'Delete or evict entries when done, or key a WeakMap by their owner.';
    case 'back-reference':
      return 'Make the back-reference a WeakRef (read it with deref()), and remove each entry from its holder when done.';
    case 'timer':
      return 'Keep the timer and clearInterval / clearTimeout it when done.';
    case 'promise':
      return 'Settle the promise, or race it against a timeout.';
    case 'variable':
      return 'Clear what the variable holds when it is done.';
    default:
      return 'Break the reference when done, or hold it through a WeakRef.';
  }
}

/** The fix to show in full: the analysis's sentence, or the short one by kind when it has none. */
export function fullFix(cause: Cause): string {
  return cause.fix?.trim() || shortFix(cause);
}

const ADDS: Record<HolderKind, string> = {
  listener: 'This line adds a listener each time it runs, and none is ever removed.',
  container: 'This line adds an entry each time it runs, and none is ever taken out.',
  'back-reference': 'This line adds an object each time it runs; each one points back at its owner, so none is ever freed.',
  timer: 'This line starts a timer each time it runs, and none is ever cleared.',
  promise: 'This line adds a callback to a promise that never settles, each time it runs.',
  variable: 'This line stores objects in a variable that lives on.',
  other: 'This line hands objects to a holder that keeps them.',
};

/** What the holder line does, in one sentence (the hover's first line). */
export function addSentence(cause: Cause): string {
  if (cause.holder.inLibrary && cause.holder.kind !== 'timer') return `This line hands objects to ${cause.holder.label}, which keeps them.`;
  return ADDS[cause.holder.kind] ?? ADDS.other;
}

/** The growth of a cause: its lead type's objects per minute, and bytes per minute from that type's series. */
export function causeGrowth(cause: Cause, types: readonly TypeSeries[]): { perMinute: number; bytesPerMinute?: number } {
  const lead = cause.kept[0];
  const series = types.find((t) => t.name === leadType(cause));
  return { perMinute: lead?.countPerMinute ?? series?.countPerMinute ?? 0, bytesPerMinute: series?.bytesPerMinute };
}

/**
 * What a cause keeps, with its evidence: "426 Connection objects and 2,120 objects of 4 other types
 * ((string), Buffer, ArrayBuffer, (closure)): 146 kB new, 230 kB retained, +2,830/min".
 */
export function keepsSentence(cause: Cause, types: readonly TypeSeries[]): string {
  const lead = cause.kept[0];
  const others = cause.kept.slice(1);
  const leadCount = lead?.newObjects ?? cause.newObjects;
  const rest = cause.newObjects - leadCount;
  const named = others.slice(0, 4).map((k) => k.type).join(', ') + (others.length > 4 ? ', …' : '');
  const otherText = others.length && rest > 0 ? ` and ${formatCount(rest)} objects of ${others.length} other type${others.length === 1 ? '' : 's'} (${named})` : '';
  const { perMinute, bytesPerMinute } = causeGrowth(cause, types);
  const growth = perMinute ? `; ${leadType(cause)} grows by ${formatRate(perMinute)}${bytesPerMinute ? ` (${formatBytes(bytesPerMinute)}/min)` : ''}` : '';
  return `It keeps ${formatCount(leadCount)} ${leadType(cause)} object${leadCount === 1 ? '' : 's'}${otherText} alive: ${formatBytes(cause.newBytes)} new, ${formatBytes(cause.retainedBytes)} retained${growth}.`;
}

/** The Problems entry: what is wrong and what to change, shorter than the hover (which has the path and evidence). */
export function problemText(cause: Cause, types: readonly TypeSeries[]): string {
  const { perMinute } = causeGrowth(cause, types);
  const label = cause.holder.label;
  const rate = perMinute ? `, ${formatRate(perMinute)}` : '';
  return `${leadType(cause)} objects pile up in ${label} (${formatCount(cause.newObjects)} new objects kept, ${formatBytes(cause.retainedBytes)}${rate}). ${shortFix(cause)}`;
}

/** A path step in words: its label, or the raw edge "EventEmitter ._events". */
export function stepText(step: CauseStep): string {
  return step.label ?? `${step.from} .${step.edge}`;
}

/** Every source position a cause names (where it adds, the holder's declaration, sites, path steps, the back-reference). */
export function causePositions(cause: Cause): SourcePosition[] {
  const out: SourcePosition[] = [];
  if (cause.addedAt) out.push(cause.addedAt);
  if (cause.holder.declaredAt) out.push(cause.holder.declaredAt);
  out.push(...cause.allocationSites);
  for (const step of cause.path.steps) {
    if (step.site) out.push(step.site);
    if (step.variable?.declaredAt) out.push(step.variable.declaredAt);
  }
  if (cause.backReference?.site) out.push(cause.backReference.site);
  return out;
}

/** The cause a kept type belongs to first (causes in the report's order), if any. */
export function causeKeeping(report: Report, typeName: string): Cause | undefined {
  return report.causes?.find((c) => c.kept.some((k) => k.type === typeName));
}

/** An allocation site as the panel lists it: the `new` line, with the constructor of the same objects beside it. */
export interface ShownSite extends AllocationSite {
  /** The constructor's own position, when it was reported as a second site of the same objects. */
  constructorAt?: SourcePosition;
}

/**
 * Sites told once: a `constructor` site (the class's own line, "constructor only") of the same
 * function as a `new` site (allocation or source) is the same objects seen twice, so it joins that
 * site instead of being listed as another one.
 */
export function mergeSites(sites: readonly AllocationSite[]): ShownSite[] {
  const shown: ShownSite[] = sites.filter((s) => s.kind !== 'constructor').map((s) => ({ ...s }));
  for (const site of sites) {
    if (site.kind !== 'constructor') continue;
    const same = shown.find((s) => s.functionName === site.functionName && s.kind !== 'constructor' && !s.constructorAt);
    if (same) same.constructorAt = { file: site.file, line: site.line, column: site.column };
    else shown.push({ ...site });
  }
  return shown;
}

/** The `new` of a type: the first site that is an allocation or the `new` found in the source, else any site. */
export function newSite(sites: readonly AllocationSite[]): AllocationSite | undefined {
  return sites.find((s) => s.kind !== 'constructor') ?? sites[0];
}

/** Where objects of a type are made: the sites of the cause it leads, else of its per-type leak. */
export function sitesOfType(report: Report, typeName: string): AllocationSite[] {
  const cause = report.causes?.find((c) => leadType(c) === typeName && c.allocationSites.length > 0);
  return cause?.allocationSites ?? report.leaks.find((l) => l.type === typeName)?.allocationSites ?? [];
}

/** Why there is no cause to show: one snapshot, growth without a holder, or no leak so far. */
export function noCauseSentence(report: Report): string {
  const n = report.samplesTaken ?? report.samples.length;
  if (report.target.kind === 'files' && n === 1) return 'One heap snapshot: open several of one process to find what keeps growing.';
  // Censuses first (a big heap): what they count so far, never "no leak".
  if (report.tooEarly) return report.tooEarly;
  const leaking = report.types.filter((t) => t.verdict === 'leak').length;
  // The first snapshot after censuses confirms a leak; old objects are told from new by the next one.
  if (leaking && n === 1 && report.target.kind !== 'files') return `${leaking} type${leaking === 1 ? '' : 's'} leak, as the censuses counted and the first snapshot confirmed; the next snapshot tells the new objects from the old and names their holder.`;
  if (leaking) return `${leaking} type${leaking === 1 ? '' : 's'} leak, but no one holder was found for them: see the table.`;
  return `No leak found so far (${n} sample${n === 1 ? '' : 's'}): a leak is new objects that a holder keeps, sample after sample.`;
}
