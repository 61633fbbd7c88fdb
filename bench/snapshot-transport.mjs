// Where a heap snapshot's pause goes: the server-like program of watch-server.mjs snapshotted over the
// inspector (HeapProfiler.takeHeapSnapshot, its chunks streamed as CDP events and thrown away here)
// and by the program itself into a file (v8.writeHeapSnapshot, through Runtime.evaluate), in
// alternating rounds. If the file were much faster, the inspector's transport would be the cost;
// if not, V8's snapshot generator is. Per round: wall time, the program's CPU time, its peak RSS.
//   node bench/snapshot-transport.mjs [--heap-mb 150] [--rounds 2]
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';

const { values: opt } = parseArgs({ options: { 'heap-mb': { type: 'string', default: '150' }, rounds: { type: 'string', default: '2' } } });
const dir = mkdtempSync(join(tmpdir(), 'leak-watch-transport-'));
const file = join(dir, 'program.heapsnapshot');
const program = spawn(process.execPath, ['--inspect=127.0.0.1:0', new URL('./watch-server.mjs', import.meta.url).pathname, '--heap-mb', opt['heap-mb']], { stdio: ['ignore', 'pipe', 'pipe'] });
const end = () => {
  program.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
};
process.on('exit', end);

const url = await new Promise((resolve, reject) => {
  let err = '';
  let ready = false;
  let found;
  const check = () => found && ready && resolve(found);
  program.stderr.on('data', (d) => {
    err += d;
    found ??= /ws:\/\/\S+/.exec(err)?.[0];
    check();
  });
  program.stdout.on('data', (d) => {
    ready ||= /WATCH_SERVER_READY/.test(String(d));
    check();
  });
  program.on('exit', (code) => reject(new Error(`the program exited (${code}): ${err}`)));
});

const ws = new WebSocket(url, { maxPayload: 2 ** 31 });
await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
let nextId = 0;
const pending = new Map();
let chunkChars = 0;
ws.on('message', (data) => {
  const message = JSON.parse(String(data));
  if (message.id !== undefined) {
    pending.get(message.id)?.(message);
    pending.delete(message.id);
  } else if (message.method === 'HeapProfiler.addHeapSnapshotChunk') chunkChars += message.params.chunk.length;
});
const send = (method, params = {}) =>
  new Promise((resolve, reject) => {
    const id = ++nextId;
    pending.set(id, (m) => (m.error ? reject(new Error(`${method}: ${m.error.message}`)) : resolve(m.result)));
    ws.send(JSON.stringify({ id, method, params }));
  });
/** The program's CPU time (ms) and peak RSS (MB), from /proc. */
const cpuMs = () => {
  const f = readFileSync(`/proc/${program.pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12])) * 10;
};
const peakMb = () => Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${program.pid}/status`, 'utf8'))[1]) / 1024;

const used = (await send('Runtime.getHeapUsage')).usedSize;
console.log(`heap used ${(used / 1e6).toFixed(0)} MB (Node ${process.version})`);
const writeInProgram = `(() => { const v8 = process.getBuiltinModule ? process.getBuiltinModule('v8') : process.mainModule?.require('v8'); return v8.writeHeapSnapshot(${JSON.stringify(file)}); })()`;
for (let round = 1; round <= Number(opt.rounds); round++) {
  for (const way of ['inspector', 'file']) {
    await send('HeapProfiler.collectGarbage');
    const [t, c] = [performance.now(), cpuMs()];
    chunkChars = 0;
    if (way === 'inspector') await send('HeapProfiler.takeHeapSnapshot', { reportProgress: false });
    else await send('Runtime.evaluate', { expression: writeInProgram, returnByValue: true });
    const size = way === 'inspector' ? chunkChars : statSync(file).size;
    rmSync(file, { force: true });
    console.log(`round ${round} ${way.padEnd(9)} ${((performance.now() - t) / 1000).toFixed(1)} s wall, ${((cpuMs() - c) / 1000).toFixed(1)} s CPU, ${(size / 1e6).toFixed(0)} MB, program peak RSS so far ${peakMb().toFixed(0)} MB`);
  }
}
ws.terminate();
end();
process.exit(0);
