// What the extension exports from activate(), for tests and other extensions.
import * as vscode from 'vscode';
import type { Report, SourcePosition } from '../core/report';
import type { HeapPoint, PanelComparison, WatchStatus } from '../protocol';
import { openSource, openTarget, type OpenTarget } from './navigation';
import type { KeptWatch, KeptWatches } from './keptWatches';
import type { ReloadedResults } from './reload';
import type { SavedWatch } from './sessionWatch';
import type { WatchRegistry } from './watches';

export interface LeakWatchApi {
  /** The watches of this window, newest last. */
  watches(): { key: string; sessionId?: string; status: WatchStatus; heapPoints: number; panelVisible: boolean; panelReady: boolean }[];
  /** The last point of the live heap line of the newest watch (or of a session's watch). */
  lastHeapUsage(sessionId?: string): HeapPoint | undefined;
  /** The current report of the newest watch (or of a session's watch). */
  report(sessionId?: string): Report | undefined;
  /** The status bar text ('' when hidden). */
  statusBarText(): string;
  /** Resolves when the newest watch's panel webview has loaded. */
  whenPanelReady(sessionId?: string): Promise<void>;
  /** The editor hints currently shown: the line, what it is (a holder's line or a back-reference's), the cause. */
  hints(): { file: string; line: number; kind: 'holder' | 'backReference'; causeId: string; title: string }[];
  /** Opens a report position the way the panel does (validated the same way). */
  openSource(position: SourcePosition, sessionId?: string): Promise<vscode.TextEditor | undefined>;
  /** Opens what clicking a cause (its adding line) or a type (its `new`) in the panel opens. */
  openTarget(target: OpenTarget, sessionId?: string): Promise<vscode.TextEditor | undefined>;
  /** Feeds a report to a watch as if the sampling loop had produced it (for tests of the UI parts). */
  injectReport(report: Report, sessionId?: string): void;
  /** What the workspace keeps of the newest watch for after a window reload. */
  savedWatch(): SavedWatch | undefined;
  /** The newest watch's (or a session's watch's) comparison with an earlier run, when it has one. */
  comparison(sessionId?: string): PanelComparison | undefined;
  /** The kept watches of this workspace, newest first. */
  keptWatches(): KeptWatch[];
}

/** The API over this window's watches. */
export function leakWatchApi(watches: WatchRegistry, reloaded: ReloadedResults, kept: KeptWatches): LeakWatchApi {
  return {
    watches: () =>
      watches.all.map((e) => ({
        key: e.watch.key,
        sessionId: e.watch.session?.id,
        status: e.watch.status,
        heapPoints: e.watch.heapUsage.length,
        panelVisible: !!e.panel?.visible,
        panelReady: !!e.panel?.ready,
      })),
    lastHeapUsage: (sessionId) => watches.of(sessionId)?.watch.lastHeapUsage,
    report: (sessionId) => watches.of(sessionId)?.watch.report,
    statusBarText: () => watches.statusBar.text,
    whenPanelReady: async (sessionId) => {
      const entry = watches.of(sessionId);
      if (!entry) throw new Error('no watch');
      await watches.ensurePanel(entry).whenReady();
    },
    hints: () => watches.hints.all.map((h) => ({ file: h.site.file, line: h.site.line, kind: h.kind, causeId: h.cause.id, title: h.cause.title })),
    openSource: async (position, sessionId) => {
      const entry = watches.of(sessionId);
      return openSource(position, entry?.watch.report, entry?.panel?.webviewPanel.viewColumn);
    },
    openTarget: async (target, sessionId) => {
      const entry = watches.of(sessionId);
      return openTarget(target, entry?.watch.report, entry?.panel?.webviewPanel.viewColumn);
    },
    injectReport: (report, sessionId) => {
      const entry = watches.of(sessionId);
      if (!entry) throw new Error('no watch to inject a report into');
      entry.watch.setReport(report);
    },
    savedWatch: () => reloaded.saved(),
    comparison: (sessionId) => watches.of(sessionId)?.watch.comparison,
    keptWatches: () => kept.list(),
  };
}
