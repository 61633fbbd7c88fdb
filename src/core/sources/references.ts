/**
 * The source line that creates a reference: parse a script with acorn and find where a property is
 * assigned (`this.parent = parent`), an entry is added to a named collection (`cache.set(…)`,
 * `registry.add(…)`, `list.push(…)`), a listener is registered (`bus.on('event', …)`), a variable is
 * declared (`const registry = new Set()`), or an object is made (`new Session(…)`).
 * Positions are 1-based; `near` (a function's position) prefers matches inside that function.
 */
import { readFileSync } from 'node:fs';
import * as acorn from 'acorn';
import * as walk from 'acorn-walk';
import type { SourcePosition } from '../report';

type AnyNode = acorn.Node & Record<string, any>;

const programs = new Map<string, { ast: AnyNode; lineStarts: number[] } | null>();

/** Parses a script once (script, then module, goal); null when it cannot be read or parsed. */
function parse(file: string): { ast: AnyNode; lineStarts: number[] } | null {
  if (programs.has(file)) return programs.get(file)!;
  let result: { ast: AnyNode; lineStarts: number[] } | null = null;
  try {
    const text = readFileSync(file, 'utf8');
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
    result = { ast, lineStarts };
  } catch {
    result = null;
  }
  programs.set(file, result);
  return result;
}

/** Forgets parsed files (after edits). */
export function clearParsedSources(): void {
  programs.clear();
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
  const base = file.split(/[\\/]/).pop() ?? file;
  return { at: position(file, hit.node), scope: hit.fn ? functionLabel(p, hit.fn) : `module scope of ${base}` };
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
export function findEnclosingCall(file: string, at: { line: number; column: number }): { at: SourcePosition; callee: string; event?: string } | undefined {
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
  const callee = best.callee.type === 'Identifier' ? best.callee.name : (propertyName(best.callee) ?? '');
  const first = best.arguments[0];
  const event = first?.type === 'Literal' && typeof first.value === 'string' ? first.value : undefined;
  return { at: position(file, best), callee, ...(event ? { event } : {}) };
}
