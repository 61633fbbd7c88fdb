// The CDP client, endpoints and spawning, against real Node processes and their real inspector.
import * as assert from 'node:assert/strict';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { WebSocketServer } from 'ws';
import { CdpClosedError, CdpProtocolError, CdpTimeoutError, connectWebSocket, type CdpConnection } from '../../../src/core/cdp/connection';
import { captureUncaught } from '../cdp-support';
import { inspectedCommand, isLoopbackHost, resolveEndpoint, spawnInspected, type InspectedProcess } from '../../../src/core/cdp/endpoints';

const programs = path.join(__dirname, '../programs');
const WS_URL = /^ws:\/\/127\.0\.0\.1:\d+\/[0-9a-f-]+$/;

/** Spawned programs and connections, cleaned up after each test. */
const live: { processes: InspectedProcess[]; connections: CdpConnection[] } = { processes: [], connections: [] };

async function spawnProgram(name: string, env: NodeJS.ProcessEnv = {}): Promise<InspectedProcess> {
  const p = await spawnInspected(process.execPath, [path.join(programs, name)], { env: { ...process.env, ...env }, timeoutMs: 30_000 });
  p.stdout.resume();
  p.stderr.resume();
  live.processes.push(p);
  return p;
}

async function connect(url: string): Promise<CdpConnection> {
  const connection = await connectWebSocket(url, { timeoutMs: 10_000 });
  live.connections.push(connection);
  return connection;
}

function readUntil(stream: NodeJS.ReadableStream, pattern: RegExp, timeoutMs = 10_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error(`did not see ${pattern} in: ${text}`)), timeoutMs);
    stream.on('data', (d: Buffer) => {
      text += d.toString();
      if (pattern.test(text)) {
        clearTimeout(timer);
        resolve(text);
      }
    });
  });
}

afterEach(() => {
  for (const c of live.connections.splice(0)) c.close();
  for (const p of live.processes.splice(0)) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
});

