/**
 * A cause in the code's words: what kind of holder keeps the objects (a collection, a listener
 * list, a timer, a promise's reactions, a variable, a back-reference), its variable and event, the
 * line of the program that adds to it, and the fix that fits its kind.
 */
import type { HeapGraph } from '../heap/graph';
import type { AddKind, AllocationSite, BackReference, Cause, CauseAddSite, CauseHolder, HolderKind, KeptType, SourcePosition, Verdict } from '../report';
import { findCall, findCollectionAdd, findDeclarationScope, findEnclosingCall, findHandOver, findListenerAdd, findMethodCall, findPackageCall, findPropertyAssignment, findVariableAssignment } from '../sources/references';
import { backRefFix, measureBackRef, reachesBack, type BackRefCandidate } from './backrefs';
import { typeIndices } from './edges';
import type { TypeNamer } from './naming';
import { isUserScript } from './allocation';
import { codeAt, codePath, userClosureAt } from './codePath';
import { classScript, codeOrigin, packagesOf } from './origin';
import { suspectEdge, type DisplayPath, type PathContext } from './retainers';
import { candidateFiles, firstHit, lastName, reportSites, userScriptFiles, type Hint, type Resolve } from './sites';

/** The tops that share one holder node, and what they keep (per marked type k = 1..n). */
export interface CauseGroup {
  holder: number;
  tops: number[];
  /** New objects of the marked types kept, in all. */
  kept: number;
  count: Float64Array;
  bytes: Float64Array;
  samples: number[][];
  /** Some new closures under the tops (for the program's call that handed them over). */
  closures?: number[];
}

export interface CauseInput {
  graph: HeapGraph;
  pathCtx: PathContext;
  /** The shortest path of one kept object of the first kept type. */
  path: DisplayPath;
  group: CauseGroup;
  kept: KeptType[];
  verdict: Verdict;
  retained: number;
  /** Some new objects of the first kept type. */
  sampleNodes: number[];
  resolve: Resolve;
  tops: number[];
  /** Per node: its topmost new dominator (`topNewObjects`), -1 for old nodes; a node is kept by the cause when that is one of `tops`. */
  top: Int32Array;
}

const TIMER_TYPES = new Set(['TimersList', 'Timeout', 'Immediate']);
const TIMER_EDGES = new Set(['_idleNext', '_idlePrev', '_onTimeout', '_onImmediate', 'timerListMap', 'immediateQueue']);
const CONTAINERS = new Set(['Array', 'Map', 'Set', 'WeakMap', 'WeakSet', 'Object']);
const ADD_HOW: Record<string, AddKind> = { Map: 'set', WeakMap: 'set', Set: 'add', WeakSet: 'add', Array: 'push', Object: 'assign' };
const LISTEN = new Set(['on', 'addListener', 'once', 'prependListener', 'prependOnceListener', 'addEventListener']);
const COLLECTION_CALLS: Record<string, AddKind> = { push: 'push', unshift: 'push', set: 'set', add: 'add' };
/** At most this many of the program's scripts are searched for its call into a library. */
const MAX_SEARCHED_FILES = 200;

/** Holder facts read off the path at the holder's step `i`. */
interface HolderFacts {
  kind: HolderKind;
  type: string;
  variable?: string;
  event?: string;
  /** The step that names the holder's variable (a closure's context variable or a property), when there is one. */
  namedAt?: number;
  /** For a library's container: the type that owns it (`Subject` of `observers`). */
  owner?: string;
  /** For a holder inside a library: the package whose code keeps the objects (`jsdom`, `node-cache`). */
  library?: string;
}

