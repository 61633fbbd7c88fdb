// `leak-watch run` under faults: wrappers, signals at the worst moments, outputs that cannot be
// written, programs that fail. After each run, no process the CLI started and no inspector port
// it opened may remain (cli-support.ts finds them by a mark in their environment).
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import type { Report } from '../../src/core/report';
import { assertNothingLeft, markedRunHooks, newMark, recorded, runCli, type CliRun } from './cli/support';

const recordedJs = path.join(__dirname, 'programs/recorded.js');

describe('reliability: leak-watch run ends every process it started', function () {
  this.timeout(180_000);
  const runs = markedRunHooks('leak-watch-run-');
  const { dir } = runs;

  /** The CLI's run of `command`, with recorded.js recording into this test's file. */
  const run = (args: string[], command: string[], options: Parameters<typeof runCli>[1] = {}) =>
    runCli(['run', ...args, '--', ...command], { mark: runs.mark, ...options, env: { RECORD_TO: runs.record, ...options.env } });
  /** Sends `signal` to the CLI once `pattern` shows on its stderr (once). */
  const signalWhen = (pattern: RegExp, signal: NodeJS.Signals, then?: { signal: NodeJS.Signals; afterMs: number }) => {
    let sent = false;
    return (stderr: string, cli: { kill(s: NodeJS.Signals): boolean }) => {
      if (sent || !pattern.test(stderr)) return;
      sent = true;
      cli.kill(signal);
      if (then) setTimeout(() => cli.kill(then.signal), then.afterMs);
    };
  };
  const ended = (r: CliRun) => /^leak-watch: ended (the process|the \d+ processes) of /m.test(r.stderr);

  it('a program under a shell wrapper: watched, then it and the shell are ended and said so', async () => {
    const r = await run(['--samples', '2', '--interval', '0.3'], ['sh', '-c', `node ${recordedJs}; echo done`]);
    const [program] = recorded(runs.record);
    assert.ok(program?.port, 'the program opened its inspector');
    await assertNothingLeft(runs.mark, runs.record);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(ended(r), r.stderr);
    assert.match(r.stdout, /^RecordedItem /m, "the program's heap was watched");
  });

  it('`npm run start` watches the program npm starts, not npm, and ends npm, its shell and the program', async () => {
    const app = path.join(dir, 'app');
    fs.mkdirSync(app, { recursive: true });
    fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', scripts: { start: `node ${recordedJs}` } }));
    const r = await run(['--samples', '2', '--interval', '0.3', '--json', '-'], ['npm', 'run', 'start'], { cwd: app });
    await assertNothingLeft(runs.mark, runs.record);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout) as Report;
    const [program] = recorded(runs.record);
    assert.equal(report.target.pid, program.pid, 'the report is of the program');
    assert.ok(report.types.some((t) => t.name === 'RecordedItem'), "RecordedItem: the program's heap, not npm's");
    assert.match(r.stderr, /^leak-watch: ended the [3-9] processes of "npm run start"/m);
  });

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`${signal} right after the program starts: the program is ended, the CLI says it was interrupted and exits 128+n`, async () => {
      const r = await run(['--samples', '3'], ['node', recordedJs], {
        env: { PRINT_TO_STDERR: 'recorded.js is running' },
        onStderr: signalWhen(/recorded\.js is running/, signal),
      });
      await assertNothingLeft(runs.mark, runs.record);
      assert.equal(r.code, signal === 'SIGINT' ? 130 : 143, r.stderr);
      assert.match(r.stderr, new RegExp(`^leak-watch: Interrupted by ${signal} before the first snapshot\\.$`, 'm'));
      assert.ok(ended(r), r.stderr);
      assert.doesNotMatch(r.stderr, /The program finished/);
    });
  }

  it('SIGINT while watching stops with the report of the snapshots taken; a second SIGINT while stopping kills at once', async () => {
    const first = await run(['--samples', '50', '--interval', '0.3'], ['node', recordedJs], { onStderr: signalWhen(/^sample 1 of 50/m, 'SIGINT') });
    await assertNothingLeft(runs.mark, runs.record);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /^note: Stopped by SIGINT after \d+ snapshots?\.$/m);
    assert.ok(ended(first), first.stderr);

    runs.mark = newMark();
    const second = await run(['--samples', '50', '--interval', '0.3'], ['node', recordedJs], {
      onStderr: signalWhen(/^sample 1 of 50/m, 'SIGINT', { signal: 'SIGINT', afterMs: 20 }),
    });
    await assertNothingLeft(runs.mark, runs.record);
    assert.equal(second.code, 130, second.stderr);
    assert.match(second.stderr, /^leak-watch: SIGINT again: killed the program's processes at once; no report\.$/m);
    assert.equal(second.stdout, '');
  });

  it('SIGKILL to the CLI: the program closes its inspector and ends by itself', async () => {
    let registry = '';
    const kill = signalWhen(/^sample 1 of 50/m, 'SIGKILL');
    const r = await run(['--samples', '50', '--interval', '0.3'], ['node', recordedJs], {
      onStderr: (stderr, cli) => {
        // Where the registry's socket is (the CLI cannot remove its folder once killed; the test does).
        const program = recorded(runs.record)[0];
        if (program && !registry) registry = /LEAK_WATCH_REGISTRY=[0-9a-f]+@([^\0]+)/.exec(fs.readFileSync(`/proc/${program.pid}/environ`, 'latin1'))?.[1] ?? '';
        kill(stderr, cli);
      },
    });
    assert.equal(r.signal, 'SIGKILL');
    assert.ok(recorded(runs.record).length, 'the program ran');
    await assertNothingLeft(runs.mark, runs.record, 5000);
    if (registry) fs.rmSync(path.dirname(registry), { recursive: true, force: true });
  });

  it("an error the CLI did not catch: the program's processes are killed before it exits 1", async () => {
    // Preloaded into the CLI alone: throws from a timer once the program has recorded itself.
    const bug = path.join(dir, 'cli-bug.cjs');
    fs.writeFileSync(bug, "const fs = require('fs'); const t = setInterval(() => { if (fs.existsSync(process.env.RECORD_TO)) { clearInterval(t); throw new Error('an injected CLI bug'); } }, 20);");
    const r = await run(['--samples', '50', '--interval', '0.3'], ['node', recordedJs], { nodeArgs: ['-r', bug] });
    assert.ok(recorded(runs.record).length, 'the program ran');
    await assertNothingLeft(runs.mark, runs.record);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /^leak-watch: internal error: Error: an injected CLI bug$/m);
    assert.match(r.stderr, /^leak-watch: an internal error: killed the program's processes at once; no report\.$/m);
  });

  it('--save-snapshots naming a file, or a folder under /proc: a clear error at once, and no program is started', async () => {
    const file = path.join(dir, 'a-file');
    fs.writeFileSync(file, '');
    for (const [target, why] of [
      [file, 'it is a file, not a folder'],
      ['/proc/leak-watch-nope', 'cannot make /proc/leak-watch-nope: no such file or folder \\(ENOENT\\)'],
    ]) {
      const r = await run(['--samples', '2', '--save-snapshots', target], ['node', recordedJs], { timeoutMs: 30_000 });
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, new RegExp(`^leak-watch: Cannot save snapshots in ${target.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: ${why}\\. Give --save-snapshots a folder you can write to\\.\\n$`));
      assert.deepEqual(recorded(runs.record), [], 'the program never started');
      await assertNothingLeft(runs.mark, runs.record);
    }
  });

  it('--json to a path that cannot be written: a one-line error before anything starts', async () => {
    for (const target of [path.join(dir, 'no-such-folder', 'r.json'), dir]) {
      const r = await run(['--samples', '2', '--json', target], ['node', recordedJs], { timeoutMs: 30_000 });
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, new RegExp(`^leak-watch: Cannot write the JSON report to ${target.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: (no such file or folder \\(ENOENT\\)|is a folder \\(EISDIR\\))\\. Give --json a path in a folder you can write to\\.\\n$`));
      assert.deepEqual(recorded(runs.record), [], 'the program never started');
      await assertNothingLeft(runs.mark, runs.record);
    }
  });

  it("a program that throws after a while: its snapshots are reported, its error is shown and the CLI exits 1", async () => {
    const r = await run(['--samples', '50', '--interval', '0.3'], ['node', recordedJs], { env: { THROW_AFTER_MS: '3000' } });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /^Error: recorded\.js gave up after 3000 ms$/m, "the program's own stack trace is passed on");
    assert.match(r.stdout, /^note: The program \(pid \d+\) exited with code 1 after \d+ snapshots?: Error: recorded\.js gave up after 3000 ms$/m);
    await assertNothingLeft(runs.mark, runs.record);
  });

  it('a program that throws while a GC asked for waits (its event loop blocked, then gone): the last snapshot is taken and the CLI exits 1 at once', async () => {
    // Node answers a GC only from its event loop: asked for as the program ends, never. The watch
    // waited for it until the snapshot timeout (120 s).
    const r = await run(['--samples', '50', '--interval', '0.3'], ['node', recordedJs], { env: { THROW_AFTER_MS: '1500', BUSY_MS: '2000' }, timeoutMs: 40_000 });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /^note: The program \(pid \d+\) exited with code 1 after \d+ snapshots?: Error: recorded\.js gave up after 1500 ms$/m);
    await assertNothingLeft(runs.mark, runs.record);
  });

  it('a program that cannot start (node missing.js): the reason, not a connection error', async () => {
    const r = await run(['--samples', '2'], ['node', path.join(dir, 'missing.js')]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /^leak-watch: .*exited with code 1 before leak-watch could (watch its Node\.js program|attach): Error: Cannot find module '.*missing\.js'$/m);
    assert.doesNotMatch(r.stderr, /ECONNREFUSED/);
    await assertNothingLeft(runs.mark, runs.record);
  });

  it('a program whose own --inspect port is taken is watched on a port of its own', async () => {
    const busy = net.createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
    try {
      const port = (busy.address() as net.AddressInfo).port;
      const r = await run(['--samples', '2', '--interval', '0.3'], ['node', `--inspect=127.0.0.1:${port}`, recordedJs], { timeoutMs: 60_000 });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /Starting inspector on 127\.0\.0\.1:\d+ failed: address already in use/, "node's own word is passed on");
      assert.match(r.stdout, /^RecordedItem /m);
      await assertNothingLeft(runs.mark, runs.record);
    } finally {
      busy.close();
    }
  });

  it('a snapshot that never finishes (the program stopped): said once, with an option that exists, and the stopped program is ended', async () => {
    let stopped = false;
    const r = await run(['--samples', '50', '--interval', '0.3', '--snapshot-timeout', '3'], ['node', recordedJs], {
      onStderr: (stderr) => {
        if (stopped || !/^sample 1 of 50/m.test(stderr)) return;
        stopped = true;
        process.kill(recorded(runs.record)[0].pid, 'SIGSTOP');
      },
    });
    assert.equal(r.code, 0, r.stderr);
    const said = `${r.stdout}\n${r.stderr}`.match(/did not finish within 3\.?0?0? s/g) ?? [];
    assert.equal(said.length, 1, `said once:\n${r.stderr}\n${r.stdout}`);
    assert.match(r.stdout, /^1 snapshot of /m);
    assert.ok(ended(r), r.stderr);
    await assertNothingLeft(runs.mark, runs.record);
  });
});
