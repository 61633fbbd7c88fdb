// Finding a command's Node programs and ending its processes, on real processes: the inspector
// preload and its registry, the process tree, and which addresses count as this machine.
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import * as esbuild from 'esbuild';
import { checkLoopbackPeer, isLoopbackAddress, isLoopbackHost, loopbackLookup } from '../../../src/core/cdp/loopback';
import { NodeProcessRegistry, type NodeProcess } from '../../../src/core/cdp/nodeProcesses';
import { isPackageManager } from '../../../src/core/cdp/processReport';
import { endProcesses, isRunning } from '../../../src/core/cdp/processTree';
import { ProgramRun } from '../../../src/core/cdp/programRun';
import { nothingListens } from '../cli/support';

describe('cdp: the Node processes of a command', function () {
  this.timeout(60_000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leak-watch-processes-'));
  const preloadPath = path.join(dir, 'inspectorPreload.js');
  const registries: NodeProcessRegistry[] = [];
  const open = async () => {
    const r = await NodeProcessRegistry.open({ preloadPath });
    registries.push(r);
    return r;
  };
  const next = (registry: NodeProcessRegistry, event: 'started' | 'ended') => new Promise<NodeProcess>((resolve) => registry.once(event, resolve));

  before(async () => {
    await esbuild.build({ entryPoints: [path.join(__dirname, '../../../src/core/cdp/inspectorPreload.ts')], bundle: true, platform: 'node', format: 'cjs', outfile: preloadPath, logLevel: 'error' });
  });
  afterEach(async () => {
    for (const r of registries.splice(0)) await r.close();
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('each Node process reports its pid, parent, argv and inspector URL, then its exit code and its end', async () => {
    const registry = await open();
    const started = next(registry, 'started');
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => process.exit(7), 500)'], { env: registry.environment(process.env), stdio: 'ignore' });
    const p = await started;
    assert.equal(p.pid, child.pid);
    assert.equal(p.ppid, process.pid);
    assert.equal(p.packageManager, false);
    assert.match(p.inspectorUrl ?? '', /^ws:\/\/127\.0\.0\.1:\d+\/[0-9a-f-]+$/);
    const ended = await next(registry, 'ended');
    assert.equal(ended, p);
    assert.equal(p.exitCode, 7);
    assert.equal(p.ended, true);
    assert.ok(await nothingListens(Number(new URL(p.inspectorUrl!).port)));
  });

  it('keeps the user\'s NODE_OPTIONS, and takes a preload path with spaces and quotes', async () => {
    const odd = path.join(dir, 'a "quoted" dir', 'inspector preload.js');
    fs.mkdirSync(path.dirname(odd), { recursive: true });
    fs.copyFileSync(preloadPath, odd);
    const registry = await NodeProcessRegistry.open({ preloadPath: odd });
    registries.push(registry);
    const env = registry.environment({ ...process.env, NODE_OPTIONS: '--max-old-space-size=123' });
    const started = next(registry, 'started');
    const child = spawn(process.execPath, ['-e', "process.stdout.write(String(require('v8').getHeapStatistics().heap_size_limit < 200e6))"], { env, stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    assert.equal((await started).pid, child.pid);
    await new Promise((r) => child.once('close', r));
    assert.equal(out, 'true', "the user's --max-old-space-size still applies");
  });

  it('a package manager is reported without an inspector', async () => {
    const npmCli = path.join(dir, 'node_modules/npm/bin/npm-cli.js');
    fs.mkdirSync(path.dirname(npmCli), { recursive: true });
    fs.writeFileSync(npmCli, 'setTimeout(() => {}, 200);');
    const registry = await open();
    const started = next(registry, 'started');
    spawn(process.execPath, [npmCli, 'run', 'start'], { env: registry.environment(process.env), stdio: 'ignore' });
    const p = await started;
    assert.equal(p.packageManager, true);
    assert.equal(p.inspectorUrl, undefined);
    for (const argv of [['node', '/usr/lib/node_modules/npm/bin/npm-cli.js'], ['node', '/usr/local/bin/npx'], ['node', 'C:\\Program Files\\nodejs\\node_modules\\corepack\\dist\\pnpm.js'], ['node', '/home/u/.yarn/releases/yarn-4.1.0.cjs'], ['node', '/opt/yarn/bin/yarn.js']]) {
      assert.ok(isPackageManager(argv), argv[1]);
    }
    for (const argv of [['node', '/srv/app/server.js'], ['node', '/srv/npm-stats/index.js'], ['node']]) assert.ok(!isPackageManager(argv), argv[1] ?? '(none)');
  });

  it('listens in a folder of the user\'s alone, refuses a report without the token, and a process whose registry goes away closes its inspector and ends', async () => {
    const registry = await open();
    let reports = 0;
    registry.on('started', () => reports++);
    const address = registry.environment({}).LEAK_WATCH_REGISTRY!;
    assert.equal(fs.statSync(path.dirname(address.slice(address.indexOf('@') + 1))).mode & 0o077, 0, "the socket's folder is the user's alone");
    const forged = net.connect(address.slice(address.indexOf('@') + 1));
    forged.write(`${JSON.stringify({ token: 'f'.repeat(48), pid: 1, ppid: 0, argv: [], execPath: '', packageManager: false, inspectorUrl: 'ws://127.0.0.1:1/x' })}\n`);
    await new Promise((r) => forged.once('close', r));
    assert.equal(reports, 0, 'a wrong token is not reported');
    const started = next(registry, 'started');
    const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { env: registry.environment(process.env), stdio: 'ignore' });
    const p = await started;
    await registry.close();
    const exit = await new Promise<NodeJS.Signals | null>((r) => child.once('exit', (_code, signal) => r(signal)));
    assert.equal(exit, 'SIGTERM');
    assert.ok(await nothingListens(Number(new URL(p.inspectorUrl!).port)));
  });

  it("a command's stderr comes without the inspector's lines, and its first Node program is found behind a shell", async () => {
    const registry = await open();
    const run = await ProgramRun.start('sh', ['-c', `echo from-sh >&2; ${process.execPath} -e "console.error('from-node'); setInterval(() => {}, 1000)"`], { registry });
    let stderr = '';
    run.stderr.on('data', (d: string) => (stderr += d));
    run.stdout.resume();
    const program = await run.nodeProgram(20_000);
    assert.notEqual(program.pid, run.child.pid, 'the node process, not the shell');
    const ended = await run.end();
    assert.deepEqual(ended.survivors, []);
    assert.deepEqual([...ended.ended].sort(), [run.child.pid!, program.pid].sort());
    await run.outputEnded;
    assert.deepEqual(stderr.split('\n').filter(Boolean), ['from-sh', 'from-node']);
  });

  it('ends a process group, a stopped process and one that left the group', async () => {
    // sh starts a child in the group, one stopped, and one in a session of its own (setsid).
    const script = 'sleep 60 & sleep 60 & kill -STOP $!; setsid sleep 60 & echo ready; wait';
    const sh = spawn('sh', ['-c', script], { detached: true, stdio: ['ignore', 'pipe', 'ignore'] });
    await new Promise((r) => sh.stdout.once('data', r));
    const ended = await endProcesses(sh.pid, [sh.pid!]);
    assert.deepEqual(ended.survivors, []);
    assert.equal(ended.ended.length, 4, `sh and its three sleeps: ${ended.ended}`);
    for (const pid of ended.ended) assert.equal(isRunning(pid), false);
  });
});

describe('cdp: which addresses are this machine', () => {
  it('takes only localhost and literal loopback addresses as loopback, never *.localhost', () => {
    for (const h of ['localhost', 'LOCALHOST', '127.0.0.1', '127.9.9.9', '::1', '[::1]', '::ffff:127.0.0.1']) assert.ok(isLoopbackHost(h), h);
    for (const h of ['evil.localhost', 'a.b.localhost', 'localhost.', 'localhost.evil.example', '0.0.0.0', '::', '10.0.0.1', '::ffff:10.0.0.1']) assert.ok(!isLoopbackHost(h), h);
    assert.ok(!isLoopbackAddress('localhost'), 'a name is not an address');
  });

  it('resolves a name only to loopback addresses, and checks the peer actually reached', async () => {
    const lookup = (host: string) =>
      new Promise<string>((resolve, reject) => loopbackLookup(host, {}, (error, address) => (error ? reject(error) : resolve(address as string))));
    assert.ok(isLoopbackAddress(await lookup('localhost')));
    await assert.rejects(lookup('10.1.2.3'), (e: NodeJS.ErrnoException) => e.code === 'ENOTLOOPBACK' && /10\.1\.2\.3 resolves to 10\.1\.2\.3, not to this machine's loopback/.test(e.message));
    assert.throws(() => checkLoopbackPeer({ remoteAddress: '10.0.0.5' } as net.Socket, 'localhost:9229'), /the connection reached 10\.0\.0\.5, not this machine/);
    checkLoopbackPeer({ remoteAddress: '::ffff:127.0.0.1' } as net.Socket, 'localhost:9229');
  });
});
