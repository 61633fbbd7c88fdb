// What each of the watch's signals costs the watched program, measured over the remote inspector on
// the server-like program of bench/watch-server.mjs: the program's pause (its own event loop's stall,
// and the request's round trip), the growth of its RSS during the call, and for the sampling heap
// profiler the program's extra CPU time. Rounds alternate the signals, so the machine's load touches
// them alike; medians are reported. Bundled by bench/leakwatch-bundle.mjs into bench/cache/cli/.
//   node bench/cache/cli/watch-signals.js [--node PATH] [--heap-mb 150] [--rounds 3] [--skip-snapshot]
// Prints one line `BENCH_RESULT {json}`.
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import type { CdpConnection } from '../src/core/cdp/connection';
import { connectWebSocket } from '../src/core/cdp/connection';
import { runMain, startWatchServer } from './watch-program';

const { values: opt } = parseArgs({
  options: {
    node: { type: 'string', default: process.execPath },
    'heap-mb': { type: 'string', default: '150' },
    rounds: { type: 'string', default: '3' },
    'skip-snapshot': { type: 'boolean', default: false },
    'cpu-window-s': { type: 'string', default: '10' },
  },
});
const rounds = Number(opt.rounds);

/** Resident set size and private writable memory (what RLIMIT_DATA limits) of a process (bytes), from /proc. */
function memoryOf(pid: number): { rss: number; data: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0) * 1024;
  return { rss: kb('VmRSS'), data: kb('VmData') };
}

