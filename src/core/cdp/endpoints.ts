// Where the inspector is: a ws:// URL as given, host:port via /json/list, or a program we start ourselves.
import { spawn, type ChildProcess } from 'node:child_process';
import * as http from 'node:http';
import * as path from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import { checkLoopbackPeer, isLoopbackHost, loopbackLookup } from './loopback';

export { isLoopbackHost };

export interface ResolveEndpointOptions {
  /** Allow hosts other than this machine. Off by default: the inspector runs code, so only connect where the user said so. */
  allowRemote?: boolean;
  /** Timeout for the /json/list request (ms). Default 5000. */
  timeoutMs?: number;
}

function refuseRemote(host: string, input: string): never {
  throw new Error(
    `Refusing to connect to ${host} (from "${input}"): only localhost, 127.x.x.x and ::1 are taken as this machine, and the inspector lets whoever connects run code there. ` +
      'If you trust that host, allow remote hosts explicitly.',
  );
}

/** Turns "ws://…", "host:port", "http://host:port" or a bare port into the inspector's WebSocket URL. */
export async function resolveEndpoint(input: string, options: ResolveEndpointOptions = {}): Promise<string> {
  const text = input.trim();
  const allowRemote = options.allowRemote ?? false;
  if (/^wss?:\/\//i.test(text)) {
    const url = parseUrl(text, input);
    if (!allowRemote && !isLoopbackHost(url.hostname)) refuseRemote(url.hostname, input);
    return text;
  }
  let base: URL;
  if (/^\d+$/.test(text)) base = parseUrl(`http://127.0.0.1:${text}`, input);
  else if (/^https?:\/\//i.test(text)) base = parseUrl(text, input);
  else base = parseUrl(`http://${text}`, input);
  if (!base.port) {
    throw new Error(`"${input}" has no port. Give the inspector's address as host:port (e.g. 127.0.0.1:9229) or a ws:// URL.`);
  }
  if (!allowRemote && !isLoopbackHost(base.hostname)) refuseRemote(base.hostname, input);
  const listUrl = new URL('/json/list', base);
  const targets = await getJson(listUrl, options.timeoutMs ?? 5000, allowRemote ? undefined : input);
  if (!Array.isArray(targets)) throw new Error(`${listUrl} did not return a list of targets. Is this a Node inspector port?`);
  const target = targets.find((t) => t && typeof t.webSocketDebuggerUrl === 'string');
  if (!target) {
    throw new Error(`The inspector at ${base.host} lists no debuggable target (another debugger may be attached). Try its ws:// URL instead.`);
  }
  const wsUrl = new URL(target.webSocketDebuggerUrl as string);
  if (!allowRemote && !isLoopbackHost(wsUrl.hostname)) refuseRemote(wsUrl.hostname, input);
  return wsUrl.toString();
}

function parseUrl(text: string, input: string): URL {
  try {
    return new URL(text);
  } catch {
    throw new Error(`"${input}" is not an inspector address. Use a ws:// URL, host:port, or a port number.`);
  }
}

/** `loopbackFor`: the user's input, when the answer must come from this machine (the lookup and the peer are checked). */
function getJson(url: URL, timeoutMs: number, loopbackFor?: string): Promise<Array<Record<string, unknown>>> {
  return new Promise((resolve, reject) => {
    const request = http.get(url, { timeout: timeoutMs, ...(loopbackFor !== undefined ? { lookup: loopbackLookup } : {}) }, (response) => {
      if (loopbackFor !== undefined) {
        try {
          checkLoopbackPeer(response.socket, loopbackFor);
        } catch (error) {
          response.destroy();
          reject(error);
          return;
        }
      }
      if (response.statusCode !== 200) {
        response.resume();
        reject(new Error(`${url} answered HTTP ${response.statusCode}. Is this a Node inspector port?`));
        return;
      }
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        body += chunk;
        if (body.length > 4 * 1024 * 1024) request.destroy(new Error('the answer is too large'));
      });
      response.on('end', () => {
        try {
          resolve(JSON.parse(body));
        } catch {
          reject(new Error(`${url} did not return JSON. Is this a Node inspector port?`));
        }
      });
      response.on('error', (error) => reject(new Error(`Reading ${url} failed: ${error.message}`)));
    });
    request.on('timeout', () => request.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    request.on('error', (error) =>
      reject(new Error(`Could not reach the inspector at ${url.host} (${error.message}). Is the program running with --inspect on that port?`)),
    );
  });
}

