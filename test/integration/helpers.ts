// Shared helpers of the extension-host suites.
import * as vscode from 'vscode';
import type { LeakWatchApi } from '../../src/extension/extension';

/** The extension's API (activating it if needed). */
export async function leakWatchApi(): Promise<LeakWatchApi> {
  const extension = vscode.extensions.getExtension<LeakWatchApi>('leak-watch.leak-watch');
  if (!extension) throw new Error('leak-watch.leak-watch is not loaded');
  return extension.activate();
}

/** Polls `check` until it returns a truthy value, or fails with `what` after `timeoutMs`. */
export async function waitFor<T>(check: () => T | undefined | Promise<T | undefined>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The examples/ workspace folder the suites run in. */
export function workspaceFolder(): vscode.WorkspaceFolder {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) throw new Error('the integration tests need a workspace folder (examples/)');
  return folder;
}

/** Starts `program` (relative to the workspace) under js-debug and resolves with its child (debuggee) session. */
export async function debugProgram(program: string, env: Record<string, string> = {}): Promise<vscode.DebugSession> {
  const folder = workspaceFolder();
  const child = new Promise<vscode.DebugSession>((resolve) => {
    const d = vscode.debug.onDidStartDebugSession((s) => {
      if (s.parentSession) {
        d.dispose();
        resolve(s);
      }
    });
  });
  const ok = await vscode.debug.startDebugging(folder, {
    type: 'node',
    request: 'launch',
    name: `test ${program}`,
    program: vscode.Uri.joinPath(folder.uri, program).fsPath,
    env,
    skipFiles: ['<node_internals>/**'],
  });
  if (!ok) throw new Error(`could not start ${program} under the debugger`);
  return waitFor(() => Promise.race([child, new Promise<undefined>((r) => setTimeout(() => r(undefined), 200))]), 20_000, `the child session of ${program}`);
}

/** Stops every debug session and waits until none is left. */
export async function stopAllDebugging(): Promise<void> {
  await vscode.debug.stopDebugging();
  await waitFor(() => vscode.debug.activeDebugSession === undefined || undefined, 10_000, 'debug sessions to end').catch(() => undefined);
}

/** 1-based line of the first line of `file` (in the workspace) that contains `text`. */
export async function lineOf(file: string, text: string): Promise<{ path: string; line: number; column: number }> {
  const uri = vscode.Uri.joinPath(workspaceFolder().uri, file);
  const document = await vscode.workspace.openTextDocument(uri);
  for (let i = 0; i < document.lineCount; i++) {
    const at = document.lineAt(i).text.indexOf(text);
    if (at >= 0) return { path: uri.fsPath, line: i + 1, column: at + 1 };
  }
  throw new Error(`${file} has no line with ${text}`);
}
