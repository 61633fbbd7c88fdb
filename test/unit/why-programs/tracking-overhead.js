// Measures what V8's allocation tracking costs a busy allocating program:
//   node test/unit/why-programs/tracking-overhead.js         → runs both modes 3× each, prints the ratio
//   node tracking-overhead.js work [track]                    → one timed run (child mode)
'use strict';
const { execFileSync } = require('node:child_process');

if (process.argv[2] === 'work') {
  const inspector = require('node:inspector');
  const session = new inspector.Session();
  session.connect();
  const post = (m, p) => new Promise((res, rej) => session.post(m, p || {}, (e, r) => (e ? rej(e) : res(r))));
  (async () => {
    await post('HeapProfiler.enable');
    if (process.argv[3] === 'track') await post('HeapProfiler.startTrackingHeapObjects', { trackAllocations: true });
    class Item { constructor(i) { this.i = i; this.name = 'n' + (i % 997); this.tags = [i, i + 1]; } }
    const keep = [];
    const started = process.hrtime.bigint();
    let checksum = 0;
    for (let round = 0; round < 40; round++) {
      for (let i = 0; i < 50_000; i++) {
        const item = new Item(i);
        const wrap = { item, at: i, f: () => item.i };
        checksum += wrap.f();
        if (i % 50 === 0) keep.push(item);
      }
      if (keep.length > 20_000) keep.splice(0, 10_000);
    }
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    if (process.argv[3] === 'track') await post('HeapProfiler.stopTrackingHeapObjects', { reportProgress: false });
    process.stdout.write(JSON.stringify({ ms, checksum }));
    session.disconnect();
  })();
} else {
  const run = (mode) => JSON.parse(execFileSync(process.execPath, [__filename, 'work', mode], { encoding: 'utf8' })).ms;
  const median = (xs) => xs.sort((a, b) => a - b)[xs.length >> 1];
  const plain = [];
  const tracked = [];
  for (let i = 0; i < 3; i++) {
    plain.push(run('plain'));
    tracked.push(run('track'));
  }
  const p = median(plain);
  const t = median(tracked);
  console.log(JSON.stringify({ plainMs: Math.round(p), trackedMs: Math.round(t), slowdown: +(t / p).toFixed(2), plain, tracked }));
}
