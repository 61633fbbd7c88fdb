// The snapshot worker (worker_threads): chunks in, Samples and explanations out. The graph stays here.
import { parentPort } from 'node:worker_threads';
import type { FromWorker, ToWorker } from './rpc';
import { SnapshotSession } from './session';

const port = parentPort;
if (!port) throw new Error('snapshotWorker must run as a worker thread');

const session = new SnapshotSession();
/** The first error met while streaming the current snapshot; reported by its finish. */
let streamError: Error | null = null;

const reply = (m: FromWorker) => port.postMessage(m);
const fail = (id: number, e: unknown) => reply({ id, err: (e as Error)?.message ?? String(e), errName: (e as Error)?.name });

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
      try {
        return reply({ id: m.id, ok: session.finish(m.info) });
      } catch (e) {
        return fail(m.id, e);
      }
    case 'analyzeFile':
      try {
        return reply({ id: m.id, ok: await session.analyzeFile(m.path, m.info) });
      } catch (e) {
        return fail(m.id, e);
      }
    case 'retained':
      try {
        return reply({ id: m.id, ok: session.retainedSizes(m.types) });
      } catch (e) {
        return fail(m.id, e);
      }
    case 'explain':
      try {
        return reply({ id: m.id, ok: await session.explain(m.request) });
      } catch (e) {
        return fail(m.id, e);
      }
  }
});