/** User + system CPU time so far (ms) of a process, or of one of its threads (`/proc/<pid>/task/<tid>`). */
function cpuOf(pid: number, tid?: number): number {
  const fields = readFileSync(tid ? `/proc/${pid}/task/${tid}/stat` : `/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

interface ServerStats {
  requests: number;
  stallMs: number;
  maxStallMs: number;
  heapUsed: number;
  peakRss: number;
}

async function stats(connection: CdpConnection): Promise<ServerStats> {
  const { result } = await connection.send('Runtime.evaluate', { expression: 'watchServerStats()', returnByValue: true }, { timeoutMs: 0 });
  return result.value as ServerStats;
}

/** Counts the queried objects by their prototype's constructor name (data properties only: no getter of the program runs). */
const CENSUS = `function () {
  const names = new Map();
  const counts = new Map();
  const own = Object.getOwnPropertyDescriptor;
  for (let i = 0; i < this.length; i++) {
    const p = Object.getPrototypeOf(this[i]);
    let name = names.get(p);
    if (name === undefined) {
      const c = p ? own(p, 'constructor')?.value : undefined;
      name = typeof c === 'function' ? String(own(c, 'name')?.value ?? '') : '';
      names.set(p, name);
    }
    counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  return Object.fromEntries(counts);
}`;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface CallCost {
  /** Round trip of the request(s), ms. */
  wallMs: number;
  /** What the program's event loop felt: its stalls beyond 20 ms during the call. */
  stallMs: number;
  /** CPU time of the program's main thread during the call (less sensitive to the machine's load than the stall). */
  mainCpuMs: number;
  /** RSS and VmData before, and their peaks during the call (polled every 2 ms). */
  rssBefore: number;
  rssPeak: number;
  dataBefore: number;
  dataPeak: number;
  heapUsed: number;
  extra?: Record<string, number>;
}

/** Runs `call` once and measures it from both sides. */
async function measure(connection: CdpConnection, pid: number, call: () => Promise<Record<string, number> | void>): Promise<CallCost> {
  await sleep(300);
  const before = await stats(connection);
  const { rss: rssBefore, data: dataBefore } = memoryOf(pid);
  let rssPeak = rssBefore;
  let dataPeak = dataBefore;
  const sampleMemory = () => {
    const m = memoryOf(pid);
    rssPeak = Math.max(rssPeak, m.rss);
    dataPeak = Math.max(dataPeak, m.data);
  };
  const cpu0 = cpuOf(pid, pid);
  const poll = setInterval(sampleMemory, 2);
  const t0 = performance.now();
  const extra = (await call()) ?? undefined;
  const wallMs = performance.now() - t0;
  clearInterval(poll);
  const mainCpuMs = cpuOf(pid, pid) - cpu0;
  sampleMemory();
  await sleep(100); // the tick after the pause reports its lateness
  const after = await stats(connection);
  return { wallMs: Math.round(wallMs), stallMs: Math.round(after.stallMs - before.stallMs), mainCpuMs, rssBefore, rssPeak, dataBefore, dataPeak, heapUsed: before.heapUsed, extra };
}

async function main(): Promise<void> {
  const program = await startWatchServer(opt.node!, ['--expose-gc'], ['--heap-mb', opt['heap-mb']!]);
  const pid = program.child.pid!;
  try {
    const connection = await connectWebSocket(program.wsUrl, { timeoutMs: 10_000, defaultTimeoutMs: 0 });
    await connection.send('HeapProfiler.enable');
    const version = (await connection.send('Runtime.evaluate', { expression: 'process.version', returnByValue: true })).result.value as string;
    const { result: proto } = await connection.send('Runtime.evaluate', { expression: 'watchServerTypes.AuditEntry.prototype', objectGroup: 'probe' });
    const { result: objectProto } = await connection.send('Runtime.evaluate', { expression: 'Object.prototype', objectGroup: 'probe' });

    const countOf = async (prototypeObjectId: string) => {
      const { objects } = await connection.send('Runtime.queryObjects', { prototypeObjectId, objectGroup: 'query' });
      const { result } = await connection.send('Runtime.callFunctionOn', { objectId: objects.objectId!, functionDeclaration: 'function () { return this.length; }', returnByValue: true });
      await connection.send('Runtime.releaseObjectGroup', { objectGroup: 'query' });
      return result.value as number;
    };
    const signals: Record<string, () => Promise<Record<string, number> | void>> = {
      getHeapUsage: async () => void (await connection.send('Runtime.getHeapUsage')),
      collectGarbage: async () => void (await connection.send('HeapProfiler.collectGarbage')),
      'queryObjects(AuditEntry) + count': async () => ({ count: await countOf(proto.objectId!) }),
      'census (queryObjects(Object.prototype) + counts by constructor)': async () => {
        const { objects } = await connection.send('Runtime.queryObjects', { prototypeObjectId: objectProto.objectId!, objectGroup: 'query' });
        const { result } = await connection.send('Runtime.callFunctionOn', { objectId: objects.objectId!, functionDeclaration: CENSUS, returnByValue: true });
        await connection.send('Runtime.releaseObjectGroup', { objectGroup: 'query' });
        const counts = result.value as Record<string, number>;
        return { objects: Object.values(counts).reduce((a, b) => a + b, 0), types: Object.keys(counts).length };
      },
      getSamplingProfile: async () => {
        const { profile } = await connection.send('HeapProfiler.getSamplingProfile');
        return { samples: profile.samples.length, bytes: JSON.stringify(profile).length };
      },
    };
    if (!opt['skip-snapshot']) {
      signals.takeHeapSnapshot = async () => {
        let bytes = 0;
        const off = connection.on('HeapProfiler.addHeapSnapshotChunk', ({ chunk }) => (bytes += chunk.length));
        await connection.send('HeapProfiler.takeHeapSnapshot', { reportProgress: false });
        off();
        return { snapshotBytes: bytes };
      };
    }
    // The sampling profiler runs from here on (getSamplingProfile needs it); its CPU cost is measured after.
    await connection.send('HeapProfiler.startSampling', { samplingInterval: 32768 });
    await sleep(5000);
    const costs: Record<string, CallCost[]> = Object.fromEntries(Object.keys(signals).map((k) => [k, []]));
    for (let r = 0; r < rounds; r++) {
      for (const [name, call] of Object.entries(signals)) {
        const reps = name === 'getHeapUsage' ? 5 : 1;
        for (let k = 0; k < reps; k++) costs[name].push(await measure(connection, pid, call));
        const last = costs[name][costs[name].length - 1];
        console.error(`${name}: ${JSON.stringify(last)}`);
      }
    }

    // The sampling profiler's cost: the program's CPU per request, on and off, alternating.
    const windowMs = Number(opt['cpu-window-s']) * 1000;
    const cpu: Record<'off' | 'on', number[]> = { off: [], on: [] };
    await connection.send('HeapProfiler.stopSampling');
    for (let r = 0; r < rounds; r++) {
      for (const mode of ['off', 'on'] as const) {
        if (mode === 'on') await connection.send('HeapProfiler.startSampling', { samplingInterval: 32768 });
        await sleep(500);
        const s0 = await stats(connection);
        const c0 = cpuOf(pid);
        await sleep(windowMs);
        const c1 = cpuOf(pid);
        const s1 = await stats(connection);
        if (mode === 'on') await connection.send('HeapProfiler.stopSampling');
        cpu[mode].push((c1 - c0) / ((s1.requests - s0.requests) / 1000));
        console.error(`sampling ${mode}: ${((c1 - c0) / ((s1.requests - s0.requests) / 1000)).toFixed(1)} ms CPU per 1000 requests`);
      }
    }
    const final = await stats(connection);
    connection.close();
    const median = (a: number[]) => [...a].sort((x, y) => x - y)[a.length >> 1];
    const summary = Object.fromEntries(
      Object.entries(costs).map(([name, list]) => [
        name,
        {
          wallMs: median(list.map((c) => c.wallMs)),
          stallMs: median(list.map((c) => c.stallMs)),
          mainCpuMs: median(list.map((c) => c.mainCpuMs)),
          rssGrowth: median(list.map((c) => c.rssPeak - c.rssBefore)),
          peakRss: median(list.map((c) => c.rssPeak)),
          dataGrowth: median(list.map((c) => c.dataPeak - c.dataBefore)),
          rssGrowthPerHeapByte: median(list.map((c) => (c.rssPeak - c.rssBefore) / c.heapUsed)),
          heapUsed: median(list.map((c) => c.heapUsed)),
          extra: list[list.length - 1].extra,
        },
      ]),
    );
    console.log(
      `BENCH_RESULT ${JSON.stringify({ load: loadavg(), node: version, heapMb: Number(opt['heap-mb']), rounds, summary, samplingCpuPer1000Requests: { off: median(cpu.off), on: median(cpu.on), all: cpu }, programPeakRss: final.peakRss })}`,
    );
  } finally {
    program.child.kill('SIGKILL');
  }
}

runMain(main);
