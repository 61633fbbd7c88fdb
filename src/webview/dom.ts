// Tiny DOM builder. All text goes through textContent: type names, property names and strings come
// from the debuggee's heap and are untrusted. There is deliberately no way to set innerHTML here.

import { sentencePieces } from '../display/format';

export type Child = Node | string | null | undefined | false;

export interface ElementOptions {
  class?: string;
  /** Attributes set with setAttribute; never `style` or `on*` (the CSP would refuse them anyway). */
  attrs?: Record<string, string | number | boolean | undefined>;
  text?: string;
  title?: string;
  on?: { [K in keyof HTMLElementEventMap]?: (event: HTMLElementEventMap[K]) => void };
}

/** Creates an element with safe text content and attributes. */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  options: ElementOptions = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (options.class) node.className = options.class;
  if (options.title !== undefined) node.title = options.title;
  for (const [name, value] of Object.entries(options.attrs ?? {})) {
    if (value === undefined || value === false) continue;
    if (name === 'style' || name.toLowerCase().startsWith('on')) throw new Error(`refusing attribute ${name}`);
    node.setAttribute(name, value === true ? '' : String(value));
  }
  if (options.text !== undefined) node.textContent = options.text;
  for (const [event, listener] of Object.entries(options.on ?? {})) {
    node.addEventListener(event, listener as EventListener);
  }
  append(node, ...children);
  return node;
}

/** Appends children, strings as text nodes. */
export function append(parent: Node, ...children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === 'string' ? document.createTextNode(child) : child);
  }
}

/** A codicon glyph, hidden from screen readers (the text beside it carries the meaning). */
export function icon(name: string, extraClass = ''): HTMLElement {
  return el('span', { class: `codicon codicon-${name} ${extraClass}`.trim(), attrs: { 'aria-hidden': 'true' } });
}

/** Removes all children. */
export function clear(node: Node): void {
  while (node.firstChild) node.removeChild(node.firstChild);
}

/** Shortens very long untrusted strings for display (the full text stays in the title). */
export function shorten(text: string, max = 120): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** A sentence of the analysis: `backticked` names and expressions as code, numbers grouped (untrusted text, as text nodes). */
export function prose(sentence: string): Node[] {
  return sentencePieces(sentence).map((p) => (p.code ? el('code', {}, p.text) : document.createTextNode(p.text)));
}
