// Faults a leak hunter meets on misbehaving programs, each on real processes, the real inspector and the
// real analyzer: a clear message, and the samples taken before are kept. (Killed mid-snapshot, death
// between samples, a snapshot timeout and stop mid-snapshot are in watch.test.ts.)
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { type CdpConnection, connectWebSocket } from '../../src/core/cdp/connection';
import { spawnInspected, type InspectedProcess } from '../../src/core/cdp/endpoints';
import {
  analysisMemoryBudget,
  checkSnapshotFits,
  defaultWorkerLimitBytes,
  estimateSnapshot,
  JSON_BYTES_PER_HEAP_BYTE,
  PARSE_BYTES_PER_JSON_BYTE,
} from '../../src/core/memoryGuard';
import type { Sample } from '../../src/core/report';
import { SnapshotAnalyzer } from '../../src/core/worker/analyzer';
import { HeapWatch, type HeapWatchOptions, type SampleAnalyzer } from '../../src/core/watch';
import { nextSnapshotStreaming, realProcessHooks } from './cdp-support';
import { builtBundles } from './helpers/bundles';
import { inspectorRelay, type InspectorRelay } from './helpers/inspectorRelay';

const programs = path.join(__dirname, 'programs');

describe('reliability: memory guard', () => {
  it('estimates the snapshot JSON and the parse memory from the used heap', () => {
    const e = estimateSnapshot(100e6);
    assert.equal(e.jsonBytes, Math.ceil(100e6 * JSON_BYTES_PER_HEAP_BYTE));
    assert.equal(e.parseBytes, Math.ceil(e.jsonBytes * PARSE_BYTES_PER_JSON_BYTE));
    assert.ok(e.jsonBytes >= 1.7 * 100e6, 'at least the 1.7× rule of thumb');
    for (const bad of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) assert.deepEqual(estimateSnapshot(bad), { jsonBytes: 0, parseBytes: 0 });
  });

  it('fits a heap within the budget and refuses one beyond it, saying how big and what to do', () => {
    const ok = checkSnapshotFits(10e6, 1e9);
    assert.equal(ok.fits, true);
    const no = checkSnapshotFits(1e9, 2e9);
    assert.equal(no.fits, false);
    if (no.fits) return;
    assert.match(no.message, /^The program's heap \(1\.0 GB in use\) is too big to analyse on this machine: its snapshot would be about 2\.2 GB and parsing it needs about 3\.5 GB, but only 2\.0 GB is available/);
    assert.match(no.message, /No snapshot was taken\. Free some memory/);
  });

  it('never counts on more than the worker limit or the free memory', () => {
    assert.equal(analysisMemoryBudget(1e9, 5e9), 1e9);
    assert.equal(analysisMemoryBudget(5e9, 1e9), 1e9);
    assert.equal(defaultWorkerLimitBytes(8 * 2 ** 30), 6144 * 2 ** 20);
    assert.equal(defaultWorkerLimitBytes(64 * 2 ** 30), 16384 * 2 ** 20);
    assert.ok(analysisMemoryBudget() <= os.freemem() + 1 && analysisMemoryBudget() > 0);
  });
});

describe('reliability: faults survived on real processes', function () {
  this.timeout(180_000);
  const { cleanups, workerPath } = realProcessHooks();

  async function startProgram(program: string, env: NodeJS.ProcessEnv = {}): Promise<InspectedProcess> {
    const inspected = await spawnInspected(process.execPath, [path.join(programs, program)], { env: { ...process.env, ...env }, timeoutMs: 30_000 });
    inspected.stdout.resume();
    inspected.stderr.resume();
    cleanups.push(() => {
      if (inspected.child.signalCode === 'SIGSTOP' || inspected.child.exitCode === null) {
        try {
          process.kill(inspected.child.pid!, 'SIGCONT');
        } catch {
          // gone
        }
      }
      if (inspected.child.exitCode === null && inspected.child.signalCode === null) inspected.child.kill('SIGKILL');
    });
    return inspected;
  }

  /** A watch over `url` with the real analyzer (or `wrap` around it); events recorded. */
  async function watchUrl(url: string, options: HeapWatchOptions, wrap?: (a: SnapshotAnalyzer) => SampleAnalyzer) {
    const connection: CdpConnection = await connectWebSocket(url, { timeoutMs: 10_000 });
    cleanups.push(() => connection.close());
    const analyzer = new SnapshotAnalyzer({ workerPath: workerPath(), maxHeapMb: 512 });
    cleanups.push(() => analyzer.dispose());
    const watch = new HeapWatch(connection, wrap ? wrap(analyzer) : analyzer, options);
    cleanups.push(() => watch.stop());
    const seen = { samples: [] as Sample[], errors: [] as Error[], notes: [] as string[], ends: [] as string[] };
    watch.on('sample', (s) => seen.samples.push(s));
    watch.on('error', (e) => seen.errors.push(e));
    watch.on('note', (n) => seen.notes.push(n));
    watch.on('end', (r) => seen.ends.push(r));
    return { connection, analyzer, watch, seen };
  }

  /** Resolves at the watch's first sample; fails at once if the watch ends before one (a loaded machine, a slow snapshot). */
  const firstSample = (watch: HeapWatch) =>
    new Promise<void>((resolve, reject) => {
      watch.once('sample', () => resolve());
      watch.once('end', (reason) => reject(new Error(`the watch ended before its first sample: ${reason}`)));
    });

  /** A relay to the inspector whose sockets can be dropped while the debuggee lives on. */
  async function relay(wsUrl: string): Promise<InspectorRelay> {
    const link = await inspectorRelay(wsUrl);
    cleanups.push(() => link.close());
    return link;
  }

  it('refuses a snapshot too big for the memory budget before taking it, keeping the earlier samples', async () => {
    const program = await startProgram('idle.js');
    let budget = 1e12;
    const { watch, seen, connection, analyzer } = await watchUrl(program.wsUrl, { intervalMs: 100, memoryBudgetBytes: () => budget });
    let snapshotsRequested = 0;
    // Asked on the analyzer's own session, or on the watch's connection where it relays.
    const takeSnapshot = analyzer.takeSnapshot.bind(analyzer);
    analyzer.takeSnapshot = (options) => {
      snapshotsRequested++;
      return takeSnapshot(options);
    };
    connection.on('HeapProfiler.addHeapSnapshotChunk', () => undefined);
    watch.once('sample', () => {
      budget = 1000; // this machine now "has" 1 kB for the analysis
    });
    const origSend = connection.send.bind(connection);
    (connection as { send: CdpConnection['send'] }).send = ((method: string, ...rest: unknown[]) => {
      if (method === 'HeapProfiler.takeHeapSnapshot') snapshotsRequested++;
      return (origSend as (...a: unknown[]) => unknown)(method, ...rest);
    }) as CdpConnection['send'];
    await watch.start();
    const reason = await watch.ended();
    assert.match(reason, /^Before snapshot 2: The program's heap \(\d+(\.\d)? MB in use\) is too big to analyse on this machine: .* but only 1(\.0)? kB is available to the analysis\. No snapshot was taken\..* The earlier 1 sample is kept\.$/);
    assert.equal(snapshotsRequested, 1, 'the second snapshot was never asked for');
    assert.equal(seen.samples.length, 1);
    assert.deepEqual(seen.errors.map((e) => e.message), [reason]);
    const report = await watch.buildReport({ kind: 'run', description: 'idle.js' });
    assert.equal(report.samples.length, 1);
    assert.equal(program.child.exitCode, null, 'the program is left running');
  });

  it('refuses at once when even the first snapshot would not fit', async () => {
    const program = await startProgram('idle.js');
    const { watch, seen } = await watchUrl(program.wsUrl, { intervalMs: 100, memoryBudgetBytes: 1000 });
    await watch.start();
    const reason = await watch.ended();
    assert.match(reason, /^Before snapshot 1: The program's heap .* is too big to analyse on this machine: .*No snapshot was taken\. Free some memory, or watch the program with a smaller workload\.$/);
    assert.equal(seen.samples.length, 0);
    assert.equal(seen.errors.length, 1);
  });

  it('ends with a clear reason when the inspector socket drops between samples (the debuggee lives on)', async () => {
    const program = await startProgram('idle.js');
    const link = await relay(program.wsUrl);
    const { watch, seen } = await watchUrl(link.url, { intervalMs: 60_000 });
    await watch.start();
    await firstSample(watch);
    link.drop();
    const reason = await watch.ended();
    assert.match(reason, /^The debuggee exited or the inspector connection closed \(.+\); 1 sample is kept\.$/);
    assert.equal(seen.samples.length, 1);
    assert.deepEqual(seen.errors, []);
    assert.equal(program.child.exitCode, null, 'only the socket went');
    // The program can be watched again over a new connection.
    const again = await watchUrl(program.wsUrl, { maxSamples: 1 });
    await again.watch.start();
    assert.equal(await again.watch.ended(), 'Took 1 sample, as asked.');
  });

  it('ends with a clear reason when the inspector socket drops in the middle of a snapshot', async () => {
    const program = await startProgram('bigheap.js', { BIGHEAP_OBJECTS: '20000' });
    const link = await relay(program.wsUrl);
    const { watch, seen, connection, analyzer } = await watchUrl(link.url, { intervalMs: 100 });
    await watch.start();
    await firstSample(watch);
    await nextSnapshotStreaming(connection, analyzer);
    link.drop();
    const reason = await watch.ended();
    assert.match(reason, /^The debuggee exited, or its inspector connection dropped, while a snapshot was being taken; the earlier samples are kept \(1\)\./);
    assert.equal(seen.samples.length, 1);
    assert.equal((await watch.buildReport({ kind: 'attach', description: 'bigheap.js' })).samples.length, 1);
  });

  it('a hung debuggee (busy loop): the snapshot times out, is cancelled, and the error says what to do', async () => {
    const program = await startProgram('hangs.js');
    const { watch, seen, connection } = await watchUrl(program.wsUrl, { intervalMs: 200, snapshotTimeoutMs: 15_000 });
    await watch.start();
    await firstSample(watch);
    const { result } = await connection.send('Runtime.evaluate', { expression: 'hang()' }, { timeoutMs: 30_000 });
    assert.equal(result.value, 'hanging');
    const reason = await watch.ended();
    assert.match(reason, /^Snapshot 2 did not finish within 15 s \(the program may be hung, or its heap too big\); the earlier samples are kept\. Allow a longer snapshot timeout/);
    assert.equal(seen.samples.length, 1);
    assert.deepEqual(seen.errors.map((e) => e.message), [reason]);
    assert.equal((await watch.buildReport({ kind: 'attach', description: 'hangs.js' })).samples.length, 1);
    assert.equal(program.child.exitCode, null, 'the hung program is left as it was');
  });

  it('a hung debuggee (stopped process): the snapshot times out, is cancelled, and the error says what to do', async () => {
    const program = await startProgram('idle.js');
    const { watch, seen } = await watchUrl(program.wsUrl, { intervalMs: 200, snapshotTimeoutMs: 15_000 });
    await watch.start();
    await firstSample(watch);
    process.kill(program.child.pid!, 'SIGSTOP'); // answers nothing from now on
    const reason = await watch.ended();
    assert.match(reason, /^Snapshot 2 did not finish within 15 s \(the program may be hung, or its heap too big\); the earlier samples are kept\. Allow a longer snapshot timeout/);
    assert.equal(seen.samples.length, 1);
    assert.deepEqual(seen.errors.map((e) => e.message), [reason]);
    assert.equal((await watch.buildReport({ kind: 'attach', description: 'idle.js' })).samples.length, 1);
    await watch.stop(); // already ended: returns at once
  });

  it('stop() while the analyzer is finishing a sample: ends cleanly, earlier samples kept, analyzer still usable', async () => {
    const program = await startProgram('bigheap.js', { BIGHEAP_OBJECTS: '50000' });
    let finishing: Promise<Sample> | undefined;
    let watchRef: HeapWatch | undefined;
    let stopped: Promise<void> | undefined;
    let finishes = 0;
    const { watch, seen, analyzer } = await watchUrl(program.wsUrl, { intervalMs: 100 }, (real) => ({
      begin: () => real.begin(),
      push: (chunk) => real.push(chunk),
      abort: () => real.abort(),
      explain: (types) => real.explain(types),
      resetBaseline: () => real.resetBaseline(),
      retainedSizes: (types) => real.retainedSizes(types),
      finish: (facts) => {
        finishes++;
        finishing = real.finish(facts);
        if (finishes === 2) stopped = watchRef!.stop(); // the second sample's analysis has just begun
        return finishing;
      },
    }));
    watchRef = watch;
    await watch.start();
    const reason = await watch.ended();
    await stopped;
    assert.equal(finishes, 2);
    assert.match(reason, /^Stopped; the snapshot in flight was cancelled and the earlier 1 sample is kept\.$/);
    assert.equal(seen.samples.length, 1);
    assert.deepEqual(seen.errors, []);
    await finishing!.catch(() => undefined); // the worker still completes (or drops) it quietly
    const report = await watch.buildReport({ kind: 'attach', description: 'bigheap.js' });
    assert.equal(report.samples.length, 1);
    // The same analyzer takes the next watch's snapshots.
    const again = new HeapWatch((watch as unknown as { connection: CdpConnection }).connection, analyzer, { maxSamples: 1 });
    await again.start();
    assert.equal(await again.ended(), 'Took 1 sample, as asked.');
  });

  it('two watches of two programs at once, one analyzer each: every sample goes to its own watch', async () => {
    const [a, b] = await Promise.all([startProgram('named.js', { RECORD_CLASS: 'AlphaRecord' }), startProgram('named.js', { RECORD_CLASS: 'BetaRecord' })]);
    const wa = await watchUrl(a.wsUrl, { intervalMs: 200, maxSamples: 3 });
    const wb = await watchUrl(b.wsUrl, { intervalMs: 200, maxSamples: 3 });
    await Promise.all([wa.watch.start(), wb.watch.start()]);
    const reasons = await Promise.all([wa.watch.ended(), wb.watch.ended()]);
    assert.deepEqual(reasons, ['Took 3 samples, as asked.', 'Took 3 samples, as asked.']);
    for (const [w, own, other] of [[wa, 'AlphaRecord', 'BetaRecord'], [wb, 'BetaRecord', 'AlphaRecord']] as const) {
      assert.deepEqual(w.seen.errors, []);
      assert.deepEqual(w.seen.samples.map((s) => s.index), [0, 1, 2]);
      const counts = w.seen.samples.map((s) => s.types.find((t) => t.name === own)?.count ?? 0);
      assert.ok(counts[0] > 0 && counts[2] > counts[0], `${own} grows in its own watch: ${counts}`);
      assert.ok(w.seen.samples.every((s) => !s.types.some((t) => t.name === other)), `no ${other} in the ${own} watch`);
    }
  });
});

/**
 * A 1 GB-class snapshot. A real one of that size takes V8 minutes to write (a 600 MB snapshot of a
 * real Node heap cost 78 s of CPU), so the file is generated by streaming (scripts/big-snapshot.mjs:
 * a valid snapshot in V8's format, 18 M nodes and 37 M edges, ~13 s) and cached in os.tmpdir for
 * the run. Analysing it takes ~20 s here; the whole suite ~50 s.
 */
describe('reliability: a 1 GB-class snapshot', function () {
  this.timeout(300_000);
  const { workerPath } = realProcessHooks();
  const repo = path.join(__dirname, '../..');
  const cli = builtBundles().cli;
  const targetBytes = 1.05e9;
  const dir = path.join(os.tmpdir(), 'leak-watch-big-snapshot');
  const file = path.join(dir, `big-v1-${targetBytes}.heapsnapshot`);
  /** Preloaded into the CLI: prints the process's peak RSS at exit; with FAKE_TOTALMEM_MB, a machine with that much memory. */
  const preload = path.join(dir, 'measure.cjs');
  let generated: { bytes: number; nodes: number; edges: number; units: number } | undefined;

  before(async function () {
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(
      preload,
      [
        "const os = require('node:os');",
        'const fake = Number(process.env.FAKE_TOTALMEM_MB);',
        'if (fake > 0) os.totalmem = () => fake * 2 ** 20;',
        "process.on('exit', () => process.stderr.write(`PEAK_RSS_KB ${process.resourceUsage().maxRSS}\\n`));",
      ].join('\n'),
    );
    // In a child, so that writing the file leaves no trace in this process's memory figures.
    const out = await runNode([path.join(repo, 'scripts/big-snapshot.mjs'), file, String(targetBytes / 1e6)]);
    assert.equal(out.code, 0, out.stderr);
    generated = JSON.parse(out.stdout);
    assert.ok(generated!.bytes > 0.95e9, `a 1 GB-class file: ${generated!.bytes} bytes`);
  });

  after(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  function runNode(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stdout: string; stderr: string; ms: number }> {
    const started = Date.now();
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr += d));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout, stderr, ms: Date.now() - started }));
    });
  }

  const peakRss = (stderr: string) => Number(/PEAK_RSS_KB (\d+)/.exec(stderr)?.[1]) * 1024;

  it('`leak-watch analyze` analyses it with its peak memory bounded by the streaming parse (< 2.5× the file)', async () => {
    const out = await runNode(['-r', preload, cli, 'analyze', file, '--top', '5', '-q']);
    assert.equal(out.code, 0, out.stderr);
    const rss = peakRss(out.stderr);
    assert.match(out.stdout, new RegExp(`^1 snapshot of .*; heap [\\d.]+ MB, ${generated!.nodes.toLocaleString('en-US')} objects`));
    assert.match(out.stdout, new RegExp(`^BigRecord +${generated!.units.toLocaleString('en-US')} `, 'm'));
    // JSON.parse could not even hold the text (V8's longest string is 512 MB); the streamed parse peaks
    // at ~1.8× the file here (the graph's typed arrays plus the garbage of parsing).
    assert.ok(rss > 0 && rss < 2.5 * generated!.bytes, `peak RSS ${(rss / 1e9).toFixed(2)} GB for a ${(generated!.bytes / 1e9).toFixed(2)} GB snapshot`);
  });

  it('`leak-watch analyze` on a machine too small for it refuses before parsing, in one line naming the file', async () => {
    // A machine with 1 GB of memory: the worker's limit is three quarters of it, too small for the parse.
    const out = await runNode(['-r', preload, cli, 'analyze', file, '-q'], { FAKE_TOTALMEM_MB: '1024' });
    assert.equal(out.code, 1, out.stderr);
    assert.equal(out.stdout, '');
    const lines = out.stderr.split('\n').filter((l) => l && !l.startsWith('PEAK_RSS_KB'));
    assert.equal(lines.length, 1, out.stderr);
    const escaped = file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    assert.match(lines[0], new RegExp(`^leak-watch: ${escaped}: a snapshot of 1(\\.\\d+)? GB needs about 1\\.\\d+ GB to analyse, more than the [\\d.]+ MB this machine can give now; free some memory or use a larger machine\\.$`));
    // The CLI and its worker alone peak at 250-310 MB here; reading the file would add about its size.
    assert.ok(peakRss(out.stderr) < 0.5 * generated!.bytes, `it never read the file: peak RSS ${(peakRss(out.stderr) / 1e6).toFixed(0)} MB for a ${(generated!.bytes / 1e9).toFixed(2)} GB file`);
    assert.ok(out.ms < 15_000, `at once: ${out.ms} ms`);
  });

  it('in the caller (the extension host), SnapshotAnalyzer keeps the file and its graph in the worker: the caller\'s heap stays small', async () => {
    const analyzer = new SnapshotAnalyzer({ workerPath: workerPath() });
    try {
      const baseline = process.memoryUsage();
      const peak = { heapUsed: baseline.heapUsed, arrayBuffers: baseline.arrayBuffers, external: baseline.external };
      const poll = setInterval(() => {
        const m = process.memoryUsage();
        peak.heapUsed = Math.max(peak.heapUsed, m.heapUsed);
        peak.arrayBuffers = Math.max(peak.arrayBuffers, m.arrayBuffers);
        peak.external = Math.max(peak.external, m.external);
      }, 50);
      let sample: Sample;
      let retained: Record<string, number>;
      try {
        sample = await analyzer.analyzeFile(file);
        retained = await analyzer.retainedSizes(['BigRecord']);
      } finally {
        clearInterval(poll);
      }
      assert.equal(sample.nodes, generated!.nodes);
      assert.equal(sample.edges, generated!.edges);
      assert.equal(sample.snapshotBytes, generated!.bytes);
      assert.equal(sample.types.find((t) => t.name === 'BigRecord')?.count, generated!.units);
      assert.ok(retained.BigRecord > 0.7e9, `BigRecord retains ${retained.BigRecord}`);
      // This thread's own heap (the worker's is separate): the Sample's per-type summary, nothing per node.
      const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;
      assert.ok(peak.heapUsed - baseline.heapUsed < 64e6, `the caller's heap grew by ${mb(peak.heapUsed - baseline.heapUsed)}`);
      assert.ok(peak.arrayBuffers - baseline.arrayBuffers < 16e6, `the caller's buffers grew by ${mb(peak.arrayBuffers - baseline.arrayBuffers)}`);
      assert.ok(peak.external - baseline.external < 32e6, `the caller's external memory grew by ${mb(peak.external - baseline.external)}`);
    } finally {
      await analyzer.dispose();
    }
  });
});
