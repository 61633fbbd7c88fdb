// The jobs a helper thread of the analysis is started for: a file parse's "edges" (then, maybe, the
// graph's dominators), or a graph's distances. Served by the helper bundle (helperThread.ts) and,
// where that bundle is missing, by the snapshot worker's own script.
import type { MessagePort } from 'node:worker_threads';
import { runDistanceHelper, type DistanceRequest, type DistanceStrings } from './distanceHelper';
import { runDominatorsAhead, type DominatorsAheadRequest } from './dominatorsAhead';
import { runEdgeScan, type EdgeScanRequest } from './edgeHelper';

/** Starts the job `workerData` names on this thread; false when it names none. */
export function serveHelperRole(port: MessagePort, workerData: unknown): boolean {
  const role = workerData as { edgeScan?: EdgeScanRequest; distances?: DistanceRequest } | null;
  if (role?.edgeScan) {
    // Done with "edges", the thread may be kept for one more job: a graph's dominators (see startDominatorsAhead).
    void runEdgeScan(role.edgeScan, (m) => port.postMessage(m)).then(() =>
      port.once('message', (m: { dominatorsAhead?: DominatorsAheadRequest }) => {
        if (m.dominatorsAhead) runDominatorsAhead(m.dominatorsAhead);
        port.close();
      }),
    );
    return true;
  }
  if (role?.distances) {
    const request = role.distances;
    port.once('message', (strings: DistanceStrings) => {
      runDistanceHelper(request, strings);
      port.close();
    });
    return true;
  }
  return false;
}
