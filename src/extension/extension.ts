// Activation: the Leak Watch commands, the watches (one per debuggee), their panels, the status
// bar and the editor hints. Thin: it adapts core's data to VS Code, it does not analyse.
import { basename } from 'node:path';
import * as vscode from 'vscode';
import { analyzeSnapshotFiles } from '../core/analyzeFiles';
import type { Leak, Report, SourcePosition } from '../core/report';
import { SnapshotAnalyzer } from '../core/worker/analyzer';
import type { HeapPoint, PanelComparison, WatchStatus } from '../protocol';
import {
  NothingToAttachError,
  SessionTracker,
  attachToInspector,
  attachToNewSession,
  attachToSession,
  chooseSession,
  launchActiveFile,
  type Attachment,
} from './attach';
import { LeakHints } from './hints';
import { openSource } from './navigation';
import { LeakWatchPanel, PANEL_VIEW_TYPE, type PanelActions } from './panel';
import type { SavedWatch as SavedReport } from '../core/savedWatch';
import { WatchHistory } from './watchHistory';

/** workspaceState key of the newest watch's results, for the panel VS Code restores after a reload. */
const SAVED_KEY = 'leakWatch.savedWatch';
/** How long after activation a panel VS Code restores itself may take to show up (see reopenAfterReload). */
const REOPEN_DELAY_MS = 2000;
import { SessionWatch, watchKey, type Baseline, type SavedWatch } from './sessionWatch';
import { readSettings } from './settings';
import { WatchStatusBar } from './statusBar';

/** What the extension exports from activate(), for tests and other extensions. */
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
  /** The editor hints currently shown (site, type, edge). */
  hints(): { file: string; line: number; typeName: string; edge: string }[];
  /** Opens a report position the way the panel does (validated the same way). */
  openSource(position: SourcePosition, sessionId?: string): Promise<vscode.TextEditor | undefined>;
  /** Feeds a report to a watch as if the sampling loop had produced it (for tests of the UI parts). */
  injectReport(report: Report, sessionId?: string): void;
  /** What the workspace keeps of the newest watch for after a window reload. */
  savedWatch(): SavedWatch | undefined;
  /** The newest watch's (or a session's watch's) comparison with an earlier run, when it has one. */
  comparison(sessionId?: string): PanelComparison | undefined;
}

interface Entry {
  watch: SessionWatch;
  panel?: LeakWatchPanel;
  /** A watch of the restarted program has taken over from this one (see followRestart). */
  followed?: boolean;
}

/** A new debuggee of the same launch within this time of the watched one's end is a restart to follow. */
const FOLLOW_WINDOW_MS = 15_000;

let controller: LeakWatchController | undefined;

class LeakWatchController implements vscode.Disposable, PanelActions {
  private readonly entries = new Map<string, Entry>();
  private readonly tracker = new SessionTracker();
  private readonly statusBar = new WatchStatusBar();
  private readonly hints = new LeakHints();
  private readonly history: WatchHistory;
  private readonly disposables: vscode.Disposable[] = [];
  private disposing = false;

  constructor(private readonly context: vscode.ExtensionContext) {
    this.history = new WatchHistory(context, { open: (watch, label) => this.openKept(watch, label), current: () => this.currentWatch() });
    this.disposables.push(
      this.history,
      vscode.commands.registerCommand('leakWatch.watches', () => this.history.listCommand()),
      vscode.commands.registerCommand('leakWatch.compareWith', () => this.history.pickBaseline()),
      vscode.commands.registerCommand('leakWatch.openWatchFile', (uri?: unknown) => this.history.openFileCommand(uri)),
      this.tracker,
      this.statusBar,
      this.hints,
      vscode.commands.registerCommand('leakWatch.start', (arg?: unknown) => this.start(arg)),
      vscode.commands.registerCommand('leakWatch.stop', (arg?: unknown) => this.stopCommand(arg)),
      vscode.commands.registerCommand('leakWatch.showPanel', () => this.showPanel()),
      vscode.commands.registerCommand('leakWatch.saveSnapshot', (target?: unknown) => this.saveSnapshotCommand(target)),
      vscode.commands.registerCommand('leakWatch.revealType', (typeName: unknown) => this.revealType(typeName)),
      vscode.commands.registerCommand('leakWatch.openSnapshots', (uri?: unknown, selected?: unknown) => this.openSnapshots(selected ?? uri)),
      vscode.debug.onDidTerminateDebugSession((session) => this.sessionTerminated(session)),
      this.tracker.onDidStart((session) => this.sessionStarted(session)),
      vscode.window.registerWebviewPanelSerializer(PANEL_VIEW_TYPE, {
        deserializeWebviewPanel: async (webviewPanel) => this.restorePanel(webviewPanel),
      }),
    );
    void this.updateContext();
    this.reopenAfterReload();
  }