/** The kind, variable and event of the holder at step `i` of a path. */
export function holderFacts(path: DisplayPath, i: number): HolderFacts {
  const e = path.edges[i];
  // The holder's own step and the two into it (`emitter ._events → {reload} .reload → Array .[]`), and the one after.
  const from = Math.max(0, i - 2);
  const window = path.edges.slice(from, i + 2);
  const name = (j: number) => (j >= 0 && j < path.edges.length ? lastName(path.edges[j].edge) : '');
  const listening = window.findIndex((x) => x.edge === '_events' || x.edge.startsWith('_events.'));
  // An EventTarget's listeners are a linked list in a Map under `kEvents`: a few more steps back.
  const targetAt = path.edges.slice(Math.max(0, i - 4), i + 2).findIndex((x) => /kEvents/.test(x.edge));
  if (listening >= 0 || targetAt >= 0) {
    const j = listening >= 0 ? from + listening : Math.max(0, i - 4) + targetAt;
    const label = path.edges[j].edge;
    const event = label === '_events' ? name(j + 1) : label.startsWith('_events.') ? lastName(label) : undefined;
    // `controller.#signal` reads as `controller.signal`.
    let variable = name(j - 1);
    if (variable.startsWith('#') && name(j - 2)) variable = `${name(j - 2)}.${variable.slice(1)}`;
    return { kind: 'listener', type: path.edges[j].from, variable: variable || undefined, event: event || undefined, namedAt: j - 1 >= 0 ? j - 1 : undefined };
  }
  if (TIMER_TYPES.has(e.from) || TIMER_EDGES.has(lastName(e.edge)) || TIMER_EDGES.has(name(i - 1))) return { kind: 'timer', type: e.from };
  if (e.from === 'Promise' || path.edges.slice(i, i + 2).some((x) => x.edge.startsWith('reactions_or_result') || x.from === 'PromiseReaction')) {
    const p = window.findIndex((x) => x.from === 'Promise');
    const j = p >= 0 ? from + p - 1 : i - 1;
    return { kind: 'promise', type: 'Promise', variable: name(j) || undefined, namedAt: j >= 0 ? j : undefined };
  }
  if (CONTAINERS.has(e.from) && (e.edge.startsWith('[]') || e.edge.startsWith('<key>') || e.from === 'Object')) {
    return { kind: 'container', type: e.from, variable: name(i - 1) || undefined, namedAt: i > 0 ? i - 1 : undefined };
  }
  if (e.edgeType === 'context') return { kind: 'variable', type: e.from, variable: lastName(e.edge) || undefined, namedAt: i };
  return { kind: 'other', type: e.from, variable: lastName(e.edge) || undefined, namedAt: i };
}

/** Plain words for a holder: "the 'reload' listeners of configEmitter", "the Set liveTrees". */
function holderLabel(f: HolderFacts, addedAt?: CauseAddSite): string {
  const v = f.variable ? ` ${f.variable}` : '';
  const at = addedAt ? ` at ${baseName(addedAt.file)}:${addedAt.line}` : '';
  switch (f.kind) {
    case 'listener':
      return `the ${f.event ? `'${f.event}' ` : ''}listeners of${v || ` an ${f.type}`}`;
    case 'timer':
      return f.library ? `timers that ${f.library} started and never cleared` : `timers started${at} and never cleared`;
    case 'promise':
      return `the callbacks of a promise${v} that never settles`;
    case 'container':
      return (f.type === 'Object' ? `the object${v} used as a map` : f.type === 'Array' ? `the array${v}` : `the ${f.type}${v}`) + (f.owner ? ` of a ${f.owner}` : '');
    case 'variable':
      return `the variable${v}`;
    default:
      return `${f.type}${f.variable ? `.${f.variable}` : ''}`;
  }
}

