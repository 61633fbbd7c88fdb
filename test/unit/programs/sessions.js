// Keeps every session it opens in a module-level Map (50 every 100 ms): the leak of
// cluster.js's worker and of the forked child in the E2E test.
class Session {
  constructor(id) {
    this.id = id;
    this.opened = Date.now();
  }
}
const sessions = new Map();
let next = 0;
setInterval(() => {
  for (let i = 0; i < 50; i++) sessions.set(next, new Session(next++));
}, 100);
