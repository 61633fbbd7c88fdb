// Hostile names and inputs at the CLI: no raw control character reaches the terminal (from the
// debuggee, a snapshot file or a path), inputs that would hang are refused at once, and a
// remote-looking host is not taken for this machine.
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Report } from '../../../src/core/report';
import { CLI, endLeftBehind, leftBehind, newMark, runCli } from './support';

const evilNames = path.join(__dirname, '../programs/evil-names.js');
const EVIL_FILE = '/tmp/evil\x1b]0;PWNED\x07\x1b[2J\nforged: line\u202etxt.js';
/** What a terminal acts on: C0 controls but the line feed, DEL, C1, bidi controls and marks, line and paragraph separators. */
// eslint-disable-next-line no-control-regex
const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

/** Asserts that `text` holds no raw control character and no line the hostile name forged. */
function assertInert(text: string, what: string): void {
  const found = RAW_CONTROL.exec(text);
  assert.equal(found, null, `${what} holds a raw U+${found?.[0].charCodeAt(0).toString(16).padStart(4, '0')}: ${JSON.stringify(text.slice(Math.max(0, (found?.index ?? 0) - 60), (found?.index ?? 0) + 20))}`);
  assert.doesNotMatch(text, /^forged: line/m, `${what}: no forged line`);
}

