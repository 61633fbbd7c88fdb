// Hints in the editor for the lines that create suspect edges and strong back-references: a hover
// (what it keeps alive, why it is suspect, the fix to consider, a link to the panel), a subtle
// decoration, and Problems entries (source "Leak Watch"). Heap strings are untrusted: every piece of
// them goes through MarkdownString.appendText, which escapes Markdown.
import * as vscode from 'vscode';
import { formatBytes } from '../core/format';
import type { Leak, Report, RetainerPath, SourcePosition, TypeSeries } from '../core/report';

/** One line the analysis blames. */
export interface LineHint {
  site: SourcePosition;
  typeName: string;
  kind: 'suspectEdge' | 'backReference';
  /** holder.edge → target */
  holder: string;
  edge: string;
  target: string;
  bytes: number;
  objects: number;
  leak: Leak;
  series?: TypeSeries;
  path?: RetainerPath;
  fix: string;
}

/** The fix to consider for an edge, from the holder's shape. */
export function suggestFix(holder: string, edge: string): string {
  if (holder.startsWith('Map') || edge === '<key>') return 'Evict entries (delete / a size or age limit), or key a WeakMap by the owner object so entries die with it.';
  if (holder.startsWith('Set')) return 'Delete entries when done, or use a WeakSet / WeakRef entries so the set does not keep them alive.';
  if (/listener|handler|^on[A-Z]|_events/i.test(edge) || /EventEmitter|EventTarget/.test(holder)) return 'Remove the listener when done (removeListener / off), or register it with an AbortSignal and abort.';
  if (/parent|owner|back|prev/i.test(edge)) return 'Make the back-reference weak: store a WeakRef and deref() it, or look the owner up in a WeakMap.';
  if (holder.startsWith('Array') || edge === '[]') return 'Remove elements when done, or cap the array (a ring buffer).';
  return 'Break the reference when the object is done (delete / null it), or hold it through a WeakRef or WeakMap; clean up with a FinalizationRegistry if needed.';
}

/** The hints from a set of reports: only leaks and suspects with a source line. */
export function collectHints(reports: Report[]): LineHint[] {
  const hints: LineHint[] = [];
  for (const report of reports) {
    for (const leak of report.leaks) {
      if (leak.verdict === 'ok') continue;
      const series = report.types.find((t) => t.name === leak.type);
      for (const path of leak.retainerPaths) {
        const edge = path.edges[path.suspectEdgeIndex];
        if (!edge || !path.suspectSite) continue;
        hints.push({
          site: path.suspectSite, typeName: leak.type, kind: 'suspectEdge',
          holder: edge.from, edge: edge.edge, target: edge.to,
          bytes: path.bytes, objects: path.count, leak, series, path,
          fix: suggestFix(edge.from, edge.edge),
        });
      }
      for (const ref of leak.backReferences) {
        if (!ref.site) continue;
        hints.push({
          site: ref.site, typeName: leak.type, kind: 'backReference',
          holder: ref.holder, edge: ref.edge, target: ref.target,
          bytes: ref.bytes, objects: ref.count, leak, series, fix: ref.fix || suggestFix(ref.holder, ref.edge),
        });
      }
    }
  }
  return hints;
}

