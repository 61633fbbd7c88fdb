// A Transport to one worker_threads isolate, over the inspector connection of its process: Node's
// `NodeWorker` domain wraps each of the worker's messages in `NodeWorker.sendMessageToWorker` and
// `NodeWorker.receivedMessageFromWorker`, so a CdpConnection (and a HeapWatch) over this transport
// speaks to the worker as if it had an inspector of its own.
import type { CdpConnection } from './connection';
import { ListenedTransport } from './transport';

/** What `NodeWorker.attachedToWorker` says about a worker (Node's inspector). */
export interface NodeWorkerInfo {
  /** The worker's threadId, as a string. */
  workerId: string;
  type: string;
  /** `[worker 1]`, or `[worker 1] <name>` when the worker was given a name. */
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
        if (p?.sessionId === sessionId && typeof p.message === 'string' && this.closedReason === undefined) this.messageListener(p.message);
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
    if (this.closedReason !== undefined) return;
    if (!this.parent.closed) this.parent.sendRaw('NodeWorker.detach', { sessionId: this.sessionId }, { timeoutMs: 5000 }).catch(() => {});
    this.finish('closed by Leak Watch');
  }

  protected override finish(reason: string): boolean {
    if (this.closedReason !== undefined) return false;
    for (const unsubscribe of this.unsubscribers.splice(0)) unsubscribe();
    return super.finish(reason);
  }
}

/** The worker's thread id (`workerInfo.workerId`), or undefined when it is not a number. */
export function workerThreadId(info: NodeWorkerInfo): number | undefined {
  const n = Number(info.workerId);
  return Number.isInteger(n) && n > 0 ? n : undefined;
}
