/**
 * The source line that creates a reference: parse a script with acorn and find where a property is
 * assigned (`this.parent = parent`), an entry is added to a named collection (`cache.set(…)`,
 * `registry.add(…)`, `list.push(…)`), a listener is registered (`bus.on('event', …)`), a variable is
 * declared (`const registry = new Set()`), or an object is made (`new Session(…)`).
 * Positions are 1-based; `near` (a function's position) prefers matches inside that function.
 */
import { readFileSync, statSync } from 'node:fs';
import * as acorn from 'acorn';
import * as walk from 'acorn-walk';
import type { SourcePosition } from '../report';

type AnyNode = acorn.Node & Record<string, any>;

type Program = { ast: AnyNode; lineStarts: number[]; text: string };

const programs = new Map<string, { text: string | null; program: Program | null }>();
const texts = new Map<string, { text: string | null; stamp: string }>();
const given = new Map<string, string>();

/** Makes `name` read as `text` (the code a script runs, fetched from the inspector: see `runningSources`). */
export function setSourceText(name: string, text: string): void {
  given.set(name, text);
}

/** A script's text (given, or read again only when its modification time or size changed); null when it cannot be read. */
export function sourceText(file: string): string | null {
  const fetched = given.get(file);
  if (fetched !== undefined) return fetched;
  let stamp = '';
  try {
    const st = statSync(file);
    stamp = `${st.mtimeMs}:${st.size}`;
  } catch {
    stamp = 'missing';
  }
  const known = texts.get(file);
  if (known && known.stamp === stamp) return known.text;
  let text: string | null = null;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    text = null;
  }
  texts.set(file, { text, stamp });
  return text;
}

/** Parses a script once per text (script, then module, goal); null when it cannot be read or parsed. */
function parse(file: string): Program | null {
  const text = sourceText(file);
  const known = programs.get(file);
  if (known && known.text === text) return known.program;
  let result: Program | null = null;
  try {
    if (text === null) throw new Error('unreadable');
    const options = {
      ecmaVersion: 'latest' as const,
      locations: true,
      allowHashBang: true,
      allowReturnOutsideFunction: true,
      allowAwaitOutsideFunction: true,
      allowImportExportEverywhere: true,
    };
    let ast: AnyNode;
    try {
      ast = acorn.parse(text, { ...options, sourceType: 'script' }) as AnyNode;
    } catch {
      ast = acorn.parse(text, { ...options, sourceType: 'module' }) as AnyNode;
    }
    const lineStarts = [0];
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) lineStarts.push(i + 1);
    result = { ast, lineStarts, text };
  } catch {
    result = null;
  }
  programs.set(file, { text, program: result });
  return result;
}

/** Forgets parsed files (after edits). */
export function clearParsedSources(): void {
  programs.clear();
  texts.clear();
}

function position(file: string, node: AnyNode): SourcePosition {
  return { file, line: node.loc!.start.line, column: node.loc!.start.column + 1 };
}

function propertyName(member: AnyNode): string | undefined {
  if (member.type !== 'MemberExpression') return undefined;
  if (!member.computed && member.property.type === 'Identifier') return member.property.name;
  if (!member.computed && member.property.type === 'PrivateIdentifier') return member.property.name;
  if (member.computed && member.property.type === 'Literal' && typeof member.property.value === 'string') return member.property.value;
  return undefined;
}

/** Whether an expression names `name`: `name`, `this.name`, `x.name`. */
function names(expr: AnyNode, name: string): boolean {
  if (expr.type === 'Identifier') return expr.name === name;
  return propertyName(expr) === name;
}

/** The offset of a 1-based line/column. */
function offsetOf(p: { lineStarts: number[] }, line: number, column: number): number {
  return (p.lineStarts[line - 1] ?? 0) + Math.max(0, column - 1);
}

