import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Writes a real heap snapshot of a fresh Node process that first runs `setup` (JavaScript source),
 * taken through the process's own inspector session. Returns the file path.
 */
export function takeSnapshotOf(setup: string, options: { trackAllocations?: boolean } = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'leak-watch-snap-'));
  const file = join(dir, 'test.heapsnapshot');
  const script = join(dir, 'program.js');
  writeFileSync(
    script,
    `const inspector = require('node:inspector');
const fs = require('node:fs');
const session = new inspector.Session();
session.connect();
const post = (m, p) => new Promise((res, rej) => session.post(m, p || {}, (e, r) => (e ? rej(e) : res(r))));
(async () => {
  ${options.trackAllocations ? "await post('HeapProfiler.startTrackingHeapObjects', { trackAllocations: true });" : ''}
  ${setup}
  const out = fs.openSync(${JSON.stringify(file)}, 'w');
  session.on('HeapProfiler.addHeapSnapshotChunk', (m) => fs.writeSync(out, m.params.chunk));
  await post('HeapProfiler.collectGarbage');
  await post('HeapProfiler.takeHeapSnapshot');
  fs.closeSync(out);
  session.disconnect();
})();
`,
  );
  execFileSync(process.execPath, [script], { stdio: 'inherit' });
  return file;
}
