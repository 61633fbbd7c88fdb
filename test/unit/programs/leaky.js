// A program that leaks: a module-level array that only grows.
class LeakyRecord {
  constructor(n) {
    this.n = n;
    this.payload = 'x'.repeat(32) + n;
  }
}
const kept = [];
let n = 0;
setInterval(() => {
  for (let i = 0; i < 200; i++) kept.push(new LeakyRecord(n++));
}, 20);
