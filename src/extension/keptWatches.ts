// The watches kept in the workspace's storage: each finished watch (a live one, or a file opened) as
// a `.leakwatch.json` (core's saved watch: the report, its program, time and commit), with an index
// in the workspace state for listing without reading the files. Newest first; the oldest go past
// MAX_KEPT.
import * as vscode from 'vscode';
import { programKey } from '../core/program';
import { parseSavedWatch, type SavedWatch } from '../core/savedWatch';

/** How many watches a workspace keeps; the oldest beyond this are deleted. */
const MAX_KEPT = 40;
const INDEX_KEY = 'leakWatch.keptWatches';

/** A kept watch as listed (what the list shows; the report itself is in its file). */
export interface KeptWatch {
  /** The file's name in the storage folder. */
  file: string;
  /** The name the user sees (the session's or file's name, or one given by renaming). */
  label: string;
  /** The program's script relative to its root: what makes two runs the same program. */
  programKey?: string;
  /** ISO time the watch began, and when it was kept. */
  startedAt: string;
  savedAt: string;
  samples: number;
  /** Causes (or leaking types) in a few words: "1 leak: Session kept by the Map sessions". */
  summary: string;
  commit?: string;
}

export class KeptWatches {
  private readonly folder: vscode.Uri;
  private readonly changeEmitter = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changeEmitter.event;

  constructor(private readonly context: vscode.ExtensionContext) {
    this.folder = vscode.Uri.joinPath(context.storageUri ?? context.globalStorageUri, 'watches');
  }

  /** The kept watches, newest first. */
  list(): KeptWatch[] {
    const index = this.context.workspaceState.get<unknown>(INDEX_KEY);
    return Array.isArray(index) ? index.filter(isKeptWatch) : [];
  }

  /** The newest kept watch of a program (by its key), other than `except`. */
  lastOf(key: string | undefined, except?: string): KeptWatch | undefined {
    return key ? this.list().find((w) => w.programKey === key && w.file !== except) : undefined;
  }

  /** Keeps a saved watch; returns how it is listed. */
  async keep(watch: SavedWatch, label: string): Promise<KeptWatch> {
    const stamp = (watch.watch?.savedAt ?? new Date().toISOString()).replace(/[:.]/g, '-');
    const file = `${stamp}-${Math.random().toString(36).slice(2, 8)}.leakwatch.json`;
    await vscode.workspace.fs.createDirectory(this.folder);
    await vscode.workspace.fs.writeFile(vscode.Uri.joinPath(this.folder, file), Buffer.from(JSON.stringify(watch)));
    const kept: KeptWatch = {
      file,
      label,
      ...(programKey(watch.watch?.program) ? { programKey: programKey(watch.watch?.program) } : {}),
      startedAt: watch.startedAt,
      savedAt: watch.watch?.savedAt ?? new Date().toISOString(),
      samples: watch.samplesTaken ?? watch.samples.length,
      summary: summarize(watch),
      ...(watch.watch?.program?.git ? { commit: watch.watch.program.git.commit.slice(0, 12) } : {}),
    };
    const list = [kept, ...this.list()];
    for (const old of list.splice(MAX_KEPT)) await this.deleteFile(old.file);
    await this.setIndex(list);
    return kept;
  }

  /** Reads a kept watch's report; throws saying what is wrong with the file. */
  async read(kept: KeptWatch): Promise<SavedWatch> {
    const bytes = await vscode.workspace.fs.readFile(this.uriOf(kept));
    return parseSavedWatch(Buffer.from(bytes).toString('utf8'));
  }

  async rename(kept: KeptWatch, label: string): Promise<void> {
    await this.setIndex(this.list().map((w) => (w.file === kept.file ? { ...w, label } : w)));
  }

  async remove(kept: KeptWatch): Promise<void> {
    await this.deleteFile(kept.file);
    await this.setIndex(this.list().filter((w) => w.file !== kept.file));
  }

  /** Copies a kept watch to a file of the user's. */
  async export(kept: KeptWatch, target: vscode.Uri): Promise<void> {
    await vscode.workspace.fs.copy(this.uriOf(kept), target, { overwrite: true });
  }

  /** Reads a `.leakwatch.json` (or a JSON report) the user chose and keeps it; throws saying what is wrong with it. */
  async import(source: vscode.Uri): Promise<{ kept: KeptWatch; watch: SavedWatch }> {
    const text = Buffer.from(await vscode.workspace.fs.readFile(source)).toString('utf8');
    const watch = parseSavedWatch(text);
    const name = source.path.slice(source.path.lastIndexOf('/') + 1).replace(/\.leakwatch\.json$|\.json$/i, '');
    return { kept: await this.keep(watch, name || watch.target.description), watch };
  }

  private uriOf(kept: KeptWatch): vscode.Uri {
    // The index is ours, but never let a name in it leave the folder.
    if (!/^[\w.-]+\.leakwatch\.json$/.test(kept.file)) throw new Error(`not a kept watch's file name: ${kept.file}`);
    return vscode.Uri.joinPath(this.folder, kept.file);
  }

  private async deleteFile(file: string): Promise<void> {
    if (!/^[\w.-]+\.leakwatch\.json$/.test(file)) return;
    await vscode.workspace.fs.delete(vscode.Uri.joinPath(this.folder, file)).then(undefined, () => undefined);
  }

  private async setIndex(list: KeptWatch[]): Promise<void> {
    await this.context.workspaceState.update(INDEX_KEY, list);
    this.changeEmitter.fire();
  }

  dispose(): void {
    this.changeEmitter.dispose();
  }
}

/** A watch's result in a few words: its causes, else its leaking types. */
function summarize(w: SavedWatch): string {
  const causes = (w.causes ?? []).filter((c) => c.verdict !== 'ok');
  if (causes.length) return `${causes.length} cause${causes.length === 1 ? '' : 's'}: ${causes.map((c) => c.title).slice(0, 2).join('; ')}${causes.length > 2 ? '; …' : ''}`;
  const leaks = w.types.filter((t) => t.verdict === 'leak');
  if (leaks.length) return `${leaks.length} leaking type${leaks.length === 1 ? '' : 's'}: ${leaks.slice(0, 3).map((t) => t.name).join(', ')}`;
  return w.tooEarly ? 'too early for a verdict' : 'no leak';
}

function isKeptWatch(v: unknown): v is KeptWatch {
  const w = v as Partial<KeptWatch> | null;
  return !!w && typeof w === 'object' && typeof w.file === 'string' && typeof w.label === 'string' && typeof w.startedAt === 'string' && typeof w.savedAt === 'string' && typeof w.summary === 'string';
}
