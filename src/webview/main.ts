// The Leak Watch panel (browser code). Talks to the extension host only through src/protocol.ts.
export {};