/** The innermost function or class whose start is at or just before `near`, to prefer matches inside it. */
function enclosing(p: { ast: AnyNode; lineStarts: number[] }, near?: { line: number; column: number }): AnyNode | undefined {
  if (!near) return undefined;
  const at = offsetOf(p, near.line, near.column);
  let best: AnyNode | undefined;
  walk.full(p.ast, (n: AnyNode) => {
    if (!/Function|Class/.test(n.type)) return;
    if (n.start <= at + 1 && at < n.end && (!best || n.start >= best.start)) best = n;
  });
  return best;
}

/** All matches, the ones inside `scope` first. */
function find(file: string, test: (n: AnyNode) => boolean, near?: { line: number; column: number }): SourcePosition | undefined {
  const p = parse(file);
  if (!p) return undefined;
  const scope = enclosing(p, near);
  const hits: AnyNode[] = [];
  walk.full(p.ast, (n: AnyNode) => {
    if (test(n)) hits.push(n);
  });
  if (!hits.length) return undefined;
  hits.sort((a, b) => a.start - b.start);
  const inside = scope ? hits.find((n) => n.start >= scope.start && n.end <= scope.end) : undefined;
  return position(file, inside ?? hits[0]);
}

/** `x.prop = …` (preferring `this.prop =` in the holder's constructor), or a class field `prop = …`. */
export function findPropertyAssignment(file: string, prop: string, near?: { line: number; column: number }): SourcePosition | undefined {
  const thisAssign = find(
    file,
    (n) => n.type === 'AssignmentExpression' && n.left.type === 'MemberExpression' && n.left.object.type === 'ThisExpression' && propertyName(n.left) === prop,
    near,
  );
  return (
    thisAssign ??
    find(file, (n) => (n.type === 'PropertyDefinition' && n.key?.name === prop) || (n.type === 'AssignmentExpression' && propertyName(n.left) === prop), near)
  );
}

const ADDERS: Record<string, string[]> = {
  Map: ['set'],
  WeakMap: ['set'],
  Set: ['add'],
  WeakSet: ['add'],
  Array: ['push', 'unshift', 'splice'],
};

/** `name.set(…)` / `name.add(…)` / `name.push(…)` (or `this.name.…`), the call that puts an entry into a collection. */
export function findCollectionAdd(file: string, collection: string, kind: string, near?: { line: number; column: number }): SourcePosition | undefined {
  const methods = ADDERS[kind] ?? ['set', 'add', 'push', 'unshift'];
  const call = find(
    file,
    (n) => n.type === 'CallExpression' && n.callee.type === 'MemberExpression' && methods.includes(propertyName(n.callee) ?? '') && names(n.callee.object, collection),
    near,
  );
  if (call || kind !== 'Array' && kind !== 'Object') return call;
  // `name[i] = …`
  return find(file, (n) => n.type === 'AssignmentExpression' && n.left.type === 'MemberExpression' && n.left.computed && names(n.left.object, collection), near);
}

const LISTEN = ['on', 'addListener', 'once', 'prependListener', 'prependOnceListener', 'addEventListener'];

/** `emitter.on('event', …)` and its kin, for an event name. */
export function findListenerAdd(file: string, event: string, near?: { line: number; column: number }): SourcePosition | undefined {
  return find(
    file,
    (n) =>
      n.type === 'CallExpression' &&
      n.callee.type === 'MemberExpression' &&
      LISTEN.includes(propertyName(n.callee) ?? '') &&
      n.arguments[0]?.type === 'Literal' &&
      n.arguments[0].value === event,
    near,
  );
}

/** `const|let|var name = …` (or a function/class declaration of that name). */
export function findDeclaration(file: string, name: string, near?: { line: number; column: number }): SourcePosition | undefined {
  return find(
    file,
    (n) =>
      (n.type === 'VariableDeclarator' && n.id.type === 'Identifier' && n.id.name === name) ||
      ((n.type === 'FunctionDeclaration' || n.type === 'ClassDeclaration') && n.id?.name === name),
    near,
  );
}

