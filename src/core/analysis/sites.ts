/**
 * Where in the program's source: script ids to files, allocation sites as the report gives them,
 * and the files to search for the line that makes a reference (the holder's own file first).
 */
import type { HeapGraph } from '../heap/graph';
import type { AllocationSite, SourcePosition } from '../report';
import { allocationSites, isUserScript, nodeLocation, scriptNames, type RawAllocationSite } from './allocation';
import { toLocalPath } from '../sources/scripts';
import { findNewExpression, setSourceText } from '../sources/references';
import { asRunName, TRANSFORMED_FILE, type RunningScript } from '../sources/runningSources';

/** How scripts are resolved to files (see `ExplainContext`). */
export interface ScriptContext {
  /** CDP script ids → URLs (`Debugger.scriptParsed`). */
  scriptUrls?: Record<string, string>;
  /** Resolves a script id or URL to a local file; tried before `scriptUrls`. */
  resolveScript?: (scriptIdOrUrl: string | number) => string | undefined;
}

/** Script id (and name, when known) → local file or URL. */
export type Resolve = (scriptId: number, scriptName?: string) => string | undefined;

/** The resolver of a context: its own look-up first, then the script's name as a path, then the CDP URL. */
export function scriptResolver(context: ScriptContext): Resolve {
  return (scriptId, scriptName) => {
    const tries: (string | number)[] = scriptName ? [scriptName, scriptId] : [scriptId];
    for (const key of tries) {
      const viaContext = context.resolveScript?.(key);
      if (viaContext) return viaContext;
    }
    if (scriptName) {
      const local = toLocalPath(scriptName);
      if (local) return local;
    }
    const url = context.scriptUrls?.[String(scriptId)];
    return url ? (toLocalPath(url) ?? url) : scriptName || undefined;
  };
}

/** A report site; for traced allocations, the `new Type(` line inside the allocating function when found. */
export function siteOf(s: RawAllocationSite, type: string, resolve: Resolve): AllocationSite {
  const file = resolve(s.scriptId, s.scriptName) ?? s.scriptName ?? `script ${s.scriptId}`;
  const site: AllocationSite = { file, line: s.line, column: s.column, functionName: s.functionName, count: s.count, bytes: s.bytes, kind: s.kind };
  if (s.kind === 'allocation' && /^[A-Za-z_$][\w$]*$/.test(type)) {
    const at = findNewExpression(file, type, { line: s.line, column: s.column });
    if (at) return { ...site, line: at.line, column: at.column };
  }
  return site;
}

/** Without allocation traces: the `new Type(` in the constructor's own file, when there is one. */
export function staticNewSite(type: string, file: string): SourcePosition | undefined {
  if (!/^[A-Za-z_$][\w$]*$/.test(type) || !toLocalPath(file)) return undefined;
  return findNewExpression(file, type);
}

/** A file to search, and a position in it to prefer matches near (a function's). */
export type Hint = { file: string; near?: { line: number; column: number } };

/** Files to search for a reference made by `holders`: their own (constructor/function) locations first, then hints. */
export function candidateFiles(g: HeapGraph, holders: number[], resolve: Resolve, hints: Hint[]): Hint[] {
  const out: { file: string; near?: { line: number; column: number } }[] = [];
  const seen = new Set<string>();
  for (const h of holders) {
    const loc = nodeLocation(g, h);
    if (!loc) continue;
    const file = resolve(loc.scriptId, scriptNames(g).get(loc.scriptId));
    if (!file || seen.has(file) || !toLocalPath(file)) continue;
    seen.add(file);
    out.push({ file, near: { line: loc.line + 1, column: loc.column + 1 } });
  }
  for (const hint of hints) {
    if (seen.has(hint.file) || !toLocalPath(hint.file)) continue;
    seen.add(hint.file);
    out.push(hint);
  }
  return out;
}

/** The first file in which `find` finds something. */
export function firstHit(files: { file: string; near?: { line: number; column: number } }[], find: (file: string, near?: { line: number; column: number }) => SourcePosition | undefined): SourcePosition | undefined {
  for (const f of files) {
    const hit = find(f.file, f.near);
    if (hit) return hit;
  }
  return undefined;
}

/** The last plain name in a folded label: `_events.shutdown[]` → `shutdown`. */
export function lastName(label: string): string {
  const parts = label.replace(/\[\]|<key>/g, '').split('.').filter(Boolean);
  return parts[parts.length - 1] ?? '';
}


/** A type's allocation sites as the report gives them: resolved, the `new Type(` line for traced ones; without traces, the `new Type(` found in the class's file in place of the bare constructor. */
export function reportSites(graph: HeapGraph, type: string, nodes: ArrayLike<number>, resolve: Resolve): { sites: AllocationSite[]; raw: RawAllocationSite[]; foundNew?: SourcePosition } {
  const raw = allocationSites(graph, nodes);
  const sites = raw.map((s) => siteOf(s, type, resolve));
  const made = sites.length && sites.every((x) => x.kind === 'constructor') ? staticNewSite(type, sites[0].file) : undefined;
  return { sites, raw, foundNew: made };
}

/** The program's own scripts (not Node's, not node_modules) that resolve to local files, `first` ones first. */
export function userScriptFiles(g: HeapGraph, resolve: Resolve, first: string[] = []): string[] {
  const files = new Set(first.filter((f) => isUserScript(f) && toLocalPath(f)));
  for (const [id, name] of scriptNames(g)) {
    if (!isUserScript(name)) continue;
    const file = resolve(id, name);
    if (file && toLocalPath(file)) files.add(file);
  }
  return [...files];
}

/** The program's scripts whose running code is not their file (a `.ts` that a loader such as tsx transformed in memory). */
export function transformedScripts(g: HeapGraph): RunningScript[] {
  const out: RunningScript[] = [];
  for (const [scriptId, name] of scriptNames(g)) {
    const file = isUserScript(name) ? toLocalPath(name) : undefined;
    if (file && TRANSFORMED_FILE.test(file)) out.push({ scriptId, file });
  }
  return out;
}

/**
 * A script resolver for fetched running code (script id → text): such a script resolves to its
 * "as run" name, whose text is that code and whose source map leads back to the file.
 */
export function runningCodeResolver(g: HeapGraph, sources: Record<string, string> | undefined): ((scriptIdOrUrl: string | number) => string | undefined) | undefined {
  if (!sources || !Object.keys(sources).length) return undefined;
  const byKey = new Map<string, string>();
  const names = scriptNames(g);
  for (const [id, text] of Object.entries(sources)) {
    const name = names.get(Number(id));
    const file = name ? toLocalPath(name) : undefined;
    if (!name || !file) continue;
    const asRun = asRunName(file);
    setSourceText(asRun, text);
    byKey.set(id, asRun);
    byKey.set(name, asRun);
  }
  return (key) => byKey.get(String(key));
}
