// The snapshot worker (worker_threads): chunks in, Samples and explanations out. The graph stays here.
// Started with a helper's job in `workerData` (helperRoles.ts), the same script is a helper.
import { existsSync, readlinkSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';
import { join } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { answer } from '../requests';
import { serveHelperRole } from './helperRoles';
import type { FromWorker, ToWorker, WorkerMethods } from './rpc';
import { SnapshotSession } from './session';
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
  const methods: WorkerMethods = {
    finish(info) {
      if (streamError) throw streamError;
      return session.finish(info);
    },
    analyzeFile: (path, info) => session.analyzeFile(path, info),
    explain: (request) => session.explain(request),
    causes: (request) => session.causes(request),
    retainedSizes: (types) => session.retainedSizes(types),
    runningScripts: () => session.runningScripts(),
  };

  port.on('message', (m: ToWorker) => {
    switch (m.type) {
      case 'begin':
        streamError = null;
        session.begin();
        return;
      case 'chunk':
        if (streamError) return;
        try {
          session.push(m.data);
        } catch (e) {
          streamError = e as Error;
          session.abort();
        }
        return;
      case 'abort':
        streamError = null;
        session.abort();
        return;
      case 'resetBaseline':
        session.resetBaseline();
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
