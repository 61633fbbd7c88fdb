// The snapshot worker (worker_threads): chunks in, Samples and explanations out. The graph stays here.
// The same script, started by a parse with `workerData.edgeScan`, is the parser's edge helper (edgeHelper.ts).
import { readlinkSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import type { Leak, Sample } from '../report';
import type { EdgeKinds } from '../analysis/edges';
import { runDistanceHelper, runDominatorsAhead, useAnalysisHelper, type DistanceRequest, type DistanceStrings, type DominatorsAheadRequest } from '../analysis/parallel';
import { runEdgeScan, type EdgeScanRequest } from './edgeHelper';
import type { FromWorker, ToWorker } from './rpc';
import { SnapshotSession } from './session';

const port = parentPort;
if (!port) throw new Error('snapshotWorker must run as a worker thread');
const helperRole = workerData as { edgeScan?: EdgeScanRequest; distances?: DistanceRequest } | null;
if (helperRole?.edgeScan) {
  // Done with "edges", the thread may be kept for one more job: a graph's dominators (see startDominatorsAhead).
  void runEdgeScan(helperRole.edgeScan, (m) => port.postMessage(m)).then(() =>
    port.once('message', (m: { dominatorsAhead?: DominatorsAheadRequest; kinds: EdgeKinds }) => {
      if (m.dominatorsAhead) runDominatorsAhead(m.dominatorsAhead, m.kinds);
      port.close();
    }),
  );
} else if (helperRole?.distances) {
  const request = helperRole.distances;
  port.once('message', (strings: DistanceStrings) => {
    runDistanceHelper(request, strings);
    port.close();
  });
} else serve(port);

function serve(port: NonNullable<typeof parentPort>): void {
  lowerPriority();
  // Files are parsed, and graphs analysed, on two threads: this script is the helper too.
  const session = new SnapshotSession({ edgeWorker: __filename });
  useAnalysisHelper(__filename);
  /** The first error met while streaming the current snapshot; reported by its finish. */
  let streamError: Error | null = null;

  const reply = (m: FromWorker) => port.postMessage(m);
  const fail = (id: number, e: unknown) => reply({ id, err: (e as Error)?.message ?? String(e), errName: (e as Error)?.name });
  /** Replies to request `id` with what `work` returns, or with its error. */
  const answer = async (id: number, work: () => Sample | Leak[] | Record<string, number> | Promise<Sample | Leak[]>) => {
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
