// The snapshot worker (worker_threads): chunks in, Samples and explanations out. The graph stays here.
// Started with a helper's job in `workerData` (helperRoles.ts), the same script is a helper.
import { existsSync, readlinkSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';
import { join } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import type { Cause, Leak, Sample } from '../report';
import { useAnalysisHelper } from './parallel';
import { serveHelperRole } from './helperRoles';
import type { FromWorker, ToWorker } from './rpc';
import { SnapshotSession } from './session';

const port = parentPort;
if (!port) throw new Error('snapshotWorker must run as a worker thread');
if (!serveHelperRole(port, workerData)) serve(port);

function serve(port: NonNullable<typeof parentPort>): void {
  lowerPriority();
  // Files are parsed, and graphs analysed, on two threads: the helpers run the small bundle built
  // beside this one (this script where it is missing).
  const helper = join(__dirname, 'snapshotHelper.js');
  const helperScript = existsSync(helper) ? helper : __filename;
  const session = new SnapshotSession({ edgeWorker: helperScript });
  useAnalysisHelper(helperScript);
  /** The first error met while streaming the current snapshot; reported by its finish. */
  let streamError: Error | null = null;

  const reply = (m: FromWorker) => port.postMessage(m);
  const fail = (id: number, e: unknown) => reply({ id, err: (e as Error)?.message ?? String(e), errName: (e as Error)?.name });
  /** Replies to request `id` with what `work` returns, or with its error. */
  const answer = async (id: number, work: () => Extract<FromWorker, { ok: unknown }>['ok'] | Promise<Extract<FromWorker, { ok: unknown }>['ok']>) => {
    try {
      reply({ id, ok: await work() });
    } catch (e) {
      fail(id, e);
    }
  };

  port.on('message', async (m: ToWorker) => {
    switch (m.kind) {
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
      case 'finish':
        if (streamError) return fail(m.id, streamError);
        return answer(m.id, () => session.finish(m.info));
      case 'analyzeFile':
        return answer(m.id, () => session.analyzeFile(m.path, m.info));
      case 'retained':
        return answer(m.id, () => session.retainedSizes(m.types));
      case 'explain':
        return answer(m.id, () => session.explain(m.request));
      case 'causes':
        return answer(m.id, () => session.causes(m.request));
      case 'runningScripts':
        return answer(m.id, () => session.runningScripts());
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
