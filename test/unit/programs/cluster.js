// A cluster: the primary forks one worker process and keeps nothing; the worker leaks Session objects
// (sessions.js). Each process records itself as recorded.js does (`<pid> <inspector URL>` appended to
// RECORD_TO) so a test can check afterwards that both are gone.
const cluster = require('node:cluster');
const fs = require('node:fs');
const inspector = require('node:inspector');

if (process.env.RECORD_TO) fs.appendFileSync(process.env.RECORD_TO, `${process.pid} ${inspector.url() ?? '-'}\n`);

if (cluster.isPrimary) {
  cluster.fork();
  setInterval(() => {}, 1000);
} else {
  require('./sessions.js');
}
