// Links from the panel into the code: a source position as a button that asks the host to open it,
// allocation sites told once (the `new` line, its constructor beside it), strong back-references.
import type { BackReference, SourcePosition } from '../core/report';
import type { ShownSite } from '../display/causes';
import { el, icon, prose, shorten } from './dom';
import { baseName, formatBytes, formatCount } from '../display/format';

export type OpenPosition = (position: SourcePosition) => void;

/** "server.js:46:3". */
export function positionLabel(p: SourcePosition): string {
  return `${baseName(p.file)}:${p.line}:${p.column}`;
}

/** A button that opens `position` (the analysis's own object: the host accepts only positions it produced). */
export function openButton(position: SourcePosition, label: string, open: OpenPosition, text = positionLabel(position)): HTMLElement {
  const at: SourcePosition = { file: position.file, line: position.line, column: position.column };
  return el('button', {
    class: 'link',
    attrs: { type: 'button', 'aria-label': `${label}: ${positionLabel(position)}` },
    title: position.file,
    on: { click: () => open(at) },
  }, icon('go-to-file'), ` ${text}`);
}

/** One allocation site: where the objects are made, how many, and the constructor of the same objects beside it. */
export function siteItem(site: ShownSite, open: OpenPosition): HTMLElement {
  const how = site.kind === 'constructor' ? ' · its constructor (no new expression found)' : site.kind === 'source' ? ' · found in the source' : '';
  return el('span', { class: 'site' },
    openButton(site, 'Open allocation site', open),
    el('span', { class: 'site-fn' }, ` ${shorten(site.functionName || '(anonymous)', 80)}`),
    el('span', { class: 'muted' }, ` · ${formatCount(site.count)} objects · ${formatBytes(site.bytes)}${how}`),
    site.constructorAt ? el('span', { class: 'muted' }, ' · constructor ') : null,
    site.constructorAt ? openButton(site.constructorAt, 'Open the constructor', open) : null);
}

/** A strong back-reference, what it keeps alive, its fix and the line that creates it. */
export function backReferenceItem(b: BackReference, open: OpenPosition): HTMLElement {
  return el('li', {},
    el('code', {}, `${shorten(b.holder, 60)}.${shorten(b.edge, 60)} → ${shorten(b.target, 60)}`),
    ` keeps ${formatBytes(b.bytes)} alive (${formatCount(b.count)}×). `,
    el('span', { class: 'fix' }, ...prose(b.fix)),
    b.site ? ' ' : null,
    b.site ? openButton(b.site, 'Open the line that creates this reference', open) : null);
}
