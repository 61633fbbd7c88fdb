// A program with a big heap, so that a snapshot takes long enough to interrupt.
const count = Number(process.env.BIGHEAP_OBJECTS || 1500000);
const held = [];
for (let i = 0; i < count; i++) held.push({ i, s: 'v' + i });
globalThis.held = held;
setInterval(() => {}, 1000);
