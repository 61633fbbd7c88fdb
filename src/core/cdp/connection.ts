// A typed CDP client over any Transport: request ids, per-request timeouts, events, clean close.
import type ProtocolMapping from 'devtools-protocol/types/protocol-mapping';
import type { InspectorEndpoint, Transport } from './transport';
import { WebSocketTransport, type WebSocketConnectOptions } from './webSocketTransport';

type Commands = ProtocolMapping.Commands;
type Events = ProtocolMapping.Events;

/** The parameters of a CDP command (`undefined` for commands without any). */
export type CommandParams<M extends keyof Commands> = Commands[M]['paramsType'] extends [infer P] ? P : Commands[M]['paramsType'] extends [(infer Q)?] ? Q | undefined : undefined;
/** The result of a CDP command. */
export type CommandResult<M extends keyof Commands> = Commands[M]['returnType'];
/** The parameters of a CDP event. */
export type EventParams<E extends keyof Events> = Events[E] extends [infer P] ? P : undefined;

export interface SendOptions {
  /** Reject if no reply comes within this many ms; 0 waits for ever. Default: the connection's default. */
  timeoutMs?: number;
}

/** A CDP error reply ("Method not found", "Not allowed", …), with the protocol's code. */
export class CdpProtocolError extends Error {
  constructor(readonly method: string, readonly code: number, readonly cdpMessage: string, readonly data?: string) {
    super(`${method} failed: ${cdpMessage}${data ? ` (${data})` : ''}`);
    this.name = 'CdpProtocolError';
  }
}

/** No reply came in time. */
export class CdpTimeoutError extends Error {
  constructor(readonly method: string, readonly timeoutMs: number) {
    super(`${method} got no reply within ${Math.round(timeoutMs / 1000)} s. The program may be busy or hung; try again, or allow more time.`);
    this.name = 'CdpTimeoutError';
  }
}

/** The connection closed before a reply came (or before the request could be sent). */
export class CdpClosedError extends Error {
  constructor(readonly method: string, readonly reason: string, whilePending: boolean) {
    super(
      whilePending
        ? `The inspector connection closed (${reason}) while waiting for ${method}.`
        : `The inspector connection is closed (${reason}); cannot send ${method}.`,
    );
    this.name = 'CdpClosedError';
  }
}

interface Pending {
  method: string;
  resolve(result: unknown): void;
  reject(error: Error): void;
  timer?: NodeJS.Timeout;
}

type AnyListener = (params: unknown) => void;

export interface CdpConnectionOptions {
  /** Default per-request timeout (ms); 0 waits for ever. Default 30 000. */
  defaultTimeoutMs?: number;
}

/** A CDP session over one Transport. */
export class CdpConnection {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly listeners = new Map<string, Set<AnyListener>>();
  private readonly closeListeners = new Set<(reason: string) => void>();
  private readonly defaultTimeoutMs: number;
  private closeReason: string | undefined;

  constructor(private readonly transport: Transport, options: CdpConnectionOptions = {}) {
    this.defaultTimeoutMs = options.defaultTimeoutMs ?? 30_000;
    transport.onMessage((text) => this.receive(text));
    transport.onClose((reason) => this.closed_(reason));
  }

  /** True once the transport has closed (no request can succeed any more). */
  get closed(): boolean {
    return this.closeReason !== undefined;
  }

  /** Where another session to the same target can be opened (a WebSocket's address), if anywhere. */
  get endpoint(): InspectorEndpoint | undefined {
    return this.transport.endpoint;
  }

  /** Why the connection closed, once it has. */
  get closedReason(): string | undefined {
    return this.closeReason;
  }

  /** Sends a typed CDP command and resolves with its result. */
  send<M extends keyof Commands>(method: M, params?: CommandParams<M>, options?: SendOptions): Promise<CommandResult<M>> {
    return this.sendRaw(method, params as object | undefined, options) as Promise<CommandResult<M>>;
  }

