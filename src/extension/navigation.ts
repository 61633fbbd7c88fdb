// Opening a source position from the report: only positions the analysis produced, only files in the
// workspace (others open read-only with a note, built-in modules are refused with a reason), with
// the cursor at the start of the `new` expression (or call) and the line's start in view.
import * as vscode from 'vscode';
import type { Report, SourcePosition } from '../core/report';
import { causePositions, newSite, sitesOfType } from '../display/causes';

/** Every source position the analysis put into the report. */
export function reportPositions(report: Report | undefined): SourcePosition[] {
  const out: SourcePosition[] = [];
  for (const leak of report?.leaks ?? []) {
    out.push(...leak.allocationSites);
    for (const path of leak.retainerPaths) if (path.suspectSite) out.push(path.suspectSite);
    for (const ref of leak.backReferences) if (ref.site) out.push(ref.site);
  }
  for (const cause of report?.causes ?? []) out.push(...causePositions(cause));
  return out;
}

/** Where clicking a cause goes: the line that adds to its holder (else the holder's declaration); undefined for an unknown cause. */
export function causeLine(report: Report | undefined, causeId: string): SourcePosition | undefined {
  const cause = report?.causes?.find((c) => c.id === causeId);
  return cause?.addedAt ?? cause?.holder.declaredAt;
}

/** Where clicking a type goes: its `new` (an allocation or the `new` found in the source before the constructor). */
export function typeNew(report: Report | undefined, typeName: string): SourcePosition | undefined {
  return report ? newSite(sitesOfType(report, typeName)) : undefined;
}

function samePosition(a: SourcePosition, b: SourcePosition): boolean {
  return a.file === b.file && a.line === b.line && a.column === b.column;
}

export type OpenDecision =
  | { kind: 'open'; uri: vscode.Uri; readOnly: boolean; note?: string }
  | { kind: 'refuse'; reason: string };

/** Decides whether and how a position may be opened (pure apart from workspace lookups). */
export function decideOpen(position: SourcePosition, known: SourcePosition[]): OpenDecision {
  if (!known.some((p) => samePosition(p, position))) {
    return { kind: 'refuse', reason: 'That position is not one the analysis found, so Leak Watch will not open it.' };
  }
  const file = position.file;
  if (/^node:/.test(file) || /^internal[\\/]/.test(file)) {
    return { kind: 'refuse', reason: `${file} is part of Node.js itself; there is no file to open. Look at the caller in the retainer path instead.` };
  }
  let uri: vscode.Uri;
  if (/^file:\/\//i.test(file)) uri = vscode.Uri.parse(file, true);
  else if (file.startsWith('/') || /^[a-zA-Z]:[\\/]/.test(file)) uri = vscode.Uri.file(file);
  else return { kind: 'refuse', reason: `${file} is not a file on this machine (it may be a generated or remote script).` };
  if (uri.path.split('/').includes('..')) return { kind: 'refuse', reason: `${file} is not a plain path.` };
  const folder = vscode.workspace.getWorkspaceFolder(uri);
  if (!folder) return { kind: 'open', uri, readOnly: true, note: `${uri.fsPath} is outside the workspace; opened read-only.` };
  if (uri.path.includes('/node_modules/')) return { kind: 'open', uri, readOnly: true, note: `${vscode.workspace.asRelativePath(uri)} is a dependency; opened read-only.` };
  return { kind: 'open', uri, readOnly: false };
}

/** Opens `position` beside the panel, the cursor on the expression there. */
export async function openSource(
  position: SourcePosition,
  report: Report | undefined,
  panelColumn: vscode.ViewColumn | undefined,
  preserveFocus = false,
): Promise<vscode.TextEditor | undefined> {
  const decision = decideOpen(position, reportPositions(report));
  if (decision.kind === 'refuse') {
    void vscode.window.showWarningMessage(`Leak Watch: ${decision.reason}`);
    return undefined;
  }
  let document: vscode.TextDocument;
  try {
    document = await vscode.workspace.openTextDocument(decision.uri);
  } catch (error) {
    void vscode.window.showWarningMessage(`Leak Watch: cannot open ${decision.uri.fsPath} (${error instanceof Error ? error.message : String(error)}).`);
    return undefined;
  }
  const line = Math.min(position.line - 1, document.lineCount - 1);
  const column = Math.min(position.column - 1, document.lineAt(line).text.length);
  const start = new vscode.Position(line, column);
  // The editor group beside the panel: left of it when there is one.
  const viewColumn = panelColumn && panelColumn > vscode.ViewColumn.One ? panelColumn - 1 : vscode.ViewColumn.Beside;
  // The cursor at the start of the `new` (or call), nothing selected: a selection to the end of the
  // expression would scroll a narrow editor sideways to show its end.
  const editor = await vscode.window.showTextDocument(document, {
    viewColumn,
    selection: new vscode.Selection(start, start),
    preserveFocus,
  });
  // From the line's start to the cursor: the editor keeps the line's start in view.
  editor.revealRange(new vscode.Range(line, 0, line, column), vscode.TextEditorRevealType.InCenterIfOutsideViewport);
  if (decision.readOnly) {
    await vscode.commands.executeCommand('workbench.action.files.setActiveEditorReadonlyInSession').then(undefined, () => undefined);
    if (decision.note) void vscode.window.showInformationMessage(`Leak Watch: ${decision.note}`);
  }
  return editor;
}

/** What the panel or a hover asks to open: a position of the report, a cause's adding line, or a type's `new`. */
export type OpenTarget = { position: SourcePosition } | { causeId: string } | { typeName: string };

/**
 * Opens `target` beside the panel. A cause or type without a line says so when the user asked
 * (not when a selection moved the editor along, `preserveFocus`).
 */
export async function openTarget(
  target: OpenTarget,
  report: Report | undefined,
  panelColumn: vscode.ViewColumn | undefined,
  preserveFocus = false,
): Promise<vscode.TextEditor | undefined> {
  let position: SourcePosition | undefined;
  let missing = '';
  if ('position' in target) position = target.position;
  else if ('causeId' in target) {
    position = causeLine(report, target.causeId);
    missing = 'the line that adds to this holder was not found.';
  } else {
    position = typeNew(report, target.typeName);
    missing = `no allocation site of ${target.typeName.slice(0, 200)} is known (turn on leakWatch.allocationSites to record them).`;
  }
  if (!position) {
    if (!preserveFocus) void vscode.window.showInformationMessage(`Leak Watch: ${missing}`);
    return undefined;
  }
  return openSource(position, report, panelColumn, preserveFocus);
}
