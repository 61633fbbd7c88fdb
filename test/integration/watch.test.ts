// "Start Leak Watch" against a real debuggee under js-debug: child session, CDP proxy,
// JsDebug.subscribe, live heap usage, panel, status bar, samples; ending the session stops the watch.
import * as assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseSnapshotFile } from '../../src/core/heap/file';
import * as vscode from 'vscode';
import { debugProgram, leakWatchApi, stopAllDebugging, waitFor } from './helpers';

describe('Start Leak Watch on a debug session', function () {
  this.timeout(120_000);
  /** The debuggee session of this suite (other suites' watches may still be listed). */
  let childId = '';
  const mine = (api: Awaited<ReturnType<typeof leakWatchApi>>) => api.watches().find((w) => w.sessionId === childId);

  after(stopAllDebugging);

  it('contributes its commands and the leakWatch.* settings', async () => {
    await leakWatchApi();
    const commands = await vscode.commands.getCommands(true);
    for (const id of ['leakWatch.start', 'leakWatch.stop', 'leakWatch.saveSnapshot', 'leakWatch.showPanel', 'leakWatch.revealType', 'leakWatch.revealCause']) {
      assert.ok(commands.includes(id), `${id} is registered`);
    }
    const config = vscode.workspace.getConfiguration('leakWatch');
    for (const key of ['interval', 'pauseBudget', 'allocationSites', 'ignoreTypes', 'chartedTypes', 'forceGc', 'heapUsagePollMs']) {
      assert.notEqual(config.inspect(key)?.defaultValue, undefined, `leakWatch.${key} has a default`);
    }
  });

  it('attaches to the child session and shows the real debuggee\'s heap usage', async () => {
    const api = await leakWatchApi();
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    const child = await debugProgram('leaky-server.js');
    childId = child.id;
    assert.ok(child.parentSession, 'js-debug made a child session');

    await vscode.commands.executeCommand('leakWatch.start');
    const watch = await waitFor(() => api.watches().find((w) => w.sessionId === child.id), 20_000, 'a watch of the child session');
    assert.equal(watch.status.phase, 'watching', `watching (${watch.status.message ?? ''})`);

    const usage = await waitFor(() => api.lastHeapUsage(child.id), 20_000, 'a heap usage point');
    assert.ok(usage.used > 100_000 && usage.used <= usage.total, `plausible heap figures: ${usage.used} of ${usage.total}`);

    await api.whenPanelReady(child.id);
    assert.ok(mine(api)!.panelVisible, 'the panel is visible');
    assert.match(api.statusBarText(), /Leak Watch/);

    // The live line keeps coming (about one point a second between snapshots).
    const before = api.watches().find((w) => w.sessionId === child.id)!.heapPoints;
    await waitFor(() => api.watches().find((w) => w.sessionId === child.id)!.heapPoints > before || undefined, 15_000, 'more heap points');
  });

  it('a second Start on the watched session starts nothing new', async () => {
    const api = await leakWatchApi();
    const count = api.watches().length;
    await vscode.commands.executeCommand('leakWatch.start');
    assert.equal(api.watches().length, count);
    assert.equal(api.watches().filter((w) => w.status.phase === 'watching').length, 1);
    assert.equal(mine(api)!.status.phase, 'watching');
  });

  it('takes heap snapshots: samples arrive and the status bar counts them', async () => {
    const api = await leakWatchApi();
    const watch = await waitFor(() => (mine(api)!.status.samples >= 2 ? mine(api) : undefined), 90_000, 'two samples')
      .catch((error: Error) => assert.fail(`${error.message}; watches: ${JSON.stringify(api.watches())}`));
    assert.equal(watch.status.phase, 'watching', watch.status.message);
    assert.ok(typeof watch.status.lastPauseMs === 'number', 'the pause of the last snapshot is known');
    // The report follows the samples once the worker has explained the growing types.
    const report = await waitFor(() => {
      const r = api.report(childId);
      return r && r.samples.length >= 2 ? r : undefined;
    }, 60_000, 'a report of two samples');
    assert.ok(report.types.length > 0, 'the report lists types');
    await waitFor(() => /\d+ samples/.test(api.statusBarText()) || undefined, 5000, 'the status bar to count samples');
  });

  it('Save Heap Snapshot writes the latest snapshot as a .heapsnapshot file DevTools can open', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'leak-watch-save-')), 'saved.heapsnapshot');
    await vscode.commands.executeCommand('leakWatch.saveSnapshot', vscode.Uri.file(file));
    const graph = await parseSnapshotFile(file);
    assert.ok(graph.nodeCount > 1000, `a whole snapshot: ${graph.nodeCount} nodes`);
    assert.ok(graph.strings.some((s) => s === 'Session'), 'of the watched program (its Session class is in it)');
  });

  it('ending the debug session stops the watch with a note and keeps the results', async () => {
    const api = await leakWatchApi();
    const samples = mine(api)!.status.samples;
    await stopAllDebugging();
    const watch = await waitFor(() => (mine(api)!.status.phase !== 'watching' ? mine(api) : undefined), 15_000, 'the watch to stop');
    assert.ok(['ended', 'stopped'].includes(watch.status.phase), watch.status.phase);
    assert.match(watch.status.message ?? '', /ended|exited|closed|finished/i);
    assert.ok(watch.status.samples >= samples, 'samples are kept');
    assert.ok(api.report(childId), 'the report is kept');
  });
});
