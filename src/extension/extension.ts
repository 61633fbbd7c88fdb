// Activation and the Leak Watch commands: start and stop a watch, show its panel, save a snapshot,
// open snapshot files. Thin: it adapts core's data to VS Code, it does not analyse. The watches and
// their panels are in watches.ts, their results across a reload in reload.ts.
import * as vscode from 'vscode';
import { isolateViews } from '../core/isolateViews';
import type { Leak, SourcePosition } from '../core/report';
import { leakWatchApi, type LeakWatchApi } from './api';
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
import { openTarget, type OpenTarget } from './navigation';
import { openSnapshots } from './openSnapshots';
import { PANEL_VIEW_TYPE, type LeakWatchPanel, type PanelActions } from './panel';
import { ReloadedResults } from './reload';
import type { SavedWatch as SavedReport } from '../core/savedWatch';
import { SessionWatch, watchKey, type Baseline } from './sessionWatch';
import { readSettings } from './settings';
import { WatchHistory } from './watchHistory';
import { WatchRegistry } from './watches';

export type { LeakWatchApi } from './api';

let controller: LeakWatchController | undefined;

/** A new debuggee of the same launch within this time of the watched one's end is a restart to follow. */
const FOLLOW_WINDOW_MS = 15_000;

class LeakWatchController implements vscode.Disposable, PanelActions {
  private readonly tracker = new SessionTracker();
  private readonly watches: WatchRegistry;
  private readonly reloaded: ReloadedResults;
  private readonly history: WatchHistory;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly context: vscode.ExtensionContext) {
    this.watches = new WatchRegistry(context.extensionUri, this);
    this.reloaded = new ReloadedResults(context.workspaceState, this.watches);
    this.history = new WatchHistory(context, { open: (watch, label) => this.openKept(watch, label), current: () => this.currentWatch() });
    this.disposables.push(
      this.tracker,
      this.watches,
      this.reloaded,
      this.history,
      vscode.commands.registerCommand('leakWatch.watches', () => this.history.listCommand()),
      vscode.commands.registerCommand('leakWatch.compareWith', () => this.history.pickBaseline()),
      vscode.commands.registerCommand('leakWatch.openWatchFile', (uri?: unknown) => this.history.openFileCommand(uri)),
      vscode.commands.registerCommand('leakWatch.start', (arg?: unknown) => this.start(arg)),
      vscode.commands.registerCommand('leakWatch.stop', (arg?: unknown) => this.stopCommand(arg)),
      vscode.commands.registerCommand('leakWatch.showPanel', () => this.showPanel()),
      vscode.commands.registerCommand('leakWatch.saveSnapshot', (target?: unknown) => this.saveSnapshotCommand(target)),
      vscode.commands.registerCommand('leakWatch.sampleNow', async (arg?: unknown) => {
        const watch = await this.liveTarget(arg, 'take a snapshot of which program now?');
        if (watch) await this.sampleNow(watch);
      }),
      vscode.commands.registerCommand('leakWatch.boostBudget', async (arg?: unknown) => {
        const watch = await this.liveTarget(arg, 'sample which program faster?');
        if (watch) await this.sampleFaster(watch);
      }),
      vscode.commands.registerCommand('leakWatch.revealType', (typeName: unknown) => this.revealType(typeName)),
      vscode.commands.registerCommand('leakWatch.revealCause', (causeId: unknown) => this.revealCause(causeId)),
      vscode.commands.registerCommand('leakWatch.openSnapshots', async (uri?: unknown, selected?: unknown) => {
        const result = await openSnapshots(selected ?? uri, this.watches);
        const opened = result.opened ? this.watches.get(result.opened)?.watch : undefined;
        if (opened) this.history.keepFinished(opened);
        return result;
      }),
      vscode.debug.onDidTerminateDebugSession((session) => this.watches.sessionEnded(session)),
      this.tracker.onDidStart((session) => {
        for (const restarted of this.watches.sessionStarted(session, this.tracker.all())) this.followRestart(restarted, session);
      }),
      vscode.window.registerWebviewPanelSerializer(PANEL_VIEW_TYPE, {
        deserializeWebviewPanel: async (webviewPanel) => this.reloaded.restorePanel(webviewPanel),
      }),
    );
    void this.watches.updateContext();
    this.reloaded.reopenAfterReload();
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
        const existing = this.watches.get(watchKey({ session, description: session.name }));
        if (existing?.watch.live) {
          this.watches.ensurePanel(existing).reveal(false);
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
    const existing = this.watches.live.find((e) => e.watch.key === key || e.watch.attachment.description === input.trim());
    if (existing) {
      this.watches.ensurePanel(existing).reveal(false);
      return;
    }
    await this.watch(() => attachToInspector(input), input.trim());
  }

  /**
   * Attaches, opens the panel and starts the watch, with a progress notification until the first
   * sample. A restart followed hands over its panel and the run before as the baseline.
   */
  private async watch(attach: () => Promise<Attachment>, description: string, session?: vscode.DebugSession, followed?: { panel?: LeakWatchPanel; baseline: Baseline }): Promise<boolean> {
    const attachment = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Leak Watch: attaching to ${description}…` },
      () => attach(),
    );
    // Another start of the same debuggee (the user's, or a restart followed) got there while this
    // one attached: that watch goes on; replacing it would drop its samples.
    const running = this.watches.get(watchKey(attachment));
    if (running?.watch.live) {
      attachment.connection.close();
      this.watches.ensurePanel(running).reveal(false);
      return false;
    }
    const settings = readSettings(session?.workspaceFolder?.uri);
    const watch = new SessionWatch(attachment, settings);
    if (followed) watch.compareWith(followed.baseline);
    this.disposables.push(this.history.track(watch));
    const entry = this.watches.add(watch);
    if (followed?.panel && !followed.panel.closed) this.watches.adopt(entry, followed.panel);
    this.disposables.push(watch.onDidChange((change) => {
      if (change === 'status') void this.watches.updateContext();
      if (change === 'report') this.watches.updateHints();
      this.reloaded.persist(watch);
    }));
    this.watches.ensurePanel(entry);
    this.watches.statusBar.show(watch);
    const started = watch.start();
    void this.watches.updateContext();
    this.firstSampleProgress(watch);
    await started;
    // The processes and worker threads of its tree that js-debug attached already join it.
    this.watches.joinTree(watch, this.tracker.all());
    return true;
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

  /** Stops the watch of the session given (its id, or `{ sessionId }`), else the one in front (see liveTarget). */
  private async stopCommand(arg?: unknown): Promise<void> {
    const watch = await this.liveTarget(arg, 'stop which watch?');
    if (watch) await this.stop(watch);
  }

  /**
   * The running watch a command is for: of the session given (its id, or `{ sessionId }`), else the
   * only one, else the one whose panel is in front, else the active debug session's, else the one the
   * user picks (undefined: none runs, or no pick).
   */
  private async liveTarget(arg: unknown, question: string): Promise<SessionWatch | undefined> {
    const live = this.watches.live;
    if (live.length === 0) {
      void vscode.window.showInformationMessage('Leak Watch is not watching anything.');
      return undefined;
    }
    const chosen =
      this.watches.liveOf(this.sessionFromArgument(arg)) ??
      (live.length === 1 ? live[0] : undefined) ??
      live.find((e) => e.panel?.webviewPanel.active) ??
      this.watches.liveOf(vscode.debug.activeDebugSession);
    if (chosen) return chosen.watch;
    const pick = await vscode.window.showQuickPick(
      live.map((e) => ({ label: e.watch.attachment.description, entry: e })),
      { title: `Leak Watch: ${question}` },
    );
    return pick?.entry.watch;
  }

  async stop(watch: SessionWatch): Promise<void> {
    await watch.stop();
    void this.watches.updateContext();
  }

  private showPanel(): void {
    const entry = this.watches.newest() ?? this.reloaded.restore();
    if (!entry) {
      void vscode.window.showInformationMessage('Leak Watch has no results yet. Run "Leak Watch: Start Leak Watch" while debugging.');
      return;
    }
    this.watches.ensurePanel(entry).reveal(false);
  }

  private revealType(typeName: unknown): void {
    if (typeof typeName !== 'string' || typeName.length > 1024) return;
    const entry = [...this.watches.all].reverse().find((e) => e.watch.report?.types.some((t) => t.name === typeName)) ?? this.watches.newest();
    if (entry) this.watches.ensurePanel(entry).revealType(typeName);
  }

  private revealCause(causeId: unknown): void {
    if (typeof causeId !== 'string' || causeId.length > 8192) return;
    const entry = [...this.watches.all].reverse().find((e) => e.watch.report && isolateViews(e.watch.report).some((v) => v.causes?.some((c) => c.id === causeId)));
    if (entry) this.watches.ensurePanel(entry).revealCause(causeId);
  }

  /** Save Heap Snapshot; a `vscode.Uri` argument (from a keybinding or automation) skips the dialog. */
  private async saveSnapshotCommand(target?: unknown): Promise<void> {
    const entry = this.watches.newest(true) ?? this.watches.newest();
    if (!entry) {
      void vscode.window.showInformationMessage('Leak Watch: start a watch first; the snapshot is taken from the watched program.');
      return;
    }
    await this.saveSnapshot(entry.watch, target instanceof vscode.Uri ? target : undefined);
  }

  // ---- panel actions -----------------------------------------------------------------------------

  async openSource(watch: SessionWatch, target: OpenTarget, panel: LeakWatchPanel, preserveFocus: boolean): Promise<void> {
    await openTarget(target, watch.report, panel.webviewPanel.viewColumn, preserveFocus);
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

  async sampleNow(watch: SessionWatch): Promise<void> {
    if (!watch.sampleNow()) {
      void vscode.window.showInformationMessage(`Leak Watch is no longer watching ${watch.attachment.description}.`);
      return;
    }
    vscode.window.setStatusBarMessage(`$(device-camera) Leak Watch: taking a heap snapshot of ${watch.attachment.description} now…`, 5000);
  }

  async sampleFaster(watch: SessionWatch): Promise<void> {
    const faster = watch.sampleFaster();
    if (faster) {
      const until = new Date(Date.now() + faster.forMs).toLocaleTimeString();
      vscode.window.setStatusBarMessage(`$(rocket) Leak Watch: sampling faster: pause budget ${percent(faster.budget)} instead of ${percent(watch.settings.pauseBudget)} until ${until}`, 10_000);
      return;
    }
    const { interval, pauseBudget } = watch.settings;
    void vscode.window.showInformationMessage(
      !watch.live
        ? `Leak Watch is no longer watching ${watch.attachment.description}.`
        : interval > 0
          ? `Leak Watch takes a snapshot every ${interval} s (leakWatch.interval), whatever the pause budget; "Take a Snapshot Now" takes one at once.`
          : `The pause budget is ${percent(pauseBudget)} already (leakWatch.pauseBudget); "Take a Snapshot Now" takes one at once.`,
    );
  }

  async explain(watch: SessionWatch, typeName: string, isolate?: string): Promise<{ leak?: Leak; message?: string }> {
    return watch.explain(typeName, isolate);
  }

  async pickBaseline(watch: SessionWatch): Promise<void> {
    await this.history.pickBaseline(watch);
  }

  // ---- verifying a fix ---------------------------------------------------------------------------

  /** The watch of the Leak Watch panel in front, else the newest. */
  private currentWatch(): SessionWatch | undefined {
    return this.watches.all.find((e) => e.panel?.webviewPanel.active)?.watch ?? this.watches.newest()?.watch;
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
    watch.watchedProgram = saved.watch?.program;
    const entry = this.watches.add(watch);
    this.watches.ensurePanel(entry).reveal(false);
    this.watches.updateHints();
  }

  /**
   * Follows a restart (leakWatch.followRestarts): once the watch of the program before has ended
   * (at once, or within a few seconds: a new debuggee while it runs may be a subprocess instead),
   * the new debuggee is watched in the same panel, compared with the run before, whose hints go.
   * A watch the user stopped is not followed.
   */
  private followRestart(old: SessionWatch, session: vscode.DebugSession): void {
    const entry = this.watches.get(old.key);
    if (!entry || entry.watch !== old || entry.followed || !readSettings(session.workspaceFolder?.uri).followRestarts) return;
    if (this.watches.of(session.id)?.watch.session?.id === session.id) return;
    const go = () => {
      if (entry.followed || old.status.phase !== 'ended' || Date.now() - (old.endedTime ?? 0) > FOLLOW_WINDOW_MS) return;
      if (this.watches.liveOf(session)) return; // watched already (Start Leak Watch on it)
      const before = old.savedReport();
      if (!before?.samples.length) return;
      const panel = this.watches.forget(entry);
      const started = new Date(before.startedAt).toLocaleTimeString();
      const baseline = { label: `the run before the restart (started ${started}, ${before.samplesTaken ?? before.samples.length} samples)`, watch: before };
      void this.watch(() => attachToNewSession(session, this.tracker), session.name, session, { panel, baseline })
        .then((followedNow) => {
          if (!followedNow) panel?.dispose(); // the run before's panel, when another watch of the new program won
        })
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

  private showError(error: unknown): void {
    const text = error instanceof Error ? error.message : String(error);
    if (error instanceof NothingToAttachError) void vscode.window.showWarningMessage(`Leak Watch: ${text}`);
    else void vscode.window.showErrorMessage(`Leak Watch could not start: ${text}`);
  }

  api(): LeakWatchApi {
    return leakWatchApi(this.watches, this.reloaded, this.history.kept);
  }

  dispose(): void {
    // Closing the window stops every watch: what was running must stay saved as running.
    this.reloaded.closing = true;
    for (const d of this.disposables) d.dispose();
    void vscode.commands.executeCommand('setContext', 'leakWatch.watching', false);
  }
}

/** A share as a whole percentage: 0.3 → "30 %". */
function percent(share: number): string {
  return `${Math.round(100 * share)} %`;
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
