/**
 * Requests and replies over a message channel (the snapshot worker's port, the panel's webview):
 * the methods are declared once as an interface both sides import, and each reply is typed by the
 * method it answers. Plain data only, no Node or DOM API: the webview bundles it too.
 */

/** The methods one side answers (an interface of them): name → (arguments) → result, or a promise of it. */
export type Methods<M> = { [K in keyof M]: (...args: any[]) => unknown };

/** The arguments of method K. */
export type Args<M, K extends keyof M> = M[K] extends (...args: infer A) => unknown ? A : never;

/** A request as it travels (a union over the methods: each method with its own arguments). */
export type RequestMessage<M extends Methods<M>, K extends keyof M & string = keyof M & string> = K extends unknown ? { type: 'request'; id: number; method: K; args: Args<M, K> } : never;

/** A reply as it travels: the result, or the error's message and name. */
export type ReplyMessage = { type: 'reply'; id: number; ok: true; result: unknown } | { type: 'reply'; id: number; ok: false; error: string; errorName?: string };

/** What a method's reply resolves with. */
export type Reply<M extends Methods<M>, K extends keyof M> = M[K] extends (...args: never[]) => infer R ? Awaited<R> : never;

/** The asking side: numbers its requests and settles each with the reply of the same id. */
export class Requester<M extends Methods<M>> {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();

  /** `send` posts a request; `toError` rebuilds an error from a failed reply (default: a plain Error). */
  constructor(
    private readonly send: (request: RequestMessage<M>) => void,
    private readonly toError: (message: string, name?: string) => Error = (message) => new Error(message),
  ) {}

  /** Sends a request; resolves with the method's result, or rejects with its error. */
  request<K extends keyof M & string>(method: K, ...args: Args<M, K>): Promise<Reply<M, K>> {
    const id = this.nextId++;
    return new Promise<Reply<M, K>>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      try {
        this.send({ type: 'request', id, method, args } as unknown as RequestMessage<M>);
      } catch (error) {
        this.pending.delete(id);
        reject(error as Error);
      }
    });
  }

  /** Settles the request a reply answers; false when it answers none (already settled, or not ours). */
  settle(reply: ReplyMessage): boolean {
    const p = this.pending.get(reply.id);
    if (!p) return false;
    this.pending.delete(reply.id);
    if (reply.ok) p.resolve(reply.result);
    else p.reject(this.toError(reply.error, reply.errorName));
    return true;
  }

  /** Rejects every request still waiting (the other side is gone). */
  failAll(error: Error): void {
    const waiting = [...this.pending.values()];
    this.pending.clear();
    for (const p of waiting) p.reject(error);
  }

  /** Requests still waiting for their reply. */
  get waiting(): number {
    return this.pending.size;
  }
}

/** The answering side: runs the method a request names and sends its reply (an unknown method is an error reply). */
export async function answer<M extends Methods<M>>(methods: M, request: RequestMessage<M>, send: (reply: ReplyMessage) => void): Promise<void> {
  let reply: ReplyMessage;
  try {
    const name = request.method as keyof M;
    const method: unknown = Object.prototype.hasOwnProperty.call(methods, name) ? methods[name] : undefined;
    if (typeof method !== 'function') throw new Error(`no method "${String(request.method)}"`);
    reply = { type: 'reply', id: request.id, ok: true, result: await method.apply(methods, request.args) };
  } catch (error) {
    reply = { type: 'reply', id: request.id, ok: false, error: (error as Error)?.message ?? String(error), errorName: (error as Error)?.name };
  }
  send(reply);
}