describe('cdp: spawnInspected', () => {
  it('starts node with the inspector on a loopback port and still hands over stdout and stderr from the start', async () => {
    const p = await spawnInspected(process.execPath, [path.join(programs, 'idle.js')], { timeoutMs: 30_000 });
    live.processes.push(p);
    assert.match(p.wsUrl, WS_URL);
    const [err, out] = await Promise.all([readUntil(p.stderr, /idle-program-stderr/), readUntil(p.stdout, /idle-program-stdout/)]);
    assert.match(err, /Debugger listening on ws:\/\//, 'the early stderr text is not lost');
    assert.match(out, /idle-program-stdout/);
  });

  it('runs a bare .js path with this Node', async () => {
    const p = await spawnInspected(path.join(programs, 'idle.js'), [], { timeoutMs: 30_000 });
    p.stdout.resume();
    p.stderr.resume();
    live.processes.push(p);
    assert.match(p.wsUrl, WS_URL);
    assert.equal(p.child.spawnfile, process.execPath);
  });

  it('reaches node through a wrapper command via NODE_OPTIONS', async () => {
    const script = `exec "${process.execPath}" "${path.join(programs, 'idle.js')}"`;
    const p = await spawnInspected('sh', ['-c', script], { timeoutMs: 30_000 });
    p.stdout.resume();
    p.stderr.resume();
    live.processes.push(p);
    assert.match(p.wsUrl, WS_URL);
    const c = await connect(p.wsUrl);
    const { result } = await c.send('Runtime.evaluate', { expression: '1 + 2' });
    assert.equal(result.value, 3);
  });

  it('says so when the command exits before any inspector starts', async () => {
    await assert.rejects(spawnInspected('sh', ['-c', 'echo not node >&2; exit 3']), /exited \(code 3\) before its inspector started.*not node/s);
  });

  it('says so when the command is not Node and keeps running', async () => {
    await assert.rejects(spawnInspected('sleep', ['30'], { timeoutMs: 500 }), /did not start Node's inspector within .*Node\.js programs/);
  });

  it('says so when the command does not exist', async () => {
    await assert.rejects(spawnInspected('/no/such/leak-watch-command', []), /Could not start .*ENOENT/);
  });

  it('puts the flag where node reads it', () => {
    assert.deepEqual(inspectedCommand('node', ['a.js'], {}).args, ['--inspect=127.0.0.1:0', 'a.js']);
    assert.deepEqual(inspectedCommand('app.mjs', ['x'], {}), { file: process.execPath, args: ['--inspect=127.0.0.1:0', 'app.mjs', 'x'], env: {} });
    const npm = inspectedCommand('npm', ['start'], { NODE_OPTIONS: '--max-old-space-size=100' });
    assert.deepEqual(npm.args, ['start']);
    assert.equal(npm.env.NODE_OPTIONS, '--max-old-space-size=100 --inspect=127.0.0.1:0');
  });
});

describe('cdp: CdpConnection', () => {
  it('sends typed requests and receives results and events; unsubscribe stops events', async () => {
    const p = await spawnProgram('idle.js');
    const c = await connect(p.wsUrl);
    const { result } = await c.send('Runtime.evaluate', { expression: '({ a: 40 + 2 }).a' });
    assert.equal(result.value, 42);
    const usage = await c.send('Runtime.getHeapUsage');
    assert.ok(usage.usedSize > 0 && usage.totalSize >= usage.usedSize);

    const contexts: string[] = [];
    const stop = c.on('Runtime.executionContextCreated', (e) => contexts.push(e.context.name));
    await c.send('Runtime.enable');
    assert.equal(contexts.length, 1, 'Runtime.enable reports the existing context before its reply');
    stop();
    await c.send('Runtime.disable');
    await c.send('Runtime.enable');
    assert.equal(contexts.length, 1, 'no event after unsubscribing');
  });

  it('keeps delivering events and replies when one listener throws', async () => {
    const p = await spawnProgram('idle.js');
    const c = await connect(p.wsUrl);
    const thrown = await captureUncaught(async () => {
      let heard = 0;
      c.on('Runtime.executionContextCreated', () => {
        throw new Error('listener bug');
      });
      c.on('Runtime.executionContextCreated', () => heard++);
      await c.send('Runtime.enable');
      assert.equal((await c.send('Runtime.evaluate', { expression: '5' })).result.value, 5);
      assert.equal(heard, 1);
    });
    assert.deepEqual(thrown.map((e) => (e as Error).message), ['listener bug']);
  });

  it('turns a protocol error into an Error carrying the CDP message', async () => {
    const p = await spawnProgram('idle.js');
    const c = await connect(p.wsUrl);
    const error = await c.sendRaw('LeakWatch.noSuchMethod').then(
      () => assert.fail('should reject'),
      (e: unknown) => e,
    );
    assert.ok(error instanceof CdpProtocolError);
    assert.equal(error.method, 'LeakWatch.noSuchMethod');
    assert.match(error.message, /^LeakWatch\.noSuchMethod failed: .*wasn't found/);
    // the session still works afterwards
    assert.equal((await c.send('Runtime.evaluate', { expression: '7' })).result.value, 7);
  });

  it('times out a request that gets no reply, naming the method, and keeps working', async () => {
    const p = await spawnProgram('idle.js');
    const c = await connect(p.wsUrl);
    const started = Date.now();
    await assert.rejects(
      c.send('Runtime.evaluate', { expression: 'new Promise(() => {})', awaitPromise: true }, { timeoutMs: 300 }),
      (e: unknown) => e instanceof CdpTimeoutError && e.method === 'Runtime.evaluate' && /Runtime\.evaluate got no reply/.test(e.message),
    );
    assert.ok(Date.now() - started < 5000);
    assert.equal((await c.send('Runtime.evaluate', { expression: '8' })).result.value, 8);
  });

  it('rejects every pending request with a clear error when the debuggee dies, and refuses new ones', async () => {
    const p = await spawnProgram('idle.js');
    const c = await connect(p.wsUrl);
    let closeReason: string | undefined;
    c.onClose((r) => (closeReason = r));
    const hanging = [1, 2].map(() => c.send('Runtime.evaluate', { expression: 'new Promise(() => {})', awaitPromise: true }, { timeoutMs: 0 }));
    await c.send('Runtime.evaluate', { expression: '0' }); // the hanging ones are surely in flight
    p.child.kill('SIGKILL');
    for (const h of hanging) {
      await assert.rejects(h, (e: unknown) => e instanceof CdpClosedError && /^The inspector connection closed \(.+\) while waiting for Runtime\.evaluate\.$/.test(e.message));
    }
    assert.equal(c.closed, true);
    assert.ok(closeReason);
    await assert.rejects(c.send('Runtime.getHeapUsage'), /The inspector connection is closed .*cannot send Runtime\.getHeapUsage/);
  });

  it('rejects a snapshot in flight when the debuggee is killed mid-snapshot', async () => {
    const p = await spawnProgram('bigheap.js', { BIGHEAP_OBJECTS: '20000' });
    const c = await connect(p.wsUrl);
    let chunks = 0;
    c.on('HeapProfiler.addHeapSnapshotChunk', () => {
      if (++chunks === 1) p.child.kill('SIGKILL');
    });
    await assert.rejects(
      c.send('HeapProfiler.takeHeapSnapshot', { reportProgress: false }, { timeoutMs: 0 }),
      /^Error: The inspector connection closed \(.+\) while waiting for HeapProfiler\.takeHeapSnapshot\.$|while waiting for HeapProfiler\.takeHeapSnapshot/,
    );
    assert.ok(chunks >= 1);
  });

  it('takes a burst of large messages one per turn of the event loop, so other work gets its turns', async () => {
    const server = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    await new Promise((resolve) => server.once('listening', resolve));
    const chunk = 'x'.repeat(100_000);
    server.on('connection', (socket) => socket.once('message', (request) => {
      const { id } = JSON.parse(request.toString()) as { id: number };
      for (let i = 0; i < 200; i++) socket.send(JSON.stringify({ method: 'HeapProfiler.addHeapSnapshotChunk', params: { chunk } }));
      socket.send(`{"id":${id},"result":{}}`);
    }));
    try {
      const c = await connect(`ws://127.0.0.1:${(server.address() as AddressInfo).port}/`);
      // A turn counter: one step per pass of the event loop.
      let turn = 0;
      let ticking = true;
      const tick = () => {
        turn++;
        if (ticking) setImmediate(tick);
      };
      setImmediate(tick);
      const turns: number[] = [];
      const stop = c.on('HeapProfiler.addHeapSnapshotChunk', () => turns.push(turn));
      await c.sendRaw('Test.sendChunks');
      ticking = false;
      stop();
      assert.equal(turns.length, 200);
      // 20 MB arrive faster than they are handled; read in one go, ~20 messages would share each turn.
      const shared = turns.filter((t, i) => i > 0 && t === turns[i - 1]).length;
      assert.ok(shared <= 10, `${shared} of 200 messages were handled in the same turn as the one before`);
    } finally {
      server.close();
    }
  });

  it('close() rejects pending requests and fires onClose once', async () => {
    const p = await spawnProgram('idle.js');
    const c = await connect(p.wsUrl);
    let closes = 0;
    c.onClose(() => closes++);
    const pending = c.send('Runtime.evaluate', { expression: 'new Promise(() => {})', awaitPromise: true });
    c.close();
    c.close();
    await assert.rejects(pending, /closed \(closed by Leak Watch\) while waiting for Runtime\.evaluate/);
    assert.equal(closes, 1);
  });

  it('explains a failed connection', async () => {
    const p = await spawnProgram('idle.js');
    const wrongPath = p.wsUrl.replace(/\/[0-9a-f-]+$/, '/00000000-0000-0000-0000-000000000000');
    await assert.rejects(connectWebSocket(wrongPath, { timeoutMs: 5000 }), /refused the WebSocket|Could not connect/);
    const port = new URL(p.wsUrl).port;
    p.child.kill('SIGKILL');
    await new Promise((r) => p.child.once('exit', r));
    await assert.rejects(connectWebSocket(`ws://127.0.0.1:${port}/x`, { timeoutMs: 5000 }), /Could not connect to the inspector at .*ECONNREFUSED/);
  });
});

describe('cdp: resolveEndpoint', () => {
  it('finds the WebSocket URL through /json/list from host:port, http://host:port, localhost and a bare port', async () => {
    const p = await spawnProgram('idle.js');
    const port = new URL(p.wsUrl).port;
    assert.equal(await resolveEndpoint(`127.0.0.1:${port}`), p.wsUrl);
    assert.equal(await resolveEndpoint(`http://127.0.0.1:${port}`), p.wsUrl);
    assert.equal(await resolveEndpoint(port), p.wsUrl);
    // node echoes the Host header it was asked with
    const viaLocalhost = await resolveEndpoint(`localhost:${port}`);
    assert.equal(viaLocalhost, p.wsUrl.replace('127.0.0.1', 'localhost'));
    assert.equal((await (await connect(viaLocalhost)).send('Runtime.evaluate', { expression: '1' })).result.value, 1);
    assert.equal(await resolveEndpoint(p.wsUrl), p.wsUrl, 'a ws:// URL is taken as given');
    const c = await connect(await resolveEndpoint(`127.0.0.1:${port}`));
    assert.equal((await c.send('Runtime.evaluate', { expression: '"ok"' })).result.value, 'ok');
  });

  it('refuses hosts other than this machine unless allowed', async () => {
    await assert.rejects(resolveEndpoint('10.1.2.3:9229'), /Refusing to connect to 10\.1\.2\.3 .*allow remote hosts explicitly/);
    await assert.rejects(resolveEndpoint('ws://example.com:9229/abc'), /Refusing to connect to example\.com/);
    await assert.rejects(resolveEndpoint('http://[2001:db8::1]:9229'), /Refusing to connect/);
    assert.equal(await resolveEndpoint('ws://example.com:9229/abc', { allowRemote: true }), 'ws://example.com:9229/abc');
  });

  it('refuses a /json/list whose target points elsewhere', async () => {
    await withHttpServer((_req, res) => res.end(JSON.stringify([{ webSocketDebuggerUrl: 'ws://evil.example:9229/x' }])), async (port) => {
      await assert.rejects(resolveEndpoint(`127.0.0.1:${port}`), /Refusing to connect to evil\.example/);
    });
  });

  it('explains ports that are not an inspector', async () => {
    await withHttpServer((_req, res) => res.end('<html>hello</html>'), async (port) => {
      await assert.rejects(resolveEndpoint(`127.0.0.1:${port}`), /did not return JSON\. Is this a Node inspector port\?/);
    });
    await withHttpServer((_req, res) => res.end('[]'), async (port) => {
      await assert.rejects(resolveEndpoint(`127.0.0.1:${port}`), /lists no debuggable target/);
    });
    await withHttpServer(() => {}, async (port) => {
      await assert.rejects(resolveEndpoint(`127.0.0.1:${port}`, { timeoutMs: 300 }), /Could not reach the inspector .*no answer within 300 ms/);
    });
    await assert.rejects(resolveEndpoint('127.0.0.1'), /has no port/);
    await assert.rejects(resolveEndpoint('127.0.0.1:1'), /Could not reach the inspector at 127\.0\.0\.1:1 .*ECONNREFUSED/);
  });

  it('knows loopback addresses', () => {
    for (const h of ['localhost', '127.0.0.1', '127.1.2.3', '::1', '[::1]', 'LOCALHOST']) assert.ok(isLoopbackHost(h), h);
    for (const h of ['10.0.0.1', 'example.com', '::', '0.0.0.0', '128.0.0.1', 'localhost.example.com']) assert.ok(!isLoopbackHost(h), h);
  });
});

async function withHttpServer(handler: http.RequestListener, body: (port: number) => Promise<void>): Promise<void> {
  const server = http.createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    await body((server.address() as AddressInfo).port);
  } finally {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
}