/** `new TypeName(…)`, preferring one inside the function at `near` (the allocating function's position). */
export function findNewExpression(file: string, typeName: string, near?: { line: number; column: number }): SourcePosition | undefined {
  return find(file, (n) => n.type === 'NewExpression' && (n.callee.type === 'Identifier' ? n.callee.name === typeName : propertyName(n.callee) === typeName), near);
}

/** A call of one of the named functions (`setInterval(…)`, `setTimeout(…)`), preferring one inside the function at `near`. */
export function findCall(file: string, callees: string[], near?: { line: number; column: number }): SourcePosition | undefined {
  return find(
    file,
    (n) => n.type === 'CallExpression' && (n.callee.type === 'Identifier' ? callees.includes(n.callee.name) : callees.includes(propertyName(n.callee) ?? '')),
    near,
  );
}

/** The innermost function that contains offset `at` (undefined at a file's top level). */
function functionAround(p: { ast: AnyNode }, at: number, exclude?: AnyNode): AnyNode | undefined {
  let best: AnyNode | undefined;
  walk.full(p.ast, (n: AnyNode) => {
    if (!/Function/.test(n.type) || n === exclude) return;
    if (n.start <= at && at < n.end && (!best || n.start >= best.start)) best = n;
  });
  return best;
}

/** A function called at once as a whole statement of the program (`(() => { … })()`): a module wrapper such as tsx writes. */
function isModuleWrapper(p: Program, fn: AnyNode): boolean {
  return p.ast.body.some((st: AnyNode) => st.type === 'ExpressionStatement' && st.expression.type === 'CallExpression' && st.expression.callee === fn);
}

/** A function's name for people: `handleConnection`, `Session.open`, or "the arrow function at line 15". */
function functionLabel(p: { ast: AnyNode }, fn: AnyNode): string {
  if (fn.id?.name) return `function ${fn.id.name}`;
  let named: string | undefined;
  walk.full(p.ast, (n: AnyNode) => {
    if (named) return;
    if (n.type === 'VariableDeclarator' && n.init === fn && n.id.type === 'Identifier') named = n.id.name;
    else if ((n.type === 'MethodDefinition' || n.type === 'Property' || n.type === 'PropertyDefinition') && n.value === fn) named = n.key?.name ?? n.key?.value;
  });
  if (named) return `function ${named}`;
  return `the ${fn.type === 'ArrowFunctionExpression' ? 'arrow ' : ''}function at line ${fn.loc!.start.line}`;
}

/**
 * `const|let|var name` (or a parameter, function or class of that name) with its scope in words:
 * "module scope of server.js", "function handleRequest", "the arrow function at line 15".
 * Prefers the declaration inside the function at `near`, then the nearest enclosing one.
 */
export function findDeclarationScope(file: string, name: string, near?: { line: number; column: number }): { at: SourcePosition; scope: string } | undefined {
  const p = parse(file);
  if (!p) return undefined;
  const at = near ? offsetOf(p, near.line, near.column) : -1;
  const hits: { node: AnyNode; fn?: AnyNode }[] = [];
  walk.full(p.ast, (n: AnyNode) => {
    if (n.type === 'VariableDeclarator' && n.id.type === 'Identifier' && n.id.name === name) hits.push({ node: n.id, fn: functionAround(p, n.start) });
    else if ((n.type === 'FunctionDeclaration' || n.type === 'ClassDeclaration') && n.id?.name === name) hits.push({ node: n.id, fn: functionAround(p, n.start, n) });
    else if (/Function/.test(n.type)) {
      for (const param of n.params ?? []) if (param.type === 'Identifier' && param.name === name) hits.push({ node: param, fn: n });
    }
  });
  if (!hits.length) return undefined;
  // Visible from `near`: declared in a function around it (innermost first), else at the top level.
  const around = (h: { fn?: AnyNode }) => !h.fn || (at >= h.fn.start && at < h.fn.end);
  const visible = at >= 0 ? hits.filter(around).sort((a, b) => (b.fn?.start ?? -1) - (a.fn?.start ?? -1)) : [];
  const hit = visible[0] ?? hits.find((h) => !h.fn) ?? hits[0];
  const moduleScope = !hit.fn || isModuleWrapper(p, hit.fn);
  return { at: position(file, hit.node), scope: moduleScope ? moduleScopeOf(file) : functionLabel(p, hit.fn!) };
}

