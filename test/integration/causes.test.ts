// Issue 25 in the editor, on a real leaky program's report: examples/leaky-server.js under js-debug
// leaks three ways (a Set of trees, a Map of sessions, a listener per request). Each holder line gets
// one hover and one Problems entry, titled in plain words, naming what it keeps with the evidence,
// the fix chosen from the holder's kind; the Problems entry is the short form, not the hover again.
// Clicking a cause goes to the line that adds to its holder, clicking a kept type to its `new`.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { Cause, Report } from '../../src/core/report';
import { debugProgram, leakWatchApi, lineOf, stopAllDebugging, waitFor } from './helpers';

/** The program's three causes: the holder's variable, its kind, the code that adds to it, the kept class and its `new`. */
const EXPECTED = [
  { variable: 'liveTrees', kind: 'container', adds: 'liveTrees.add(root)', keeps: 'TreeNode', made: 'new TreeNode(', fix: /Delete entries.*WeakSet/ },
  { variable: 'sessions', kind: 'container', adds: 'sessions.set(id, new Session', keeps: 'Session', made: 'new Session(', fix: /Delete entries.*WeakMap/ },
  { variable: 'events', kind: 'listener', adds: "events.on('config-changed'", keeps: '(closure)', made: '', fix: /removeListener.*AbortSignal/ },
] as const;

