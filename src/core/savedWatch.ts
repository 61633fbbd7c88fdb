// A saved watch (`.leakwatch.json`): the report, plus what a comparison with another run needs —
// the program (command, script, folder, git commit), when it was saved and by which Leak Watch. The
// report's fields stay at the top level, so a saved watch is a report for anything that reads one.
import type { WatchedProgram } from './program';
import { REPORT_VERSION, type Report } from './report';

/** The version of the `watch` record; a reader refuses a newer one. */
export const SAVED_WATCH_FORMAT = 1;

/** What a saved watch adds to the report. */
export interface SavedWatchInfo {
  format: number;
  /** The Leak Watch that saved it (`0.1.0`). */
  leakWatchVersion: string;
  /** ISO time it was saved (the report's `startedAt` is when the watch began). */
  savedAt: string;
  /** The program watched; absent for snapshot files, whose program is not known. */
  program?: WatchedProgram;
}

/** A report as saved to a `.leakwatch.json` file; `watch` is absent in a report saved by an older Leak Watch. */
export type SavedWatch = Report & { watch?: SavedWatchInfo };

/** The report with what a comparison needs, ready to be written as JSON. */
export function savedWatch(report: Report, program: WatchedProgram | undefined, leakWatchVersion: string, savedAt = new Date()): SavedWatch {
  return { ...report, watch: { format: SAVED_WATCH_FORMAT, leakWatchVersion, savedAt: savedAt.toISOString(), ...(program ? { program } : {}) } };
}

/** A file that is not a saved watch (or report) this Leak Watch can read; the message says why. */
export class SavedWatchError extends Error {
  override name = 'SavedWatchError';
}

/**
 * Reads a saved watch (or a plain JSON report) from its text, checking the shape of everything a
 * comparison reads (the file is untrusted input). Throws `SavedWatchError` saying what is wrong.
 */
export function parseSavedWatch(text: string): SavedWatch {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new SavedWatchError(`not JSON (${(error as Error).message})`);
  }
  const bad = (why: string): never => {
    throw new SavedWatchError(`not a Leak Watch report: ${why}`);
  };
  if (!isObject(data)) return bad('not an object');
  if (data.version !== REPORT_VERSION) {
    return typeof data.version === 'number' && data.version > REPORT_VERSION
      ? bad(`report version ${data.version}, newer than this Leak Watch reads (${REPORT_VERSION}); update leak-watch`)
      : bad('no report version');
  }
  if (!isObject(data.target) || typeof data.target.description !== 'string' || typeof data.target.kind !== 'string') bad('target is missing');
  if (typeof data.startedAt !== 'string') bad('startedAt is missing');
  checkList(data.samples, 'samples', (s, at) => {
    if (!isObject(s) || !isNumber(s.time) || !isNumber(s.index) || !isNumber(s.maxId)) bad(`${at} lacks its time, index or maxId`);
  }, bad);
  checkList(data.types, 'types', (t, at) => {
    if (!isObject(t) || typeof t.name !== 'string' || !isVerdict(t.verdict) || !isNumber(t.countPerMinute) || !isNumber(t.bytesPerMinute)) bad(`${at} lacks its name, verdict or rates`);
    const series = t as Record<string, unknown>;
    if (!isNumbers(series.counts) || !isNumbers(series.bytes)) bad(`${at}.counts or .bytes is not a list of numbers`);
    if (!isStrings(series.evidence)) bad(`${at}.evidence is not a list of sentences`);
  }, bad);
  if (data.causes !== undefined) {
    checkList(data.causes, 'causes', (c, at) => {
      if (!isObject(c) || typeof c.id !== 'string' || typeof c.title !== 'string' || !isVerdict(c.verdict) || !isStrings(c.evidence)) bad(`${at} lacks its id, title, verdict or evidence`);
      const cause = c as Record<string, unknown>;
      const h = cause.holder;
      if (!isObject(h) || typeof h.kind !== 'string' || typeof h.label !== 'string' || typeof h.type !== 'string') bad(`${at}.holder is incomplete`);
      const holder = h as Record<string, unknown>;
      if (!optional(holder.variable, 'string') || !optional(holder.event, 'string')) bad(`${at}.holder's variable or event is not text`);
      if (cause.addedAt !== undefined && !isPosition(cause.addedAt)) bad(`${at}.addedAt is not a position`);
      checkList(cause.kept, `${at}.kept`, (k, kat) => {
        if (!isObject(k) || typeof k.type !== 'string' || !isNumber(k.countPerMinute) || !isNumber(k.newObjects) || !isVerdict(k.verdict) || typeof k.origin !== 'string') bad(`${kat} is incomplete`);
      }, bad);
    }, bad);
  }
  if (!Array.isArray(data.leaks)) bad('leaks is not a list');
  if (data.notes !== undefined && !isStrings(data.notes)) bad('notes is not a list of sentences');
  if (data.watch !== undefined) checkWatchInfo(data.watch, bad);
  return data as unknown as SavedWatch;
}

function checkWatchInfo(w: unknown, bad: (why: string) => never): void {
  if (!isObject(w) || !isNumber(w.format)) return bad('watch.format is missing');
  if (w.format > SAVED_WATCH_FORMAT) bad(`saved watch format ${w.format}, newer than this Leak Watch reads (${SAVED_WATCH_FORMAT}); update leak-watch`);
  if (typeof w.leakWatchVersion !== 'string' || typeof w.savedAt !== 'string') bad('watch.leakWatchVersion or watch.savedAt is missing');
  if (w.program === undefined) return;
  const p = w.program;
  if (!isObject(p) || !isStrings(p.command)) return bad('watch.program.command is not a list of words');
  if (!optional(p.entry, 'string') || !optional(p.cwd, 'string') || !optional(p.root, 'string')) bad('watch.program has a path that is not text');
  if (p.git !== undefined && (!isObject(p.git) || typeof p.git.commit !== 'string' || !optional(p.git.dirty, 'boolean'))) bad('watch.program.git is incomplete');
}

function checkList(value: unknown, name: string, check: (item: unknown, at: string) => void, bad: (why: string) => never): void {
  if (!Array.isArray(value)) return bad(`${name} is not a list`);
  value.forEach((item, i) => check(item, `${name}[${i}]`));
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isNumber(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

function isNumbers(v: unknown): v is number[] {
  return Array.isArray(v) && v.every(isNumber);
}

function isStrings(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((s) => typeof s === 'string');
}

function isVerdict(v: unknown): boolean {
  return v === 'leak' || v === 'suspect' || v === 'ok';
}

function isPosition(v: unknown): boolean {
  return isObject(v) && typeof v.file === 'string' && isNumber(v.line) && isNumber(v.column);
}

function optional(v: unknown, type: 'string' | 'boolean'): boolean {
  return v === undefined || typeof v === type;
}
