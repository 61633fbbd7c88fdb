// A debug session's tree: js-debug attaches each process a program starts (child_process, cluster)
// and each worker thread as a child debug session under the launch's session. A watch of one of
// them watches the whole tree; these say which sessions belong to it and who each one is.
import type * as vscode from 'vscode';
import type { CdpConnection } from '../core/cdp/connection';
import type { IsolateIdentity } from '../core/programWatch';

/** The top of `session`'s tree (the launch or attach the user started). */
export function treeRoot(session: vscode.DebugSession): vscode.DebugSession {
  let top = session;
  while (top.parentSession) top = top.parentSession;
  return top;
}

/** Whether `session` is `root` or below it. */
export function inTree(session: vscode.DebugSession, root: vscode.DebugSession): boolean {
  for (let s: vscode.DebugSession | undefined = session; s; s = s.parentSession) if (s.id === root.id) return true;
  return false;
}

// Who the isolate is, asked of itself: its process and, in a worker, its threadId (Node ≥ 20.16 has
// process.getBuiltinModule). Runs nothing of the program's.
const WHO_AM_I = `(() => {
  const w = typeof process.getBuiltinModule === 'function' ? process.getBuiltinModule('node:worker_threads') : undefined;
  return { pid: process.pid, ppid: process.ppid, threadId: w && !w.isMainThread ? w.threadId : 0, argv: process.argv.slice(0, 2)};
})()`;

/**
 * The identity of the isolate a js-debug session runs: asked over its connection, else read from
 * the session's name (`app.js [4242]`, `[worker 1] jobs`).
 */
export async function sessionIsolate(connection: CdpConnection, session: Pick<vscode.DebugSession, 'name'>): Promise<IsolateIdentity> {
  const byName = /\[(\d+)\]/.exec(session.name);
  const worker = /^\[worker (\d+)\]/.exec(session.name);
  try {
    const { result } = await connection.send('Runtime.evaluate', { expression: WHO_AM_I, returnByValue: true, silent: true }, { timeoutMs: 5000 });
    const v = result.value as { pid?: unknown; ppid?: unknown; threadId?: unknown; argv?: unknown };
    if (typeof v?.pid === 'number') {
      const threadId = typeof v.threadId === 'number' ? v.threadId : 0;
      const script = Array.isArray(v.argv) && typeof v.argv[1] === 'string' ? v.argv[1] : '';
      return {
        pid: v.pid,
        threadId,
        // A worker's own script is in its session's name; process.argv is the process's.
        entry: threadId ? session.name.replace(/^\[worker \d+\]\s*/, '') || `[worker ${threadId}]` : script || session.name,
        title: session.name,
        parentPid: threadId ? v.pid : typeof v.ppid === 'number' ? v.ppid : undefined,
      };
    }
  } catch {
    // fall back on the name
  }
  return { pid: Number(byName?.[1] ?? 0), threadId: Number(worker?.[1] ?? 0), entry: session.name.replace(/\s*\[\d+\].*$/, ''), title: session.name };
}
