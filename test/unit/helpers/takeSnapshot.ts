import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseSnapshotFile } from '../../../src/core/heap/file';
import type { HeapGraph } from '../../../src/core/heap/graph';

/**
 * Runs a fresh Node process whose `body` (JavaScript source, inside an async function) calls
 * `await snap(k)` to write its k-th real heap snapshot, taken through its own inspector session.
 * Returns the directory and the snapshot files, in order.
 */
export function takeSnapshotsOf(body: string, count: number): { dir: string; files: string[] } {
  const dir = mkdtempSync(join(tmpdir(), 'leak-watch-snap-'));
  const files = Array.from({ length: count }, (_, k) => join(dir, count === 1 ? 'test.heapsnapshot' : `sample-${k}.heapsnapshot`));
  const script = join(dir, 'program.js');
  writeFileSync(
    script,
    `const inspector = require('node:inspector');
const fs = require('node:fs');
const session = new inspector.Session();
session.connect();
const post = (m, p) => new Promise((res, rej) => session.post(m, p || {}, (e, r) => (e ? rej(e) : res(r))));
const files = ${JSON.stringify(files)};
async function snap(k) {
  const out = fs.openSync(files[k], 'w');
  const write = (m) => fs.writeSync(out, m.params.chunk);
  session.on('HeapProfiler.addHeapSnapshotChunk', write);
  await post('HeapProfiler.collectGarbage');
  await post('HeapProfiler.takeHeapSnapshot');
  session.off('HeapProfiler.addHeapSnapshotChunk', write);
  fs.closeSync(out);
}
(async () => {
  ${body}
  session.disconnect();
})();
`,
  );
  execFileSync(process.execPath, [script], { stdio: 'inherit' });
  return { dir, files };
}

/**
 * Writes a real heap snapshot of a fresh Node process that first runs `setup` (JavaScript source),
 * taken through the process's own inspector session. Returns the file path.
 */
export function takeSnapshotOf(setup: string, options: { trackAllocations?: boolean } = {}): string {
  const track = options.trackAllocations ? "await post('HeapProfiler.startTrackingHeapObjects', { trackAllocations: true });" : '';
  return takeSnapshotsOf(`${track}\n  ${setup}\n  await snap(0);`, 1).files[0];
}

/** The parsed graph of `takeSnapshotOf(setup)`; the snapshot file and its folder are removed once parsed. */
export async function snapshotGraphOf(setup: string): Promise<HeapGraph> {
  const file = takeSnapshotOf(setup);
  try {
    return await parseSnapshotFile(file);
  } finally {
    rmSync(dirname(file), { recursive: true, force: true });
  }
}
