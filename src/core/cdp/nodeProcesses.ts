// Which Node processes a command started, and where their inspectors listen: every Node process of
// the command loads the inspector preload (NODE_OPTIONS), which reports to this registry over a
// socket in a folder only this user can enter (a named pipe on Windows), with the registry's token;
// the socket closing tells that the process ended. No port is opened for it.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REGISTRY_ENV, type ProcessExiting, type ProcessStarted } from './processReport';

/** A Node process of the command, as its preload reported it (pid, parent, argv, inspector URL, …). */
export interface NodeProcess extends Omit<ProcessStarted, 'token'> {
  /** The exit code it said it exits with (Node's 'exit' event); it may still wait for a debugger to detach. */
  exitCode?: number;
  /** True once it is gone (its report socket closed). */
  ended: boolean;
}

export interface NodeProcessRegistryEvents {
  started: [NodeProcess];
  ended: [NodeProcess];
}

/** The longest line a preload may send (its argv included). */
const MAX_LINE_BYTES = 1 << 20;

/** A private socket that Node processes report to; `environment()` makes a command's Node processes do so. */
export class NodeProcessRegistry extends EventEmitter<NodeProcessRegistryEvents> {
  private readonly reported: NodeProcess[] = [];
  private readonly sockets = new Set<net.Socket>();

  private constructor(
    private readonly server: net.Server,
    private readonly address: string,
    /** The private folder the socket is in (none for a Windows pipe). */
    private readonly folder: string | undefined,
    private readonly token: string,
    private readonly preloadPath: string,
  ) {
    super();
    server.on('connection', (socket) => this.accept(socket));
  }

  /**
   * Starts listening on a socket in a fresh folder that only this user can enter (mkdtemp makes it
   * 0700). `preloadPath`: the built preload (default: beside this bundle, or the repo's dist/).
   */
  static async open(options: { preloadPath?: string } = {}): Promise<NodeProcessRegistry> {
    const preloadPath = options.preloadPath ?? findPreload();
    const windows = process.platform === 'win32';
    const folder = windows ? undefined : mkdtempSync(join(tmpdir(), 'leak-watch-'));
    const address = folder ? join(folder, 'registry.sock') : `\\\\.\\pipe\\leak-watch-${randomBytes(16).toString('hex')}`;
    const server = net.createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(address, () => resolve());
    });
    return new NodeProcessRegistry(server, address, folder, randomBytes(24).toString('hex'), preloadPath);
  }

  /** `base` with the preload added to NODE_OPTIONS (after the user's own) and the registry's address. */
  environment(base: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
    // NODE_OPTIONS takes a quoted value with backslash escapes, so any path fits.
    const require = `--require "${this.preloadPath.replace(/["\\]/g, '\\$&')}"`;
    return { ...base, NODE_OPTIONS: [base.NODE_OPTIONS, require].filter(Boolean).join(' '), [REGISTRY_ENV]: `${this.token}@${this.address}` };
  }

  /** Every process reported so far, in the order they started. */
  get processes(): readonly NodeProcess[] {
    return this.reported;
  }

  /** Stops listening and drops the connections (the processes' preloads then end them, should any still run). */
  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.closeNow();
    await closed;
  }

  /** Stops listening and removes the socket's folder at once (for a CLI that must exit now). */
  closeNow(): void {
    for (const socket of this.sockets) socket.destroy();
    if (this.server.listening) this.server.close();
    if (this.folder) rmSync(this.folder, { recursive: true, force: true });
  }

  private accept(socket: net.Socket): void {
    this.sockets.add(socket);
    let buffered = '';
    let node: NodeProcess | undefined;
    socket.setEncoding('utf8');
    socket.on('error', () => {});
    socket.on('data', (text: string) => {
      buffered += text;
      if (buffered.length > MAX_LINE_BYTES) return socket.destroy();
      for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        if (!node) {
          node = this.started(line);
          if (!node) return socket.destroy();
        } else {
          const exiting = parseLine<ProcessExiting>(line);
          if (exiting && Number.isInteger(exiting.exitCode)) node.exitCode = Number(exiting.exitCode);
        }
      }
    });
    socket.on('close', () => {
      this.sockets.delete(socket);
      if (!node) return;
      node.ended = true;
      this.emit('ended', node);
    });
  }

  /** The process a first line describes, when it carries the token. */
  private started(line: string): NodeProcess | undefined {
    const m = parseLine<ProcessStarted>(line);
    if (!m || typeof m.token !== 'string' || !sameSecret(m.token, this.token) || !Number.isInteger(m.pid) || !Array.isArray(m.argv)) return undefined;
    const p: NodeProcess = {
      pid: Number(m.pid),
      ppid: Number(m.ppid) || 0,
      argv: m.argv.map(String),
      execPath: String(m.execPath ?? ''),
      packageManager: m.packageManager === true,
      ended: false,
      ...(typeof m.inspectorUrl === 'string' ? { inspectorUrl: m.inspectorUrl } : {}),
      ...(typeof m.inspectorError === 'string' ? { inspectorError: m.inspectorError } : {}),
    };
    this.reported.push(p);
    this.emit('started', p);
    return p;
  }
}

function parseLine<T>(line: string): Partial<T> | undefined {
  try {
    const value: unknown = JSON.parse(line);
    return value && typeof value === 'object' ? (value as Partial<T>) : undefined;
  } catch {
    return undefined;
  }
}

function sameSecret(given: string, token: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The built preload beside this bundle (dist/), or, from sources, in the repo's dist/. */
function findPreload(): string {
  const candidates = [join(__dirname, 'inspectorPreload.js'), join(__dirname, '../../../dist/inspectorPreload.js')];
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new Error(`The inspector preload is missing (looked in ${candidates.join(', ')}); run \`npm run build\`.`);
  return found;
}
