// Hints in the editor on the lines the causes name: the line that adds to a holder (and the line
// that creates a strong back-reference). One hover and one Problems entry (source "Leak Watch") per
// line, in plain words: what the line does, what it keeps (objects, bytes, growth), the fix chosen
// from the holder's kind, the path with Node's plumbing folded, a link to the cause in the panel.
// The Problems entry is the short form (what piles up and what to change); the hover has the rest.
// Heap strings are untrusted: every piece of them is escaped (escapeText) before it joins the Markdown.
import * as vscode from 'vscode';
import { isolateViews } from '../core/isolateViews';
import type { Cause, Report, SourcePosition } from '../core/report';
import { addSentence, fullFix, headline, keepsSentence, leadType, newSite, problemText, sitesOfType, stepText } from '../display/causes';
import { formatBytes, formatCount, sentencePieces, type TextPiece } from '../display/format';

/** One line a cause names: where the program adds to its holder, or creates its strong back-reference. */
export interface LineHint {
  site: SourcePosition;
  kind: 'holder' | 'backReference';
  cause: Cause;
  /** The report that names the cause (its types' growth, their sites). */
  report: Report;
}

/** The hints of a set of reports: each cause's holder line (else its holder's declaration), and its back-reference's line. */
export function collectHints(reports: Report[]): LineHint[] {
  const hints: LineHint[] = [];
  for (const report of reports) {
    for (const cause of report.causes ?? []) {
      if (cause.verdict === 'ok') continue;
      const holderLine = cause.addedAt ?? cause.holder.declaredAt;
      if (holderLine) hints.push({ site: holderLine, kind: 'holder', cause, report });
      const back = cause.backReference?.site;
      if (back && !(holderLine && sameLine(back, holderLine))) hints.push({ site: back, kind: 'backReference', cause, report });
    }
  }
  return hints;
}

function sameLine(a: SourcePosition, b: SourcePosition): boolean {
  return a.file === b.file && a.line === b.line;
}

