// A Transport to one worker_threads isolate, over the inspector connection of its process: Node's
// `NodeWorker` domain wraps each of the worker's messages in `NodeWorker.sendMessageToWorker` and
// `NodeWorker.receivedMessageFromWorker`, so a CdpConnection (and a HeapWatch) over this transport
// speaks to the worker as if it had an inspector of its own.
import type { CdpConnection } from './connection';
import { ListenedTransport } from './transport';

/** What `NodeWorker.attachedToWorker` says about a worker (Node's inspector). */
export interface NodeWorkerInfo {
  /** The inspector's own number for the worker, counted per session (not its threadId). */
  workerId: string;
  type: string;
  /** `[worker <threadId>]`, or `[worker <threadId>] <name>` when the worker was given a name. */
  title: string;
  /** The worker's script (a file: URL), or `data:`… for an eval'd worker. */
  url: string;
}

/** The parameters of `NodeWorker.attachedToWorker`. */
export interface AttachedToWorker {
  sessionId: string;
  workerInfo: NodeWorkerInfo;
  waitingForDebugger: boolean;
}

/** A Transport over a NodeWorker session of `parent`, the connection of the worker's process. */
export class NodeWorkerTransport extends ListenedTransport {
  private readonly unsubscribers: Array<() => void> = [];

  constructor(
    private readonly parent: CdpConnection,
    readonly sessionId: string,
    /** How the worker is named in the close reason ("worker thread 2"). */
    private readonly name = `worker session ${sessionId}`,
  ) {
    super();
    this.unsubscribers.push(
      parent.onRaw('NodeWorker.receivedMessageFromWorker', (params) => {
        const p = params as { sessionId?: unknown; message?: unknown };
        if (p?.sessionId !== sessionId || typeof p.message !== 'string' || this.closedReason !== undefined) return;
        // A worker that is done waits for its sessions to go and answers nothing meanwhile (Node's
        // NodeRuntime.notifyWhenWaitingForDisconnect): it has exited as far as a watch is concerned.
        if (isWaitingForDisconnect(p.message)) this.detach(`${this.name} exited`);
        else this.messageListener(p.message);
      }),
      parent.onRaw('NodeWorker.detachedFromWorker', (params) => {
        if ((params as { sessionId?: unknown })?.sessionId === sessionId) this.finish(`${this.name} exited`);
      }),
      parent.onClose((reason) => this.finish(`the connection to its process closed: ${reason}`)),
    );
  }

  send(message: string): void {
    if (this.closedReason !== undefined) throw new Error(`The inspector session of ${this.name} is closed (${this.closedReason}).`);
    // The worker answers through receivedMessageFromWorker; the wrapper's own (empty) reply only
    // says it was delivered. No timeout of its own: the caller's request has one.
    this.parent.sendRaw('NodeWorker.sendMessageToWorker', { sessionId: this.sessionId, message }, { timeoutMs: 0 }).catch(() => {});
  }

  /** Detaches from the worker (it runs on). */
  close(): void {
    this.detach('closed by Leak Watch');
  }

  private detach(reason: string): void {
    if (this.closedReason !== undefined) return;
    if (!this.parent.closed) this.parent.sendRaw('NodeWorker.detach', { sessionId: this.sessionId }, { timeoutMs: 5000 }).catch(() => {});
    this.finish(reason);
  }

  protected override finish(reason: string): boolean {
    if (this.closedReason !== undefined) return false;
    for (const unsubscribe of this.unsubscribers.splice(0)) unsubscribe();
    return super.finish(reason);
  }
}

/** True for the worker's `NodeRuntime.waitingForDisconnect` event (parsed only when the text names it). */
function isWaitingForDisconnect(message: string): boolean {
  if (!message.includes('"NodeRuntime.waitingForDisconnect"')) return false;
  try {
    return (JSON.parse(message) as { method?: unknown }).method === 'NodeRuntime.waitingForDisconnect';
  } catch {
    return false;
  }
}

/**
 * The worker's threadId, read from its title (`[worker 2] name`), or undefined when the title has none.
 * Not `workerId`: the inspector numbers workers in the order this session saw them.
 */
export function workerThreadId(info: Pick<NodeWorkerInfo, 'title'>): number | undefined {
  const n = Number(/^\[worker (\d+)\]/.exec(String(info.title ?? ''))?.[1]);
  return Number.isInteger(n) && n > 0 ? n : undefined;
}
