// The report of a program of several isolates: one section per isolate, and at the top level the
// first isolate with samples, so that a reader of one heap's report (the panel, a CI script reading
// `types`) reads the program's main heap as before and is told, in a note, where else a heap grows.
import { describeIsolate } from './isolateViews';
import { REPORT_VERSION, type IsolateInfo, type IsolateReport, type Report, type ReportTarget } from './report';

/** The start of the top-level note that names the other isolates with growing types. */
export const ALSO_GROWING = 'Also growing in other isolates of the program';

export interface ProgramReportInput {
  target: ReportTarget;
  startedAt: Date;
  /** One per isolate, in the order they joined. */
  sections: readonly IsolateReport[];
  /** Notes of the program as a whole. */
  notes?: readonly string[];
}

/** Builds the program's report from its isolates' sections (see `Report` for the shape). */
export function programReport(input: ProgramReportInput): Report {
  const { sections } = input;
  const lead = sections.find((s) => s.samples.length > 0) ?? sections[0];
  const several = sections.length > 1;
  if (several) for (const s of sections) for (const cause of s.causes ?? []) cause.isolate = s.isolate.key;
  const elsewhere = several ? alsoGrowing(sections.filter((s) => s !== lead)) : undefined;
  const notes = [...(lead?.notes ?? []), ...(input.notes ?? []), ...(elsewhere ? [elsewhere] : [])];
  const { isolate, ...findings } = lead ?? { samples: [], types: [], leaks: [] };
  return {
    version: REPORT_VERSION,
    target: { ...input.target, ...(isolate ? { pid: isolate.pid } : {}) },
    startedAt: input.startedAt.toISOString(),
    ...findings,
    notes: notes.length ? notes : undefined,
    ...(isolate ? { isolate } : {}),
    ...(several ? { isolates: [lead, ...sections.filter((s) => s !== lead)] } : {}),
  };
}

/** "Also growing in other isolates of the program: worker thread 1 "jobs" of pid 7 (jobs.js): leak Job; suspect (array). …" */
function alsoGrowing(others: readonly IsolateReport[]): string | undefined {
  const parts: string[] = [];
  for (const s of others) {
    const leak = s.types.filter((t) => t.verdict === 'leak').map((t) => t.name);
    const suspect = s.types.filter((t) => t.verdict === 'suspect').map((t) => t.name);
    if (!leak.length && !suspect.length) continue;
    const words = [leak.length ? `leak ${list(leak)}` : '', suspect.length ? `suspect ${list(suspect)}` : ''].filter(Boolean).join('; ');
    parts.push(`${describeIsolate(s.isolate)}: ${words}`);
  }
  return parts.length ? `${ALSO_GROWING} (each has its section in the report): ${parts.join('. ')}.` : undefined;
}

function list(names: string[]): string {
  return names.length > 3 ? `${names.slice(0, 3).join(', ')} and ${names.length - 3} more` : names.join(', ');
}

/** `<pid>` for a main thread, `<pid>/<threadId>` for a worker. */
export function isolateKey(identity: Pick<IsolateInfo, 'pid' | 'threadId'>): string {
  return identity.threadId ? `${identity.pid}/${identity.threadId}` : String(identity.pid);
}

export { describeIsolate } from './isolateViews';
