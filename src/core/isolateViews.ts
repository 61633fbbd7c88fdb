// A program's report read one isolate at a time: the panel, the hovers and the editor's links show
// one isolate's samples, types and causes as they would a report of one heap. No Node imports: the
// webview uses it too.
import type { IsolateInfo, IsolateReport, Report } from './report';

/** The report as `section`'s isolate alone: its findings at the top level, the program's target and start kept. */
export function sectionView(report: Report, section: IsolateReport): Report {
  const { isolate, ...findings } = section;
  return { version: report.version, target: { ...report.target, pid: isolate.pid }, startedAt: report.startedAt, ...findings, isolate, isolates: report.isolates };
}

/** The report as the isolate with `key` alone; the report itself when it has no such section (or is of one isolate). */
export function isolateView(report: Report, key: string | undefined): Report {
  const section = key === undefined ? undefined : report.isolates?.find((s) => s.isolate.key === key);
  return section && section.isolate.key !== report.isolate?.key ? sectionView(report, section) : report;
}

/** One report per isolate of a program's report, the top-level one first; the report alone when it has one isolate. */
export function isolateViews(report: Report): Report[] {
  const sections = report.isolates ?? [];
  if (sections.length < 2) return [report];
  return [report, ...sections.filter((s) => s.isolate.key !== report.isolate?.key).map((s) => sectionView(report, s))];
}

/** Plain words for an isolate: `pid 4242 (server.js)`, `worker thread 1 "jobs" of pid 4242 (jobs.js)`. */
export function describeIsolate(identity: Pick<IsolateInfo, 'pid' | 'threadId' | 'entry' | 'title'>): string {
  const script = identity.entry.replace(/\\/g, '/').split('/').pop() || identity.entry;
  if (!identity.threadId) return `pid ${identity.pid} (${script})`;
  const name = identity.title.replace(/^\[worker \d+\]\s*/, '');
  return `worker thread ${identity.threadId}${name ? ` "${name}"` : ''} of pid ${identity.pid} (${script})`;
}
