/**
 * A retainer path in the code's words: the run of Node's own plumbing from the GC roots to the
 * program's first object (timer lists, the module wrapper and require cache, `process`, async
 * hooks and AsyncLocalStorage, streams' state) becomes one labelled step that keeps its raw edges,
 * and a closure's variable is named with its declaration (scope and line).
 */
import type { HeapGraph } from '../heap/graph';
import type { CauseStep, HolderKind, PathEdge, SourcePosition } from '../report';
import { findDeclarationScope, findEnclosingCall, moduleFoldLabel, moduleOfScope } from '../sources/references';
import { toLocalPath } from '../sources/scripts';
import { nodeLocation, scriptNames } from './allocation';
import { codeOrigin } from './origin';
import type { DisplayPath } from './retainers';
import { lastName, type Resolve } from './sites';

/** The local file and 1-based position of a function node's code, when it has a location in a local script. */
export function codeAt(g: HeapGraph, node: number, resolve: Resolve): SourcePosition | undefined {
  const loc = nodeLocation(g, node);
  if (!loc) return undefined;
  const file = resolve(loc.scriptId, scriptNames(g).get(loc.scriptId));
  if (!file || !toLocalPath(file)) return undefined;
  return { file, line: loc.line + 1, column: loc.column + 1 };
}

/** Where the most common of these closures of the program's own code is defined. */
export function userClosureAt(g: HeapGraph, closures: number[], resolve: Resolve): SourcePosition | undefined {
  const counts = new Map<string, { n: number; node: number }>();
  for (const c of closures) {
    if (codeOrigin(g, c) !== 'user') continue;
    const loc = nodeLocation(g, c)!;
    const key = `${loc.scriptId}:${loc.line}:${loc.column}`;
    const seen = counts.get(key);
    if (seen) seen.n++;
    else counts.set(key, { n: 1, node: c });
  }
  let best: { n: number; node: number } | undefined;
  for (const x of counts.values()) if (!best || x.n > best.n) best = x;
  return best ? codeAt(g, best.node, resolve) : undefined;
}

const TIMER_WORDS = /^(TimersList|Timeout|Immediate|ImmediateList|_idleNext|_idlePrev|_onTimeout|_onImmediate|timerListMap|timerListQueue|immediateQueue|setTimeout|setInterval|setImmediate)$/;
const MODULE_WORDS = /^(Module|_cache|require|module|exports|children|_load|loader|moduleMap|ModuleJob|ModuleWrap|cjsCache)$/;
const ASYNC_WORDS = /async|AsyncLocalStorage|AsyncContextFrame|AsyncResource|kResourceStore|AsyncHook/i;
const STREAM_WORDS = /ReadableState|WritableState|_readableState|_writableState|BufferList/;

/** What a run of Node's plumbing is, in plain words. */
function plumbingKind(edges: PathEdge[]): 'timer' | 'module' | 'process' | 'async' | 'stream' | 'promise' | 'internals' {
  const words = edges.flatMap((e) => [e.from, lastName(e.edge), e.to]);
  if (words.some((w) => TIMER_WORDS.test(w))) return 'timer';
  if (words.some((w) => STREAM_WORDS.test(w))) return 'stream';
  if (words.some((w) => w === 'PromiseReaction' || w.startsWith('reactions_or_result'))) return 'promise';
  if (words.some((w) => ASYNC_WORDS.test(w))) return 'async';
  if (words.some((w) => MODULE_WORDS.test(w))) return 'module';
  if (words.some((w) => w === 'process')) return 'process';
  return 'internals';
}

const PLUMBING_LABEL = {
  timer: 'a timer',
  module: 'the module system (require cache)',
  process: 'process',
  async: 'async context (async hooks, AsyncLocalStorage)',
  stream: "a stream's state",
  promise: 'a pending promise',
  internals: "Node's internals",
} as const;

