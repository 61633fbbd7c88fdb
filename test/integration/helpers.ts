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

/**
 * `step`, failing after `timeoutMs` with a message naming it (and `state()`, what to show of the
 * moment), so a step that hangs fails at its own place, not at mocha's timeout.
 */
export function within<T>(step: Thenable<T>, timeoutMs: number, what: string, state: () => string = () => ''): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took over ${timeoutMs / 1000} s${state()}`)), timeoutMs);
  });
  return Promise.race([Promise.resolve(step), late]).finally(() => clearTimeout(timer));
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

/**
 * The debug sessions running now. VS Code has no API listing them, so this follows start/terminate
 * events from the moment the suites load (before any test starts a session).
 */
const runningSessions = new Map<string, vscode.DebugSession>();
vscode.debug.onDidStartDebugSession((s) => runningSessions.set(s.id, s));
vscode.debug.onDidTerminateDebugSession((s) => runningSessions.delete(s.id));
if (vscode.debug.activeDebugSession) runningSessions.set(vscode.debug.activeDebugSession.id, vscode.debug.activeDebugSession);

/** The debug sessions that have started and not yet ended. */
export function liveDebugSessions(): vscode.DebugSession[] {
  return [...runningSessions.values()];
}

/**
 * Stops every debug session and waits until none is left (teardown). The workbench's
 * stopDebugging can reject ("An unknown error occurred") when a session is already on its way
 * out, e.g. its debuggee exited or was killed in the test: that is retried, session by session,
 * and only sessions still running after the retries make this fail. The test's own result is
 * untouched either way: this runs in hooks, which mocha reports apart from the test.
 */
export async function stopAllDebugging(timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const errors: string[] = [];
  const stop = async (session?: vscode.DebugSession) => {
    try {
      await vscode.debug.stopDebugging(session);
    } catch (error) {
      errors.push(`${session?.name ?? 'all sessions'}: ${error instanceof Error ? error.message : String(error)}`);
    }
  };
  await stop();
  for (let round = 0; runningSessions.size > 0 && Date.now() < deadline; round++) {
    // Give the sessions a moment to end by themselves, then ask each one left (top-level first).
    const until = Math.min(deadline, Date.now() + (round === 0 ? 3000 : 1500));
    while (runningSessions.size > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
    const left = liveDebugSessions();
    for (const session of left.filter((s) => !s.parentSession).concat(left.filter((s) => s.parentSession))) {
      if (runningSessions.has(session.id)) await stop(session);
    }
  }
  if (runningSessions.size > 0) {
    const names = liveDebugSessions().map((s) => `"${s.name}"`).join(', ');
    throw new Error(`debug sessions still running ${timeoutMs / 1000} s after stopDebugging: ${names}${errors.length ? ` (stopDebugging said: ${errors.join('; ')})` : ''}`);
  }
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
