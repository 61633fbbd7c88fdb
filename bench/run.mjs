// `npm run bench`: Leak Watch's snapshot analysis against MemLab and @vscode/v8-heap-parser, side by
// side in one run, each tool as a whole child process; plus the debuggee's pause per snapshot and
// the cost of allocation tracking. A benchmark, not a test: it prints a markdown table and writes
// bench/results/<timestamp>.json. Options:
//   --quick            the 30 MB heap only, one run (for CI)
//   --sizes 30,150,600 snapshot sizes in MB (default all three)
//   --runs N           runs per tool and size; the median is reported (default 3)
//   --tools a,b        only these tools (leakwatch-cli, leakwatch-full, leakwatch-parse, memlab, v8-heap-parser)
//   --regenerate       rebuild the cached heaps under bench/cache/ (and re-measure their pause)
//   --no-alloc         skip the allocation-tracking measurement
//   --timeout S        per child process (default 900)
//   --stream-sizes L   sizes (MB) whose snapshot is also streamed over the remote inspector into the
//                      worker, three samples each (default: those of --sizes up to 150 MB; "none" skips it)
//   --warm-memory GB   before each size, a child touches GB of fresh memory and exits, so that the
//                      tools meet pages the VM's host already backs (see fresh-pages.mjs; default 0)
//   --watch            instead: the whole watch of a server-like program, this design against the
//                      previous one (watch-bench.mjs: --watch-heap-mb, --watch-runs, --previous, --designs, --watch-seconds)
import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { buildCli, buildLeakWatchBundle, buildStreamSample } from './leakwatch-bundle.mjs';
import { checkGnuTime, measureNode } from './measure.mjs';
import { formatReport, median } from './report.mjs';

const root = new URL('..', import.meta.url).pathname;
const bench = join(root, 'bench');
const cache = join(bench, 'cache');
const resultsDir = join(bench, 'results');

const { values: opt } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    sizes: { type: 'string' },
    runs: { type: 'string' },
    tools: { type: 'string' },
    regenerate: { type: 'boolean', default: false },
    'no-alloc': { type: 'boolean', default: false },
    timeout: { type: 'string', default: '900' },
    'stream-sizes': { type: 'string' },
    'warm-memory': { type: 'string', default: '0' },
    watch: { type: 'boolean', default: false },
    'watch-heap-mb': { type: 'string', default: '150' },
    'watch-runs': { type: 'string', default: '1' },
    'watch-seconds': { type: 'string', default: '900' },
    previous: { type: 'string', default: 'f64b2b4' },
    designs: { type: 'string', default: 'previous,current' },
  },
});
if (opt.watch) {
  const { watchBench } = await import('./watch-bench.mjs');
  await watchBench({
    heapMb: Number(opt['watch-heap-mb']),
    runs: Number(opt['watch-runs']),
    previous: opt.previous,
    designs: opt.designs.split(','),
    seconds: Number(opt['watch-seconds']),
    resultsDir: join(new URL('..', import.meta.url).pathname, 'bench/results'),
  });
  process.exit(0);
}
const sizes = (opt.sizes ?? (opt.quick ? '30' : '30,150,600')).split(',').map(Number);
const runs = Number(opt.runs ?? (opt.quick ? 1 : 3));
const timeoutMs = Number(opt.timeout) * 1000;
if (sizes.some((s) => !(s > 0)) || !(runs >= 1)) {
  console.error('usage: node bench/run.mjs [--quick] [--sizes 30,150,600] [--runs N] [--tools a,b] [--regenerate] [--no-alloc] [--timeout S]');
  process.exit(2);
}
/** Every child gets a large old space, so no tool fails on V8's default heap limit (the machine decides). */
const NODE_FLAGS = ['--max-old-space-size=16384'];
const load = () => loadavg().map((l) => Math.round(l * 100) / 100);

mkdirSync(cache, { recursive: true });
mkdirSync(resultsDir, { recursive: true });
const useTime = checkGnuTime();
const startedAt = new Date();
const loadStart = load();
console.log(`bench: sizes ${sizes.join(', ')} MB, ${runs} run(s) each; ${cpus().length} cores, load ${loadStart.join(' ')}`);

/** ms per MB of a first touch of fresh memory, in a child (see fresh-pages.mjs); null if it fails. */
async function freshPageCost() {
  const m = await measureNode([join(bench, 'fresh-pages.mjs')], { useTime: false, timeoutMs: 60_000 });
  return m.ok ? m.result.msPerMb : null;
}
const freshPagesStart = await freshPageCost();
console.log(`bench: a first touch of fresh memory costs ${freshPagesStart} ms/MB here`);

