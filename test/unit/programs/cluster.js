// A cluster: the primary forks one worker process and keeps nothing; the worker leaks Session objects
// in a module-level Map. Each process records itself as recorded.js does (`<pid> <inspector URL>`
// appended to RECORD_TO) so a test can check afterwards that both are gone.
const cluster = require('node:cluster');
const fs = require('node:fs');
const inspector = require('node:inspector');

if (process.env.RECORD_TO) fs.appendFileSync(process.env.RECORD_TO, `${process.pid} ${inspector.url() ?? '-'}\n`);

class Session {
  constructor(id) {
    this.id = id;
    this.opened = Date.now();
  }
}
const sessions = new Map();
let next = 0;

if (cluster.isPrimary) {
  cluster.fork();
  setInterval(() => {}, 1000);
} else {
  setInterval(() => {
    for (let i = 0; i < 50; i++) sessions.set(next, new Session(next++));
  }, 50);
}
