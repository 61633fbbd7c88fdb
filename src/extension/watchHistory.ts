// The watches of the past: each finished watch is kept (keptWatches.ts), a new watch is compared
// with the last kept run of its program, and the "Watches…" list opens, compares with, renames,
// deletes or exports any of them. Thin: the comparison itself is core's compareWatches.
import * as vscode from 'vscode';
import { programKey } from '../core/program';
import { targetLabel } from '../display/format';
import type { SavedWatch as SavedReport } from '../core/savedWatch';
import { KeptWatches, type KeptWatch } from './keptWatches';
import type { SessionWatch } from './sessionWatch';

/** What the history asks of the rest of the extension. */
export interface HistoryActions {
  /** Shows a kept watch's results in a panel (no program behind them). */
  open(watch: SavedReport, label: string): void;
  /** The watch the panel in front shows, or the newest: what "Compare with…" compares. */
  current(): SessionWatch | undefined;
}

export class WatchHistory implements vscode.Disposable {
  readonly kept: KeptWatches;
  private readonly keptOnce = new WeakSet<SessionWatch>();

  constructor(context: vscode.ExtensionContext, private readonly actions: HistoryActions) {
    this.kept = new KeptWatches(context);
  }

  /**
   * Follows a watch of a program: once the program is known, compares it with the last kept run of
   * the same program (unless it has a baseline already, as a followed restart does); once it has
   * finished with samples, keeps it.
   */
  track(watch: SessionWatch): vscode.Disposable {
    void watch.whenProgramKnown.then(async () => {
      if (watch.baselineLabel) return;
      const last = this.kept.lastOf(programKey(watch.watchedProgram));
      if (!last) return;
      const saved = await this.kept.read(last).catch(() => undefined);
      if (saved && !watch.baselineLabel) watch.compareWith({ label: baselineLabel(last), watch: saved });
    });
    return watch.onDidChange((change) => {
      if (change === 'status' && !watch.live) this.keepFinished(watch);
    });
  }

  /** Keeps a finished watch with samples (once): a watch that ended, or heap snapshot files opened. */
  keepFinished(watch: SessionWatch): void {
    if (watch.live || this.keptOnce.has(watch)) return;
    const saved = watch.savedReport();
    if (!saved?.samples.length) return;
    this.keptOnce.add(watch);
    void this.kept.keep(saved, targetLabel(watch.attachment.description)).catch((error) => {
      void vscode.window.showWarningMessage(`Leak Watch could not keep the finished watch for later comparison: ${error instanceof Error ? error.message : String(error)}`);
    });
  }

  /** Asks which kept watch to compare `watch` with, and compares. */
  async pickBaseline(watch: SessionWatch | undefined = this.actions.current()): Promise<void> {
    if (!watch) {
      void vscode.window.showInformationMessage('Leak Watch: start a watch (or open a saved one) first; it is compared with the watch you pick.');
      return;
    }
    const pick = await this.pick('Leak Watch: compare with which earlier watch?', programKey(watch.watchedProgram));
    if (!pick) return;
    const saved = await this.read(pick);
    if (saved) watch.compareWith({ label: baselineLabel(pick), watch: saved });
  }

