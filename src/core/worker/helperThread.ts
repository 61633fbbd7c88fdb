// The analysis' helper thread (worker_threads), see helperRoles.ts. A bundle of its own, a seventh
// of the snapshot worker's: a helper boots while the parse it helps is under way, and every
// millisecond of its boot is one it does not parse.
import { parentPort, workerData } from 'node:worker_threads';
import { serveHelperRole } from './helperRoles';

if (!parentPort) throw new Error('the snapshot helper must run as a worker thread');
if (!serveHelperRole(parentPort, workerData)) throw new Error('the snapshot helper was started without a job');