// 1. The heaps: deterministic, cached, regenerated only when missing (or the generator changed).
/** Generator units ("customers") per MB size, calibrated on Node 20 (≈ 2.4–2.9 KB of snapshot each). */
const UNITS = { 30: 7700, 150: 54220, 600: 240000 };
const unitsFor = (mb) => UNITS[mb] ?? Math.max(100, Math.round((mb - 7) / 0.00245));
const generator = join(bench, 'generate-heap.mjs');
/** Hash of the part of the generator that decides the heap (its reporting may change freely). */
const generatorSource = readFileSync(generator, 'utf8');
const generatorHash = createHash('sha1')
  .update(generatorSource.slice(generatorSource.indexOf('// HEAP BEGIN'), generatorSource.indexOf('// HEAP END')))
  .digest('hex')
  .slice(0, 8);

async function ensureHeap(mb) {
  const units = unitsFor(mb);
  const base = `synthetic-${mb}mb-${units}u-${generatorHash}`;
  const file = join(cache, `${base}.heapsnapshot`);
  const metaFile = join(cache, `${base}.json`);
  if (!opt.regenerate && existsSync(file) && existsSync(metaFile)) return { ...JSON.parse(readFileSync(metaFile, 'utf8')), file, cached: true };
  // Old versions of this size (another generator) only take disk space.
  for (const f of readdirSync(cache)) if (f.startsWith(`synthetic-${mb}mb-`) && !f.startsWith(base)) rmSync(join(cache, f), { force: true });
  console.log(`bench: generating the ${mb} MB heap (${units} units) …`);
  const m = await measureNode([...NODE_FLAGS, generator, String(units), file], { useTime, timeoutMs });
  if (!m.ok) throw new Error(`generating the ${mb} MB heap failed: ${m.error}`);
  const meta = {
    mb,
    units,
    bytes: m.result.bytes,
    pauseMs: m.result.pauseMs,
    pauseCpuMs: m.result.pauseCpuMs,
    firstChunkMs: m.result.firstChunkMs,
    buildMs: m.result.buildMs,
    chunks: m.result.chunks,
    debuggeeHeapUsed: m.result.heapUsed,
    debuggeeRssBefore: m.result.rssBefore,
    debuggeePeakRss: m.peakRss || m.result.peakRss,
    load: m.load,
    generatedAt: new Date().toISOString(),
  };
  writeFileSync(metaFile, JSON.stringify(meta, null, 2));
  console.log(`bench: ${mb} MB heap: ${(meta.bytes / 1e6).toFixed(1)} MB snapshot, pause ${(meta.pauseMs / 1000).toFixed(2)} s`);
  return { ...meta, file, cached: false };
}

const heaps = [];
for (const mb of sizes) heaps.push(await ensureHeap(mb));

// 2. Allocation tracking: ops/s of an allocation-heavy loop, one process per mode, modes interleaved.
let allocTracking = null;
if (!opt['no-alloc']) {
  const seconds = opt.quick ? 1 : 2;
  const samples = { off: [], ids: [], allocations: [] };
  for (let r = 0; r < runs; r++) {
    for (const mode of Object.keys(samples)) {
      const m = await measureNode([join(bench, 'alloc-tracking.mjs'), mode, String(seconds)], { useTime: false, timeoutMs: 120_000 });
      if (!m.ok) throw new Error(`allocation tracking (${mode}) failed: ${m.error}`);
      samples[mode].push(m.result.opsPerSecond);
    }
  }
  const med = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, median(v)]));
  allocTracking = { seconds, samples, median: med, load: load() };
  console.log(`bench: allocation tracking: off ${med.off} ops/s, ids ${med.ids}, allocations ${med.allocations}`);
}

// 3. The tools.
const modules = await buildLeakWatchBundle();
console.log(`bench: Leak Watch bundle: ${modules.join(', ')}`);
const cli = await buildCli();
let cliStatus = 'does not build';
/** Whether `analyze` computes retained sizes (then it is the full analysis and the headline row). */
let cliFull = false;
if (cli) {
  const probe = await measureNode([...NODE_FLAGS, cli, 'analyze', heaps[0].file, '--json', '-'], { useTime: false, timeoutMs: 300_000, expectResult: false });
  const json = probe.ok ? parseJson(probe.stdout) : null;
  cliFull = !!json?.types?.some((t) => typeof t.retainedBytes === 'number');
  cliStatus = !probe.ok
    ? `not usable yet (${probe.error})`
    : !json
      ? `not usable yet (prints no JSON report: ${JSON.stringify(probe.stdout.slice(0, 60))})`
      : cliFull
        ? 'ok, with retained sizes (the headline row)'
        : 'ok, but no retained sizes in its report yet (parse + per-type summary), so not the headline row';
}
console.log(`bench: CLI analyze: ${cliStatus}`);

