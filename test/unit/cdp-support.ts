// Shared by the cdp and watch tests.

/** Runs `body` with uncaught exceptions captured instead of failing the test; returns what was thrown. */
export async function captureUncaught(body: () => Promise<void>): Promise<unknown[]> {
  const thrown: unknown[] = [];
  const mochaHandlers = process.listeners('uncaughtException');
  process.removeAllListeners('uncaughtException');
  const onUncaught = (error: unknown) => thrown.push(error);
  process.on('uncaughtException', onUncaught);
  try {
    await body();
    await new Promise((r) => setImmediate(r)); // let rethrown listener errors surface
  } finally {
    process.off('uncaughtException', onUncaught);
    for (const h of mochaHandlers) process.on('uncaughtException', h);
  }
  return thrown;
}
