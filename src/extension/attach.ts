// Finding something to watch: js-debug's sessions (through its CDP proxy), an inspector URL, or the
// active file launched under the debugger.
import * as vscode from 'vscode';
import { connectWebSocket, type CdpConnection } from '../core/cdp/connection';
import { resolveEndpoint } from '../core/cdp/endpoints';
import { JS_DEBUG_EVENTS } from '../core/watch';

/** Debug types served by js-debug, whose sessions can hand out a CDP proxy. */
export const JS_DEBUG_TYPES = new Set(['node', 'pwa-node', 'node-terminal', 'pwa-chrome', 'pwa-msedge', 'pwa-extensionHost', 'chrome', 'msedge']);

const PROXY_TIMEOUT_MS = 10_000;
const CONNECT_TIMEOUT_MS = 10_000;

/** A live connection to a debuggee and what it is. */
export interface Attachment {
  connection: CdpConnection;
  /** Shown in the panel and status bar. */
  description: string;
  /** The js-debug session, when attached through one. */
  session?: vscode.DebugSession;
  kind: 'session' | 'attach';
}

/** Thrown when there is nothing to attach to; the message says what to do. */
export class NothingToAttachError extends Error {}

export function isJsSession(session: vscode.DebugSession): boolean {
  return JS_DEBUG_TYPES.has(session.type);
}

/**
 * Knows the debug sessions that are running. VS Code has no API listing them all, so this follows
 * start/terminate events from activation on (activation is `onDebug`, before the first session).
 */
export class SessionTracker implements vscode.Disposable {
  private readonly sessions = new Map<string, vscode.DebugSession>();
  private readonly emitter = new vscode.EventEmitter<vscode.DebugSession>();
  /** Fires when a session starts. */
  readonly onDidStart = this.emitter.event;
  private readonly disposables: vscode.Disposable[];

  constructor() {
    const active = vscode.debug.activeDebugSession;
    if (active) this.add(active);
    this.disposables = [
      vscode.debug.onDidStartDebugSession((s) => {
        this.add(s);
        this.emitter.fire(s);
      }),
      vscode.debug.onDidTerminateDebugSession((s) => this.sessions.delete(s.id)),
      vscode.debug.onDidChangeActiveDebugSession((s) => s && this.add(s)),
      this.emitter,
    ];
  }

  private add(session: vscode.DebugSession): void {
    this.sessions.set(session.id, session);
    if (session.parentSession) this.add(session.parentSession);
  }

  all(): vscode.DebugSession[] {
    const active = vscode.debug.activeDebugSession;
    if (active) this.add(active);
    return [...this.sessions.values()];
  }

  /**
   * The JS sessions that can be watched: children (the actual debuggees) in place of the launch's
   * top session, because js-debug's top session never answers requestCDPProxy. A debuggee that is
   * itself a parent (of the sessions of the processes or workers it started) is one.
   */
  candidates(): vscode.DebugSession[] {
    const js = this.all().filter(isJsSession);
    const parents = new Set(js.map((s) => s.parentSession?.id).filter((id): id is string => !!id));
    return js.filter((s) => !parents.has(s.id) || !!s.parentSession);
  }

  /** Waits until `parent` has a JS child session (js-debug starts it a moment after the parent). */
  waitForChild(parent: vscode.DebugSession, timeoutMs: number): Promise<vscode.DebugSession | undefined> {
    const existing = this.all().find((s) => s.parentSession?.id === parent.id && isJsSession(s));
    if (existing) return Promise.resolve(existing);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        listener.dispose();
        resolve(undefined);
      }, timeoutMs);
      const listener = this.onDidStart((s) => {
        if (s.parentSession?.id === parent.id && isJsSession(s)) {
          clearTimeout(timer);
          listener.dispose();
          resolve(s);
        }
      });
    });
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}

/** Rejects when `promise` does not settle within `ms`. */
export function withTimeout<T>(promise: Thenable<T>, ms: number, message: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(message)), ms);
    Promise.resolve(promise).then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

interface CdpProxyAddress {
  host: string;
  port: number;
  path?: string;
}

function isProxyAddress(value: unknown): value is CdpProxyAddress {
  const v = value as CdpProxyAddress;
  return !!v && typeof v.host === 'string' && typeof v.port === 'number' && (v.path === undefined || typeof v.path === 'string');
}

/** The WebSocket URL of js-debug's CDP proxy for one (child) session. */
export async function requestCdpProxy(session: vscode.DebugSession): Promise<string> {
  let address: unknown;
  try {
    address = await withTimeout(
      vscode.commands.executeCommand('extension.js-debug.requestCDPProxy', session.id),
      PROXY_TIMEOUT_MS,
      `The JavaScript debugger did not hand out a CDP endpoint for "${session.name}" within ${PROXY_TIMEOUT_MS / 1000} s. Pick the program's own session (the child in the Call Stack view) and try again.`,
    );
  } catch (error) {
    if (error instanceof Error && /command .* not found/i.test(error.message)) {
      throw new NothingToAttachError('The JavaScript debugger (ms-vscode.js-debug) is not available, so Leak Watch cannot reach the debug session. Attach to an inspector URL instead.');
    }
    throw error;
  }
  if (!isProxyAddress(address)) {
    throw new Error(`The JavaScript debugger gave no CDP endpoint for "${session.name}". Is the program still running?`);
  }
  const host = address.host.includes(':') && !address.host.startsWith('[') ? `[${address.host}]` : address.host;
  const path = (address.path ?? '').replace(/^\/?/, '/');
  return `ws://${host}:${address.port}${path}`;
}