function fileUri(file: string): vscode.Uri | undefined {
  if (/^file:\/\//i.test(file)) return vscode.Uri.parse(file, true);
  if (file.startsWith('/') || /^[a-zA-Z]:[\\/]/.test(file)) return vscode.Uri.file(file);
  return undefined;
}

/** Objects per minute as the panel's table shows them: whole and grouped from 100 on (19,122, not 19121.7). */
function perMinute(count: number): string {
  return Math.abs(count) >= 100 ? Math.round(count).toLocaleString('en-US') : count.toFixed(1);
}

/**
 * Untrusted text into Markdown: appendText escapes Markdown syntax; angle brackets and ampersands are
 * escaped as entities too, so no HTML gets through even where a renderer allows it.
 */
function appendUntrusted(md: vscode.MarkdownString, text: string): void {
  const bounded = text.length > 2000 ? `${text.slice(0, 1999)}…` : text;
  md.appendText(bounded.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;'));
}

/** A command link whose argument survives Markdown: parentheses encoded too. */
function commandLink(command: string, args: unknown[]): string {
  const encoded = encodeURIComponent(JSON.stringify(args)).replace(/\(/g, '%28').replace(/\)/g, '%29');
  return `command:${command}?${encoded}`;
}

/** The hover text for the hints of one line. */
export function hoverMarkdown(hints: LineHint[]): vscode.MarkdownString {
  const md = new vscode.MarkdownString(undefined, true);
  md.isTrusted = { enabledCommands: ['leakWatch.revealType'] };
  md.supportThemeIcons = true;
  hints.forEach((hint, i) => {
    if (i > 0) md.appendMarkdown('\n\n---\n\n');
    md.appendMarkdown(hint.leak.verdict === 'leak' ? '$(flame) **Leak Watch — leak:** ' : '$(warning) **Leak Watch — suspect:** ');
    appendUntrusted(md, `${hint.holder}.${hint.edge} → ${hint.target}`);
    md.appendMarkdown('\n\n');
    appendUntrusted(md, 
      `${hint.kind === 'backReference' ? 'This strong back-reference' : 'This reference'} keeps ${hint.objects.toLocaleString('en-US')} ${hint.typeName} object(s) alive (${formatBytes(hint.bytes)}).`,
    );
    if (hint.series) {
      appendUntrusted(md, ` They grow by ${perMinute(hint.series.countPerMinute)} objects/min (${formatBytes(hint.series.bytesPerMinute)}/min).`);
    }
    md.appendMarkdown('\n\n');
    const why = hint.kind === 'backReference'
      ? 'Why suspect: the target also reaches the holder, so the pair keeps itself and everything below it alive while either is reachable.'
      : 'Why suspect: an old, long-lived holder keeps pointing at newly made objects, sample after sample.';
    appendUntrusted(md, why);
    if (hint.path && hint.path.edges.length) {
      md.appendMarkdown('\n\nPath from a GC root: ');
      appendUntrusted(md, hint.path.edges.map((e) => `${e.from}.${e.edge}`).concat(hint.path.edges[hint.path.edges.length - 1].to).join(' → '));
    }
    md.appendMarkdown('\n\n**Fix to consider:** ');
    appendUntrusted(md, hint.fix);
    md.appendMarkdown(`\n\n[$(type-hierarchy) Show the path in the Leak Watch panel](${commandLink('leakWatch.revealType', [hint.typeName])})`);
  });
  return md;
}

/** One hint per (type, edge) on a line: several retainer clusters through one edge add up. */
export function mergeHints(hints: LineHint[]): LineHint[] {
  const byKey = new Map<string, LineHint>();
  for (const hint of hints) {
    const key = JSON.stringify([hint.site.line, hint.kind, hint.typeName, hint.holder, hint.edge, hint.target]);
    const seen = byKey.get(key);
    if (seen) byKey.set(key, { ...seen, objects: seen.objects + hint.objects, bytes: seen.bytes + hint.bytes });
    else byKey.set(key, hint);
  }
  return [...byKey.values()];
}

/** Hover provider, decoration and diagnostics, fed with the current reports. */
export class LeakHints implements vscode.HoverProvider, vscode.Disposable {
  private hints: LineHint[] = [];
  private byFile = new Map<string, LineHint[]>();
  private readonly decoration = vscode.window.createTextEditorDecorationType({
    borderStyle: 'none none dotted none',
    borderWidth: '0 0 1px 0',
    borderColor: new vscode.ThemeColor('editorWarning.foreground'),
    overviewRulerColor: new vscode.ThemeColor('editorOverviewRuler.warningForeground'),
    overviewRulerLane: vscode.OverviewRulerLane.Right,
  });
  private readonly diagnostics = vscode.languages.createDiagnosticCollection('leakWatch');
  private readonly disposables: vscode.Disposable[];

  constructor() {
    this.disposables = [
      vscode.languages.registerHoverProvider([{ scheme: 'file' }, { scheme: 'untitled' }], this),
      vscode.window.onDidChangeVisibleTextEditors(() => this.decorate()),
      this.decoration,
      this.diagnostics,
    ];
  }

  /** All current hints (for tests). */
  get all(): readonly LineHint[] {
    return this.hints;
  }

  update(reports: Report[]): void {
    this.hints = collectHints(reports);
    this.byFile.clear();
    for (const hint of this.hints) {
      const uri = fileUri(hint.site.file);
      if (!uri) continue;
      const key = uri.toString();
      const list = this.byFile.get(key) ?? [];
      list.push(hint);
      this.byFile.set(key, list);
    }
    this.diagnostics.clear();
    for (const [key, hints] of this.byFile) {
      const diagnostics = mergeHints(hints).map((hint) => {
        const line = Math.max(0, hint.site.line - 1);
        const column = Math.max(0, hint.site.column - 1);
        const d = new vscode.Diagnostic(
          new vscode.Range(line, column, line, column + Math.max(1, hint.edge.length)),
          `${hint.holder}.${hint.edge} keeps ${hint.objects} ${hint.typeName} object(s) alive (${formatBytes(hint.bytes)}). ${hint.fix}`,
          hint.leak.verdict === 'leak' ? vscode.DiagnosticSeverity.Warning : vscode.DiagnosticSeverity.Information,
        );
        d.source = 'Leak Watch';
        return d;
      });
      this.diagnostics.set(vscode.Uri.parse(key), diagnostics);
    }
    this.decorate();
  }

  private decorate(): void {
    for (const editor of vscode.window.visibleTextEditors) {
      const hints = this.byFile.get(editor.document.uri.toString()) ?? [];
      const ranges = hints
        .filter((h) => h.site.line - 1 < editor.document.lineCount)
        .map((h) => editor.document.lineAt(h.site.line - 1).range)
        .filter((r) => !r.isEmpty);
      editor.setDecorations(this.decoration, ranges);
    }
  }

  provideHover(document: vscode.TextDocument, position: vscode.Position): vscode.Hover | undefined {
    const hints = mergeHints((this.byFile.get(document.uri.toString()) ?? []).filter((h) => h.site.line - 1 === position.line));
    if (!hints.length) return undefined;
    return new vscode.Hover(hoverMarkdown(hints), document.lineAt(position.line).range);
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