/**
 * Reads a snapshot file through once, so that every tool reads it from the page cache: the machine
 * may have dropped some of a big file's pages since the run before (this VM's kernel pages out cold
 * pages), and a tool that met them on disk would be timed for the disk.
 */
function warmPageCache(file) {
  const fd = openSync(file, 'r');
  const buf = Buffer.allocUnsafe(8 << 20);
  try {
    while (readSync(fd, buf, 0, buf.length, null) > 0);
  } finally {
    closeSync(fd);
  }
}

function parseJson(text) {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

const drivers = join(bench, 'drivers');
const TOOLS = [
  {
    id: 'leakwatch-cli',
    label: cliFull ? 'Leak Watch (CLI analyze)' : 'Leak Watch CLI analyze (no retained sizes yet)',
    args: (f) => [cli, 'analyze', f, '--json', '-'],
    expectResult: false,
    enabled: !!cli && cliStatus.startsWith('ok'),
  },
  { id: 'leakwatch-full', label: 'Leak Watch full', args: (f) => [join(drivers, 'leakwatch.mjs'), f, 'full'] },
  { id: 'leakwatch-parse', label: 'Leak Watch parse only', args: (f) => [join(drivers, 'leakwatch.mjs'), f, 'parse'] },
  { id: 'memlab', label: 'MemLab 2.0.5 full', args: (f) => [join(drivers, 'memlab.mjs'), f] },
  { id: 'v8-heap-parser', label: '@vscode/v8-heap-parser 0.1.0', args: (f) => [join(drivers, 'v8-heap-parser.mjs'), f] },
];
const wanted = opt.tools ? new Set(opt.tools.split(',')) : null;
const tools = TOOLS.filter((t) => t.enabled !== false && (!wanted || wanted.has(t.id)));
const headline = (cliFull && tools.find((t) => t.id === 'leakwatch-cli')) || tools.find((t) => t.id === 'leakwatch-full') || tools[0];

const results = [];
const warmGb = Number(opt['warm-memory']);
const warmed = [];
for (const heap of heaps) {
  if (warmGb > 0) {
    const w = await measureNode([join(bench, 'fresh-pages.mjs'), String(Math.round(warmGb * 1024))], { useTime: false, timeoutMs: 300_000 });
    warmed.push({ mb: heap.mb, gb: warmGb, msPerMb: w.ok ? w.result.msPerMb : null });
    console.log(`bench: touched ${warmGb} GB of fresh memory before the ${heap.mb} MB runs (${w.ok ? `${w.result.msPerMb} ms/MB` : w.error})`);
  }
  const perTool = new Map(tools.map((t) => [t.id, []]));
  const failed = new Map();
  for (let r = 0; r < runs; r++) {
    // Interleaved, so a change in the machine's load touches every tool alike.
    for (const t of tools) {
      if (failed.has(t.id)) continue;
      warmPageCache(heap.file);
      const m = await measureNode([...NODE_FLAGS, ...t.args(heap.file)], { useTime, timeoutMs, expectResult: t.expectResult !== false });
      if (m.stdout !== undefined) {
        // The CLI's JSON report: nodes and edges of its (only) sample.
        const sample = parseJson(m.stdout)?.samples?.[0];
        if (sample) m.result = { nodes: sample.nodes, edges: sample.edges, analysisMs: sample.analysisMs };
        delete m.stdout;
      }
      perTool.get(t.id).push(m);
      const cpu = m.cpuMs != null ? `, CPU ${(m.cpuMs / 1000).toFixed(2)} s` : '';
      const what = m.ok ? `${(m.wallMs / 1000).toFixed(2)} s${cpu}, ${(m.peakRss / 2 ** 20).toFixed(0)} MB peak` : `FAILED: ${m.error}`;
      console.log(`bench: ${heap.mb} MB  ${t.id.padEnd(16)} run ${r + 1}/${runs}: ${what} (load ${m.load.toFixed(2)})`);
      if (!m.ok) failed.set(t.id, m.error); // failures repeat; do not pay for them again
    }
  }
  for (const t of tools) {
    const all = perTool.get(t.id);
    const good = all.filter((m) => m.ok);
    const wallMs = good.length ? median(good.map((m) => m.wallMs)) : null;
    results.push({
      mb: heap.mb,
      bytes: heap.bytes,
      tool: t.id,
      label: t.label,
      ok: good.length > 0,
      error: failed.get(t.id),
      medianWallMs: wallMs,
      mbPerSecond: wallMs ? heap.bytes / 1e6 / (wallMs / 1000) : null,
      medianPeakRss: good.length ? median(good.map((m) => m.peakRss)) : null,
      medianCpuMs: good.length && good.every((m) => m.cpuMs != null) ? median(good.map((m) => m.cpuMs)) : null,
      stages: good.length && good[0].result?.stages ? medianStages(good.map((m) => m.result.stages)) : null,
      stagesCpu: good.length && good[0].result?.stagesCpu ? medianStages(good.map((m) => m.result.stagesCpu)) : null,
      nodes: good.find((m) => m.result?.nodes)?.result.nodes,
      edges: good.find((m) => m.result?.edges)?.result.edges,
      runs: all,
    });
  }
}

// 4. A snapshot streamed over the remote inspector into the worker, as the watch loop takes it: the
// debuggee's pause, last chunk → finished Sample, and the longest stall of the host's event loop.
const streamSizes =
  opt['stream-sizes'] === 'none' ? [] : opt['stream-sizes'] ? opt['stream-sizes'].split(',').map(Number) : sizes.filter((s) => s <= 150);
const streamed = [];
const streamer = streamSizes.length ? await buildStreamSample() : null;
for (const mbSize of streamer ? streamSizes : []) {
  const heap = heaps.find((h) => h.mb === mbSize) ?? { mb: mbSize, units: unitsFor(mbSize) };
  const m = await measureNode([...NODE_FLAGS, streamer, String(heap.units), '--samples', '3'], { useTime, timeoutMs });
  const entry = { mb: mbSize, units: heap.units, ok: m.ok, error: m.ok ? undefined : m.error, load: m.load, peakRss: m.peakRss, samples: m.result?.samples ?? [] };
  streamed.push(entry);
  const what = m.ok
    ? entry.samples.map((x) => `sample ${x.index + 1}: pause ${(x.pauseMs / 1000).toFixed(2)} s, last chunk → Sample ${x.lastChunkToSampleMs} ms, host stall ≤ ${x.hostMaxLagMs} ms, host CPU ${x.hostCpuMs} ms`).join('; ')
    : `FAILED: ${m.error}`;
  console.log(`bench: ${mbSize} MB streamed over the inspector: ${what} (load ${m.load.toFixed(2)})`);
}

function medianStages(list) {
  return Object.fromEntries(Object.keys(list[0]).map((k) => [k, median(list.map((s) => s[k]))]));
}

const report = {
  startedAt: startedAt.toISOString(),
  finishedAt: new Date().toISOString(),
  node: process.version,
  cpus: cpus().length,
  cpuModel: cpus()[0]?.model,
  totalMem: totalmem(),
  argv: process.argv.slice(2),
  runs,
  peakRssSource: useTime ? '/usr/bin/time -v' : 'VmHWM polling',
  loadStart,
  loadEnd: load(),
  freshPagesMsPerMb: [freshPagesStart, await freshPageCost()],
  warmed,
  leakWatch: { modules, cli: cliStatus, headline: headline?.id },
  devtools: 'skipped: Chrome DevTools heap snapshot worker is not installed (chrome-devtools-frontend is not a dependency)',
  heaps: heaps.map(({ file, ...h }) => ({ ...h, file: file.slice(root.length) })),
  allocTracking,
  streamed,
  tools: tools.map(({ id, label }) => ({ id, label })),
  results,
};
const out = join(resultsDir, `${startedAt.toISOString().replace(/[:.]/g, '-')}.json`);
writeFileSync(out, JSON.stringify(report, null, 2));
console.log('\n' + formatReport(report, headline?.id));
console.log(`\nbench: JSON written to ${out.slice(root.length)}`);

// A benchmark, not a test, but it must keep working (CI runs `--quick`): Leak Watch's own rows
// failing, or its streamed sample, is an exit code; the other tools' failures are only reported.
const broken = [
  ...results.filter((x) => x.tool.startsWith('leakwatch-') && !x.ok).map((x) => `${x.tool} at ${x.mb} MB: ${x.error}`),
  ...streamed.filter((x) => !x.ok).map((x) => `streaming ${x.mb} MB: ${x.error}`),
];
if (broken.length) {
  console.error(`bench: Leak Watch failed: ${broken.join('; ')}`);
  process.exitCode = 1;
}
