/** Runs a Node program under the inspector and takes heap snapshots of it over CDP (tests only). */
import { mkdtempSync, openSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectWebSocket } from '../../../src/core/cdp/connection';
import { spawnInspected } from '../../../src/core/cdp/endpoints';
import { parseSnapshotFile } from '../../../src/core/heap/file';
import { maxObjectId } from '../../../src/core/analysis/aggregate';
import type { HeapGraph } from '../../../src/core/heap/graph';

export interface Watched {
  graphs: HeapGraph[];
  files: string[];
  /** Largest object id of each snapshot, in order. */
  maxIds: number[];
  /** Debugger.scriptParsed: script id → URL. */
  scripts: Map<string, string>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Spawns `node --inspect=127.0.0.1:0 file`, takes `samples` snapshots `intervalMs` apart, kills it. */
export async function watchProgram(
  file: string,
  options: { samples?: number; intervalMs?: number; warmupMs?: number; trackAllocations?: boolean; args?: string[] } = {},
): Promise<Watched> {
  const samples = options.samples ?? 2;
  const proc = await spawnInspected(process.execPath, [...(options.args ?? []), file]);
  proc.stdout.resume();
  proc.stderr.resume();
  const conn = await connectWebSocket(proc.wsUrl);
  const dir = mkdtempSync(join(tmpdir(), 'leak-watch-why-'));
  const out: Watched = { graphs: [], files: [], maxIds: [], scripts: new Map() };
  try {
    conn.on('Debugger.scriptParsed', (p) => out.scripts.set(p.scriptId, p.url));
    await conn.send('Debugger.enable');
    await conn.send('HeapProfiler.enable');
    if (options.trackAllocations) await conn.send('HeapProfiler.startTrackingHeapObjects', { trackAllocations: true });
    await conn.send('Runtime.runIfWaitingForDebugger');
    await sleep(options.warmupMs ?? 300);
    for (let i = 0; i < samples; i++) {
      if (i > 0) await sleep(options.intervalMs ?? 600);
      const path = join(dir, `s${i}.heapsnapshot`);
      const fd = openSync(path, 'w');
      const off = conn.on('HeapProfiler.addHeapSnapshotChunk', (m) => writeSync(fd, m.chunk));
      await conn.send('HeapProfiler.collectGarbage');
      await conn.send('HeapProfiler.takeHeapSnapshot', { reportProgress: false }, { timeoutMs: 120_000 });
      off();
      closeSync(fd);
      const g = await parseSnapshotFile(path);
      out.files.push(path);
      out.graphs.push(g);
      out.maxIds.push(maxObjectId(g));
    }
  } finally {
    conn.close();
    proc.child.kill('SIGKILL');
  }
  return out;
}
