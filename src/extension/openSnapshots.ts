// Open Heap Snapshots…: `.heapsnapshot` files (DevTools', the CLI's, Save Heap Snapshot's) analysed
// in a worker and shown in a panel; several files of one process give growth and verdicts.
import { basename } from 'node:path';
import * as vscode from 'vscode';
import { analyzeSnapshotFiles } from '../core/analyzeFiles';
import { SnapshotAnalyzer } from '../core/worker/analyzer';
import { SessionWatch } from './sessionWatch';
import { readSettings } from './settings';
import type { WatchRegistry } from './watches';

/**
 * Opens the files a `vscode.Uri` or `Uri[]` argument names (the Explorer's selection, automation),
 * or those the user picks. Files are taken oldest first (by modification time: the order a
 * process's snapshots were saved in), whatever order they were selected in. Resolves with what happened.
 */
export async function openSnapshots(arg: unknown, watches: WatchRegistry): Promise<{ opened?: string; error?: string }> {
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
  if (remote) return failed(`${remote.toString()}: only files on this machine can be analysed.`);
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
    const entry = watches.add(SessionWatch.opened(files, report, analyzer, readSettings()));
    watches.ensurePanel(entry).reveal(false);
    watches.updateHints();
    return { opened: entry.watch.key };
  } catch (error) {
    void analyzer.dispose();
    if (cancelled) return { error: 'Cancelled.' };
    return failed(error instanceof Error ? error.message : String(error));
  }
}

function failed(text: string): { error: string } {
  void vscode.window.showErrorMessage(`Leak Watch could not open the heap snapshot: ${text}`);
  return { error: text };
}
