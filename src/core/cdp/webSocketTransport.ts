// A Transport over a WebSocket (`ws`), as served by `node --inspect` and js-debug's CDP proxy.
import WebSocket from 'ws';
import type { Transport } from './transport';

/** Heap snapshots arrive in ~100 KB chunks, but other messages (e.g. large evaluate results) can be big. */
const MAX_PAYLOAD_BYTES = 1024 * 1024 * 1024;

export interface WebSocketConnectOptions {
  /** How long to wait for the WebSocket handshake (ms). Default 10 000. */
  timeoutMs?: number;
}

/** A Transport over an open WebSocket. */
export class WebSocketTransport implements Transport {
  private messageListener: (message: string) => void = () => {};
  private closeListener: (reason: string) => void = () => {};
  private closedReason: string | undefined;
  private divertPrefix: Buffer | null = null;
  private divertListener: ((message: Uint8Array) => void) | null = null;

  /** Opens a WebSocket to `url` and resolves once the handshake is done. */
  static connect(url: string, options: WebSocketConnectOptions = {}): Promise<WebSocketTransport> {
    const timeoutMs = options.timeoutMs ?? 10_000;
    return new Promise((resolve, reject) => {
      let settled = false;
      const socket = new WebSocket(url, {
        maxPayload: MAX_PAYLOAD_BYTES,
        perMessageDeflate: false,
        handshakeTimeout: timeoutMs,
        // One message per turn of the event loop: a heap snapshot streams ~1,500 messages of 100 kB
        // at once, and the editor's own work must get its turns in between.
        allowSynchronousEvents: false,
      });
      const fail = (message: string) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        socket.removeAllListeners();
        socket.on('error', () => {});
        socket.terminate();
        reject(new Error(message));
      };
      const timer = setTimeout(
        () => fail(`Could not connect to the inspector at ${url} within ${timeoutMs} ms. Is the program still running with --inspect?`),
        timeoutMs,
      );
      socket.once('open', () => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        socket.removeAllListeners('error');
        resolve(new WebSocketTransport(socket));
      });
      socket.once('error', (error: Error) =>
        fail(`Could not connect to the inspector at ${url}: ${error.message}. Check that the program is running with --inspect and the address is right.`),
      );
      socket.once('unexpected-response', (_req, res) =>
        fail(`The inspector at ${url} refused the WebSocket (HTTP ${res.statusCode}). The target id may be stale; list targets again.`),
      );
    });
  }

  private constructor(private readonly socket: WebSocket) {
    socket.on('message', (data: WebSocket.RawData, isBinary: boolean) => {
      if (isBinary) return; // CDP is text only
      // ws hands each message over and keeps no reference: a diverted one is its listener's (see Transport.divert).
      const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
      const prefix = this.divertPrefix;
      if (prefix && bytes.length >= prefix.length && bytes.compare(prefix, 0, prefix.length, 0, prefix.length) === 0) {
        this.divertListener!(bytes);
        return;
      }
      this.messageListener(bytes.toString('utf8'));
    });
    socket.on('error', (error: Error) => this.finish(`socket error: ${error.message}`));
    socket.on('close', (code: number, reason: Buffer) =>
      this.finish(`code ${code}${reason.length ? `, ${reason.toString()}` : ''}`),
    );
  }

  send(message: string): void {
    if (this.closedReason !== undefined) throw new Error(`The inspector connection is closed (${this.closedReason}).`);
    this.socket.send(message);
  }

  onMessage(listener: (message: string) => void): void {
    this.messageListener = listener;
  }

  divert(prefix: string, listener: ((message: Uint8Array) => void) | null): void {
    this.divertPrefix = listener && prefix ? Buffer.from(prefix, 'utf8') : null;
    this.divertListener = listener;
  }

  onClose(listener: (reason: string) => void): void {
    this.closeListener = listener;
    if (this.closedReason !== undefined) listener(this.closedReason);
  }

  close(): void {
    if (this.closedReason !== undefined) return;
    this.socket.close();
    // A peer that never answers the close frame must not keep us waiting.
    const timer = setTimeout(() => this.socket.terminate(), 1000);
    timer.unref();
    this.finish('closed by Leak Watch');
  }

  private finish(reason: string): void {
    if (this.closedReason !== undefined) return;
    this.closedReason = reason;
    this.closeListener(reason);
  }
}