  /** Sends any method by name (e.g. js-debug's `JsDebug.subscribe`). */
  sendRaw(method: string, params?: object, options: SendOptions = {}): Promise<unknown> {
    if (this.closeReason !== undefined) return Promise.reject(new CdpClosedError(method, this.closeReason, false));
    const id = this.nextId++;
    const timeoutMs = options.timeoutMs ?? this.defaultTimeoutMs;
    return new Promise((resolve, reject) => {
      const entry: Pending = { method, resolve, reject };
      if (timeoutMs > 0) {
        entry.timer = setTimeout(() => {
          this.pending.delete(id);
          reject(new CdpTimeoutError(method, timeoutMs));
        }, timeoutMs);
      }
      this.pending.set(id, entry);
      try {
        this.transport.send(JSON.stringify(params === undefined ? { id, method } : { id, method, params }));
      } catch (error) {
        this.pending.delete(id);
        clearTimeout(entry.timer);
        reject(new CdpClosedError(method, error instanceof Error ? error.message : String(error), false));
      }
    });
  }

  /** Listens to a typed CDP event; returns a function that stops listening. */
  on<E extends keyof Events>(event: E, listener: (params: EventParams<E>) => void): () => void {
    return this.onRaw(event, listener as AnyListener);
  }

  /** Listens to any event by name; returns a function that stops listening. */
  onRaw(event: string, listener: (params: unknown) => void): () => void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(listener);
    return () => {
      set!.delete(listener);
      if (set!.size === 0 && this.listeners.get(event) === set) this.listeners.delete(event);
    };
  }

  /** Calls `listener` once when the connection closes (at once if it already has); returns an unsubscribe. */
  onClose(listener: (reason: string) => void): () => void {
    if (this.closeReason !== undefined) {
      listener(this.closeReason);
      return () => {};
    }
    this.closeListeners.add(listener);
    return () => this.closeListeners.delete(listener);
  }

  /** Closes the connection; pending requests are rejected. */
  close(): void {
    if (this.closeReason !== undefined) return;
    this.transport.close();
    this.closed_('closed by Leak Watch');
  }

  private receive(text: string): void {
    let message: { id?: number; method?: string; params?: unknown; result?: unknown; error?: { code: number; message: string; data?: string } };
    try {
      message = JSON.parse(text);
    } catch {
      return; // not CDP; ignore rather than break the session
    }
    if (typeof message.id === 'number') {
      const entry = this.pending.get(message.id);
      if (!entry) return; // timed out earlier
      this.pending.delete(message.id);
      clearTimeout(entry.timer);
      if (message.error) entry.reject(new CdpProtocolError(entry.method, message.error.code, message.error.message, message.error.data));
      else entry.resolve(message.result ?? {});
      return;
    }
    if (typeof message.method === 'string') {
      const set = this.listeners.get(message.method);
      if (!set) return;
      for (const listener of [...set]) {
        try {
          listener(message.params);
        } catch (error) {
          // A listener's bug must not break the session or other listeners.
          queueMicrotask(() => {
            throw error;
          });
        }
      }
    }
  }

  private closed_(reason: string): void {
    if (this.closeReason !== undefined) return;
    this.closeReason = reason;
    const pending = [...this.pending.values()];
    this.pending.clear();
    for (const entry of pending) {
      clearTimeout(entry.timer);
      entry.reject(new CdpClosedError(entry.method, reason, true));
    }
    for (const listener of [...this.closeListeners]) listener(reason);
    this.closeListeners.clear();
    this.listeners.clear();
  }
}

/** Connects to a CDP WebSocket (`ws://…`) and returns the connection. */
export async function connectWebSocket(url: string, options: WebSocketConnectOptions & CdpConnectionOptions = {}): Promise<CdpConnection> {
  const transport = await WebSocketTransport.connect(url, options);
  return new CdpConnection(transport, options);
}
