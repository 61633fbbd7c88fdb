// A program with a big live heap (BIG_HEAP_MB, default 80: accounts that live for ever) and a slow
// leak: 100 LedgerEntry objects every 50 ms pushed onto a module-level array that only grows.
class Account {
  constructor(id) {
    this.id = id;
    this.name = `account-${id}`;
    this.tags = [`region-${id % 7}`, `tier-${id % 13}`];
  }
}
const accounts = (globalThis.accounts = []);
const target = Number(process.env.BIG_HEAP_MB || 80) * 2 ** 20;
while (process.memoryUsage().heapUsed < target) for (let k = 0; k < 10000; k++) accounts.push(new Account(accounts.length));

class LedgerEntry {
  constructor(n) {
    this.n = n;
    this.note = `entry ${n}`;
  }
}
const ledger = [];
let n = 0;
setInterval(() => {
  for (let i = 0; i < 100; i++) ledger.push(new LedgerEntry(n++));
  // Churn that dies: requests whose objects the next GC takes.
  const requests = [];
  for (let i = 0; i < 200; i++) requests.push({ path: `/r/${i}`, body: 'x'.repeat(64) });
}, 50);
globalThis.ready = true;
