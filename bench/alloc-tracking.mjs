// The cost of V8's heap object tracking on an allocation-heavy loop, in one process per mode:
//   node bench/alloc-tracking.mjs off|ids|allocations [seconds]
// off = no tracking; ids = HeapProfiler.startTrackingHeapObjects({trackAllocations: false});
// allocations = startTrackingHeapObjects({trackAllocations: true}) (records an allocation stack per
// object, what Leak Watch's allocation sites need). Prints `BENCH_RESULT {mode, opsPerSecond}`.
import { Session } from 'node:inspector';

const mode = process.argv[2] ?? 'off';
const seconds = Number(process.argv[3] ?? 2);

class Item {
  constructor(id, tag, parent) {
    this.id = id;
    this.tag = tag;
    this.parent = parent;
    this.values = [id, id + 1];
  }
}

/** One op: a few small allocations, kept in a ring of 20 000 so some survive to old space. */
const ring = new Array(20000).fill(null);
let next = 0;
function op(i) {
  const parent = ring[(i * 7) % ring.length];
  const item = new Item(i, `t${i & 1023}`, parent);
  const wrapper = { item, at: i, fn: () => item.id };
  ring[next] = wrapper;
  next = next === ring.length - 1 ? 0 : next + 1;
}

function measure(ms) {
  let ops = 0;
  const t0 = performance.now();
  let t = t0;
  while (t - t0 < ms) {
    for (let k = 0; k < 1000; k++) op(ops + k);
    ops += 1000;
    t = performance.now();
  }
  return (ops / (t - t0)) * 1000;
}

const session = new Session();
session.connect();
const post = (method, params = {}) =>
  new Promise((resolve, reject) => session.post(method, params, (err, res) => (err ? reject(err) : resolve(res))));
await post('HeapProfiler.enable');
if (mode === 'ids') await post('HeapProfiler.startTrackingHeapObjects', { trackAllocations: false });
if (mode === 'allocations') await post('HeapProfiler.startTrackingHeapObjects', { trackAllocations: true });
measure(300); // warm-up: JIT and heap growth
const opsPerSecond = measure(seconds * 1000);
console.log(`BENCH_RESULT ${JSON.stringify({ mode, opsPerSecond: Math.round(opsPerSecond) })}`);
// Not stopping the tracking on purpose: stopTrackingHeapObjects takes a heap snapshot.
process.exit(0);
