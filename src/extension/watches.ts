// The watches of this window (one per debuggee or set of opened files), newest last, with their
// panels; it keeps the status bar, the `leakWatch.watching` context key and the editor hints in
// step with them.
import * as vscode from 'vscode';
import type { Report } from '../core/report';
import { attachToSession, isJsSession, type Attachment } from './attach';
import { LeakHints } from './hints';
import { LeakWatchPanel, type PanelActions } from './panel';
import type { SessionWatch } from './sessionWatch';
import { readSettings } from './settings';
import { WatchStatusBar } from './statusBar';

/** How long a debuggee js-debug has just attached may take to hand out its CDP proxy. */
const JUST_STARTED_MS = 10_000;

/** Attaches to a session js-debug has just started: it gives no CDP endpoint until its target is ready, so this tries again for a while. */
async function attachWhenReady(session: vscode.DebugSession): Promise<Attachment> {
  const deadline = Date.now() + JUST_STARTED_MS;
  for (;;) {
    try {
      return await attachToSession(session);
    } catch (error) {
      if (Date.now() > deadline || !/gave no CDP endpoint/.test(String(error))) throw error;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}

/** A watch and its panel, when one is open. */
export interface WatchEntry {
  watch: SessionWatch;
  panel?: LeakWatchPanel;
  /** A watch of the restarted program has taken over from this one (its program is gone). */
  followed?: boolean;
}

export class WatchRegistry implements vscode.Disposable {
  private readonly entries = new Map<string, WatchEntry>();
  readonly statusBar = new WatchStatusBar();
  readonly hints = new LeakHints();

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly actions: PanelActions,
  ) {}

  /** Every watch, oldest first. */
  get all(): WatchEntry[] {
    return [...this.entries.values()];
  }

  /** The watches still running, oldest first. */
  get live(): WatchEntry[] {
    return this.all.filter((e) => e.watch.live);
  }

  get(key: string): WatchEntry | undefined {
    return this.entries.get(key);
  }

  /** Makes `watch` the newest, replacing (and disposing) an earlier one of the same debuggee or files. */
  add(watch: SessionWatch): WatchEntry {
    const old = this.entries.get(watch.key);
    old?.panel?.dispose();
    old?.watch.dispose();
    const entry: WatchEntry = { watch };
    this.entries.delete(watch.key);
    this.entries.set(watch.key, entry);
    return entry;
  }

  /**
   * Takes a followed watch out of the list (it is no longer shown, nor are its hints) and returns
   * its panel for the watch that follows it. The watch itself is left to the caller.
   */
  forget(entry: WatchEntry): LeakWatchPanel | undefined {
    entry.followed = true;
    const panel = entry.panel;
    entry.panel = undefined;
    if (this.entries.get(entry.watch.key) === entry) this.entries.delete(entry.watch.key);
    this.updateHints();
    return panel;
  }

  /** Gives the entry a panel that showed another watch (a followed restart's), now showing this one. */
  adopt(entry: WatchEntry, panel: LeakWatchPanel): LeakWatchPanel {
    panel.follow(entry.watch);
    return this.attach(entry, panel);
  }

  /** Adds a watch as it is (results brought back after a reload), as the newest. */
  put(watch: SessionWatch): WatchEntry {
    const entry: WatchEntry = { watch };
    this.entries.set(watch.key, entry);
    return entry;
  }

  /** The newest watch (of those running, with `liveOnly`). */
  newest(liveOnly = false): WatchEntry | undefined {
    const all = liveOnly ? this.live : this.all;
    return all[all.length - 1];
  }

  /** The watch of a debug session (or of its child); without an id, the newest. */
  of(sessionId?: string): WatchEntry | undefined {
    if (!sessionId) return this.newest();
    return this.all.find((e) => e.watch.watchesSession(sessionId));
  }

  /** The running watch of a debug session (or of its child). */
  liveOf(session: vscode.DebugSession | undefined): WatchEntry | undefined {
    return session && this.live.find((e) => e.watch.watchesSession(session.id));
  }

  /** The entry's panel, opened beside the editor when it has none. */
  ensurePanel(entry: WatchEntry): LeakWatchPanel {
    if (entry.panel) return entry.panel;
    return this.attach(entry, LeakWatchPanel.create(this.extensionUri, entry.watch, this.actions, readSettings().chartedTypes));
  }

  /** Gives the entry a panel VS Code restored after a reload. */
  revive(entry: WatchEntry, webviewPanel: vscode.WebviewPanel): LeakWatchPanel {
    return this.attach(entry, LeakWatchPanel.revive(webviewPanel, this.extensionUri, entry.watch, this.actions, readSettings().chartedTypes));
  }

  private attach(entry: WatchEntry, panel: LeakWatchPanel): LeakWatchPanel {
    entry.panel = panel;
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
    return panel;
  }

  /** The debug session ended: its watch ends too. */
  sessionEnded(session: vscode.DebugSession): void {
    for (const { watch } of this.live) if (watch.watchesSession(session.id)) watch.sessionEnded();
    void this.updateContext();
  }

  /**
   * A debuggee session started. One of a watched program's tree (a process it started, a worker
   * thread) joins that watch. When it replaces a watched one of the same launch (the debug toolbar's
   * Restart, js-debug restarting its child), that watch ends saying the session restarted. Its
   * samples are not continued with the new program's (another heap); the watches restarted are
   * returned, for the caller to follow (see followRestarts). `running`: the sessions that still run.
   */
  sessionStarted(session: vscode.DebugSession, running: readonly vscode.DebugSession[]): SessionWatch[] {
    const restarted: SessionWatch[] = [];
    if (!session.parentSession) return restarted;
    for (const { watch } of this.entries.values()) {
      if (isJsSession(session) && watch.wouldJoin(session)) void this.join(watch, session, running);
      else if (this.restartedFor(watch, session, running)) restarted.push(watch);
    }
    void this.updateContext();
    return restarted;
  }

  /** The debuggees of `watch`'s tree that run already (js-debug attached them before the watch started) join it. */
  joinTree(watch: SessionWatch, running: readonly vscode.DebugSession[]): void {
    for (const session of running) if (isJsSession(session) && watch.wouldJoin(session)) void this.join(watch, session, running);
  }

  /** Attaches to `session` and joins it to `watch` when it is of the watched program; else it may be a restart. */
  private async join(watch: SessionWatch, session: vscode.DebugSession, running: readonly vscode.DebugSession[]): Promise<void> {
    try {
      const joined = await watch.join(await attachWhenReady(session));
      if (!joined) this.restartedFor(watch, session, running);
    } catch (error) {
      watch.couldNotJoin(session, error);
    }
  }

  /** Tells `watch` when `session` replaces its debuggee: under the same parent session, or a new parent of the same launch configuration that replaced the old one. */
  private restartedFor(watch: SessionWatch, session: vscode.DebugSession, running: readonly vscode.DebugSession[]): boolean {
    const parent = session.parentSession;
    const old = watch.session;
    if (!parent || !old?.parentSession || old.id === session.id) return false;
    const sameLaunch =
      old.parentSession.id === parent.id ||
      (old.parentSession.configuration.name === parent.configuration.name && old.parentSession.type === parent.type && !running.some((s) => s.id === old.parentSession!.id));
    if (sameLaunch) watch.sessionRestarted();
    return sameLaunch;
  }

  /** The context key and the status bar, after a watch started or ended. */
  async updateContext(): Promise<void> {
    const live = this.live;
    await vscode.commands.executeCommand('setContext', 'leakWatch.watching', live.length > 0);
    this.statusBar.show(live[live.length - 1]?.watch);
  }

  /** The editor hints, after a report changed. */
  updateHints(): void {
    this.hints.update(this.all.filter((e) => !e.followed).map((e) => e.watch.report).filter((r): r is Report => !!r));
  }

  dispose(): void {
    for (const entry of this.entries.values()) {
      entry.panel?.dispose();
      entry.watch.dispose();
    }
    this.entries.clear();
    this.statusBar.dispose();
    this.hints.dispose();
  }
}
