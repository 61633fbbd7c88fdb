// A program that keeps ~10 MB and churns garbage fast: its used heap (garbage included) swings far
// above what it keeps, without growing.
const kept = Array.from({ length: 100000 }, (_, i) => ({ i, s: `kept ${i}` }));
let churn = [];
setInterval(() => {
  churn = Array.from({ length: 60000 }, (_, i) => ({ i, s: `garbage ${i}` }));
}, 50);
globalThis.kept = kept;