/** Connects through js-debug's proxy and subscribes to the events the watch needs. */
export async function attachToSession(session: vscode.DebugSession): Promise<Attachment> {
  const url = await requestCdpProxy(session);
  const connection = await connectWebSocket(url, { timeoutMs: CONNECT_TIMEOUT_MS });
  try {
    // The proxy forwards no events until asked. Not the snapshots' chunks: the analysis worker takes them on a client of its own.
    await connection.sendRaw('JsDebug.subscribe', { events: JS_DEBUG_EVENTS }, { timeoutMs: CONNECT_TIMEOUT_MS });
  } catch (error) {
    connection.close();
    throw new Error(`Subscribing to heap events through the JavaScript debugger failed: ${error instanceof Error ? error.message : String(error)}`);
  }
  return { connection, session, kind: 'session', description: session.name };
}

/**
 * attachToSession for a debuggee session that has just started (a restart followed): js-debug hands
 * out its proxy only once the program's target is set up, a moment after the session starts, so a
 * refusal is tried again every half second for a few seconds while the session runs.
 */
export async function attachToNewSession(session: vscode.DebugSession, tracker: SessionTracker, waitMs = 10_000): Promise<Attachment> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      return await attachToSession(session);
    } catch (error) {
      if (Date.now() > deadline || !tracker.all().some((s) => s.id === session.id)) throw error;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}

/** Connects to an inspector the user named (`ws://…`, `host:port` or a port). */
export async function attachToInspector(input: string): Promise<Attachment> {
  const url = await resolveEndpoint(input, {});
  const connection = await connectWebSocket(url, { timeoutMs: CONNECT_TIMEOUT_MS });
  return { connection, kind: 'attach', description: url };
}

/** Asks which session to watch when there are several. */
export async function pickSession(sessions: vscode.DebugSession[]): Promise<vscode.DebugSession | undefined> {
  const active = vscode.debug.activeDebugSession;
  const items = sessions.map((session) => ({
    label: session.name,
    description: session.type,
    detail: session.parentSession ? `in ${session.parentSession.name}` : undefined,
    picked: session.id === active?.id,
    session,
  }));
  const chosen = await vscode.window.showQuickPick(items, {
    title: 'Leak Watch: which debug session?',
    placeHolder: 'Several JavaScript debug sessions are running; pick the program to watch',
  });
  return chosen?.session;
}

/**
 * Chooses the session to watch: the active session's debuggee when it is unambiguous, the only
 * candidate, or the user's pick. Undefined when there is none (or the user cancelled: `cancelled`).
 */
export async function chooseSession(tracker: SessionTracker): Promise<{ session?: vscode.DebugSession; cancelled?: boolean }> {
  let candidates = tracker.candidates();
  const active = vscode.debug.activeDebugSession;
  if (active && isJsSession(active)) {
    const children = candidates.filter((s) => s.parentSession?.id === active.id);
    // Several: the program and the processes it started; a watch of the first (the launched program) watches them all.
    if (children.length >= 1) return { session: children[0] };
    if (children.length === 0 && !candidates.some((s) => s.id === active.id) && !active.parentSession) {
      // A freshly started parent: its child comes a moment later.
      const child = await tracker.waitForChild(active, 5000);
      if (child) return { session: child };
    }
    // The user is looking at this debuggee (e.g. selected it in the Call Stack view).
    if (active.parentSession && candidates.some((s) => s.id === active.id)) return { session: active };
  }
  candidates = tracker.candidates();
  if (candidates.length === 0) return {};
  if (candidates.length === 1) return { session: candidates[0] };
  const session = await pickSession(candidates);
  return session ? { session } : { cancelled: true };
}

/** Launches the active JavaScript file under the debugger and returns its debuggee session. */
export async function launchActiveFile(tracker: SessionTracker): Promise<vscode.DebugSession> {
  const editor = vscode.window.activeTextEditor;
  const document = editor?.document;
  const isJs = document && ['javascript', 'typescript', 'javascriptreact', 'typescriptreact'].includes(document.languageId);
  if (!document || !isJs || document.uri.scheme !== 'file') {
    throw new NothingToAttachError('Open the JavaScript file to run (or start it with your own launch configuration) and try again.');
  }
  if (document.isDirty) await document.save();
  const folder = vscode.workspace.getWorkspaceFolder(document.uri);
  const started = new Promise<vscode.DebugSession>((resolve) => {
    const listener = tracker.onDidStart((s) => {
      if (isJsSession(s) && s.parentSession) {
        listener.dispose();
        resolve(s);
      }
    });
  });
  const ok = await vscode.debug.startDebugging(folder, {
    type: 'node',
    request: 'launch',
    name: `Leak Watch: ${vscode.workspace.asRelativePath(document.uri)}`,
    program: document.uri.fsPath,
    skipFiles: ['<node_internals>/**'],
  });
  if (!ok) throw new Error(`The debugger could not start ${document.uri.fsPath}. See the Debug Console for why.`);
  return withTimeout(started, 15_000, `The debugger started, but ${document.fileName} did not appear as a debuggee within 15 s.`);
}
