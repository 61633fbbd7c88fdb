// How CDP messages move: the connection speaks JSON text over any Transport (WebSocket,
// an in-process inspector session, a test double), so it knows nothing of sockets.

/** A bidirectional channel of CDP messages (JSON text). */
export interface Transport {
  /** Sends one message; throws if the transport is already closed. */
  send(message: string): void;
  /** Registers the one listener for incoming messages. */
  onMessage(listener: (message: string) => void): void;
  /** Registers the one listener called once when the transport closes, with a short reason. */
  onClose(listener: (reason: string) => void): void;
  /** Closes the transport; the close listener still fires (once). */
  close(): void;
  /** Where another client can open a session of its own to the same target (a WebSocket's address), if anywhere. */
  readonly endpoint?: InspectorEndpoint;
}

/** A WebSocket address of an inspector (or js-debug's CDP proxy), and how it was reached. */
export interface InspectorEndpoint {
  url: string;
  /** The connection was allowed to reach this machine only. */
  loopbackOnly: boolean;
}

/** What every Transport keeps: its one message listener, and its close listener called once with the reason. */
export abstract class ListenedTransport implements Transport {
  protected messageListener: (message: string) => void = () => {};
  private closeListener: (reason: string) => void = () => {};
  protected closedReason: string | undefined;

  abstract send(message: string): void;
  abstract close(): void;

  onMessage(listener: (message: string) => void): void {
    this.messageListener = listener;
  }

  onClose(listener: (reason: string) => void): void {
    this.closeListener = listener;
    if (this.closedReason !== undefined) listener(this.closedReason);
  }

  /** Marks the transport closed and tells the close listener, once; false when it already was. */
  protected finish(reason: string): boolean {
    if (this.closedReason !== undefined) return false;
    this.closedReason = reason;
    this.closeListener(reason);
    return true;
  }
}
