// A program whose heap is one big array of doubles (about 32 MB): the program-memory guard's
// first-snapshot factor (for heaps of many small objects) overestimates its snapshot many times over,
// so under a tight `ulimit -d` a snapshot is asked about (or refused) that would in fact fit.
const held = new Array(4_000_000);
for (let i = 0; i < held.length; i++) held[i] = i + 0.5;
globalThis.held = held;
setInterval(() => {}, 1000);
