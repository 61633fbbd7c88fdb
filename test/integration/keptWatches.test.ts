// Kept watches in the real extension host: a finished watch is kept in the workspace's storage, the
// next watch of the same program is compared with it, and a saved watch file opens in a panel.
import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { REPORT_VERSION, type Report } from '../../src/core/report';
import { savedWatch } from '../../src/core/savedWatch';
import { debugProgram, leakWatchApi, stopAllDebugging, waitFor } from './helpers';

/** A program (outside examples/, beside the unit tests) holding a growing set of `RECORD_CLASS` objects. */
const NAMED = '../test/unit/programs/named.js';

async function setSetting(key: string, value: unknown): Promise<void> {
  await vscode.workspace.getConfiguration('leakWatch').update(key, value, vscode.ConfigurationTarget.Global);
}

describe('kept watches', function () {
  this.timeout(240_000);
  let dir: string;

  before(async () => {
    await setSetting('interval', 1);
    await setSetting('allocationSites', false);
    dir = mkdtempSync(join(tmpdir(), 'leak-watch-kept-'));
  });
  afterEach(stopAllDebugging);
  after(async () => {
    await setSetting('interval', undefined);
    await setSetting('allocationSites', undefined);
    rmSync(dir, { recursive: true, force: true });
  });

  it('a stopped watch is kept, and the next watch of the same program is compared with it', async () => {
    const api = await leakWatchApi();
    const started = Date.now();
    const first = await debugProgram(NAMED, { RECORD_CLASS: 'KeptRecord' });
    await vscode.commands.executeCommand('leakWatch.start', first.id);
    await waitFor(() => (api.report(first.id)?.samples.length ?? 0) >= 2 || undefined, 120_000, 'a report of two samples');
    await vscode.commands.executeCommand('leakWatch.stop', first.id);
    const kept = await waitFor(() => api.keptWatches().find((k) => k.programKey === 'test/unit/programs/named.js' && Date.parse(k.savedAt) >= started), 10_000, 'the stopped watch kept');
    assert.ok(kept.samples >= 2, `kept with its samples: ${kept.samples}`);
    assert.match(kept.label, /\(pid \d+\)$/);
    await stopAllDebugging();

    const second = await debugProgram(NAMED, { RECORD_CLASS: 'KeptRecord' });
    await vscode.commands.executeCommand('leakWatch.start', second.id);
    const compared = await waitFor(() => {
      const c = api.comparison(second.id);
      return c && c.comparison.after.samples >= 1 ? c : undefined;
    }, 120_000, 'a comparison with the kept run');
    assert.match(compared.baseline, /named\.js · .* · \d+ samples/);
    assert.equal(compared.comparison.before.programKey, 'test/unit/programs/named.js');
    assert.equal(compared.comparison.after.programKey, compared.comparison.before.programKey);
    assert.ok(compared.comparison.before.samples >= 2, `the kept run's samples: ${compared.comparison.before.samples}`);
  });

  it('Open Saved Watch File… shows a saved watch in a panel; a file that is not one says so and adds nothing', async () => {
    const api = await leakWatchApi();
    const t0 = Date.now() - 10_000;
    const sample = (index: number, time: number) => ({ index, time, maxId: 1000 * (index + 1), heapUsed: 4e6, heapTotal: 6e6, pauseMs: 20, types: [] });
    const report = {
      version: REPORT_VERSION,
      target: { kind: 'run', description: 'node opened.js' },
      startedAt: new Date(t0).toISOString(),
      samples: [sample(0, t0), sample(1, t0 + 5000)],
      types: [{ name: 'OpenedRecord', verdict: 'ok', countPerMinute: 0, bytesPerMinute: 0, counts: [3, 3], bytes: [96, 96], evidence: ['Steady at 3.'] }],
      leaks: [],
    } as unknown as Report;
    const file = join(dir, 'opened.leakwatch.json');
    writeFileSync(file, JSON.stringify(savedWatch(report, { command: ['node', 'opened.js'] }, 'test')));
    const before = api.watches().length;
    await vscode.commands.executeCommand('leakWatch.openWatchFile', vscode.Uri.file(file));
    const opened = await waitFor(() => api.watches().find((w) => w.status.target === 'opened (kept)'), 10_000, 'the opened watch');
    assert.equal(opened.status.phase, 'stopped');
    assert.equal(api.report()?.types[0]?.name, 'OpenedRecord');
    await waitFor(() => api.watches().find((w) => w.status.target === 'opened (kept)')?.panelReady || undefined, 30_000, 'its panel');

    const bad = join(dir, 'bad.leakwatch.json');
    writeFileSync(bad, JSON.stringify({ version: REPORT_VERSION, target: { kind: 'run', description: 'x' } }));
    const count = api.watches().length;
    assert.equal(count, before + 1);
    await vscode.commands.executeCommand('leakWatch.openWatchFile', vscode.Uri.file(bad));
    assert.equal(api.watches().length, count, 'nothing added for a file that is not a saved watch');
  });
});