export interface SpawnInspectedOptions {
  cwd?: string;
  /** Environment of the program (default: this process's). */
  env?: NodeJS.ProcessEnv;
  /** How long to wait for "Debugger listening on ws://…" (ms). Default 10 000. */
  timeoutMs?: number;
}

export interface InspectedProcess {
  child: ChildProcess;
  /** The inspector's WebSocket URL. */
  wsUrl: string;
  /** The program's stdout. Read it (or `resume()` it), or the program blocks once the pipe fills. */
  stdout: Readable;
  /** The program's stderr, including what it printed before the inspector line. Read it or `resume()` it. */
  stderr: Readable;
}

const INSPECT_FLAG = '--inspect=127.0.0.1:0';
const LISTENING = /Debugger listening on (ws:\/\/\S+)/;

/** How a command is run with the inspector on: node and .js files get the flag, anything else NODE_OPTIONS. */
export function inspectedCommand(command: string, args: string[], env: NodeJS.ProcessEnv): { file: string; args: string[]; env: NodeJS.ProcessEnv } {
  const base = path.basename(command).toLowerCase();
  if (command === process.execPath || base === 'node' || base === 'node.exe') {
    return { file: command, args: [INSPECT_FLAG, ...args], env };
  }
  if (/\.(c|m)?js$/i.test(command)) {
    return { file: process.execPath, args: [INSPECT_FLAG, command, ...args], env };
  }
  const nodeOptions = [env.NODE_OPTIONS, INSPECT_FLAG].filter(Boolean).join(' ');
  return { file: command, args, env: { ...env, NODE_OPTIONS: nodeOptions } };
}

/** Starts a Node program with the inspector on a free loopback port and resolves once it listens. */
export function spawnInspected(command: string, args: string[] = [], options: SpawnInspectedOptions = {}): Promise<InspectedProcess> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const plan = inspectedCommand(command, args, options.env ?? process.env);
  const child = spawn(plan.file, plan.args, { cwd: options.cwd, env: plan.env, stdio: ['ignore', 'pipe', 'pipe'] });
  const commandLine = [command, ...args].join(' ');
  return new Promise((resolve, reject) => {
    let settled = false;
    let seen = '';
    const stderr = new PassThrough();
    const early: Buffer[] = [];
    const onData = (data: Buffer) => {
      early.push(data);
      seen += data.toString('utf8');
      if (seen.length > 64 * 1024) seen = seen.slice(-16 * 1024);
      const match = LISTENING.exec(seen);
      if (match) done(undefined, match[1]);
    };
    let exitTimer: NodeJS.Timeout | undefined;
    // 'exit' can come before the last stderr data; 'close' comes after it (or never, if a grandchild holds the pipe).
    const onExit = (code: number | null, signal: NodeJS.Signals | null) => {
      exitTimer = setTimeout(() => failExited(code, signal), 200);
    };
    const onStdioClosed = (code: number | null, signal: NodeJS.Signals | null) => failExited(code, signal);
    const failExited = (code: number | null, signal: NodeJS.Signals | null) =>
      done(
        new Error(
          `"${commandLine}" exited (${signal ?? `code ${code}`}) before its inspector started.` +
            (seen.trim() ? ` It printed: ${seen.trim().slice(-500)}` : ' Is it a Node.js program?'),
        ),
      );
    const onError = (error: Error) => done(new Error(`Could not start "${commandLine}": ${error.message}. Check the command and the working folder.`));
    const timer = setTimeout(
      () =>
        done(
          new Error(
            `"${commandLine}" did not start Node's inspector within ${Math.round(timeoutMs / 1000)} s. ` +
              'Leak Watch can watch only Node.js programs; for a wrapper script, run node directly.',
          ),
        ),
      timeoutMs,
    );
    function done(error: Error | undefined, wsUrl?: string) {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(exitTimer);
      child.stderr!.off('data', onData);
      child.off('exit', onExit);
      child.off('close', onStdioClosed);
      child.off('error', onError);
      if (error) {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
        reject(error);
        return;
      }
      // Hand the caller everything stderr said, from the start, with backpressure from here on.
      child.stderr!.pause();
      for (const buffer of early) stderr.write(buffer);
      child.stderr!.pipe(stderr);
      resolve({ child, wsUrl: wsUrl!, stdout: child.stdout!, stderr });
    }
    child.stderr!.on('data', onData);
    child.once('exit', onExit);
    child.once('close', onStdioClosed);
    child.once('error', onError);
  });
}