  // ---- commands ----------------------------------------------------------------------------------

  /** Start Leak Watch: attach to the active debuggee (or ask), or offer to attach/launch. */
  async start(arg?: unknown): Promise<void> {
    try {
      let session = this.sessionFromArgument(arg);
      if (!session) {
        const chosen = await chooseSession(this.tracker);
        if (chosen.cancelled) return;
        session = chosen.session;
      }
      if (session?.parentSession === undefined && session) {
        // A parent session never answers requestCDPProxy; watch its debuggee instead.
        session = (await this.tracker.waitForChild(session, 5000)) ?? session;
      }
      if (session) {
        const existing = this.entries.get(watchKey({ session, description: session.name }));
        if (existing?.watch.live) {
          this.ensurePanel(existing).reveal(false);
          void vscode.window.showInformationMessage(`Leak Watch is already watching "${session.name}".`);
          return;
        }
        await this.watch(() => attachToSession(session!), session.name, session);
        return;
      }
      await this.startWithoutSession();
    } catch (error) {
      this.showError(error);
    }
  }

  private sessionFromArgument(arg: unknown): vscode.DebugSession | undefined {
    const id = typeof arg === 'string' ? arg
      : arg && typeof arg === 'object' && typeof (arg as { sessionId?: unknown }).sessionId === 'string' ? (arg as { sessionId: string }).sessionId
      : arg && typeof arg === 'object' && typeof (arg as { id?: unknown }).id === 'string' ? (arg as { id: string }).id
      : undefined;
    if (!id) return undefined;
    return this.tracker.all().find((s) => s.id === id);
  }

  private async startWithoutSession(): Promise<void> {
    const editor = vscode.window.activeTextEditor;
    const canLaunch = !!editor && editor.document.uri.scheme === 'file' && /javascript|typescript/.test(editor.document.languageId);
    const items: (vscode.QuickPickItem & { action: 'url' | 'launch' })[] = [
      { label: '$(plug) Attach to an inspector URL…', detail: 'A program started with --inspect: ws://… or host:port', action: 'url' },
    ];
    if (canLaunch) {
      items.unshift({
        label: `$(debug-alt) Debug ${vscode.workspace.asRelativePath(editor!.document.uri)} and watch it`,
        detail: 'Starts the active file under the JavaScript debugger, then watches its heap',
        action: 'launch',
      });
    }
    const choice = await vscode.window.showQuickPick(items, {
      title: 'Leak Watch: no JavaScript debug session is running',
      placeHolder: canLaunch ? 'Debug the active file, or attach to a running inspector' : 'Attach to a running inspector (or open a JS file to debug it)',
    });
    if (!choice) return;
    if (choice.action === 'launch') {
      const session = await launchActiveFile(this.tracker);
      await this.watch(() => attachToSession(session), session.name, session);
      return;
    }
    const input = await vscode.window.showInputBox({
      title: 'Leak Watch: attach to an inspector',
      prompt: 'The inspector of a program started with --inspect: a ws:// URL, host:port, or a port on this machine',
      placeHolder: '127.0.0.1:9229',
      validateInput: (text) => (text.trim() ? undefined : 'Enter ws://…, host:port or a port'),
    });
    if (!input) return;
    const key = `url:${input.trim()}`;
    const existing = [...this.entries.values()].find((e) => e.watch.live && (e.watch.key === key || e.watch.attachment.description === input.trim()));
    if (existing) {
      this.ensurePanel(existing).reveal(false);
      return;
    }
    await this.watch(() => attachToInspector(input), input.trim());
  }

