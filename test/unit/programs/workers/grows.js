// A worker that keeps every item it makes (a class named by workerData.className) in a module-level
// array, and exits after workerData.exitAfterMs when given.
const { workerData } = require('node:worker_threads');

const Item = { [workerData.className]: class {
  constructor(i) {
    this.i = i;
    this.tags = [i, i + 1];
  }
} }[workerData.className];

const kept = [];
setInterval(() => {
  for (let i = 0; i < 50; i++) kept.push(new Item(i));
}, 50);
if (workerData.exitAfterMs) setTimeout(() => process.exit(0), workerData.exitAfterMs);
