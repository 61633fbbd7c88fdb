// "Open Heap Snapshots…" in the real extension host: real snapshots of a leaking fixture (saved by
// the CLI from a real Node process) give a panel with the leak; a truncated, corrupt, empty or
// non-snapshot file gives a one-line error naming it, and the panel already open keeps its results.
import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { leakWatchApi, waitFor } from './helpers';

type OpenResult = { opened?: string; error?: string };

const open = (...files: string[]) =>
  vscode.commands.executeCommand<OpenResult>('leakWatch.openSnapshots', undefined, files.map((f) => vscode.Uri.file(f)));

describe('Open Heap Snapshots', function () {
  this.timeout(180_000);
  let dir = '';
  let snapshots: string[] = [];

  before(async () => {
    const root = vscode.extensions.getExtension('leak-watch.leak-watch')!.extensionPath;
    dir = await fs.mkdtemp(join(tmpdir(), 'leak-watch-open-'));
    // Four snapshots of a real program whose Map cache leaks Session objects.
    await new Promise<void>((resolve, reject) =>
      execFile(
        process.execPath,
        [join(root, 'dist/cli.js'), 'run', '--samples', '4', '--interval', '1', '--no-allocation-sites', '--save-snapshots', dir, '-q', '--', join(root, 'test/fixtures/leak-map-cache.js')],
        { env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' }, timeout: 120_000 },
        (error, _stdout, stderr) => (error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve()),
      ),
    );
    snapshots = (await fs.readdir(dir)).filter((f) => /^sample-\d+\.heapsnapshot$/.test(f)).sort((a, b) => parseInt(a.slice(7)) - parseInt(b.slice(7))).map((f) => join(dir, f));
    assert.equal(snapshots.length, 4, `snapshots saved: ${snapshots.join(', ')}`);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    if (dir) await fs.rm(dir, { recursive: true, force: true });
  });

  it('several snapshots of one process: the panel shows the growing type with a leak verdict and its retainers', async () => {
    const api = await leakWatchApi();
    // Selected in any order, they are read in the order they were saved.
    const result = await open(...[...snapshots].reverse());
    assert.ok(result?.opened, `opened: ${JSON.stringify(result)}`);
    const report = api.report()!;
    assert.equal(report.target.kind, 'files');
    assert.equal(report.samples.length, 4);
    assert.equal(report.types[0].name, 'Session');
    assert.equal(report.types[0].verdict, 'leak');
    assert.ok(report.leaks.some((l) => l.type === 'Session' && l.retainerPaths.length > 0), 'Session is explained with retainer paths');
    await waitFor(() => api.watches().find((w) => w.key === result.opened && w.panelReady && w.panelVisible), 30_000, 'the panel of the opened files');
    const watch = api.watches().find((w) => w.key === result.opened)!;
    assert.equal(watch.status.phase, 'stopped');
    assert.match(watch.status.message ?? '', /Analysed 4 heap snapshot files/);
    assert.equal(watch.heapPoints, 4, 'a heap point per file');
    // Kept with the workspace's watches, as a watch of the files (their program is not known).
    const kept = await waitFor(() => api.keptWatches().find((k) => k.label.endsWith('(4 files)')), 10_000, 'the opened files kept');
    assert.equal(kept.samples, 4);
    assert.equal(kept.programKey, undefined);
  });

  it('a truncated, corrupt, empty or non-snapshot file: a one-line error naming the file; the open panel keeps its results', async () => {
    const api = await leakWatchApi();
    const before = api.watches().length;
    const whole = await fs.readFile(snapshots[0]);
    const cases: [string, Buffer | string, RegExp][] = [
      ['truncated.heapsnapshot', whole.subarray(0, Math.floor(whole.length / 2)), /truncated|ends|incomplete/i],
      ['corrupt.heapsnapshot', Buffer.concat([whole.subarray(0, 4000), Buffer.from('}}garbage{{'), whole.subarray(4100)]), /corrupt|unexpected|invalid|not a heap snapshot|expected/i],
      ['empty.heapsnapshot', '', /empty/i],
      ['package.heapsnapshot', JSON.stringify({ name: 'not a snapshot', version: '1.0.0' }), /not a heap snapshot|snapshot/i],
    ];
    for (const [name, content, what] of cases) {
      const file = join(dir, name);
      await fs.writeFile(file, content);
      const started = Date.now();
      const result = await open(file);
      assert.ok(result?.error, `${name}: an error, got ${JSON.stringify(result)}`);
      assert.ok(result.error.includes(file), `${name}: the error names the file: ${result.error}`);
      assert.match(result.error, what, name);
      assert.ok(!result.error.includes('\n'), `${name}: one line: ${result.error}`);
      assert.ok(Date.now() - started < 30_000, `${name}: no hang`);
    }
    const missing = await open(join(dir, 'missing.heapsnapshot'));
    assert.match(missing?.error ?? '', /missing\.heapsnapshot: no such file/);
    assert.equal(api.watches().length, before, 'no panel for a file that failed');
    assert.equal(api.report()?.types[0].name, 'Session', 'the earlier results are still there');
  });
});
