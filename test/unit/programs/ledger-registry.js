// A program with many long-lived objects of the class that leaks: 20,000 LedgerEntry objects made at
// start and kept for ever in `registry` (not a leak), and 100 more every 50 ms pushed onto `ledger`,
// which only grows (the leak). Only objects born since the watch began may name the cause.
class LedgerEntry {
  constructor(n) {
    this.n = n;
    this.note = `entry ${n}`;
  }
}
const registry = [];
for (let n = 0; n < 20000; n++) registry.push(new LedgerEntry(-n));
globalThis.registry = registry;
const ledger = [];
let n = 0;
setInterval(() => {
  for (let i = 0; i < 100; i++) ledger.push(new LedgerEntry(n++));
}, 50);
globalThis.ready = true;
