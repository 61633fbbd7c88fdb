// What a first touch of fresh memory costs on this machine, in ms per MB: a child allocates 256 MB
// and writes one byte per 4 kB page. On a machine whose memory has been used since it booted this is
// the kernel zeroing pages (~0.4 ms/MB on the VMs measured); on a freshly booted VM whose host backs
// guest memory only when first touched it was ~2.8 ms/MB, and every tool's times rise with the
// memory it touches. The bench reports it so that tables from different machines can be read.
// bench/run.mjs --warm-memory runs it with a large MB: once a VM's pages have been touched and freed,
// the next process gets them at the kernel's cost.
//   node bench/fresh-pages.mjs [MB]
const MB = Number(process.argv[2] ?? 256);
const t = performance.now();
const a = new Uint8Array(MB * 2 ** 20);
for (let i = 0; i < a.length; i += 4096) a[i] = 1;
const ms = performance.now() - t;
console.log(`BENCH_RESULT ${JSON.stringify({ mb: MB, ms: Math.round(ms), msPerMb: Math.round((ms / MB) * 100) / 100 })}`);