  /**
   * Attaches, opens the panel and starts the watch, with a progress notification until the first
   * sample. A restart followed hands over its panel and the run before as the baseline.
   */
  private async watch(attach: () => Promise<Attachment>, description: string, session?: vscode.DebugSession, followed?: { panel?: LeakWatchPanel; baseline: Baseline }): Promise<void> {
    const attachment = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Leak Watch: attaching to ${description}…` },
      () => attach(),
    );
    const settings = readSettings(session?.workspaceFolder?.uri);
    const watch = new SessionWatch(attachment, settings);
    if (followed) watch.compareWith(followed.baseline);
    this.disposables.push(this.history.track(watch));
    const entry = this.addEntry(watch);
    if (followed?.panel && !followed.panel.closed) {
      entry.panel = followed.panel;
      followed.panel.follow(watch);
      this.watchPanel(entry, followed.panel);
    }
    this.disposables.push(watch.onDidChange((change) => {
      if (change === 'status') {
        void this.updateContext();
        this.persist(watch);
      }
      if (change === 'report') {
        this.updateHints();
        this.persist(watch);
      }
    }));
    this.ensurePanel(entry);
    this.statusBar.show(watch);
    const started = watch.start();
    void this.updateContext();
    this.firstSampleProgress(watch);
    await started;
  }

  /** Makes `watch` the newest entry, replacing (and disposing) an earlier one of the same debuggee or files. */
  private addEntry(watch: SessionWatch): Entry {
    const old = this.entries.get(watch.key);
    old?.panel?.dispose();
    old?.watch.dispose();
    const entry: Entry = { watch };
    this.entries.delete(watch.key);
    this.entries.set(watch.key, entry);
    return entry;
  }

  /** A progress notification until the first heap snapshot is analysed (or the watch ends). */
  private firstSampleProgress(watch: SessionWatch): void {
    if (watch.status.samples > 0 || !watch.live) return;
    void vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'Leak Watch', cancellable: true },
      (progress, token) => new Promise<void>((resolve) => {
        progress.report({ message: `taking the first heap snapshot of ${watch.attachment.description}…` });
        const done = () => {
          listener.dispose();
          resolve();
        };
        const listener = watch.onDidChange(() => {
          if (watch.status.samples > 0 || !watch.live) done();
        });
        token.onCancellationRequested(() => {
          void watch.stop('Stopped before the first sample.');
          done();
        });
        // The live heap line works without snapshots; never keep the notification for ever.
        setTimeout(done, 120_000);
      }),
    );
  }

  /** Stops the watch of the session given (its id, or `{ sessionId }`), else the only or the active one, else asks which. */
  private async stopCommand(arg?: unknown): Promise<void> {
    const live = [...this.entries.values()].filter((e) => e.watch.live);
    if (live.length === 0) {
      void vscode.window.showInformationMessage('Leak Watch is not watching anything.');
      return;
    }
    // The live watch of a session, or of its child (a watch is of the child session that runs the program).
    const liveOf = (session: vscode.DebugSession | undefined) =>
      session && live.find((e) => e.watch.session && [e.watch.session.id, e.watch.session.parentSession?.id].includes(session.id));
    const ofGiven = liveOf(this.sessionFromArgument(arg));
    let target = ofGiven ?? live[live.length - 1];
    if (!ofGiven && live.length > 1) {
      const byActive = liveOf(vscode.debug.activeDebugSession);
      if (byActive) target = byActive;
      else {
        const pick = await vscode.window.showQuickPick(
          live.map((e) => ({ label: e.watch.attachment.description, entry: e })),
          { title: 'Leak Watch: stop which watch?' },
        );
        if (!pick) return;
        target = pick.entry;
      }
    }
    await this.stop(target.watch);
  }

  async stop(watch: SessionWatch): Promise<void> {
    await watch.stop();
    void this.updateContext();
  }

  private showPanel(): void {
    const entry = this.newestEntry() ?? this.restoreSaved();
    if (!entry) {
      void vscode.window.showInformationMessage('Leak Watch has no results yet. Run "Leak Watch: Start Leak Watch" while debugging.');
      return;
    }
    this.ensurePanel(entry).reveal(false);
  }

  private revealType(typeName: unknown): void {
    if (typeof typeName !== 'string' || typeName.length > 1024) return;
    const entry = [...this.entries.values()].reverse().find((e) => e.watch.report?.types.some((t) => t.name === typeName)) ?? this.newestEntry();
    if (entry) this.ensurePanel(entry).revealType(typeName);
  }

  /** Save Heap Snapshot; a `vscode.Uri` argument (from a keybinding or automation) skips the dialog. */
  private async saveSnapshotCommand(target?: unknown): Promise<void> {
    const entry = this.newestEntry(true) ?? this.newestEntry();
    if (!entry) {
      void vscode.window.showInformationMessage('Leak Watch: start a watch first; the snapshot is taken from the watched program.');
      return;
    }
    await this.saveSnapshot(entry.watch, target instanceof vscode.Uri ? target : undefined);
  }

  /**
   * Open Heap Snapshots…: `.heapsnapshot` files (DevTools', the CLI's, Save Heap Snapshot's) analysed
   * in a worker and shown in a panel; several files of one process give growth and verdicts. A
   * `vscode.Uri` or `Uri[]` argument (the Explorer's selection, automation) skips the dialog. Files
   * are taken oldest first (by modification time: the order a process's snapshots were saved in),
   * whatever order they were selected in. Resolves with what happened.
   */
  async openSnapshots(arg?: unknown): Promise<{ opened?: string; error?: string }> {
    let uris = (Array.isArray(arg) ? arg : [arg]).filter((u): u is vscode.Uri => u instanceof vscode.Uri);
    if (uris.length === 0) {
      const picked = await vscode.window.showOpenDialog({
        title: 'Leak Watch: open heap snapshots (one, or several of one process)',
        openLabel: 'Analyse',
        canSelectMany: true,
        defaultUri: vscode.workspace.workspaceFolders?.[0]?.uri,
        filters: { 'Heap snapshots': ['heapsnapshot'], 'All files': ['*'] },
      });
      if (!picked?.length) return {};
      uris = picked;
    }
    const times = new Map(await Promise.all(uris.map(async (u) => [u.toString(), await vscode.workspace.fs.stat(u).then((st) => st.mtime, () => 0)] as const)));
    uris = [...uris].sort((a, b) => (times.get(a.toString()) ?? 0) - (times.get(b.toString()) ?? 0));
    const remote = uris.find((u) => u.scheme !== 'file');
    if (remote) return this.openFailed(`${remote.toString()}: only files on this machine can be analysed.`);
    const files = uris.map((u) => u.fsPath);
    const analyzer = new SnapshotAnalyzer();
    let cancelled = false;
    try {
      const report = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: 'Leak Watch', cancellable: true },
        (progress, token) => {
          token.onCancellationRequested(() => {
            cancelled = true;
            void analyzer.dispose();
          });
          return analyzeSnapshotFiles(files, analyzer, {
            onFile: (index, file) => progress.report({ message: `reading heap snapshot ${index + 1} of ${files.length}: ${basename(file)}…` }),
            cancelled: () => cancelled,
          });
        },
      );
      const entry = this.addEntry(SessionWatch.opened(files, report, analyzer, readSettings()));
      this.ensurePanel(entry).reveal(false);
      this.updateHints();
      return { opened: entry.watch.key };
    } catch (error) {
      void analyzer.dispose();
      if (cancelled) return { error: 'Cancelled.' };
      return this.openFailed(error instanceof Error ? error.message : String(error));
    }
  }

  private openFailed(text: string): { error: string } {
    void vscode.window.showErrorMessage(`Leak Watch could not open the heap snapshot: ${text}`);
    return { error: text };
  }

  // ---- panel actions -----------------------------------------------------------------------------

  async openSource(watch: SessionWatch, position: SourcePosition, panel: LeakWatchPanel, preserveFocus: boolean): Promise<void> {
    await openSource(position, watch.report, panel.webviewPanel.viewColumn, preserveFocus);
  }

  async saveSnapshot(watch: SessionWatch, target?: vscode.Uri): Promise<void> {
    if (!watch.hasSnapshot) {
      void vscode.window.showWarningMessage('Leak Watch: no heap snapshot has been taken yet; wait for the first sample.');
      return;
    }
    const folder = watch.session?.workspaceFolder?.uri ?? vscode.workspace.workspaceFolders?.[0]?.uri;
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    const uri = target ?? await vscode.window.showSaveDialog({
      title: 'Leak Watch: save heap snapshot',
      defaultUri: folder ? vscode.Uri.joinPath(folder, `leak-watch-${stamp}.heapsnapshot`) : undefined,
      filters: { 'Heap snapshots': ['heapsnapshot'] },
    });
    if (!uri) return;
    await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'Leak Watch: saving heap snapshot…' },
      () => watch.saveSnapshot(uri),
    );
    void vscode.window.showInformationMessage(`Leak Watch: saved ${vscode.workspace.asRelativePath(uri)}.`);
  }

  async explain(watch: SessionWatch, typeName: string): Promise<{ leak?: Leak; message?: string }> {
    return watch.explain(typeName);
  }

  async pickBaseline(watch: SessionWatch): Promise<void> {
    await this.history.pickBaseline(watch);
  }

  /** The watch of the Leak Watch panel in front, else the newest. */
  private currentWatch(): SessionWatch | undefined {
    return [...this.entries.values()].find((e) => e.panel?.webviewPanel.active)?.watch ?? this.newestEntry()?.watch;
  }

  /** Shows a kept watch's results in a panel, as a watch that has stopped. */
  private openKept(saved: SavedReport, label: string): void {
    const n = saved.samplesTaken ?? saved.samples.length;
    const heapUsage = saved.heapUsage ?? saved.samples.map((s) => ({ time: s.time, used: s.heapUsed, total: s.heapTotal }));
    const watch = SessionWatch.restored({
      description: `${label} (kept)`,
      status: { phase: 'stopped', target: `${label} (kept)`, samples: n, message: `A kept watch of ${saved.target.description}, started ${new Date(saved.startedAt).toLocaleString()}: ${n} sample${n === 1 ? '' : 's'}.` },
      heapUsage,
      report: saved,
    }, readSettings());
    watch.program = saved.watch?.program;
    const entry = this.addEntry(watch);
    this.ensurePanel(entry).reveal(false);
    this.updateHints();
  }

  // ---- state -------------------------------------------------------------------------------------

  /** Keeps the newest watch's results in workspace state, so a reloaded window can show them. */
  private persist(watch: SessionWatch): void {
    // Closing the window stops every watch: what was running must stay saved as running.
    if (this.disposing || this.newestEntry()?.watch !== watch) return;
    void this.context.workspaceState.update(SAVED_KEY, watch.save());
  }

  /** The saved results of the newest watch (workspace state), if they look whole. */
  private savedWatch(): SavedWatch | undefined {
    const saved = this.context.workspaceState.get<SavedWatch>(SAVED_KEY);
    if (!saved || typeof saved.description !== 'string' || !Array.isArray(saved.heapUsage) || !saved.status) return undefined;
    return saved;
  }

  /**
   * The saved results as a watch that ended with the window reload (no connection), added to the
   * watches; undefined when nothing is saved. An entry already showing them is reused.
   */
  private restoreSaved(): Entry | undefined {
    const saved = this.savedWatch();
    if (!saved) return undefined;
    const watch = SessionWatch.restored(saved, readSettings());
    const existing = this.entries.get(watch.key);
    if (existing && !existing.watch.live) {
      watch.dispose();
      return existing;
    }
    const entry: Entry = { watch };
    this.entries.set(watch.key, entry);
    this.updateHints();
    // Saved as ended from now on: a later reload brings them back only through a restored panel.
    void this.context.workspaceState.update(SAVED_KEY, watch.save());
    return entry;
  }

  /** A Leak Watch panel VS Code brings back after a reload: the saved results, marked as ended. */
  private restorePanel(webviewPanel: vscode.WebviewPanel): void {
    const entry = this.restoreSaved();
    if (!entry || entry.panel) {
      // Nothing saved, or the panel was opened already (see reopenAfterReload).
      webviewPanel.dispose();
      return;
    }
    const settings = readSettings();
    entry.panel = LeakWatchPanel.revive(webviewPanel, this.context.extensionUri, entry.watch, this, settings.chartedTypes);
    this.watchPanel(entry, entry.panel);
  }

  /**
   * After a window reload that ended a running watch, opens its panel again beside the editor with
   * the saved results, marked as ended by the reload. VS Code brings the panel back itself, through
   * the serializer (restorePanel), only when it restores the editors: code-server's page reload of a
   * URL that opens a file does not (the workbench's shouldRestoreEditors). So this waits for the
   * restored editors to reach the extension host, then opens a panel unless restorePanel has run or
   * a Leak Watch panel tab is there (restored, perhaps not yet resolved).
   */
  private reopenAfterReload(): void {
    const running = (saved: SavedWatch | undefined) => saved?.status.phase === 'watching' || saved?.status.phase === 'connecting';
    if (!running(this.savedWatch())) return;
    const timer = setTimeout(() => {
      // restorePanel saves the results as ended.
      if (this.disposing || !running(this.savedWatch())) return;
      const restoredTab = vscode.window.tabGroups.all.some((group) =>
        group.tabs.some((tab) => tab.input instanceof vscode.TabInputWebview && tab.input.viewType.endsWith(PANEL_VIEW_TYPE)),
      );
      if (restoredTab) return;
      const entry = this.restoreSaved();
      if (entry) this.ensurePanel(entry);
    }, REOPEN_DELAY_MS);
    this.disposables.push({ dispose: () => clearTimeout(timer) });
  }

  private ensurePanel(entry: Entry): LeakWatchPanel {
    if (entry.panel) return entry.panel;
    const panel = LeakWatchPanel.create(this.context.extensionUri, entry.watch, this, readSettings().chartedTypes);
    entry.panel = panel;
    this.watchPanel(entry, panel);
    return panel;
  }

  private watchPanel(entry: Entry, panel: LeakWatchPanel): void {
    panel.onDidDispose(() => {
      if (entry.panel === panel) entry.panel = undefined;
      // A stopped watch lives on only in its panel: closing the panel drops its results and hints.
      if (!entry.watch.live && this.entries.get(entry.watch.key) === entry) {
        this.entries.delete(entry.watch.key);
        entry.watch.dispose();
        this.updateHints();
        void this.updateContext();
      }
    });
  }

  private newestEntry(liveOnly = false): Entry | undefined {
    const all = [...this.entries.values()].filter((e) => !liveOnly || e.watch.live);
    return all[all.length - 1];
  }

  entryFor(sessionId?: string): Entry | undefined {
    if (!sessionId) return this.newestEntry();
    return [...this.entries.values()].find((e) => e.watch.session?.id === sessionId || e.watch.session?.parentSession?.id === sessionId);
  }

  private sessionTerminated(session: vscode.DebugSession): void {
    for (const { watch } of this.entries.values()) {
      if (watch.live && watch.session && (watch.session.id === session.id || watch.session.parentSession?.id === session.id)) {
        watch.sessionEnded();
      }
    }
    void this.updateContext();
  }

  /**
   * A debuggee session started: when it replaces a watched one of the same launch (the debug
   * toolbar's Restart, js-debug restarting its child), that watch ends saying the session restarted.
   * It is not re-attached: the new program's heap is another heap, and earlier samples cannot be
   * compared with it; "Start Leak Watch" watches it.
   */
  private sessionStarted(session: vscode.DebugSession): void {
    const parent = session.parentSession;
    if (!parent) return;
    for (const { watch } of this.entries.values()) {
      const old = watch.session;
      if (!old?.parentSession || old.id === session.id) continue;
      // Under the same parent session, or a new parent of the same launch configuration that replaced the old one.
      const sameLaunch = old.parentSession.id === parent.id ||
        (old.parentSession.configuration.name === parent.configuration.name && old.parentSession.type === parent.type &&
          !this.tracker.all().some((s) => s.id === old.parentSession!.id));
      if (sameLaunch) {
        watch.sessionRestarted();
        this.followRestart(watch, session);
      }
    }
    void this.updateContext();
  }

  /**
   * Follows a restart (leakWatch.followRestarts): once the watch of the program before has ended
   * (at once, or within a few seconds: a new debuggee while it runs may be a subprocess instead),
   * the new debuggee is watched in the same panel, compared with the run before, whose hints go.
   * A watch the user stopped is not followed.
   */
  private followRestart(old: SessionWatch, session: vscode.DebugSession): void {
    const entry = this.entries.get(old.key);
    if (!entry || entry.watch !== old || entry.followed || !readSettings(session.workspaceFolder?.uri).followRestarts) return;
    if (this.entryFor(session.id)) return;
    const go = () => {
      if (entry.followed || old.status.phase !== 'ended' || Date.now() - (old.endedTime ?? 0) > FOLLOW_WINDOW_MS) return;
      const before = old.savedReport();
      if (!before?.samples.length) return;
      entry.followed = true;
      const panel = entry.panel;
      entry.panel = undefined;
      this.entries.delete(old.key);
      this.updateHints();
      const started = new Date(before.startedAt).toLocaleTimeString();
      void this.watch(() => attachToNewSession(session, this.tracker), session.name, session, { panel, baseline: { label: `the run before the restart (started ${started}, ${before.samplesTaken ?? before.samples.length} samples)`, watch: before } })
        .catch((error) => this.showError(error))
        .finally(() => old.dispose());
    };
    if (!old.live) {
      go();
      return;
    }
    const listener = old.onDidChange((change) => {
      if (change !== 'status' || old.live) return;
      listener.dispose();
      clearTimeout(timer);
      go();
    });
    const timer = setTimeout(() => listener.dispose(), FOLLOW_WINDOW_MS);
    this.disposables.push({ dispose: () => clearTimeout(timer) });
  }

  private async updateContext(): Promise<void> {
    const live = [...this.entries.values()].filter((e) => e.watch.live);
    await vscode.commands.executeCommand('setContext', 'leakWatch.watching', live.length > 0);
    const newestLive = live[live.length - 1];
    this.statusBar.show(newestLive?.watch);
  }

  /** The editor hints of every watch's report, but those a followed restart has taken over from (their program is gone). */
  updateHints(): void {
    this.hints.update([...this.entries.values()].filter((e) => !e.followed).map((e) => e.watch.report).filter((r): r is Report => !!r));
  }

  private showError(error: unknown): void {
    const text = error instanceof Error ? error.message : String(error);
    if (error instanceof NothingToAttachError) void vscode.window.showWarningMessage(`Leak Watch: ${text}`);
    else void vscode.window.showErrorMessage(`Leak Watch could not start: ${text}`);
  }

  api(): LeakWatchApi {
    return {
      watches: () => [...this.entries.values()].map((e) => ({
        key: e.watch.key,
        sessionId: e.watch.session?.id,
        status: e.watch.status,
        heapPoints: e.watch.heapUsage.length,
        panelVisible: !!e.panel?.visible,
        panelReady: !!e.panel?.ready,
      })),
      lastHeapUsage: (sessionId) => this.entryFor(sessionId)?.watch.lastHeapUsage,
      report: (sessionId) => this.entryFor(sessionId)?.watch.report,
      statusBarText: () => this.statusBar.text,
      whenPanelReady: async (sessionId) => {
        const entry = this.entryFor(sessionId);
        if (!entry) throw new Error('no watch');
        await this.ensurePanel(entry).whenReady();
      },
      hints: () => this.hints.all.map((h) => ({ file: h.site.file, line: h.site.line, typeName: h.typeName, edge: h.edge })),
      openSource: async (position, sessionId) => {
        const entry = this.entryFor(sessionId);
        return openSource(position, entry?.watch.report, entry?.panel?.webviewPanel.viewColumn);
      },
      injectReport: (report, sessionId) => {
        const entry = this.entryFor(sessionId);
        if (!entry) throw new Error('no watch to inject a report into');
        entry.watch.setReport(report);
      },
      savedWatch: () => this.savedWatch(),
      comparison: (sessionId) => this.entryFor(sessionId)?.watch.comparison,
    };
  }

  dispose(): void {
    this.disposing = true;
    for (const entry of this.entries.values()) {
      entry.panel?.dispose();
      entry.watch.dispose();
    }
    this.entries.clear();
    for (const d of this.disposables) d.dispose();
    void vscode.commands.executeCommand('setContext', 'leakWatch.watching', false);
  }
}

/** Activation: registers the Leak Watch commands and returns the API tests use. */
export function activate(context: vscode.ExtensionContext): LeakWatchApi {
  controller = new LeakWatchController(context);
  context.subscriptions.push(controller);
  return controller.api();
}

export function deactivate(): void {
  controller?.dispose();
  controller = undefined;
}
