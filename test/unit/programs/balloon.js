// A heap that runs away in a few big arrays (4 MB each, ~16 MB a second): no type grows by enough
// objects for a verdict, so only the heap's growth can end the watch.
const held = [new Array(2_500_000).fill(0.5)];
setInterval(() => held.push(new Array(500_000).fill(Math.random())), 250);
globalThis.held = held;