/** `name = …` or `name ??= …` (a variable assigned, not declared), preferring one inside the function at `near`. */
export function findVariableAssignment(file: string, name: string, near?: { line: number; column: number }): SourcePosition | undefined {
  return find(file, (n) => n.type === 'AssignmentExpression' && n.left.type === 'Identifier' && n.left.name === name, near);
}

/**
 * The call that a function defined at `at` is handed to (`bus.on('x', () => …)`,
 * `subject.subscribe(v => …)`, `setInterval(() => …)`): the innermost call with an argument that
 * contains that position, the called name (`on`, `subscribe`, `setInterval`) and its first argument when a string (an event name).
 */
export function findEnclosingCall(file: string, at: { line: number; column: number }): (HandOver & { event?: string }) | undefined {
  const p = parse(file);
  if (!p) return undefined;
  const offset = offsetOf(p, at.line, at.column);
  let best: AnyNode | undefined;
  walk.full(p.ast, (n: AnyNode) => {
    if (n.type !== 'CallExpression' && n.type !== 'NewExpression') return;
    if (!n.arguments.some((a: AnyNode) => a.start <= offset && offset < a.end)) return;
    if (!best || n.start >= best.start) best = n;
  });
  if (!best) return undefined;
  const first = best.arguments[0];
  const event = first?.type === 'Literal' && typeof first.value === 'string' ? first.value : undefined;
  return { ...handOverAt(file, p, best), ...(event ? { event } : {}) };
}

/** A call that hands objects over: where it is, the called name (`set`, `JSDOM`) and the callee as written (`sessions.set`, `new JSDOM`). */
export interface HandOver {
  at: SourcePosition;
  callee: string;
  call: string;
}

function handOverAt(file: string, p: Program, call: AnyNode): HandOver {
  return { at: position(file, call), callee: call.callee.type === 'Identifier' ? call.callee.name : (propertyName(call.callee) ?? ''), call: calleeText(p, call) };
}

/** Whether a module specifier names one of these packages (`jsdom`, `jsdom/lib/x`, `@scope/pkg`). */
function fromPackage(source: unknown, packages: string[]): boolean {
  return typeof source === 'string' && packages.some((p) => source === p || source.startsWith(`${p}/`));
}

/** The module a `require('x')` call (or `require('x').y`) names, when it is one. */
function requiredModule(expr: AnyNode | null | undefined): string | undefined {
  let e = expr;
  while (e?.type === 'MemberExpression') e = e.object;
  if (e?.type === 'CallExpression' && e.callee.type === 'Identifier' && e.callee.name === 'require' && e.arguments[0]?.type === 'Literal') {
    return typeof e.arguments[0].value === 'string' ? e.arguments[0].value : undefined;
  }
  return undefined;
}

/**
 * A call of one of `methods` on the object named `receiver` (`requests.inc(…)`, `this.requests.inc(…)`),
 * preferring calls inside a function (made per request or tick) and near `near`.
 */
export function findMethodCall(file: string, receiver: string, methods: string[], near?: { line: number; column: number }): HandOver | undefined {
  const p = parse(file);
  if (!p) return undefined;
  const calls: AnyNode[] = [];
  walk.full(p.ast, (n: AnyNode) => {
    if (n.type === 'CallExpression' && n.callee.type === 'MemberExpression' && methods.includes(propertyName(n.callee) ?? '') && names(n.callee.object, receiver)) calls.push(n);
  });
  if (!calls.length) return undefined;
  const scope = enclosing(p, near);
  const score = (n: AnyNode) => (functionAround(p, n.start) ? 2 : 0) + (scope && n.start >= scope.start && n.end <= scope.end ? 1 : 0);
  calls.sort((a, b) => score(b) - score(a) || a.start - b.start);
  return handOverAt(file, p, calls[0]);
}

