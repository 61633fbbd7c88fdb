// A program that stays alive and grows a little, and records itself: one line `<pid> <inspector URL>`
// appended to the file RECORD_TO, so a test can check afterwards that both are gone. With
// PRINT_TO_STDERR it also writes that text on stderr; with THROW_AFTER_MS it throws then (after a
// busy loop of BUSY_MS).
const fs = require('node:fs');
const inspector = require('node:inspector');
class RecordedItem {
  constructor(i) {
    this.i = i;
  }
}
const kept = [];
setInterval(() => {
  for (let i = 0; i < 100; i++) kept.push(new RecordedItem(i));
}, 50);
if (process.env.RECORD_TO) fs.appendFileSync(process.env.RECORD_TO, `${process.pid} ${inspector.url() ?? '-'}\n`);
if (process.env.PRINT_TO_STDERR) process.stderr.write(`${process.env.PRINT_TO_STDERR}\n`);
const throwAfter = Number(process.env.THROW_AFTER_MS);
if (throwAfter > 0) {
  setTimeout(() => {
    // BUSY_MS: a busy loop first, the event loop blocked (requests that wait for a task stay queued).
    const busyUntil = Date.now() + (Number(process.env.BUSY_MS) || 0);
    while (Date.now() < busyUntil);
    throw new Error(`recorded.js gave up after ${throwAfter} ms`);
  }, throwAfter);
}
