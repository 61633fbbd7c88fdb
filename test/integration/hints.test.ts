// Editor hints and navigation from an injected report: hovers on the causes' holder lines (heap
// strings escaped), Problems entries, and opening only positions the analysis produced. The same on
// a real leaky program's report: causes.test.ts.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { Report } from '../../src/core/report';
import { debugProgram, leakWatchApi, lineOf, stopAllDebugging, waitFor, workspaceFolder } from './helpers';

const EVIL = '<img src=x onerror=alert(1)>[link](javascript:alert(1))$(zap)';

async function fixtureReport(): Promise<Report> {
  const backRef = await lineOf('leaky-server.js', 'this.parent = parent');
  const allocation = await lineOf('leaky-server.js', 'new Session(');
  const setCall = await lineOf('leaky-server.js', 'sessions.set(');
  return {
    version: 1,
    target: { kind: 'session', description: 'test' },
    startedAt: new Date().toISOString(),
    samples: [0, 1, 2].map((index) => ({ index, time: Date.now() - (3 - index) * 1000, heapUsed: 1e6, heapTotal: 2e6, nodes: 10, edges: 20, snapshotBytes: 1000, pauseMs: 10, analysisMs: 5, maxId: 100 * (index + 1) })),
    types: [
      { name: 'Session', counts: [10, 20, 30], bytes: [1000, 2000, 3000], verdict: 'leak', evidence: ['grows every sample'], countPerMinute: 600, bytesPerMinute: 60000 },
      { name: EVIL, counts: [1, 2, 3], bytes: [10, 20, 30], verdict: 'suspect', evidence: [EVIL], countPerMinute: 60, bytesPerMinute: 600 },
    ],
    causes: [
      {
        id: 'container:sessions', verdict: 'leak', title: 'Session kept by the Map sessions',
        holder: { kind: 'container', label: 'the Map sessions', type: 'Map', variable: 'sessions', inLibrary: false },
        addedAt: { file: setCall.path, line: setCall.line, column: setCall.column, how: 'set' },
        kept: [{ type: 'Session', newObjects: 20, newBytes: 2000, share: 1, countPerMinute: 600, verdict: 'leak', origin: 'user' }],
        topObjects: 20, newObjects: 20, newBytes: 2000, retainedBytes: 5000,
        allocationSites: [{ file: allocation.path, line: allocation.line, column: allocation.column, functionName: 'handle', count: 30, bytes: 3000, kind: 'allocation' }],
        evidence: ['20 new Session objects are kept by the Map sessions.'],
        fix: 'Delete entries from the Map `sessions` when they are done (or evict: bound it as an LRU), or key a WeakMap by the object whose lifetime they follow.',
        path: { count: 20, bytes: 5000, holderIndex: 1, steps: [
          { from: '(GC roots)', edge: 'sessions', edgeType: 'context', to: 'Map', label: 'sessions (module scope of leaky-server.js)' },
          { from: 'Map', edge: '<key>', edgeType: 'internal', to: 'Session' },
        ] },
      },
      {
        id: 'evil', verdict: 'suspect', title: `${EVIL} kept by ${EVIL}`,
        holder: { kind: 'back-reference', label: EVIL, type: EVIL, variable: EVIL, inLibrary: false },
        addedAt: { file: backRef.path, line: backRef.line, column: backRef.column, how: 'assign' },
        kept: [{ type: EVIL, newObjects: 2, newBytes: 20, share: 1, countPerMinute: 60, verdict: 'suspect', origin: 'user' }],
        topObjects: 2, newObjects: 2, newBytes: 20, retainedBytes: 50, allocationSites: [], evidence: [EVIL], fix: EVIL,
        path: { count: 2, bytes: 50, holderIndex: 0, steps: [{ from: EVIL, edge: EVIL, edgeType: 'property', to: EVIL, label: EVIL }] },
      },
    ],
    leaks: [
      {
        type: 'Session', verdict: 'leak', newObjects: 20, newBytes: 2000, retainedBytes: 5000, evidence: ['grows every sample'],
        allocationSites: [{ file: allocation.path, line: allocation.line, column: allocation.column, functionName: 'handle', count: 30, bytes: 3000, kind: 'allocation' }],
        retainerPaths: [{
          count: 30, bytes: 3000, suspectEdgeIndex: 1,
          edges: [
            { from: '(GC roots)', edge: 'sessions', edgeType: 'context', to: 'Map' },
            { from: 'Map', edge: '<key>', edgeType: 'internal', to: 'Session' },
          ],
          suspectSite: { file: setCall.path, line: setCall.line, column: setCall.column },
        }],
        backReferences: [],
      },
      {
        type: EVIL, verdict: 'suspect', newObjects: 2, newBytes: 20, retainedBytes: 50, evidence: [EVIL],
        allocationSites: [{ file: 'node:internal/timers', line: 1, column: 1, functionName: EVIL, count: 1, bytes: 1, kind: 'allocation' }],
        retainerPaths: [],
        backReferences: [{ holder: EVIL, edge: 'parent', target: 'TreeNode', bytes: 4096, count: 3, site: { file: backRef.path, line: backRef.line, column: backRef.column }, fix: EVIL }],
      },
    ],
  };
}

