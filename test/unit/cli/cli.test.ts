import * as assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Report } from '../../../src/core/report';
import { fixture } from '../../fixtures';
import { builtBundles } from '../helpers/bundles';

const CLI = builtBundles().cli;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built CLI and collects its output. */
function cli(args: string[], timeoutMs = 90_000, options: { env?: NodeJS.ProcessEnv; nodeArgs?: string[] } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...(options.nodeArgs ?? []), CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...options.env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`leak-watch ${args.join(' ')} did not finish in ${timeoutMs} ms\n${stderr}`));
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('leak-watch CLI', function () {
  this.timeout(120_000);
  const dir = mkdtempSync(join(tmpdir(), 'leak-watch-cli-'));

  before(function () {
  });

  it('--help documents every command, option and exit code', async () => {
    const r = await cli(['--help']);
    assert.equal(r.code, 0);
    for (const word of ['run', 'attach', 'analyze', '--samples', '--duration', '--interval', '--pause-budget', '--json', '--save-snapshots', '--no-allocation-sites', '--precise-sites', '--fail-on-leak', 'compare', '--baseline', '--fail-on any|new', '.leakwatch.json', 'Exit codes']) {
      assert.ok(r.stdout.includes(word), `--help mentions ${word}`);
    }
  });

  it('bad arguments: a one-line error and exit 2', async () => {
    for (const args of [[], ['frobnicate'], ['run'], ['run', '--samples', 'x', '--', 'node', 'a.js'], ['analyze'], ['attach'], ['run', '--bogus', '--', 'node']]) {
      const r = await cli(args);
      assert.equal(r.code, 2, `exit code of ${args.join(' ')}: ${r.stderr}`);
      assert.equal(r.stderr.trim().split('\n').length, 1, `one line for ${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, /^leak-watch: /);
    }
  });

  it('a non-snapshot, truncated or missing file: a one-line error naming the file, exit 1', async () => {
    const notJson = join(dir, 'notes.txt');
    writeFileSync(notJson, 'hello, world\n');
    const truncated = join(dir, 'cut.heapsnapshot');
    writeFileSync(truncated, '{"snapshot":{"meta":{"node_fields":["type"');
    for (const file of [notJson, truncated, join(dir, 'missing.heapsnapshot')]) {
      const r = await cli(['analyze', file]);
      assert.equal(r.code, 1, r.stderr);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.ok(r.stderr.includes(file), `names ${file}: ${r.stderr}`);
    }
  });

  it('a program that exits at once, and a command that is not Node: a one-line error, exit 1', async () => {
    const quick = join(dir, 'quick.js');
    writeFileSync(quick, 'console.log("bye")\n');
    for (const program of [[process.execPath, quick], ['/bin/echo', 'hello']]) {
      const r = await cli(['run', '--samples', '2', '-q', '--', ...program]);
      assert.equal(r.code, 1, `${program.join(' ')}: ${r.stderr}`);
      assert.equal(r.stderr.trim().split('\n').filter((l) => l.startsWith('leak-watch:')).length, 1, r.stderr);
    }
  });

  let saved: string[] = [];

  it('run: finds the Map-cache leak, saves snapshots DevTools can open, and writes the JSON report', async () => {
    const f = fixture('leak-map-cache');
    const snaps = join(dir, 'snaps');
    const json = join(dir, 'run.json');
    const r = await cli(['run', '--samples', '5', '--interval', '1', '--precise-sites', '--json', json, '--save-snapshots', snaps, '--fail-on-leak', '--', 'node', f.file]);
    assert.equal(r.code, 3, `exit 3 on a leak with --fail-on-leak\n${r.stderr}\n${r.stdout}`);
    const report = JSON.parse(readFileSync(json, 'utf8')) as Report;
    assert.equal(report.version, 1);
    assert.equal(report.target.kind, 'run');
    assert.equal(report.samples.length, 5);
    for (const s of report.samples) assert.ok(s.pauseMs > 0 && s.nodes > 0 && s.heapUsed > 0);
    assert.equal(report.types[0].name, 'Session');
    assert.equal(report.types[0].verdict, 'leak');
    assert.ok(report.types[0].counts.at(-1)! > report.types[0].counts[0]);
    const leak = report.leaks.find((l) => l.type === 'Session');
    assert.ok(leak, 'Session is explained');
    assert.ok(leak!.newObjects > 0);
    const site = leak!.allocationSites[0];
    assert.ok(site, 'an allocation site');
    assert.equal(site.file, f.file);
    assert.equal(site.line, f.allocLine);
    assert.equal(site.kind, 'allocation');
    assert.ok(leak!.retainerPaths.length > 0);
    assert.match(r.stdout, /Session/);
    assert.match(r.stdout, new RegExp(`${f.file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:${f.allocLine}:\\d+`));
    saved = readdirSync(snaps).filter((n) => n.endsWith('.heapsnapshot')).sort().map((n) => join(snaps, n));
    assert.equal(saved.length, 5);
  });

  it('analyze: several saved snapshots of one process give the same leak; one gives the top types', async () => {
    assert.ok(saved.length >= 3, 'snapshots from the run test');
    const many = await cli(['analyze', ...saved, '--json', '-', '-q']);
    assert.equal(many.code, 0, many.stderr);
    const report = JSON.parse(many.stdout) as Report;
    assert.equal(report.target.kind, 'files');
    assert.equal(report.samples.length, saved.length);
    assert.equal(report.types[0].name, 'Session');
    assert.equal(report.types[0].verdict, 'leak');
    const one = await cli(['analyze', saved[0], '--json', '-', '-q']);
    assert.equal(one.code, 0, one.stderr);
    const single = JSON.parse(one.stdout) as Report;
    assert.equal(single.samples.length, 1);
    assert.ok(single.types.length > 10);
    assert.ok(single.types.every((t) => t.verdict === 'ok'));
    // Two snapshots of one process: too early for a verdict, said so, and no type shown as ok.
    const two = await cli(['analyze', saved[0], saved[1], '-q']);
    assert.equal(two.code, 0, two.stderr);
    assert.match(two.stdout, /Too early to tell: 2 snapshots of one process; a verdict needs 4/);
    assert.doesNotMatch(two.stdout, /No leak found/);
    assert.match(two.stdout, /^Session .* too early$/m);
  });

  it('analyze: on Linux, in a child process with huge pages for its arrays only when asked (LEAK_WATCH_HUGE_PAGES=1), and never over the user\'s tunables', async function () {
    if (process.platform !== 'linux') this.skip();
    // Preloaded into every node process the CLI runs: which glibc tunables it started with.
    const preload = join(dir, 'tunables.cjs');
    writeFileSync(preload, "process.on('exit', () => process.stderr.write(`TUNABLES ${process.env.GLIBC_TUNABLES ?? '-'}\\n`));");
    const tunables = (r: Run) => r.stderr.split('\n').filter((l) => l.startsWith('TUNABLES ')).map((l) => l.slice(9));
    const env = { GLIBC_TUNABLES: undefined, LEAK_WATCH_HUGE_PAGES: undefined };
    const run = (extra: NodeJS.ProcessEnv) => cli(['analyze', saved[0], '--json', '-', '-q'], 90_000, { env: { ...env, ...extra }, nodeArgs: ['-r', preload] });
    // By default: one process, no tunables.
    const small = await run({});
    assert.equal(small.code, 0, small.stderr);
    assert.deepEqual(tunables(small), ['-']);
    // Asked for: the analysis in the child, the parent waiting.
    const forced = await run({ LEAK_WATCH_HUGE_PAGES: '1' });
    assert.equal(forced.code, 0, forced.stderr);
    assert.deepEqual(tunables(forced), ['glibc.malloc.hugetlb=1', '-']);
    assert.equal(JSON.stringify((JSON.parse(forced.stdout) as Report).types), JSON.stringify((JSON.parse(small.stdout) as Report).types), 'the child writes the same report');
    const off = await run({ LEAK_WATCH_HUGE_PAGES: '0' });
    assert.deepEqual(tunables(off), ['-']);
    const own = await run({ GLIBC_TUNABLES: 'glibc.malloc.check=0', LEAK_WATCH_HUGE_PAGES: '1' });
    assert.deepEqual(tunables(own), ['glibc.malloc.check=0'], "the user's tunables are kept, no child");
    const bad = await cli(['analyze', join(dir, 'missing.heapsnapshot'), '-q'], 90_000, { env: { ...env, LEAK_WATCH_HUGE_PAGES: '1' } });
    assert.equal(bad.code, 1, "the child's exit code is the CLI's");
    assert.equal(bad.stderr.trim().split('\n').length, 1, bad.stderr);
  });

  it('attach: watches a running program and leaves it running', async () => {
    const f = fixture('leak-array');
    const child: ChildProcess = spawn(process.execPath, ['--inspect=127.0.0.1:0', f.file], { stdio: ['ignore', 'ignore', 'pipe'] });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let err = '';
        child.stderr!.on('data', (d) => {
          err += d;
          const m = /ws:\/\/\S+/.exec(err);
          if (m) resolve(m[0]);
        });
        child.on('exit', () => reject(new Error(`fixture exited: ${err}`)));
      });
      const r = await cli(['attach', url, '--samples', '4', '--interval', '1', '--json', '-', '-q']);
      assert.equal(r.code, 0, r.stderr);
      const report = JSON.parse(r.stdout) as Report;
      assert.equal(report.target.kind, 'attach');
      // Without --precise-sites: the `new` found in the source, no allocation tracking.
      const leak = report.leaks.find((l) => l.type === f.leakType);
      assert.equal(leak?.allocationSites[0]?.kind, 'source');
      assert.equal(leak?.allocationSites[0]?.line, f.allocLine);
      assert.equal(report.types[0].name, f.leakType);
      assert.equal(report.types[0].verdict, 'leak');
      assert.equal(child.exitCode, null, 'the program still runs after detaching');
    } finally {
      child.kill();
    }
  });

  it('attach: refuses a non-loopback host unless --allow-remote', async () => {
    const r = await cli(['attach', '10.1.2.3:9229', '-q']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /allow-remote|loopback/);
  });
});