function fileUri(file: string): vscode.Uri | undefined {
  if (/^file:\/\//i.test(file)) return vscode.Uri.parse(file, true);
  if (file.startsWith('/') || /^[a-zA-Z]:[\\/]/.test(file)) return vscode.Uri.file(file);
  return undefined;
}

/**
 * Untrusted text as Markdown: appendText escapes Markdown syntax and theme icons; angle brackets and
 * ampersands become entities too, so no HTML gets through even where a renderer allows it. appendText
 * also turns every space into &nbsp;, which leaves the hover no place to wrap but inside a word or a
 * number ("(47" / "9.3 kB/min)"): the spaces go back to spaces (a number and its unit are joined by
 * U+00A0, which stays).
 */
function escapeText(text: string): string {
  const bounded = text.length > 2000 ? `${text.slice(0, 1999)}…` : text;
  return new vscode.MarkdownString(undefined, true)
    .appendText(bounded.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;'))
    .value.replace(/(?:&nbsp;)+/g, ' ');
}

function appendUntrusted(md: vscode.MarkdownString, text: string): void {
  md.appendMarkdown(escapeText(text));
}

/** Pieces of text with code as code spans; a piece a code span cannot hold as plain text (HTML, an icon, a line break, a backtick) is escaped as text. */
function appendPieces(md: vscode.MarkdownString, pieces: TextPiece[]): void {
  for (const piece of pieces) {
    if (piece.code && !/[<>&\n\r`]|\$\(/.test(piece.text) && piece.text.trim()) md.appendMarkdown(`\`${piece.text}\``);
    else appendUntrusted(md, piece.text);
  }
}

/** An analysis sentence (the fix) with its `backticked` code as code spans. */
function appendProse(md: vscode.MarkdownString, sentence: string): void {
  appendPieces(md, sentencePieces(sentence));
}

/** A command link whose argument survives Markdown: parentheses encoded too. */
function commandLink(command: string, args: unknown[]): string {
  const encoded = encodeURIComponent(JSON.stringify(args)).replace(/\(/g, '%28').replace(/\)/g, '%29');
  return `command:${command}?${encoded}`;
}

/** The path in one line: each step in words, the folded plumbing as its label, the holder marked. */
function pathLine(cause: Cause): string {
  const steps = cause.path.steps;
  if (!steps.length) return '';
  const words = steps.map((s, i) => `${stepText(s)}${i === cause.path.holderIndex ? ' (the holder)' : ''}`);
  return [...words, steps[steps.length - 1].to].join(' → ');
}

/** One cause's section of a hover: the title in plain words, what the line does and keeps, the fix, the path, the link. */
function appendHolderHint(md: vscode.MarkdownString, hint: LineHint): void {
  const { cause } = hint;
  const h = headline(cause);
  md.appendMarkdown(cause.verdict === 'leak' ? '$(flame) **Leak Watch — leak:** ' : '$(warning) **Leak Watch — suspect:** ');
  appendUntrusted(md, `${h.type} kept by `);
  appendPieces(md, h.holder);
  md.appendMarkdown('\n\n');
  appendUntrusted(md, `${addSentence(cause)} ${keepsSentence(cause, hint.report.types)}`);
  md.appendMarkdown('\n\n**Fix:** ');
  appendProse(md, fullFix(cause));
  const path = pathLine(cause);
  if (path) {
    md.appendMarkdown('\n\n**Kept alive through:** ');
    appendUntrusted(md, path);
  }
}

/** The section of a back-reference's line: what it points at, what it keeps, the WeakRef fix. */
function appendBackReferenceHint(md: vscode.MarkdownString, hint: LineHint): void {
  const b = hint.cause.backReference!;
  md.appendMarkdown(hint.cause.verdict === 'leak' ? '$(flame) **Leak Watch — leak:** ' : '$(warning) **Leak Watch — suspect:** ');
  appendUntrusted(md, `a strong back-reference keeps whole ${b.target} structures alive`);
  md.appendMarkdown('\n\n');
  appendPieces(md, [{ text: `${b.holder}.${b.edge}`, code: true }]);
  appendUntrusted(md, ` points back at its ${b.target} (${formatCount(b.count)} such references): one ${b.holder} still held by ${hint.cause.holder.label} keeps the ${b.target} objects around it alive, ${formatBytes(b.bytes)} in all.`);
  md.appendMarkdown('\n\n**Fix:** ');
  appendProse(md, b.fix || fullFix(hint.cause));
}

/** The hover text for the hints of one line. */
export function hoverMarkdown(hints: LineHint[]): vscode.MarkdownString {
  const md = new vscode.MarkdownString(undefined, true);
  md.isTrusted = { enabledCommands: ['leakWatch.revealCause'] };
  md.supportThemeIcons = true;
  hints.forEach((hint, i) => {
    if (i > 0) md.appendMarkdown('\n\n---\n\n');
    if (hint.kind === 'backReference') appendBackReferenceHint(md, hint);
    else appendHolderHint(md, hint);
    md.appendMarkdown(`\n\n[$(type-hierarchy) Show the cause in the Leak Watch panel](${commandLink('leakWatch.revealCause', [hint.cause.id])})`);
  });
  return md;
}

/** One hint per cause and kind on a line (a cause named by two reports shows once). */
function distinct(hints: LineHint[]): LineHint[] {
  const byKey = new Map<string, LineHint>();
  for (const hint of hints) {
    const key = `${hint.kind}\u0000${hint.cause.id}`;
    if (!byKey.has(key)) byKey.set(key, hint);
  }
  return [...byKey.values()];
}

/** The Problems entry's message for one hint: what piles up where, and the change to make, in short. */
function problemMessage(hint: LineHint): string {
  if (hint.kind === 'holder') return problemText(hint.cause, hint.report.types);
  const b = hint.cause.backReference!;
  return `${b.holder}.${b.edge} points back at its ${b.target}, so one kept ${b.holder} keeps ${formatBytes(b.bytes)} alive. Make it a WeakRef (read it with deref()).`;
}

/** Where else to look, beside the Problems entry: the holder's declaration, the kept objects' `new`, the line that adds to the holder. */
function related(hint: LineHint): vscode.DiagnosticRelatedInformation[] {
  const out: vscode.DiagnosticRelatedInformation[] = [];
  const add = (p: SourcePosition | undefined, text: string) => {
    const uri = p && fileUri(p.file);
    if (uri && !sameLine(p!, hint.site)) out.push(new vscode.DiagnosticRelatedInformation(new vscode.Location(uri, new vscode.Position(Math.max(0, p!.line - 1), Math.max(0, p!.column - 1))), text));
  };
  const { cause } = hint;
  if (hint.kind === 'backReference') add(cause.addedAt, `Where the program adds to ${cause.holder.label}`);
  if (cause.holder.declaredAt) add(cause.holder.declaredAt, `${cause.holder.variable ?? cause.holder.type} is declared here`);
  add(newSite(sitesOfType(hint.report, leadType(cause))), `${leadType(cause)} objects are made here`);
  return out;
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
    // A program's report: each isolate's causes, in that isolate's words.
    this.hints = collectHints(reports.flatMap(isolateViews));
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
      const byLine = new Map<number, LineHint[]>();
      for (const hint of distinct(hints)) byLine.set(hint.site.line, [...(byLine.get(hint.site.line) ?? []), hint]);
      const diagnostics = [...byLine.values()].map((line) => {
        const first = line[0];
        const row = Math.max(0, first.site.line - 1);
        const column = Math.max(0, first.site.column - 1);
        // Under the holder's name where the call starts with it (`liveTrees.add(…)`), else the word
        // there (`setInterval`): past it, the hover is Leak Watch's alone.
        const width = first.kind === 'holder' && first.cause.holder.variable ? first.cause.holder.variable.length : 0;
        const d = new vscode.Diagnostic(
          new vscode.Range(row, column, row, column + width),
          line.map(problemMessage).join(' — '),
          line.some((h) => h.cause.verdict === 'leak') ? vscode.DiagnosticSeverity.Warning : vscode.DiagnosticSeverity.Information,
        );
        d.source = 'Leak Watch';
        d.relatedInformation = line.flatMap(related);
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
    const hints = distinct((this.byFile.get(document.uri.toString()) ?? []).filter((h) => h.site.line - 1 === position.line));
    if (!hints.length) return undefined;
    return new vscode.Hover(hoverMarkdown(hints), document.lineAt(position.line).range);
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