  /** Leak Watch: Watches… — the kept watches; one picked can be opened, compared with, renamed, deleted or exported. */
  async listCommand(): Promise<void> {
    const pick = await this.pick('Leak Watch: kept watches (newest first)');
    if (!pick) return;
    const current = this.actions.current();
    const actions: (vscode.QuickPickItem & { run: () => Promise<void> })[] = [
      { label: '$(graph-line) Open', detail: 'Show its results in a panel', run: async () => this.openKept(pick) },
      ...(current ? [{
        label: '$(git-compare) Compare With the Current Watch',
        detail: `Compare ${current.attachment.description} with it: each cause fixed, still leaking or new`,
        run: async () => {
          const saved = await this.read(pick);
          if (saved) current.compareWith({ label: baselineLabel(pick), watch: saved });
        },
      }] : []),
      {
        label: '$(edit) Rename…',
        run: async () => {
          const label = await vscode.window.showInputBox({ title: 'Leak Watch: rename the kept watch', value: pick.label, validateInput: (t) => (t.trim() ? undefined : 'Enter a name') });
          if (label?.trim()) await this.kept.rename(pick, label.trim());
        },
      },
      {
        label: '$(save-as) Export…',
        detail: 'Save it as a .leakwatch.json file (leak-watch compare reads it)',
        run: async () => {
          const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
          const name = `${pick.label.replace(/[^\w.-]+/g, '-').slice(0, 60) || 'watch'}.leakwatch.json`;
          const target = await vscode.window.showSaveDialog({ title: 'Leak Watch: export the watch', defaultUri: folder ? vscode.Uri.joinPath(folder, name) : undefined, filters: { 'Leak Watch reports': ['json'] } });
          if (target) await this.kept.export(pick, target);
        },
      },
      {
        label: '$(trash) Delete',
        run: async () => this.kept.remove(pick),
      },
    ];
    const action = await vscode.window.showQuickPick(actions, { title: `Leak Watch: ${pick.label}`, placeHolder: describe(pick) });
    await action?.run();
  }

  /** Leak Watch: Open Saved Watch File… — a `.leakwatch.json` (the CLI's --json, or an export) kept and shown. */
  async openFileCommand(arg?: unknown): Promise<void> {
    let uri = arg instanceof vscode.Uri ? arg : undefined;
    if (!uri) {
      const picked = await vscode.window.showOpenDialog({
        title: 'Leak Watch: open a saved watch',
        openLabel: 'Open',
        defaultUri: vscode.workspace.workspaceFolders?.[0]?.uri,
        filters: { 'Leak Watch reports': ['json'], 'All files': ['*'] },
      });
      uri = picked?.[0];
    }
    if (!uri) return;
    try {
      const { kept, watch } = await this.kept.import(uri);
      this.actions.open(watch, kept.label);
    } catch (error) {
      void vscode.window.showErrorMessage(`Leak Watch could not open ${uri.fsPath}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  private async openKept(kept: KeptWatch): Promise<void> {
    const saved = await this.read(kept);
    if (saved) this.actions.open(saved, kept.label);
  }

  private async read(kept: KeptWatch): Promise<SavedReport | undefined> {
    try {
      return await this.kept.read(kept);
    } catch (error) {
      void vscode.window.showErrorMessage(`Leak Watch could not read the kept watch "${kept.label}": ${error instanceof Error ? error.message : String(error)}. Delete it from the Watches list.`);
      return undefined;
    }
  }

  /** A quick pick of the kept watches (those of `preferKey`'s program first). */
  private async pick(title: string, preferKey?: string): Promise<KeptWatch | undefined> {
    const list = this.kept.list();
    if (!list.length) {
      void vscode.window.showInformationMessage('Leak Watch keeps each watch once it finishes; none has finished in this workspace yet.');
      return undefined;
    }
    const ordered = preferKey ? [...list.filter((k) => k.programKey === preferKey), ...list.filter((k) => k.programKey !== preferKey)] : list;
    const pick = await vscode.window.showQuickPick(
      ordered.map((k) => ({ label: k.label, description: describe(k), detail: k.summary, kept: k })),
      { title, matchOnDescription: true, matchOnDetail: true },
    );
    return pick?.kept;
  }

  dispose(): void {
    this.kept.dispose();
  }
}

/** A kept watch in a few words: its program, when it ran, how long, at which commit. */
function describe(k: KeptWatch): string {
  const when = new Date(k.startedAt);
  const time = Number.isNaN(when.getTime()) ? k.startedAt : when.toLocaleString();
  return [k.programKey, time, `${k.samples} sample${k.samples === 1 ? '' : 's'}`, k.commit && `commit ${k.commit}`].filter(Boolean).join(' · ');
}

/** How the panel names a kept watch it compares with. */
function baselineLabel(k: KeptWatch): string {
  return `${k.label}, ${describe(k)}`;
}
