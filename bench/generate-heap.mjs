// A deterministic synthetic heap, snapshotted through an in-process `node:inspector` session.
//   node --max-old-space-size=8192 bench/generate-heap.mjs <units> <out.heapsnapshot>
//   node --inspect=… bench/generate-heap.mjs <units> --serve   (the debuggee of bench/stream-sample.ts:
//   builds the heap, prints BENCH_READY and waits to be snapshotted over the remote inspector)
// Builds <units> "customers" (see buildHeap), takes one heap snapshot with
// HeapProfiler.takeHeapSnapshot, writes its chunks to <out>, and prints one line
// `BENCH_RESULT {json}`: the debuggee's pause (wall and CPU time of takeHeapSnapshot, chunk
// writing included), its heap and peak RSS. Only the part between HEAP BEGIN and HEAP END decides
// the heap (bench/run.mjs names the cached files by its hash).
import { Session } from 'node:inspector';
import { closeSync, openSync, readFileSync, renameSync, statSync, writeSync } from 'node:fs';
import { prng } from './prng.mjs';

const units = Number(process.argv[2]);
const out = process.argv[3];
if (!(units > 0) || !out) {
  console.error('usage: node bench/generate-heap.mjs <units> <out.heapsnapshot>');
  process.exit(2);
}

// HEAP BEGIN
class Customer {
  constructor(id, name, region) {
    this.id = id;
    this.name = name;
    this.region = region;
    this.orders = [];
    this.onChange = null;
  }
}
class Order {
  constructor(customer, seq) {
    this.customer = customer; // back-reference to the parent
    this.seq = seq;
    this.lines = [];
    this.total = 0;
  }
}
class OrderLine {
  constructor(order, sku, qty, price) {
    this.order = order; // back-reference to the parent
    this.sku = sku;
    this.qty = qty;
    this.price = price;
  }
}
class Region {
  constructor(name) {
    this.name = name;
    this.customers = new Set();
  }
}

/** The retained structure: regions → customers → orders → lines, plus caches, closures and Buffers. */
function buildHeap(count) {
  const rand = prng(0x1ea4);
  const regions = Array.from({ length: 64 }, (_, k) => new Region(`region-${k}`));
  const byId = new Map(); // a Map cache keyed by string
  const bySku = new Map(); // a Map cache keyed by number
  const listeners = [];
  const blobs = [];
  const history = [];
  for (let i = 0; i < count; i++) {
    const region = regions[(rand() * regions.length) | 0];
    const customer = new Customer(i, `customer ${i} ${(rand() * 1e9) | 0}`, region);
    region.customers.add(customer);
    byId.set(`c:${i}`, customer);
    const orderCount = 1 + ((rand() * 3) | 0);
    for (let o = 0; o < orderCount; o++) {
      const order = new Order(customer, o);
      const lineCount = 1 + ((rand() * 3) | 0);
      for (let l = 0; l < lineCount; l++) {
        const skuNumber = (rand() * 50000) | 0;
        let sku = bySku.get(skuNumber);
        if (!sku) {
          sku = { code: `SKU-${skuNumber}`, label: `item ${skuNumber} ${'x'.repeat(skuNumber % 24)}` };
          bySku.set(skuNumber, sku);
        }
        const line = new OrderLine(order, sku, 1 + ((rand() * 9) | 0), Math.round(rand() * 10000) / 100);
        order.lines.push(line);
        order.total += line.qty * line.price;
      }
      customer.orders.push(order);
    }
    // A closure per customer, capturing it (a context), kept in a listener array.
    customer.onChange = () => customer.orders.length;
    listeners.push(customer.onChange);
    // Numbers in an array, and a small Buffer every 8th customer.
    history.push([i, orderCount, rand()]);
    if (i % 8 === 0) blobs.push(Buffer.alloc(64 + (i % 128), i & 0xff));
  }
  return { regions, byId, bySku, listeners, blobs, history };
}

// HEAP END

function vmHwmBytes() {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

const built0 = performance.now();
globalThis.benchHeap = buildHeap(units);
const buildMs = performance.now() - built0;
if (out === '--serve') {
  console.log(`BENCH_READY ${JSON.stringify({ units, buildMs: Math.round(buildMs) })}`);
  setInterval(() => {}, 60_000); // alive until the bench kills it
  await new Promise(() => {});
}

const session = new Session();
session.connect();
const post = (method, params = {}) =>
  new Promise((resolve, reject) => session.post(method, params, (err, res) => (err ? reject(err) : resolve(res))));

await post('HeapProfiler.enable');
await post('HeapProfiler.collectGarbage');
const heap = process.memoryUsage();
const tmp = `${out}.partial`;
const fd = openSync(tmp, 'w');
let t0 = 0;
let chunks = 0;
let firstChunkMs = 0; // V8 builds the whole snapshot before the first chunk, then serializes it
session.on('HeapProfiler.addHeapSnapshotChunk', (m) => {
  if (chunks === 0) firstChunkMs = performance.now() - t0;
  writeSync(fd, m.params.chunk);
  chunks++;
});
t0 = performance.now();
const cpu0 = process.cpuUsage();
await post('HeapProfiler.takeHeapSnapshot', { reportProgress: false });
const pauseMs = performance.now() - t0;
const cpu1 = process.cpuUsage(cpu0); // all threads: V8's snapshot work is on this one
closeSync(fd);
renameSync(tmp, out);
session.disconnect();

console.log(
  'BENCH_RESULT ' +
  JSON.stringify({
    units,
    buildMs: Math.round(buildMs),
    pauseMs: Math.round(pauseMs),
    pauseCpuMs: Math.round((cpu1.user + cpu1.system) / 1000),
    firstChunkMs: Math.round(firstChunkMs),
    chunks,
    bytes: statSync(out).size,
    heapUsed: heap.heapUsed,
    rssBefore: heap.rss,
    peakRss: vmHwmBytes(),
  }),
);
