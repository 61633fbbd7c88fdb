// Network: the CLI's watch never listens on a port, and connects only to loopback (the inspector of the
// program it started or was pointed at). Sockets are read from /proc while it runs (Linux only).
import * as assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { isLoopbackAddress, tcpSocketsOf, type TcpSocket } from './reliability-sockets';
import { builtBundles } from './helpers/bundles';

const CLI = builtBundles().cli;
const programs = path.join(__dirname, 'programs');

describe('reliability: network (CLI)', function () {
  this.timeout(180_000);

  before(function () {
    if (process.platform !== 'linux') this.skip();
  });

  /** Runs the CLI, reading its TCP sockets every 100 ms until it exits. */
  function watchSockets(args: string[]): Promise<{ code: number | null; stderr: string; seen: TcpSocket[]; reads: number }> {
    return new Promise((resolve, reject) => {
      const child: ChildProcess = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr!.on('data', (d) => (stderr += d));
      const seen = new Map<string, TcpSocket>();
      let reads = 0;
      const poll = setInterval(() => {
        reads++;
        for (const s of tcpSocketsOf(child.pid!)) seen.set(`${s.inode}/${s.state}`, s);
      }, 100);
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`leak-watch ${args.join(' ')} did not finish\n${stderr}`));
      }, 150_000);
      child.on('exit', (code) => {
        clearInterval(poll);
        clearTimeout(timer);
        resolve({ code, stderr, seen: [...seen.values()], reads });
      });
    });
  }

  it('run: the CLI never listens, and its only connections are to the loopback inspector', async () => {
    const r = await watchSockets(['run', '--samples', '3', '--interval', '1', '-q', '--', path.join(programs, 'named.js')]);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(r.reads > 5, `sockets read ${r.reads} times`);
    const listening = r.seen.filter((s) => s.state === 'LISTEN');
    assert.deepEqual(listening, [], 'no listening socket');
    const connected = r.seen.filter((s) => s.state !== 'LISTEN');
    assert.ok(connected.length >= 1, 'the inspector connection was seen');
    for (const s of connected) assert.ok(isLoopbackAddress(s.remoteHost), `connection to ${s.remote} is loopback`);
  });
});

describe('reliability: /proc socket reader', () => {
  it('sees a listening socket and a loopback connection of this process', async function () {
    if (process.platform !== 'linux') this.skip();
    const net = await import('node:net');
    const server = net.createServer((s) => s.on('error', () => undefined));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as import('node:net').AddressInfo).port;
    const client = net.connect(port, '127.0.0.1');
    await new Promise((resolve) => client.once('connect', resolve));
    try {
      const mine = tcpSocketsOf(process.pid);
      assert.ok(mine.some((s) => s.state === 'LISTEN' && s.local === `127.0.0.1:${port}`), JSON.stringify(mine));
      assert.ok(mine.some((s) => s.state === 'ESTABLISHED' && s.remote === `127.0.0.1:${port}` && isLoopbackAddress(s.remoteHost)));
    } finally {
      client.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