/** The Leak Watch hovers' Markdown, without the backslashes that escape Markdown's punctuation. */
function textOf(hovers: vscode.Hover[]): string[] {
  return hovers
    .flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : c.value)))
    .filter((t) => /Leak Watch/.test(t))
    .map((t) => t.replace(/\\([\\`*_{}[\]()#+\-.!|<>~])/g, '$1'));
}

describe('causes of a real leaky program, in the editor', function () {
  this.timeout(300_000);
  let report: Report;
  let sessionId = '';
  const causeOf = (variable: string): Cause => report.causes!.find((c) => c.holder.variable === variable)!;

  before(async function () {
    this.timeout(300_000);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.workspace.getConfiguration('leakWatch').update('interval', 1, vscode.ConfigurationTarget.Global);
    const api = await leakWatchApi();
    const child = await debugProgram('leaky-server.js');
    sessionId = child.id;
    await vscode.commands.executeCommand('leakWatch.start', child.id);
    report = await waitFor(() => {
      const r = api.report(child.id);
      const found = EXPECTED.every((x) => r?.causes?.some((c) => c.holder.variable === x.variable && c.verdict === 'leak' && c.addedAt));
      return found ? r : undefined;
    }, 240_000, 'the three causes of leaky-server.js').catch((error: Error) =>
      assert.fail(`${error.message}; causes: ${JSON.stringify(api.report(child.id)?.causes?.map((c) => [c.title, c.verdict, c.addedAt?.line]))}`),
    );
    // Stop the watch: the report (and so the hints) stays as it is while the tests read it.
    await vscode.commands.executeCommand('leakWatch.stop', child.id);
    report = api.report(child.id)!;
  });

  after(async () => {
    await vscode.workspace.getConfiguration('leakWatch').update('interval', undefined, vscode.ConfigurationTarget.Global);
    await stopAllDebugging();
  });

  for (const x of EXPECTED) {
    it(`${x.variable}: one hover on the line that adds to it, in plain words, naming what it keeps and the fix for a ${x.kind}`, async () => {
      const cause = causeOf(x.variable);
      const adds = await lineOf('leaky-server.js', x.adds);
      assert.deepEqual([cause.addedAt!.file, cause.addedAt!.line], [adds.path, adds.line], `the holder line of ${cause.title}`);
      const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', vscode.Uri.file(adds.path), new vscode.Position(adds.line - 1, adds.column));
      const texts = textOf(hovers);
      assert.equal(texts.length, 1, `one Leak Watch hover on the line: ${texts.join('\n=====\n')}`);
      const text = texts[0];
      assert.equal((text.match(/Leak Watch — /g) ?? []).length, 1, 'one section: one cause on this line');
      const title = text.split('\n')[0];
      assert.match(title, new RegExp(`Leak Watch — leak:\\*\\* ${x.keeps.replace(/[()]/g, '\\$&')} kept by .*\`${x.variable}\``), title);
      assert.doesNotMatch(title, /→|\.\[\]|<key>/, 'no heap jargon in the title');
      assert.match(text, new RegExp(`It keeps [\\d,]+ ${x.keeps.replace(/[()]/g, '\\$&')} objects?`), 'what it keeps');
      assert.match(text, /\d\u00a0(B|kB|MB) new, [\d.]+\u00a0(B|kB|MB) retained/, 'the bytes');
      assert.match(text, /grows by \+[\d,.]+\/min/, 'the growth');
      const fix = /\*\*Fix:\*\* ([^\n]*)/.exec(text)?.[1] ?? '';
      assert.match(fix, x.fix, `the fix for a ${x.kind}`);
      assert.doesNotMatch(fix, /cap the array|ring buffer/);
      assert.match(text, /command:leakWatch\.revealCause/);
    });
  }

  it('one Problems entry per holder line: the short form, not the hover again, pointing at the declaration and the `new`', async () => {
    const file = causeOf('sessions').addedAt!.file;
    const diagnostics = vscode.languages.getDiagnostics(vscode.Uri.file(file)).filter((d) => d.source === 'Leak Watch');
    const lines = diagnostics.map((d) => d.range.start.line + 1).sort((a, b) => a - b);
    const holderLines = EXPECTED.map((x) => causeOf(x.variable).addedAt!.line).sort((a, b) => a - b);
    assert.deepEqual(lines, holderLines, 'one entry on each holder line, none elsewhere');
    for (const x of EXPECTED) {
      const cause = causeOf(x.variable);
      const d = diagnostics.find((e) => e.range.start.line === cause.addedAt!.line - 1)!;
      assert.equal(d.range.start.character, cause.addedAt!.column - 1, 'from the call');
      assert.equal(d.severity, vscode.DiagnosticSeverity.Warning);
      assert.match(d.message, new RegExp(`^${x.keeps.replace(/[()]/g, '\\$&')} objects pile up in .*${x.variable} \\([\\d,]+ new objects kept, [\\d.]+\\u00a0(B|kB|MB), \\+[\\d,.]+/min\\)\\. `), d.message);
      assert.doesNotMatch(d.message, /→|\.\[\]|<key>|cap the array/);
      const hover = textOf(await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', vscode.Uri.file(file), new vscode.Position(cause.addedAt!.line - 1, cause.addedAt!.column)))[0];
      const hoverSentences = hover.replace(/\*\*[^*]*\*\*/g, '').split(/\n+/).map((l) => l.trim()).filter((l) => l.length > 20);
      assert.ok(hoverSentences.every((l) => !d.message.includes(l)), 'the Problems entry repeats no line of the hover');
      assert.ok(d.message.length < hover.length / 2, `shorter than the hover (${d.message.length} vs ${hover.length})`);
      const related = (d.relatedInformation ?? []).map((r) => `${r.location.range.start.line + 1}:${r.message}`);
      const declared = await lineOf('leaky-server.js', `const ${x.variable} = new`);
      assert.ok(related.some((r) => r.startsWith(`${declared.line}:`)), `the declaration of ${x.variable}: ${related.join('; ')}`);
      const made = x.made && await lineOf('leaky-server.js', x.made);
      // (Not when the `new` is on the holder line itself: `sessions.set(id, new Session(…))`.)
      if (made && made.line !== cause.addedAt!.line) {
        assert.ok(related.some((r) => r.startsWith(`${made.line}:`)), `the new of ${x.keeps}: ${related.join('; ')}`);
      }
    }
  });

  it('clicking a cause goes to the line that adds to its holder, the cursor on the call', async () => {
    const api = await leakWatchApi();
    for (const x of EXPECTED) {
      const editor = await api.openTarget({ causeId: causeOf(x.variable).id }, sessionId);
      assert.ok(editor, `opened the line of ${x.variable}`);
      const line = editor.document.lineAt(editor.selection.active.line).text;
      assert.ok(editor.selection.isEmpty);
      assert.ok(line.slice(editor.selection.active.character).startsWith(x.adds.slice(0, 12)), `at the cursor: "${line.slice(editor.selection.active.character)}"`);
    }
  });

  it('clicking a kept type goes to its `new`, not to its constructor', async () => {
    const api = await leakWatchApi();
    for (const x of EXPECTED.filter((e) => e.made)) {
      const editor = await api.openTarget({ typeName: x.keeps }, sessionId);
      assert.ok(editor, `opened the new of ${x.keeps}`);
      const atCursor = editor.document.lineAt(editor.selection.active.line).text.slice(editor.selection.active.character);
      assert.ok(atCursor.startsWith(x.made), `at the cursor: "${atCursor}"`);
    }
  });

  it('a cause the analysis did not name opens nothing', async () => {
    const api = await leakWatchApi();
    assert.equal(await api.openTarget({ causeId: 'container:passwd:@/etc/passwd:1' }, sessionId), undefined);
  });
});
