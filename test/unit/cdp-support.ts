// Shared by the cdp, watch and reliability tests.
import * as assert from 'node:assert/strict';
import type { CdpConnection } from '../../src/core/cdp/connection';
import type { SnapshotAnalyzer } from '../../src/core/worker/analyzer';
import { builtBundles } from './helpers/bundles';

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

/**
 * Mocha hooks for suites over real processes: the analysis worker bundle built from the sources
 * (helpers/bundles.ts), cleanups run after each test (newest first), and
 * no unhandled rejection allowed. Call inside a `describe`.
 */
export function realProcessHooks(): { cleanups: Array<() => unknown>; workerPath(): string } {
  let workerPath = '';
  const cleanups: Array<() => unknown> = [];
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  before(async () => {
    workerPath = builtBundles().worker;
    process.on('unhandledRejection', onUnhandled);
  });
  after(() => process.off('unhandledRejection', onUnhandled));
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    assert.deepEqual(unhandled.splice(0), [], 'no unhandled rejection');
  });
  return { cleanups, workerPath: () => workerPath };
}

/**
 * Resolves when the next snapshot's chunks start to arrive: on the watch's connection where they are
 * relayed, in the analysis worker's own inspector session where they go straight there.
 */
export function nextSnapshotStreaming(connection: CdpConnection, analyzer: SnapshotAnalyzer): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      offRelayed();
      offDirect();
      resolve();
    };
    const offRelayed = connection.on('HeapProfiler.addHeapSnapshotChunk', done);
    const offDirect = analyzer.onSnapshotStreaming(done);
  });
}
