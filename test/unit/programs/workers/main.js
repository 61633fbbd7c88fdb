// A program of several worker_threads: its main thread keeps nothing; the worker "jobs" leaks Job
// objects. With BRIEF_MS a worker "brief" grows a little and exits after that long; with LATE_MS a
// worker "late" that leaks LateItem objects starts after that long. A worker that ends at once comes
// first, so that the inspector's numbers for the others (workerId) differ from their threadIds.
// Prints `worker <name> <threadId>` for each worker and `started` once they run. With RECORD_TO,
// appends `<pid> <inspector URL>` to that file (as recorded.js does).
const fs = require('node:fs');
const inspector = require('node:inspector');
const path = require('node:path');
const { Worker } = require('node:worker_threads');

const grows = path.join(__dirname, 'grows.js');
const start = (name, className, exitAfterMs) => {
  const worker = new Worker(grows, { name, workerData: { className, exitAfterMs } });
  console.log(`worker ${name} ${worker.threadId}`);
};
new Worker('', { eval: true }).on('exit', () => {
  start('jobs', 'Job');
  if (process.env.BRIEF_MS) start('brief', 'BriefItem', Number(process.env.BRIEF_MS));
  if (process.env.LATE_MS) setTimeout(() => start('late', 'LateItem'), Number(process.env.LATE_MS));
  console.log('started');
});
if (process.env.RECORD_TO) fs.appendFileSync(process.env.RECORD_TO, `${process.pid} ${inspector.url() ?? '-'}\n`);
setInterval(() => {}, 1000);