/**
 * The program's call into one of these packages, preferring `new X(…)` and calls inside a function
 * (a call made per request or tick) near `near`: `new JSDOM(html)` after `const { JSDOM } = require('jsdom')`,
 * `new jsdom.JSDOM(…)`, `import { JSDOM } from 'jsdom'`. The callee's name comes back with it.
 */
export function findPackageCall(file: string, packages: string[], near?: { line: number; column: number }): HandOver | undefined {
  const text = sourceText(file);
  if (!text || !packages.some((name) => text.includes(`'${name}`) || text.includes(`"${name}`) || text.includes(`\`${name}`))) return undefined;
  const p = parse(file);
  if (!p) return undefined;
  const bound = new Set<string>();
  walk.full(p.ast, (n: AnyNode) => {
    if (n.type === 'ImportDeclaration' && fromPackage(n.source.value, packages)) {
      for (const s of n.specifiers) bound.add(s.local.name);
    } else if (n.type === 'VariableDeclarator' && fromPackage(requiredModule(n.init), packages)) {
      if (n.id.type === 'Identifier') bound.add(n.id.name);
      else if (n.id.type === 'ObjectPattern') for (const prop of n.id.properties) if (prop.value?.type === 'Identifier') bound.add(prop.value.name);
    }
  });
  if (!bound.size) return undefined;
  const root = (e: AnyNode): AnyNode => (e.type === 'MemberExpression' ? root(e.object) : e);
  const calls: AnyNode[] = [];
  walk.full(p.ast, (n: AnyNode) => {
    if (n.type !== 'NewExpression' && n.type !== 'CallExpression') return;
    const r = root(n.callee);
    if (r.type === 'Identifier' && bound.has(r.name)) calls.push(n);
  });
  if (!calls.length) return undefined;
  const scope = enclosing(p, near);
  const score = (n: AnyNode) =>
    (n.type === 'NewExpression' ? 4 : 0) + (functionAround(p, n.start) ? 2 : 0) + (scope && n.start >= scope.start && n.end <= scope.end ? 1 : 0);
  calls.sort((a, b) => score(b) - score(a) || a.start - b.start);
  return handOverAt(file, p, calls[0]);
}

/** A call's callee as written (`sessions.set`, `new JSDOM`), shortened. */
function calleeText(p: Program, call: AnyNode): string {
  const text = p.text.slice(call.callee.start, call.callee.end).replace(/\s+/g, ' ');
  const short = text.length > 60 ? `…${text.slice(-59)}` : text;
  return call.type === 'NewExpression' ? `new ${short}` : short;
}

/** Whether an argument is `name`, or holds it (`{ session }`, `[session]`, `{ value: session }`). */
function passes(arg: AnyNode, name: string): boolean {
  if (arg.type === 'Identifier') return arg.name === name;
  if (arg.type === 'ObjectExpression') return arg.properties.some((p: AnyNode) => p.type === 'Property' && passes(p.value, name));
  if (arg.type === 'ArrayExpression') return arg.elements.some((e: AnyNode | null) => !!e && passes(e, name));
  return false;
}

/**
 * The call that an object made at `at` (its `new X(…)`) is handed to: the call it is an argument of,
 * or, for `const s = new X(…)`, the first later call in the same function that passes `s`
 * (`cache.set(s.id, s)`, `registry.register(s)`), calls on `s` itself left out.
 */
