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
}
