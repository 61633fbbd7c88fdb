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
  /**
   * Optional: messages whose UTF-8 text begins with `prefix` go to `listener` as raw bytes, neither
   * decoded nor parsed, instead of to the message listener (heap snapshot chunks: the bytes can go
   * on to a worker as they are). Order is kept across both listeners. `null` stops diverting.
   * The listener owns the bytes: the transport never reads or reuses them after the call, so they
   * may be kept, or their buffer moved to another thread.
   */
  divert?(prefix: string, listener: ((message: Uint8Array) => void) | null): void;
}
