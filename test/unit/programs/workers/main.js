// A program of several worker_threads: its main thread keeps nothing; the worker "jobs" leaks Job
// objects. With BRIEF_MS a worker "brief" grows a little and exits after that long; with LATE_MS a
// worker "late" that leaks LateItem objects starts after that long. With RECORD_TO, appends
// `<pid> <inspector URL>` to that file (as recorded.js does).
const fs = require('node:fs');
const inspector = require('node:inspector');
const path = require('node:path');
const { Worker } = require('node:worker_threads');

const grows = path.join(__dirname, 'grows.js');
new Worker(grows, { name: 'jobs', workerData: { className: 'Job' } });
if (process.env.BRIEF_MS) new Worker(grows, { name: 'brief', workerData: { className: 'BriefItem', exitAfterMs: Number(process.env.BRIEF_MS) } });
if (process.env.LATE_MS) setTimeout(() => new Worker(grows, { name: 'late', workerData: { className: 'LateItem' } }), Number(process.env.LATE_MS));
if (process.env.RECORD_TO) fs.appendFileSync(process.env.RECORD_TO, `${process.pid} ${inspector.url() ?? '-'}\n`);
setInterval(() => {}, 1000);
