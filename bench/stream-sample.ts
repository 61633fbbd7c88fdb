// A snapshot streamed over the remote inspector into the snapshot worker, as the watch loop does it
// (src/core/watch.ts): a debuggee (bench/generate-heap.mjs --serve) builds the synthetic heap; this
// process connects to its inspector through Leak Watch's own CDP client, and the SnapshotAnalyzer
// (worker thread) opens a session of its own there and takes `--samples` heap snapshots on it, so
// their chunks go straight into the worker. `--relay` instead takes them on this process's connection
// and pushes every chunk to the worker as it arrives (the path of a worker thread's isolate). Per sample:
// the debuggee's pause (wall time of takeHeapSnapshot), the time from the last chunk to the finished
// Sample (what the worker still has to do once V8 is done: the chunks it has not parsed yet, finish,
// the per-type aggregation, the reply), the longest stall of this process's event loop (the
// extension host's, in the product) from snapshot request to Sample and while the snapshot streams
// (request to V8's reply), and the CPU its main thread spent from snapshot request to Sample.
// Bundled by bench/leakwatch-bundle.mjs into bench/cache/cli/.
//   node bench/cache/cli/stream-sample.js <units> [--samples 3] [--relay [--discard]]
// --discard (with --relay) drops the chunks instead of analysing them (the host's stalls from receiving alone).
// Prints one line `BENCH_RESULT {json}`.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { connectWebSocket } from '../src/core/cdp/connection';
import { spawnInspected } from '../src/core/cdp/endpoints';
import { SnapshotAnalyzer } from '../src/core/worker/analyzer';

const { values: opt, positionals } = parseArgs({ allowPositionals: true, options: { samples: { type: 'string', default: '3' }, discard: { type: 'boolean', default: false }, relay: { type: 'boolean', default: false } } });
const units = Number(positionals[0]);
const samples = Number(opt.samples);
if (!(units > 0) || !(samples >= 1)) {
  console.error('usage: node bench/cache/cli/stream-sample.js <units> [--samples N] [--relay [--discard]]');
  process.exit(2);
}
const here = __dirname; // bench/cache/cli
const generator = join(here, '../../generate-heap.mjs');

/** CPU time (user + system, ms) of this thread so far (Linux; 0 elsewhere). */
function threadCpuMs(): number {
  try {
    const fields = readFileSync('/proc/thread-self/stat', 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10; // utime, stime in USER_HZ (100 on Linux)
  } catch {
    return 0;
  }
}

async function main(): Promise<void> {
  const debuggee = await spawnInspected(process.execPath, ['--max-old-space-size=16384', generator, String(units), '--serve'], { timeoutMs: 30_000 });
  debuggee.stderr.resume();
  try {
    const ready = await new Promise<string>((resolve, reject) => {
      let seen = '';
      debuggee.stdout.on('data', (d: Buffer) => {
        seen += d.toString('utf8');
        const line = seen.split('\n').find((l) => l.startsWith('BENCH_READY '));
        if (line) resolve(line);
      });
      debuggee.child.once('exit', (code) => reject(new Error(`the debuggee exited (code ${code}) before its heap was built`)));
    });
    const { buildMs } = JSON.parse(ready.slice('BENCH_READY '.length)) as { buildMs: number };
    const connection = await connectWebSocket(debuggee.wsUrl, { timeoutMs: 10_000 });
    const analyzer = new SnapshotAnalyzer({ workerPath: join(here, 'snapshotWorker.js') });
    const out: Record<string, number>[] = [];
    const direct = !opt.relay;
    try {
      await connection.send('HeapProfiler.enable');
      if (direct) await analyzer.openInspector(connection.endpoint!, 10_000);
      let workerFirstChunk = 0;
      analyzer.onSnapshotStreaming(() => (workerFirstChunk = performance.now()));
      for (let index = 0; index < samples; index++) {
        await connection.send('HeapProfiler.collectGarbage', undefined, { timeoutMs: 0 });
        const lag = monitorEventLoopDelay({ resolution: 5 });
        const streamLag = monitorEventLoopDelay({ resolution: 5 });
        let chunks = 0;
        let chars = 0;
        let hostChunks = 0;
        let firstChunk = 0;
        let lastChunk = 0;
        const unsubscribe = connection.on('HeapProfiler.addHeapSnapshotChunk', ({ chunk }) => {
          lastChunk = performance.now();
          hostChunks++;
          if (chunks++ === 0) firstChunk = lastChunk;
          chars += chunk.length;
          if (!opt.discard) analyzer.push(chunk);
        });
        if (!opt.discard && !direct) analyzer.begin();
        lag.enable();
        streamLag.enable();
        const cpuBefore = threadCpuMs();
        const started = performance.now();
        if (direct) {
          ({ chunks, chars } = await analyzer.takeSnapshot({ timeoutMs: 0 }));
          // The worker has all the chunks once V8 has answered; its answer is the last chunk here.
          lastChunk = performance.now();
          firstChunk = workerFirstChunk;
        } else {
          await connection.send('HeapProfiler.takeHeapSnapshot', { reportProgress: false }, { timeoutMs: 0 });
        }
        const snapshotEnd = performance.now();
        streamLag.disable();
        unsubscribe();
        const sample = opt.discard && !direct
          ? { nodes: 0, edges: 0, analysisMs: 0 }
          : await analyzer.finish({ index, time: Date.now(), pauseMs: Math.round(snapshotEnd - started), heapUsed: 0, heapTotal: 0 });
        const done = performance.now();
        const hostCpuMs = threadCpuMs() - cpuBefore;
        lag.disable();
        out.push({
          index,
          direct: direct ? 1 : 0,
          chunks,
          hostChunks,
          chars,
          nodes: sample.nodes,
          edges: sample.edges,
          pauseMs: Math.round(snapshotEnd - started),
          firstChunkMs: Math.round(firstChunk - started),
          lastChunkToSampleMs: Math.round(done - lastChunk),
          workerAnalysisMs: sample.analysisMs,
          hostMaxLagMs: Math.round(lag.max / 1e6),
          hostMaxLagStreamingMs: Math.round(streamLag.max / 1e6),
          hostCpuMs,
        });
      }
    } finally {
      analyzer.closeInspector();
      await analyzer.dispose();
      connection.close();
    }
    console.log(`BENCH_RESULT ${JSON.stringify({ units, buildMs, samples: out })}`);
  } finally {
    debuggee.child.kill();
  }
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
