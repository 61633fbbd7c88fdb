// The snapshot worker's own inspector session: a snapshot is taken on it, so its chunks (V8 sends
// them to the session that asked) arrive in this thread and the host relays none of them.
import { CdpClosedError, CdpProtocolError, CdpTimeoutError, connectWebSocket, type CdpConnection } from '../cdp/connection';
import type { InspectorEndpoint } from '../cdp/transport';

/** How a snapshot on the worker's session went: its chunk count, or why not (the host rebuilds the CDP error). */
export type DirectSnapshotResult =
  | { ok: true; chunks: number; chars: number }
  | { ok: false; failure: 'closed'; reason: string }
  | { ok: false; failure: 'timeout'; timeoutMs: number }
  | { ok: false; failure: 'error'; message: string };

/** The worker's own CDP session to the debuggee (Node's inspector, or one more client of js-debug's proxy). */
export class WorkerInspectorSession {
  /** The latest snapshot request; V8 answers in order, so a new one waits until it is answered. */
  private previous: Promise<unknown> = Promise.resolve();
  /** The snapshot whose chunks are wanted now, and where they go. */
  private current: { onChunk(chunk: string): void } | undefined;

  private constructor(
    private readonly connection: CdpConnection,
    /** Reached through js-debug's CDP proxy (whose session is shared with the debugger). */
    readonly jsDebug: boolean,
  ) {
    connection.on('HeapProfiler.addHeapSnapshotChunk', ({ chunk }) => this.current?.onChunk(chunk));
  }

  /** Connects to `endpoint` and asks for the snapshot events; rejects when it cannot. */
  static async open(endpoint: InspectorEndpoint, timeoutMs: number): Promise<WorkerInspectorSession> {
    // This thread serves nothing else while a snapshot streams: every message the socket holds is taken at once.
    const connection = await connectWebSocket(endpoint.url, { timeoutMs, loopbackOnly: endpoint.loopbackOnly, allowSynchronousEvents: true, defaultTimeoutMs: timeoutMs });
    try {
      let jsDebug = true;
      try {
        // js-debug's proxy forwards events to a client only once it subscribes; Node's inspector has no such method.
        await connection.sendRaw('JsDebug.subscribe', { events: ['HeapProfiler.addHeapSnapshotChunk'] });
      } catch (error) {
        if (!(error instanceof CdpProtocolError)) throw error;
        jsDebug = false;
      }
      await connection.send('HeapProfiler.enable');
      return new WorkerInspectorSession(connection, jsDebug);
    } catch (error) {
      connection.close();
      throw error;
    }
  }

  /** Takes a heap snapshot on this session, handing each chunk to `onChunk` until V8 has sent them all (or `drop`). */
  async take(timeoutMs: number, onChunk: (chunk: string) => void): Promise<DirectSnapshotResult> {
    // Chunks of an earlier snapshot given up on come before its reply: none of them is this one's.
    await this.previous;
    let chunks = 0;
    let chars = 0;
    const mine = {
      onChunk: (chunk: string) => {
        chunks++;
        chars += chunk.length;
        onChunk(chunk);
      },
    };
    this.current = mine;
    const request = this.connection.send('HeapProfiler.takeHeapSnapshot', { reportProgress: false }, { timeoutMs });
    this.previous = request.catch(() => {});
    try {
      await request;
      return { ok: true, chunks, chars };
    } catch (error) {
      if (error instanceof CdpClosedError) return { ok: false, failure: 'closed', reason: error.reason };
      if (error instanceof CdpTimeoutError) return { ok: false, failure: 'timeout', timeoutMs: error.timeoutMs };
      return { ok: false, failure: 'error', message: error instanceof Error ? error.message : String(error) };
    } finally {
      if (this.current === mine) this.current = undefined;
    }
  }

  /** Stops handing on the chunks of the snapshot in flight (cancelled: V8 still sends them). */
  drop(): void {
    this.current = undefined;
  }

  /** Closes the session. Node's inspector then forgets the isolate's object ids: only at the end of a watch. */
  close(): void {
    this.current = undefined;
    this.connection.close();
  }
}