export interface CodePathOptions {
  resolve: Resolve;
  /** Where the program's kept closure is defined (a timer's callback names the call that started it). */
  closure?: SourcePosition;
  holderKind: HolderKind;
}

/** A display path as cause steps: Node's leading plumbing folded into one labelled step, closure variables named; `holderIndex` follows the fold. */
export function codePath(g: HeapGraph, path: DisplayPath, holderIndex: number, options: CodePathOptions): { steps: CauseStep[]; holderIndex: number } {
  const n = path.edges.length;
  // The program's first step: a holder whose code is the program's own (or the holder itself, when it is not Node's).
  let k = 0;
  while (k < n && codeOrigin(g, path.holders[k]) !== 'user' && !(k === holderIndex && options.holderKind !== 'timer')) k++;
  if (k >= n) k = holderIndex >= 0 ? holderIndex : 0;
  const steps: CauseStep[] = [];
  let at = holderIndex;
  if (k > 0) {
    const raw = path.edges.slice(0, k);
    const kind = plumbingKind(raw);
    let label = `kept alive by ${PLUMBING_LABEL[kind]}`;
    // A timer's callback is the closure the plumbing ends at: name the call that started the timer.
    const callback = kind === 'timer' ? codeAt(g, path.targets[k - 1], options.resolve) : undefined;
    const started = callback ? findEnclosingCall(callback.file, callback) : undefined;
    if (started) label += `: ${started.callee} at ${baseName(started.at.file)}:${started.at.line}`;
    steps.push({ from: raw[0].from, edge: label, edgeType: 'folded', to: raw[k - 1].to, label, folded: raw, ...(started ? { site: started.at } : {}) });
    at = holderIndex < k ? 0 : holderIndex - k + 1;
  }
  for (let i = k; i < n; i++) {
    const e = path.edges[i];
    const step: CauseStep = { ...e };
    if (e.edgeType === 'context') {
      const name = lastName(e.edge);
      const fn = codeAt(g, path.holders[i], options.resolve);
      const found = fn && name ? findDeclarationScope(fn.file, name, fn) : undefined;
      if (found) {
        step.variable = { name, scope: found.scope, declaredAt: found.at };
        step.label = `${name} (${found.scope}, declared at line ${found.at.line})`;
      } else if (name) step.variable = { name };
    }
    steps.push(step);
  }
  return foldToModuleScope(steps, holderIndex < 0 ? -1 : at);
}

/**
 * A module's top-level variable lives as long as the module's functions, that is, as long as the
 * program: how the path reached its scope (through one of the module's objects, its class's
 * `constructor`, a closure) says nothing about the leak. The steps before the first such variable
 * fold into one that names the module, their raw edges kept; not when the holder is among them.
 */
function foldToModuleScope(steps: CauseStep[], holderIndex: number): { steps: CauseStep[]; holderIndex: number } {
  const m = steps.findIndex((s) => moduleOfScope(s.variable?.scope) !== undefined);
  const lead = steps[0]?.folded ? 1 : 0;
  if (m <= lead || (holderIndex >= 0 && holderIndex < m)) return { steps, holderIndex };
  const raw = steps.slice(0, m).flatMap((s): PathEdge[] => s.folded ?? [{ from: s.from, edge: s.edge, edgeType: s.edgeType, to: s.to }]);
  // A leading fold that names a line (the timer's setInterval) keeps its words and line; else the module is named.
  const named = steps[0].folded && steps[0].site ? steps[0] : undefined;
  const label = named?.label ?? moduleFoldLabel(moduleOfScope(steps[m].variable!.scope)!);
  const folded: CauseStep = { from: raw[0].from, edge: label, edgeType: 'folded', to: raw[raw.length - 1].to, label, folded: raw, ...(named?.site ? { site: named.site } : {}) };
  return { steps: [folded, ...steps.slice(m)], holderIndex: holderIndex < 0 ? -1 : holderIndex - m + 1 };
}

function baseName(file: string): string {
  return file.split(/[\\/]/).pop() ?? file;
}