/** What to change, from the holder's kind, in one sentence. */
export function fixFor(kind: HolderKind, f: { type: string; variable?: string; event?: string }, kept: string, back?: BackReference): string {
  const v = f.variable ? ` \`${f.variable}\`` : '';
  switch (kind) {
    case 'listener': {
      const event = f.event ? `'${f.event}'` : 'event';
      // An EventTarget (AbortSignal, a DOM node) has no off/removeListener: its remover is removeEventListener.
      const remove = f.type === 'EventTarget' || f.type === 'AbortSignal'
        ? `${f.variable ?? 'target'}.removeEventListener(${event}, listener)`
        : `${f.variable ?? 'emitter'}.off(${event}, listener) / removeListener`;
      return `Remove the ${f.event ? `'${f.event}' ` : ''}listener when the ${kept} is done (${remove}), or register it with { signal } and abort that AbortSignal.`;
    }
    case 'timer':
      return `Keep the timer and clearInterval/clearTimeout it when the ${kept} is done: a timer that is never cleared keeps its callback and all it captures.`;
    case 'promise':
      return `Settle the promise (resolve or reject it), or race it against a timeout, instead of adding a .then callback per ${kept} to a promise that never settles.`;
    case 'container':
      if (f.type === 'Map' || f.type === 'WeakMap') return `Delete entries from the Map${v} when they are done (or evict: bound it as an LRU), or key a WeakMap by the object whose lifetime they follow.`;
      if (f.type === 'Set' || f.type === 'WeakSet') return `Delete entries from the Set${v} when they are done, or use a WeakSet.`;
      if (f.type === 'Object') return `Delete keys from${v || ' the object'} when they are done (delete obj[key]), or use a bounded Map or a WeakMap.`;
      return `Remove items from the array${v} when they are done (splice/shift), or bound its length.`;
    case 'back-reference':
      // Both ends: the weak edge frees the structure each entry keeps, the removal ends the growth itself.
      return back
        ? `Make ${back.holder}.${back.edge} a WeakRef${back.site ? ` at ${baseName(back.site.file)}:${back.site.line}` : ''} (store \`new WeakRef(${back.edge})\`, read it with \`.deref()\`) so that a ${back.holder} kept${v ? ` in${v}` : ''} keeps only itself, not its whole ${back.target} structure; and remove it${v ? ` from${v}` : ''} when done, which ends the growth itself.`
        : `Make the back-reference weak (WeakRef), or clear it when the ${kept} is done.`;
    case 'variable':
      return `Clear or bound what the variable${v} holds once it is done (it lives as long as the closures that capture it).`;
    default:
      return `Clear ${f.type}${f.variable ? `.${f.variable}` : ''} when it is no longer needed, or hold it through a WeakRef.`;
  }
}

