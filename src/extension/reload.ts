// A window reload ends the watches; the newest one's results are kept in workspace state and come
// back in their panel, marked "Ended by the window reload".
import * as vscode from 'vscode';
import { PANEL_VIEW_TYPE } from './panel';
import { SessionWatch, type SavedWatch } from './sessionWatch';
import { readSettings } from './settings';
import type { WatchEntry, WatchRegistry } from './watches';

/** workspaceState key of the newest watch's results, for the panel VS Code restores after a reload. */
const SAVED_KEY = 'leakWatch.savedWatch';
/** How long after activation a panel VS Code restores itself may take to show up (see reopenAfterReload). */
const REOPEN_DELAY_MS = 2000;

export class ReloadedResults implements vscode.Disposable {
  /** The window is closing: every watch stops, and what was running must stay saved as running. */
  closing = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly state: vscode.Memento,
    private readonly watches: WatchRegistry,
  ) {}

  /** Keeps the newest watch's results in workspace state, so a reloaded window can show them. */
  persist(watch: SessionWatch): void {
    if (this.closing || this.watches.newest()?.watch !== watch) return;
    void this.state.update(SAVED_KEY, watch.save());
  }

  /** The saved results of the newest watch (workspace state), if they look whole. */
  saved(): SavedWatch | undefined {
    const saved = this.state.get<SavedWatch>(SAVED_KEY);
    if (!saved || typeof saved.description !== 'string' || !Array.isArray(saved.heapUsage) || !saved.status) return undefined;
    return saved;
  }

  /**
   * The saved results as a watch that ended with the window reload (no connection), added to the
   * watches; undefined when nothing is saved. An entry already showing them is reused.
   */
  restore(): WatchEntry | undefined {
    const saved = this.saved();
    if (!saved) return undefined;
    const watch = SessionWatch.restored(saved, readSettings());
    const existing = this.watches.get(watch.key);
    if (existing && !existing.watch.live) {
      watch.dispose();
      return existing;
    }
    const entry = this.watches.put(watch);
    this.watches.updateHints();
    // Saved as ended from now on: a later reload brings them back only through a restored panel.
    void this.state.update(SAVED_KEY, watch.save());
    return entry;
  }

  /** A Leak Watch panel VS Code brings back after a reload: the saved results, marked as ended. */
  restorePanel(webviewPanel: vscode.WebviewPanel): void {
    const entry = this.restore();
    if (!entry || entry.panel) {
      // Nothing saved, or the panel was opened already (see reopenAfterReload).
      webviewPanel.dispose();
      return;
    }
    this.watches.revive(entry, webviewPanel);
  }

  /**
   * After a window reload that ended a running watch, opens its panel again beside the editor with
   * the saved results, marked as ended by the reload. VS Code brings the panel back itself, through
   * the serializer (restorePanel), only when it restores the editors: code-server's page reload of a
   * URL that opens a file does not (the workbench's shouldRestoreEditors). So this waits for the
   * restored editors to reach the extension host, then opens a panel unless restorePanel has run or
   * a Leak Watch panel tab is there (restored, perhaps not yet resolved).
   */
  reopenAfterReload(): void {
    const running = (saved: SavedWatch | undefined) => saved?.status.phase === 'watching' || saved?.status.phase === 'connecting';
    if (!running(this.saved())) return;
    this.timer = setTimeout(() => {
      // restorePanel saves the results as ended.
      if (this.closing || !running(this.saved())) return;
      const restoredTab = vscode.window.tabGroups.all.some((group) =>
        group.tabs.some((tab) => tab.input instanceof vscode.TabInputWebview && tab.input.viewType.endsWith(PANEL_VIEW_TYPE)),
      );
      if (restoredTab) return;
      const entry = this.restore();
      if (entry) this.watches.ensurePanel(entry);
    }, REOPEN_DELAY_MS);
  }

  dispose(): void {
    clearTimeout(this.timer);
  }
}
