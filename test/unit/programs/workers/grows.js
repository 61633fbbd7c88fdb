// A worker that keeps every item it makes (of the class workerData.className names) in a module-level
// array, and exits after workerData.exitAfterMs when given. Each class is declared under its own name:
// V8's snapshot names an object by its class's declared name, not a name given at run time.
const { workerData } = require('node:worker_threads');

const classes = {
  Job: class Job {},
  BriefItem: class BriefItem {},
  LateItem: class LateItem {},
};
const Item = classes[workerData.className];

const kept = [];
setInterval(() => {
  for (let i = 0; i < 50; i++) {
    const item = new Item();
    item.i = i;
    item.tags = [i, i + 1];
    kept.push(item);
  }
}, 50);
if (workerData.exitAfterMs) setTimeout(() => process.exit(0), workerData.exitAfterMs);