/** Builds one cause: holder, adding line, sites, folded path, fix, evidence and a stable id. */
export function describeCause(input: CauseInput): Cause {
  const { graph: g, path, group, kept, resolve } = input;
  let i = path.holders.lastIndexOf(group.holder);
  if (i < 0) i = suspectEdge(input.pathCtx, path);
  const facts: HolderFacts = i >= 0 ? holderFacts(path, i) : { kind: 'other', type: '(root)' };
  const main = kept[0];

  // Allocation sites of the first kept type: the `new` line found in the source replaces the bare constructor.
  const { sites: rawSites, raw, foundNew } = reportSites(g, main.type, input.sampleNodes, resolve);
  const scale = input.sampleNodes.length ? main.newObjects / input.sampleNodes.length : 1;
  let sites: AllocationSite[] = rawSites.map((s) => ({ ...s, count: Math.round(s.count * scale), bytes: Math.round(s.bytes * scale) }));
  if (foundNew) sites = [{ ...foundNew, functionName: sites[0].functionName, count: main.newObjects, bytes: main.newBytes, kind: 'source' }];
  const hints: Hint[] = sites.map((s, k) => ({ file: s.file, near: raw[k]?.kind === 'allocation' ? { line: raw[k].line, column: raw[k].column } : undefined }));

  const holders = i >= 0 ? path.holders.slice(0, i + 1).reverse() : [];
  const files = candidateFiles(g, holders, resolve, hints);
  const closure = userClosureAt(g, group.closures ?? [], resolve);
  const handed = closure ? findEnclosingCall(closure.file, closure) : undefined;
  if (facts.kind === 'listener' && !facts.event && handed?.event) facts.event = handed.event;
  // A holder inside a library or Node: the program's line that hands objects to it, never the library's own.
  const libraryAdd = () =>
    handedTo(closure) ??
    handOver(sites, main) ??
    addingLine(facts, files.filter((f) => isUserScript(f.file)), hints.filter((h) => isUserScript(h.file)), closure) ??
    (i > 0 ? receiverAdd(g, path, i, files.filter((f) => isUserScript(f.file))) : undefined) ??
    packageCall(g, [input.sampleNodes[0], ...path.holders.slice(Math.max(0, i)), ...path.targets.slice(Math.max(0, i))], resolve, hints);
  let inLibrary = i >= 0 && holderInLibrary(g, path, i, facts);
  let addedAt = inLibrary ? libraryAdd() : addingLine(facts, files, hints, closure);
  // A holder whose adding line is a library's own (a Map inside a library's object: no code of its
  // own tells where it lives) is the library's.
  if (!inLibrary && addedAt && !isUserScript(addedAt.file)) {
    inLibrary = true;
    addedAt = libraryAdd();
  }
  if (inLibrary && facts.kind === 'container' && i > 0) facts.owner = path.edges[i - 1].from;
  if (facts.kind === 'timer') facts.type = path.edges.some((e) => e.from === 'Immediate') ? 'Immediate' : 'Timeout';
  // The library whose code keeps the objects: a timer's callback, the container's owner, the holder.
  const callback = path.edges.findIndex((e) => /^_on(Timeout|Immediate)$/.test(lastName(e.edge)));
  const libraryNodes = inLibrary ? [callback >= 0 ? path.targets[callback] : -1, i > 0 ? path.holders[i - 1] : -1, i >= 0 ? path.holders[i] : -1] : [];
  facts.library = libraryNodes.map((v) => (v > 0 ? packagesOf(classScript(g, v) ?? '')[0] : undefined)).find(Boolean);

  // The holder's variable, declared where: a closure's context variable is looked up from that closure's own code.
  let declaredAt: CauseHolder['declaredAt'];
  if (facts.variable && facts.namedAt !== undefined && path.edges[facts.namedAt].edgeType === 'context') {
    const fn = codeAt(g, path.holders[facts.namedAt], resolve);
    const found = fn ? findDeclarationScope(fn.file, facts.variable, fn) : undefined;
    if (found) declaredAt = { ...found.at, scope: found.scope };
  }

  // Rule: the cause is the back-reference when it alone keeps most of the cause's objects of its first type alive (counted over all of them).
  let kind: HolderKind = facts.kind;
  let backReference: BackReference | undefined;
  let only: KeptThrough | undefined;
  if (i >= 0 && (kind === 'container' || kind === 'variable' || kind === 'other')) {
    const candidate = backRefOut(g, path.targets[i], input.pathCtx.typeOf);
    const m = candidate ? measureBackRef(g, input.pathCtx.distances, input.pathCtx.typeOf, candidate) : undefined;
    if (candidate && m && m.bytes >= 0.5 * main.newBytes) {
      const b: BackReference = { holder: candidate.holder, edge: candidate.edge, target: candidate.target, bytes: m.bytes, count: m.count, fix: backRefFix(candidate) };
      const site = firstHit(candidateFiles(g, [candidate.holderNode], resolve, hints), (f, near) => findPropertyAssignment(f, b.edge, near));
      backReference = site ? { ...b, site } : b;
      only = keptOnlyThrough(input, m.stillReachable, main.type);
      if (only.through > only.kept / 2) kind = 'back-reference';
    }
  }

  const holder: CauseHolder = {
    kind,
    label: kind === 'back-reference' && backReference
      ? `${backReference.holder}.${backReference.edge} back-references from ${holderLabel(facts, addedAt)}`
      : holderLabel(facts, addedAt),
    type: facts.type,
    ...(facts.variable ? { variable: facts.variable } : {}),
    ...(facts.event ? { event: facts.event } : {}),
    ...(declaredAt ? { declaredAt } : {}),
    inLibrary,
  };
  const cpath = codePath(g, path, i, { resolve, closure, holderKind: facts.kind });
  const fix = (inLibrary && kind !== 'back-reference' && libraryFix(g, facts, main, input.sampleNodes, path, i, addedAt)) || fixFor(kind, facts, main.type, backReference);
  const title = `${main.type} kept by ${holder.label}`;
  // The holder's object type is left out where the adding line is known: a timer list per duration, or a listener array made anew, is the same cause.
  const where = addedAt ? `@${addedAt.file}:${addedAt.line}` : `:${facts.type}${facts.variable ? '' : `@${path.edges.map((e) => e.edge).join('/')}`}`;
  // The holder's own kind, not 'back-reference': making the edge weak alone leaves the same holder growing, the same cause.
  const id = `${facts.kind}:${facts.variable ?? ''}:${facts.event ?? ''}${where}`;
  const newObjects = kept.reduce((s, k) => s + k.newObjects, 0);
  const newBytes = kept.reduce((s, k) => s + k.newBytes, 0);
  const others = kept.length - 1;
  const evidence = [
    `${grouped(main.newObjects)} new ${main.type} objects (${Math.round(100 * Math.min(1, main.share))} % of those born since ${input.pathCtx.newTop ? 'the censuses began' : 'the first sample'})` +
      (others ? ` and ${grouped(newObjects - main.newObjects)} new objects of ${others} other type${others === 1 ? '' : 's'}` : '') +
      ` are kept by ${holder.label}${addedAt ? `, added at ${baseName(addedAt.file)}:${addedAt.line}` : ''}.`,
  ];
  if (backReference) {
    const share = only?.kept ? `; ${grouped(only.through)} of the ${grouped(only.kept)} ${main.type} objects kept here (${Math.round((100 * only.through) / only.kept)} %) are alive only through it` : '';
    evidence.push(`${backReference.holder}.${backReference.edge} points back at its ${backReference.target} (${grouped(backReference.count)} such edges)${share}; were it weak, ${grouped(backReference.bytes)} bytes could be collected.`);
  }
  if (inLibrary) {
    const lib = facts.kind === 'timer' ? "Node's timer list" : 'inside a library or Node';
    evidence.push(addedAt
      ? `The holder is ${lib}; the line named is where the program hands objects to it.`
      : `The holder is ${lib}; the program's line that hands objects to it was not found (the path shows the variable through which the program reaches it).`);
  }
  return {
    id,
    verdict: input.verdict,
    title,
    holder,
    ...(addedAt ? { addedAt } : {}),
    kept,
    topObjects: input.tops.length,
    newObjects,
    newBytes,
    retainedBytes: input.retained,
    allocationSites: sites,
    evidence,
    fix,
    path: { ...cpath, count: input.tops.length, bytes: input.retained },
    ...(backReference ? { backReference } : {}),
  };
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/** The path's last step through a variable (a context edge named like one) before step `i`, or -1. */
function variableStep(path: DisplayPath, i: number): number {
  let v = -1;
  for (let k = 0; k < i; k++) if (path.edges[k].edgeType === 'context') v = k;
  return v >= 0 && IDENTIFIER.test(path.edges[v].edge) ? v : -1;
}

/**
 * The library's object whose own structures hold a cause's holder: the nearest instance of a
 * library's class at or above the holder on its path (axios's InterceptorManager, whose `handlers`
 * array and internal `handlerEntries` Map both grow by one per `use(…)`), or -1.
 */
export function libraryOwner(g: HeapGraph, path: DisplayPath, holder: number): number {
  const i = path.holders.lastIndexOf(holder);
  for (let k = i; k >= 0 && k >= i - 3; k--) {
    const v = path.holders[k];
    if (v > 0 && codeOrigin(g, v) === 'library') return v;
  }
  return -1;
}

/** Methods that end an object's life in a library (its timers, listeners and subscriptions with it). */
const DISPOSERS = ['close', 'dispose', 'destroy', 'unsubscribe', 'disconnect', 'stop', 'abort'];
/** Of those, the ones that undo one add (as against evicting a cache's entry). */
const UNDOERS = new Set(['eject', 'unsubscribe', 'off', 'removeListener']);
/** Methods that take an entry out of a library's collection. */
const REMOVERS = ['del', 'delete', 'remove', 'evict', 'eject', 'unsubscribe', 'off', 'removeListener'];

/** The first of `names` that an object has as a method, its own or along its prototype chain. */
function methodNamed(g: HeapGraph, node: number, names: string[]): string | undefined {
  const have = methodsOf(g, node);
  return names.find((n) => have.has(n));
}

/** The names of an object's methods, its own and along its prototype chain (five steps at most). */
function methodsOf(g: HeapGraph, node: number): Set<string> {
  const have = new Set<string>();
  if (node <= 0) return have;
  const k = typeIndices(g);
  for (let w = node, depth = 0; w > 0 && depth < 5; depth++) {
    let proto = -1;
    for (let e = g.firstEdge[w], end = g.firstEdge[w + 1]; e < end; e++) {
      if (g.edgeType[e] !== k.property) continue;
      const name = g.strings[g.edgeNameOrIndex[e]];
      if (name === '__proto__') proto = g.edgeTo[e];
      else if (g.nodeType[g.edgeTo[e]] === k.nodeClosure) have.add(name);
    }
    w = proto;
  }
  return have;
}

/** Methods that read, end or empty a library's object: never the call that adds to it. */
const NOT_ADDERS = new Set([...DISPOSERS, ...REMOVERS, 'clear', 'reset', 'get', 'has', 'keys', 'values', 'entries', 'forEach', 'constructor', 'toString', 'toJSON', 'valueOf']);

/**
 * The program's call on the library object it names that adds to the holder: from the last variable
 * before the holder, through properties, the calls on it in the program's files
 * (`requests.inc({ route, user })` on a prom-client Counter whose series map grows per label).
 */
function receiverAdd(g: HeapGraph, path: DisplayPath, i: number, files: Hint[]): CauseAddSite | undefined {
  const v = variableStep(path, i);
  if (v < 0 || path.edges.slice(v + 1, i).some((e) => e.edgeType !== 'property')) return undefined;
  const methods = [...methodsOf(g, path.targets[v])].filter((m) => !NOT_ADDERS.has(m) && !/^(get|is|has)[A-Z_]|^_/.test(m));
  if (!methods.length) return undefined;
  for (const f of files) {
    const call = findMethodCall(f.file, path.edges[v].edge, methods, f.near);
    if (call) return { ...call.at, how: 'call', call: call.call };
  }
  return undefined;
}

/**
 * The fix when a library keeps the objects: end the library's object the program made (jsdom's
 * `window.close()`), end the handle the adding call returns (rxjs's `subscription.unsubscribe()`),
 * or take each entry out with the library's own call (`sessions.del(…)`).
 */
function libraryFix(g: HeapGraph, f: HolderFacts, main: KeptType, unitNodes: number[], path: DisplayPath, i: number, addedAt?: CauseAddSite): string | undefined {
  const ownerNode = i > 0 ? path.holders[i - 1] : -1;
  const entryNode = i >= 0 ? path.targets[i] : -1;
  const lib = f.library ?? 'the library';
  const where = addedAt ? ` at ${baseName(addedAt.file)}:${addedAt.line}` : '';
  // A few of the kept objects of the type: a jsdom Window's realm has two objects named Window, the
  // window (with close()) and its prototype (without), and either can come first.
  const dispose = main.origin === 'library' ? unitNodes.slice(0, 8).map((v) => methodNamed(g, v, DISPOSERS)).find(Boolean) : undefined;
  if (dispose) {
    const made = addedAt?.call ? ` (made through \`${addedAt.call}(…)\`${where})` : '';
    return `Call ${dispose}() on each ${main.type}${made} once it is done: until then ${lib}'s ${f.kind === 'timer' ? 'timers keep' : 'holder keeps'} it and all it holds alive.`;
  }
  const receiver = addedAt?.call && !addedAt.call.startsWith('new ') ? addedAt.call.split('.').slice(0, -1).join('.') : '';
  // The holder's entry is the library's own handle with a disposer (rxjs's Subscriber, which
  // `subject.subscribe(…)` returns): the program ends that handle; the owner's method of the same name
  // would end the owner itself (a Subject's unsubscribe() closes it for every subscriber).
  const entryEnd = receiver && entryNode > 0 && codeOrigin(g, entryNode) === 'library' ? methodNamed(g, entryNode, DISPOSERS) : undefined;
  if (entryEnd) {
    return `Keep what \`${addedAt!.call}(…)\`${where} returns and call its ${entryEnd}() once each ${main.type} is done: until then ${receiver} keeps it and all it holds alive.`;
  }
  // The receiver's remover only where the receiver is the holder's owner (`sessions.set` → `sessions.del`):
  // the owner has the method called, or the path reaches it through the receiver's name.
  // `_.memoize(…)` hands objects to a cache that `_` does not own (lodash has no `_.delete`).
  const receiverName = receiver.split('.').pop();
  const calledMethod = addedAt?.call?.split('.').pop();
  const ownsHolder = !!receiver && ownerNode > 0 &&
    ((!!calledMethod && methodsOf(g, ownerNode).has(calledMethod)) || path.edges.some((e, k) => k < i && path.targets[k] === ownerNode && e.edge === receiverName));
  const remove = ownsHolder ? methodNamed(g, ownerNode, REMOVERS) : undefined;
  if (receiver && remove && UNDOERS.has(remove)) {
    return `Undo each \`${addedAt!.call}(…)\`${where} with \`${receiver}.${remove}(…)\` (given what the add returned, or the same arguments) once its ${main.type} is done: what it adds stays for ever.`;
  }
  if (receiver && remove) {
    return `Take each ${main.type} out with \`${receiver}.${remove}(…)\` once it is done, or bound ${receiver} (a time to live, a maximum size): what \`${addedAt!.call}(…)\`${where} adds stays for ever.`;
  }
  const cache = clearableOnPath(g, path, i);
  if (cache && addedAt?.call) {
    return `Bound what \`${cache.name}\` holds: call its ${cache.method}() (or delete its entries) once they are done, or give \`${addedAt.call}(…)\`${where} keys that repeat; each entry it adds stays for ever.`;
  }
  return undefined;
}

/**
 * The library's collection on the path that the program can name and empty: from the last variable
 * before the holder, through properties, the first library object with clear() (`priceOf.cache`, the
 * cache of a lodash-memoized function).
 */
function clearableOnPath(g: HeapGraph, path: DisplayPath, i: number): { name: string; method: string } | undefined {
  const v = variableStep(path, i);
  if (v < 0) return undefined;
  let name = path.edges[v].edge;
  for (let k = v + 1; k < i; k++) {
    const e = path.edges[k];
    if (e.edgeType !== 'property' || !IDENTIFIER.test(e.edge)) return undefined;
    name += `.${e.edge}`;
    const t = path.targets[k];
    const method = codeOrigin(g, t) === 'library' ? methodNamed(g, t, ['clear']) : undefined;
    if (method) return { name, method };
  }
  return undefined;
}

/** A cause's kept objects of one type, and how many of them only a back-reference keeps alive. */
interface KeptThrough {
  kept: number;
  through: number;
}

/**
 * Counts the cause's kept objects of `type` (all of them, those under its tops) and those alive only
 * through a back-reference (`stillReachable` 0: gone were every such edge weak). Neither the order
 * of the snapshot's nodes nor which of two equally short paths the BFS took changes the count.
 */
function keptOnlyThrough(input: CauseInput, stillReachable: Uint8Array, type: string): KeptThrough {
  const { graph: g, top, tops } = input;
  const typeOf = input.pathCtx.typeOf;
  const mine = new Uint8Array(g.nodeCount);
  for (const t of tops) mine[t] = 1;
  let kept = 0;
  let through = 0;
  for (let v = 1; v < g.nodeCount; v++) {
    const t = top[v];
    if (t < 0 || !mine[t] || typeOf(v) !== type) continue;
    kept++;
    if (!stillReachable[v]) through++;
  }
  return { kept, through };
}

/** The call that a kept closure of the program was handed to (`bus.on('x', () => …)`, `subject.subscribe(…)`). */
function handedTo(closure?: SourcePosition): CauseAddSite | undefined {
  if (!closure) return undefined;
  const call = findEnclosingCall(closure.file, closure);
  if (!call) return undefined;
  return { ...call.at, how: howOf(call.callee), call: call.call };
}

/** How a call of this name adds: `on` for listeners, `push`/`set`/`add` for collections, else a `call`. */
function howOf(callee: string): AddKind {
  return LISTEN.has(callee) ? 'on' : (COLLECTION_CALLS[callee] ?? 'call');
}

/** The call that the kept objects of the program's class are handed to right after their `new` (`cache.set(s.id, s)`). */
function handOver(sites: AllocationSite[], main: KeptType): CauseAddSite | undefined {
  if (main.origin !== 'user') return undefined;
  const made = sites.find((s) => s.kind !== 'constructor' && isUserScript(s.file));
  const call = made ? findHandOver(made.file, made) : undefined;
  return call ? { ...call.at, how: howOf(call.callee), call: call.call } : undefined;
}

/**
 * The program's call into the library whose class or code keeps the objects (`new JSDOM(…)` for
 * jsdom's Window): found among the program's scripts that import that package.
 */
function packageCall(g: HeapGraph, nodes: number[], resolve: Resolve, hints: Hint[]): CauseAddSite | undefined {
  const packages = new Set<string>();
  for (const v of nodes) {
    if (v <= 0) continue;
    const script = classScript(g, v);
    if (script) for (const p of packagesOf(script)) packages.add(p);
  }
  if (!packages.size) return undefined;
  const names = [...packages];
  for (const file of userScriptFiles(g, resolve, hints.map((h) => h.file)).slice(0, MAX_SEARCHED_FILES)) {
    const call = findPackageCall(file, names);
    if (call) return { ...call.at, how: 'call', call: call.call };
  }
  return undefined;
}

/** The line that adds to the holder, by its kind; else the call that the kept closure of the program was handed to. */
function addingLine(f: HolderFacts, files: Hint[], hints: Hint[], closure?: SourcePosition): CauseAddSite | undefined {
  const hit = (p: SourcePosition | undefined, how: AddKind): CauseAddSite | undefined => (p ? { ...p, how } : undefined);
  switch (f.kind) {
    case 'listener':
      return (f.event ? hit(firstHit(files, (file, near) => findListenerAdd(file, f.event!, near)), 'on') : undefined) ?? handedTo(closure);
    case 'container':
      return (f.variable ? hit(firstHit(files, (file, near) => findCollectionAdd(file, f.variable!, f.type, near)), ADD_HOW[f.type] ?? 'call') : undefined) ?? handedTo(closure);
    case 'variable':
      return (f.variable ? hit(firstHit(files, (file, near) => findVariableAssignment(file, f.variable!, near)), 'assign') : undefined) ?? handedTo(closure);
    case 'timer':
      return handedTo(closure) ?? hit(firstHit(hints, (file, near) => findCall(file, ['setInterval', 'setTimeout'], near)), 'call');
    default:
      return handedTo(closure) ?? hit(firstHit(hints, (file, near) => findCall(file, ['then', 'catch', 'finally'], near)), 'call');
  }
}

const COLLECTION_TYPES = new Set(['Array', 'Map', 'Set', 'Object', '(array)']);

/** A property of `node` that points back at it (`child.parent` while the parent's `children` holds the child), not a collection of its own. */
function backRefOut(g: HeapGraph, node: number, typeOf: TypeNamer): BackRefCandidate | undefined {
  if (node <= 0) return undefined;
  const k = typeIndices(g);
  for (let e = g.firstEdge[node], end = g.firstEdge[node + 1]; e < end; e++) {
    if (g.edgeType[e] !== k.property) continue;
    const w = g.edgeTo[e];
    if (w === node || COLLECTION_TYPES.has(typeOf(w)) || !reachesBack(g, w, node)) continue;
    const holder = typeOf(node);
    return { holder, edge: g.strings[g.edgeNameOrIndex[e]], edgeNameIndex: g.edgeNameOrIndex[e], target: typeOf(w), holderNode: node, rawEdge: e };
  }
  return undefined;
}

/** Whether the holder belongs to a library or Node: its own code, or the code of what names it, lives there. */
function holderInLibrary(g: HeapGraph, path: DisplayPath, i: number, f: HolderFacts): boolean {
  if (f.kind === 'timer') return true;
  const own = codeOrigin(g, path.holders[i]);
  if (own !== 'unknown') return own !== 'user';
  const namer = f.namedAt !== undefined ? path.holders[f.namedAt] : i > 0 ? path.holders[i - 1] : 0;
  const o = namer > 0 ? codeOrigin(g, namer) : 'unknown';
  return o === 'library' || o === 'node';
}

function baseName(file: string): string {
  return file.split(/[\\/]/).pop() ?? file;
}

const GROUPED = new Intl.NumberFormat('en-US');
function grouped(n: number): string {
  return GROUPED.format(Math.round(n));
}