describe('hints and navigation from a report', function () {
  this.timeout(90_000);
  let report: Report;

  before(async () => {
    const api = await leakWatchApi();
    // Closing the panels of earlier (stopped) watches drops their results and hints.
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    // One sample, then none for an hour: the injected report stays what the hints show.
    await vscode.workspace.getConfiguration('leakWatch').update('interval', 3600, vscode.ConfigurationTarget.Global);
    const child = await debugProgram('steady-server.js');
    await vscode.commands.executeCommand('leakWatch.start', child.id);
    await waitFor(() => api.watches().find((w) => w.sessionId === child.id && w.status.samples >= 1) && api.report(child.id), 60_000, 'the first sample');
    report = await fixtureReport();
    api.injectReport(report);
  });

  after(async () => {
    await vscode.workspace.getConfiguration('leakWatch').update('interval', undefined, vscode.ConfigurationTarget.Global);
    await stopAllDebugging();
  });

  it('hovering the holder line says what it keeps alive, how fast, and the fix', async () => {
    const site = report.causes![0].addedAt!;
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', vscode.Uri.file(site.file), new vscode.Position(site.line - 1, site.column));
    const text = hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : c.value))).join('\n');
    assert.match(text, /Leak Watch/);
    assert.match(text, /Session kept by the Map `sessions`/);
    assert.match(text.replace(/\\([+.()])/g, '$1'), /Session grows by \+600\/min \(60\.0\u00a0kB\/min\)/, 'the rate as the panel shows it (600, not 600.0), words apart by spaces, the number held to its unit');
    assert.match(text, /Delete entries|WeakMap/);
    assert.match(text, /command:leakWatch\.revealCause/);
  });

  it('heap strings in hovers are escaped: no HTML, no links, no icons from the debuggee', async () => {
    const site = report.causes![1].addedAt!;
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', vscode.Uri.file(site.file), new vscode.Position(site.line - 1, site.column));
    const md = hovers.flatMap((h) => h.contents).find((c) => typeof c !== 'string' && /Leak Watch/.test(c.value)) as vscode.MarkdownString;
    assert.ok(md, 'a Leak Watch hover');
    assert.ok(!md.value.includes('<img'), 'no raw HTML');
    assert.ok(md.value.includes('&lt;img'), 'the angle brackets are entities');
    assert.ok(!/\]\(javascript:/.test(md.value), 'no live javascript: link');
    assert.ok(!md.value.includes('$(zap)'), 'no theme icon from heap text');
  });

  it('puts Problems entries with source "Leak Watch" on those lines', async () => {
    const site = report.causes![0].addedAt!;
    const diagnostics = vscode.languages.getDiagnostics(vscode.Uri.file(site.file)).filter((d) => d.source === 'Leak Watch');
    assert.ok(diagnostics.some((d) => d.range.start.line === site.line - 1 && d.severity === vscode.DiagnosticSeverity.Warning));
  });

  it('opens an allocation site beside the panel with the cursor at the start of the new expression, nothing selected', async () => {
    const api = await leakWatchApi();
    const site = report.leaks[0].allocationSites[0];
    const editor = await api.openSource(site);
    assert.ok(editor, 'opened');
    assert.equal(editor.document.uri.fsPath, site.file);
    assert.ok(editor.selection.isEmpty, 'no selection (one to the end of the expression scrolls a narrow editor sideways)');
    assert.deepEqual([editor.selection.active.line, editor.selection.active.character], [site.line - 1, site.column - 1]);
    assert.match(editor.document.lineAt(site.line - 1).text.slice(site.column - 1), /^new Session\(/);
  });

  it('refuses positions the analysis did not produce, and Node built-ins', async () => {
    const api = await leakWatchApi();
    const outside = vscode.Uri.joinPath(workspaceFolder().uri, 'README.md').fsPath;
    assert.equal(await api.openSource({ file: outside, line: 1, column: 1 }), undefined);
    assert.equal(await api.openSource({ file: '/etc/passwd', line: 1, column: 1 }), undefined);
    assert.equal(await api.openSource({ file: 'node:internal/timers', line: 1, column: 1 }), undefined);
  });

  it('the hints go away when the evidence does', async () => {
    const api = await leakWatchApi();
    assert.ok(api.hints().length >= 2);
    api.injectReport({ ...report, causes: [] });
    assert.equal(api.hints().length, 0);
    const site = report.causes![0].addedAt!;
    assert.equal(vscode.languages.getDiagnostics(vscode.Uri.file(site.file)).filter((d) => d.source === 'Leak Watch').length, 0);
  });
});