export function findHandOver(file: string, at: { line: number; column: number }): HandOver | undefined {
  const p = parse(file);
  if (!p) return undefined;
  const offset = offsetOf(p, at.line, at.column);
  let made: AnyNode | undefined;
  let ancestors: AnyNode[] = [];
  walk.fullAncestor(p.ast, (n: AnyNode, _state: unknown, path: AnyNode[]) => {
    if (!made && n.type === 'NewExpression' && n.start === offset) {
      made = n;
      ancestors = [...path];
    }
  });
  if (!made) return undefined;
  const named = (call: AnyNode) => handOverAt(file, p, call);
  // `f(new X())`, `f({ x: new X() })`; and a function handed to a call that returns it:
  // `_.memoize((req) => new Quote(req))`, `pool.create(function () { return new Conn(); })`.
  for (let i = ancestors.length - 2; i >= 0; i--) {
    const a = ancestors[i];
    if ((a.type === 'CallExpression' || a.type === 'NewExpression') && a.callee !== ancestors[i + 1]) return named(a);
    if (a.type === 'ArrowFunctionExpression' && a.body === ancestors[i + 1]) continue;
    if (a.type === 'ReturnStatement') {
      let j = i - 1;
      while (j >= 0 && !/^(FunctionExpression|ArrowFunctionExpression|FunctionDeclaration)$/.test(ancestors[j].type)) j--;
      if (j < 0 || ancestors[j].type === 'FunctionDeclaration') break;
      i = j; // on to the function's parent: the call it is handed to
      continue;
    }
    if (!/^(ObjectExpression|ArrayExpression|Property|SpreadElement)$/.test(a.type)) break;
  }
  const holder = ancestors[ancestors.length - 2];
  const name = holder?.type === 'VariableDeclarator' && holder.id.type === 'Identifier' ? holder.id.name : holder?.type === 'AssignmentExpression' && holder.left.type === 'Identifier' ? holder.left.name : undefined;
  if (!name) return undefined;
  const fn = functionAround(p, made.start);
  const within = fn ?? p.ast;
  let found: AnyNode | undefined;
  walk.full(within, (n: AnyNode) => {
    if (n.type !== 'CallExpression' || n.start < made!.end || (found && found.start < n.start)) return;
    if (n.callee.type === 'MemberExpression' && n.callee.object.type === 'Identifier' && n.callee.object.name === name) return;
    if (n.arguments.some((a: AnyNode) => passes(a, name))) found = n;
  });
  return found ? named(found) : undefined;
}

/** A line's code with its comments and spacing left out (`cache.set(id, s)` for `  cache.set(id,  s); // adds`). */
function normalisedLine(text: string): string {
  return text
    .replace(/\/\*.*?\*\//g, ' ')
    .replace(/(^|\s)\/\/.*$/, '')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/;$/, '');
}

/**
 * A line named by its code rather than its number, so an edit above it does not change the name:
 * its normalised text, and `#n` when it is the n-th line of that text in the file; the number
 * itself when the file cannot be read.
 */
export function codeLineKey(file: string, line: number): string {
  const text = sourceText(file);
  const lines = text?.split(/\r?\n/);
  const code = lines && line >= 1 && line <= lines.length ? normalisedLine(lines[line - 1]) : '';
  if (!code) return String(line);
  let nth = 1;
  for (let k = 0; k < line - 1; k++) if (normalisedLine(lines![k]) === code) nth++;
  return nth > 1 ? `${code}#${nth}` : code;
}

const MODULE_SCOPE = 'module scope of ';

/** The words for a file's top level as a variable's scope: "module scope of server.js". */
export function moduleScopeOf(file: string): string {
  return `${MODULE_SCOPE}${file.split(/[\\/]/).pop() ?? file}`;
}

/** The module a scope's words name ("server.js" for "module scope of server.js"); undefined for a function's scope. */
export function moduleOfScope(scope: string | undefined): string | undefined {
  return scope?.startsWith(MODULE_SCOPE) ? scope.slice(MODULE_SCOPE.length) : undefined;
}

/** The words of a path's step folded before a top-level variable of `module` ("x.js"). */
export function moduleFoldLabel(module: string): string {
  return `kept alive by the module ${module}`;
}
