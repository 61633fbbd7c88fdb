// A program that stays alive until told to hang: `globalThis.hang()` (sent over the inspector) starts a
// busy loop that never yields to the event loop.
globalThis.records = Array.from({ length: 2000 }, (_, i) => ({ i }));
globalThis.hang = () => {
  setTimeout(() => {
    for (;;) {
      // busy: no timers, no I/O
    }
  }, 0);
  return 'hanging';
};
setInterval(() => {}, 1000);