describe('leak-watch CLI: untrusted names and inputs', function () {
  this.timeout(180_000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leak-watch-untrusted-'));
  const mark = newMark();
  after(() => {
    endLeftBehind(mark);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  before(function () {
    if (!fs.existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first`);
  });

  const snapshots = path.join(dir, 'snaps');

  it('a script file name with escape sequences, a newline and a bidi override: shown escaped in the text, exact in the JSON', async () => {
    const r = await runCli(['run', '--samples', '4', '--interval', '0.3', '--save-snapshots', snapshots, '--json', path.join(dir, 'run.json'), '--', 'node', evilNames], { mark });
    assert.equal(r.code, 0, r.stderr);
    assertInert(r.stdout, 'the report');
    assertInert(r.stderr, 'stderr');
    assert.ok(r.stdout.includes('/tmp/evil\\x1b]0;PWNED\\x07\\x1b[2J\\x0aforged: line\\u202etxt.js:'), `the file escaped in "allocated at":\n${r.stdout}`);
    const json = fs.readFileSync(path.join(dir, 'run.json'), 'utf8');
    assertInert(json.replace(/\n/g, ''), 'the JSON report');
    const report = JSON.parse(json) as Report;
    assert.ok(
      report.leaks.some((l) => l.allocationSites.some((s) => s.file === EVIL_FILE)),
      'the JSON keeps the name exactly',
    );
  });

  it('the same names read from snapshot files by analyze, and file names in error messages: escaped', async () => {
    const files = fs.readdirSync(snapshots).sort().map((f) => path.join(snapshots, f));
    assert.ok(files.length >= 3, 'snapshots from the run test');
    const r = await runCli(['analyze', ...files]);
    assert.equal(r.code, 0, r.stderr);
    assertInert(r.stdout, 'the report of the files');
    assert.ok(r.stdout.includes('\\x1b]0;PWNED'), r.stdout);
    const hostile = path.join(dir, 'x\x1b[2J\x07\u202e.heapsnapshot');
    const missing = await runCli(['analyze', hostile]);
    assert.equal(missing.code, 1);
    assertInert(missing.stderr, 'the error');
    assert.match(missing.stderr, /^leak-watch: .*x\\x1b\[2J\\x07\\u202e\.heapsnapshot: no such file/);
  });

  it('--no-allocation-sites: no site in the text, the JSON or the evidence', async () => {
    const r = await runCli(['run', '--samples', '4', '--interval', '0.3', '--no-allocation-sites', '--json', '-', '--', 'node', evilNames], { mark });
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout) as Report;
    const leak = report.leaks.find((l) => l.type === 'EvilRecord');
    assert.ok(leak, 'EvilRecord is explained');
    assert.deepEqual(report.leaks.map((l) => l.allocationSites), report.leaks.map(() => []));
    assert.ok(leak.evidence.every((e) => !/objects are made with/.test(e)), leak.evidence.join('\n'));
    assert.doesNotMatch(r.stderr, /allocated at:/);
  });

  it('analyze on a FIFO with no writer, or a character device: refused at once', async () => {
    const fifo = path.join(dir, 'pipe.heapsnapshot');
    spawn('mkfifo', [fifo]).on('exit', () => {});
    await new Promise((r) => setTimeout(r, 300));
    for (const [file, kind] of [[fifo, 'a named pipe \\(FIFO\\)'], ['/dev/zero', 'a character device']]) {
      const r = await runCli(['analyze', file], { timeoutMs: 20_000 });
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, new RegExp(`^leak-watch: ${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: is ${kind}, not a \\.heapsnapshot file; save the snapshot to a file first\\.\\n$`));
    }
  });

  it('a snapshot in a folder the user cannot read: "permission denied", not "no such file"', async function () {
    if (process.getuid?.() !== 0) this.skip(); // needs to run the CLI as another user
    const locked = path.join(dir, 'locked');
    fs.mkdirSync(locked, { mode: 0o700 });
    fs.writeFileSync(path.join(locked, 'a.heapsnapshot'), '{}');
    fs.chmodSync(dir, 0o755);
    const r = await runCli(['analyze', path.join(locked, 'a.heapsnapshot')], { uid: 65534, gid: 65534, timeoutMs: 30_000 });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /^leak-watch: .*locked\/a\.heapsnapshot: permission denied \(EACCES\)\n$/);
  });

  it('attach evil.localhost:9229 is refused without resolving it: only literal loopback addresses and localhost are this machine', async () => {
    for (const host of ['evil.localhost:9229', 'ws://evil.localhost:9229/x', 'localhost.evil.example:9229']) {
      const r = await runCli(['attach', host], { timeoutMs: 30_000 });
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, /^leak-watch: Refusing to connect to [\w.]+ \(from ".*"\): only localhost, 127\.x\.x\.x and ::1 are taken as this machine.* with --allow-remote\.\n$/);
    }
  });

  it('LEAK_WATCH_HUGE_PAGES=1: SIGTERM (or SIGKILL) to the CLI ends the analyze child it re-launched', async function () {
    if (process.platform !== 'linux') this.skip();
    // The child (GLIBC_TUNABLES set) records its pid, and its analysis waits for ever (its first stat never answers).
    const slow = path.join(dir, 'slow-child.cjs');
    fs.writeFileSync(
      slow,
      "if (process.env.GLIBC_TUNABLES) { const fs = require('fs'); fs.writeFileSync(process.env.CHILD_PID_TO, String(process.pid)); fs.promises.stat = () => new Promise(() => setInterval(() => {}, 1000)); }",
    );
    for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
      const pidFile = path.join(dir, `child-${signal}.pid`);
      const childMark = newMark();
      const cli = spawn(process.execPath, ['-r', slow, CLI, 'analyze', path.join(dir, 'whatever.heapsnapshot')], {
        env: { ...process.env, LEAK_WATCH_HUGE_PAGES: '1', GLIBC_TUNABLES: undefined, CHILD_PID_TO: pidFile, LEAK_WATCH_TEST_MARK: childMark },
        stdio: 'ignore',
      });
      try {
        for (let waited = 0; !fs.existsSync(pidFile) && waited < 30_000; waited += 50) await new Promise((r) => setTimeout(r, 50));
        assert.ok(fs.existsSync(pidFile), 'the child started');
        cli.kill(signal);
        await new Promise((r) => cli.once('exit', r));
        let left = leftBehind(childMark);
        for (let waited = 0; left.length && waited < 5000; waited += 100) {
          await new Promise((r) => setTimeout(r, 100));
          left = leftBehind(childMark);
        }
        assert.deepEqual(left, [], `after ${signal} to the CLI, its child is gone`);
      } finally {
        endLeftBehind(childMark);
      }
    }
  });
});
