// The snapshot worker (worker_threads): chunks in, Samples and explanations out. The graph stays here.
// Started with a helper's job in `workerData` (helperRoles.ts), the same script is a helper.
import { existsSync, readlinkSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';
import { join } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { answer } from '../requests';
import { ChunkQueue } from './chunkQueue';
import { serveHelperRole } from './helperRoles';
import { WorkerInspectorSession } from './inspectorSession';
import type { FromWorker, ToWorker, WorkerMethods } from './rpc';
import { SnapshotSession } from './session';
import { SnapshotFile } from './snapshotFile';
import { ThreadedEngine } from './threadedEngine';

const port = parentPort;
if (!port) throw new Error('snapshotWorker must run as a worker thread');
if (!serveHelperRole(port, workerData)) serve(port);

function serve(port: NonNullable<typeof parentPort>): void {
  lowerPriority();
  // Files are parsed, and graphs analysed, on two threads: the helpers run the small bundle built
  // beside this one (this script where it is missing).
  const helper = join(__dirname, 'snapshotHelper.js');
  const helperScript = existsSync(helper) ? helper : __filename;
  const session = new SnapshotSession({ edgeWorker: helperScript, engine: new ThreadedEngine(helperScript) });
  /** The first error met while streaming the current snapshot; reported by its finish. */
  let streamError: Error | null = null;
  /** The worker's own inspector session, while a watch takes its snapshots on it. */
  let inspector: WorkerInspectorSession | undefined;
  /** Counts closeInspector notices: a session that opens after one is closed at once. */
  let closes = 0;
  /** Chunks from that session not parsed yet, and the file they are saved to. */
  const queue = new ChunkQueue(feed);
  let saving: SnapshotFile | undefined;

  function closeInspector(): void {
    closes++;
    inspector?.close();
    inspector = undefined;
  }
  function feed(chunk: string | Uint8Array): void {
    if (streamError) return;
    try {
      session.push(chunk);
    } catch (e) {
      streamError = e as Error;
      session.abort();
    }
  }
  function begin(): void {
    drop();
    session.begin();
  }
  /** Forgets the snapshot being streamed: its queued chunks, the rest of its chunks, its file. */
  function drop(): void {
    streamError = null;
    queue.clear();
    inspector?.drop();
    void saving?.discard().catch(() => {});
    saving = undefined;
    session.abort();
  }

  const methods: WorkerMethods = {
    async finish(info) {
      await queue.drained();
      const file = saving;
      saving = undefined;
      if (file) await file.close();
      if (streamError) throw streamError;
      return session.finish(info);
    },
    analyzeFile: (path, info) => session.analyzeFile(path, info),
    explain: (request) => session.explain(request),
    causes: (request) => session.causes(request),
    retainedSizes: (types) => session.retainedSizes(types),
    runningScripts: () => session.runningScripts(),
    async openInspector(endpoint, timeoutMs) {
      closeInspector();
      const asked = closes;
      const opened = await WorkerInspectorSession.open(endpoint, timeoutMs);
      if (asked !== closes) {
        opened.close(); // the watch ended while it opened
        throw new Error('the inspector session was closed while it opened');
      }
      inspector = opened;
      return { jsDebug: opened.jsDebug };
    },
    takeSnapshot({ timeoutMs, saveTo }) {
      if (!inspector) return Promise.resolve({ ok: false, failure: 'closed', reason: 'the analysis worker has no inspector session' });
      begin();
      const file = saveTo ? (saving = new SnapshotFile(saveTo)) : undefined;
      let first = true;
      return inspector.take(timeoutMs, (chunk) => {
        if (first) port.postMessage({ type: 'streaming' } satisfies FromWorker);
        first = false;
        file?.write(chunk);
        queue.push(chunk);
      });
    },
  };

  port.on('message', (m: ToWorker) => {
    switch (m.type) {
      case 'begin':
        begin();
        return;
      case 'chunk':
        feed(m.data);
        return;
      case 'abort':
        drop();
        return;
      case 'resetBaseline':
        session.resetBaseline();
        return;
      case 'closeInspector':
        closeInspector();
        return;
      case 'request':
        void answer(methods, m, (reply: FromWorker) => port.postMessage(reply));
        return;
    }
  });
}

/**
 * The analysis is background work: on Linux this thread (and the helpers it starts, which inherit
 * it) runs at nice 5, so when the program being watched, the analysis and the editor all want the
 * machine's cores, the editor's thread is served first. Elsewhere, or if refused, nothing changes.
 */
function lowerPriority(): void {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (tid > 0 && tid !== process.pid) setPriority(tid, Math.max(getPriority(tid), 5));
  } catch {
    // Not Linux, or not allowed: the default priority.
  }
}
