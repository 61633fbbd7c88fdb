// A Transport over a WebSocket (`ws`), as served by `node --inspect` and js-debug's CDP proxy.
import WebSocket from 'ws';
import { checkLoopbackPeer, loopbackLookup } from './loopback';
import { ListenedTransport, type InspectorEndpoint } from './transport';

/** Heap snapshots arrive in ~100 KB chunks, but other messages (e.g. large evaluate results) can be big. */
const MAX_PAYLOAD_BYTES = 1024 * 1024 * 1024;

export interface WebSocketConnectOptions {
  /** How long to wait for the WebSocket handshake (ms). Default 10 000. */
  timeoutMs?: number;
  /** Connect only to this machine: the name must resolve to loopback addresses only, and the peer must be one. */
  loopbackOnly?: boolean;
  /**
   * Take every message the socket holds in one turn (default false: one message per turn, so that a
   * snapshot's burst leaves the host's other work its turns). For a thread that serves nothing else.
   */
  allowSynchronousEvents?: boolean;
}

/** A Transport over an open WebSocket. */
export class WebSocketTransport extends ListenedTransport {
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
        allowSynchronousEvents: options.allowSynchronousEvents ?? false,
        ...(options.loopbackOnly ? { lookup: loopbackLookup } : {}),
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
        resolve(new WebSocketTransport(socket, { url, loopbackOnly: !!options.loopbackOnly }));
      });
      socket.once('error', (error: Error) =>
        fail(`Could not connect to the inspector at ${url}: ${error.message}. Check that the program is running with --inspect and the address is right.`),
      );
      if (options.loopbackOnly) {
        socket.once('upgrade', (res) => {
          try {
            checkLoopbackPeer(res.socket, url);
          } catch (error) {
            fail((error as Error).message);
          }
        });
      }
      socket.once('unexpected-response', (_req, res) =>
        fail(`The inspector at ${url} refused the WebSocket (HTTP ${res.statusCode}). The target id may be stale; list targets again.`),
      );
    });
  }

  private constructor(
    private readonly socket: WebSocket,
    readonly endpoint: InspectorEndpoint,
  ) {
    super();
    socket.on('message', (data: WebSocket.RawData, isBinary: boolean) => {
      if (isBinary) return; // CDP is text only
      this.messageListener(Array.isArray(data) ? Buffer.concat(data).toString('utf8') : data.toString());
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

  close(): void {
    if (this.closedReason !== undefined) return;
    this.socket.close();
    // A peer that never answers the close frame must not keep us waiting.
    const timer = setTimeout(() => this.socket.terminate(), 1000);
    timer.unref();
    this.finish('closed by Leak Watch');
  }
}
