// Issue 6's "done when", in the real extension host: with the leaky example under js-debug, the
// watch shows the leaking types with a `leak` verdict within a few samples, explains them
// (retainer paths, allocation sites), opens the allocation line, and hovers the blamed line; the
// steady example (the control) gets no leak verdict.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { debugProgram, leakWatchApi, stopAllDebugging, waitFor } from './helpers';

const LEAKING = ['Session', 'TreeNode'];

describe('a leaky program under the debugger', function () {
  this.timeout(300_000);

  before(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.workspace.getConfiguration('leakWatch').update('interval', 1, vscode.ConfigurationTarget.Global);
  });

  after(async () => {
    await vscode.workspace.getConfiguration('leakWatch').update('interval', undefined, vscode.ConfigurationTarget.Global);
    await stopAllDebugging();
  });

  let sessionId = '';

  it('gets a leak verdict for the leaking types within a few samples', async () => {
    const api = await leakWatchApi();
    const child = await debugProgram('leaky-server.js');
    sessionId = child.id;
    await vscode.commands.executeCommand('leakWatch.start', child.id);
    const report = await waitFor(() => {
      const r = api.report(child.id);
      return r?.types.some((t) => LEAKING.includes(t.name) && t.verdict === 'leak') ? r : undefined;
    }, 240_000, 'a leak verdict for Session or TreeNode').catch((error: Error) =>
      assert.fail(`${error.message}; watch: ${JSON.stringify(api.watches().find((w) => w.sessionId === child.id))}; verdicts: ${JSON.stringify(api.report(child.id)?.types.filter((t) => t.verdict !== 'ok').map((t) => [t.name, t.verdict]))}`),
    );
    const leaking = report.types.filter((t) => t.verdict === 'leak').map((t) => t.name);
    assert.ok(leaking.some((n) => LEAKING.includes(n)), leaking.join(', '));
    // Four snapshots; fewer where censuses counted the growth between them (snapshots pausing 1 s or more).
    const censuses = report.censuses?.length ?? 0;
    assert.ok(report.samples.length >= 4 || (report.samples.length >= 2 && censuses > 0), `${report.samples.length} samples, ${censuses} censuses`);
  });

  it('explains a leaking type: retainer paths and an allocation site that opens at the `new` expression', async () => {
    const api = await leakWatchApi();
    const leak = await waitFor(
      () => api.report(sessionId)?.leaks.find((l) => LEAKING.includes(l.type) && l.allocationSites.length > 0),
      60_000,
      'an explained leak with an allocation site',
    );
    assert.ok(leak.retainerPaths.length > 0, 'retainer paths');
    const site = leak.allocationSites.find((s) => s.file.endsWith('leaky-server.js')) ?? leak.allocationSites[0];
    const editor = await api.openSource(site, sessionId);
    assert.ok(editor, `opened ${site.file}:${site.line}`);
    assert.ok(editor.selection.isEmpty, 'the cursor, not a selection');
    assert.equal(editor.selection.active.line, site.line - 1);
    const atCursor = editor.document.lineAt(site.line - 1).text.slice(editor.selection.active.character);
    assert.match(atCursor, new RegExp(`^(new ${leak.type}|${leak.type})`), `at the cursor: "${atCursor}"`);
  });

  it('hovers a blamed line with the hint', async () => {
    const api = await leakWatchApi();
    const hint = await waitFor(() => api.hints().find((h) => h.file.endsWith('leaky-server.js')), 60_000, 'a hint in leaky-server.js');
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', vscode.Uri.file(hint.file), new vscode.Position(hint.line - 1, 0));
    const text = hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : c.value))).join('\n');
    assert.match(text, /Leak Watch/);
    assert.match(text, /\*\*Fix:\*\*/);
  });

  it('the steady program (control) gets no leak verdict', async () => {
    const api = await leakWatchApi();
    await stopAllDebugging();
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    const child = await debugProgram('steady-server.js');
    await vscode.commands.executeCommand('leakWatch.start', child.id);
    const report = await waitFor(() => {
      const r = api.report(child.id);
      return r && r.samples.length >= 6 ? r : undefined;
    }, 240_000, 'six samples of the steady program');
    const leaks = report.types.filter((t) => t.verdict === 'leak').map((t) => `${t.name}: ${t.evidence.join(' ')}`);
    assert.deepEqual(leaks, []);
  });
});
