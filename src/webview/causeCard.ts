// The card of one cause: what holds the objects and the line that adds to it, the types it keeps
// (the program's class first), where they are made, the evidence, the fix, and the path from a GC
// root in the code's words, Node's plumbing folded into one labelled step that expands to its raw edges.
import type { Cause, CauseStep, TypeSeries } from '../core/report';
import { causeGrowth, fullFix, headline, leadType, mergeSites, stepText } from '../display/causes';
import { el, icon, prose, shorten } from './dom';
import { formatBytes, formatCount, formatRate, type TextPiece } from '../display/format';
import { backReferenceItem, openButton, siteItem, type OpenPosition } from './sourceLinks';
import { HOLDER_ICON, verdictBadge } from './rowElements';

export interface CauseCardEvents {
  open: OpenPosition;
  /** A kept type was chosen: show its details and go to its `new`. */
  selectType(name: string): void;
}

const ORIGIN_WORD: Record<string, string> = { user: 'your class', shape: 'plain object', library: 'library', runtime: 'runtime' };

const HOW_WORD: Record<string, string> = {
  push: 'pushes to it',
  set: 'sets an entry',
  add: 'adds an entry',
  on: 'adds a listener',
  assign: 'assigns to it',
  call: 'hands objects to it',
};

/** Text pieces as nodes: code as `<code>`. */
export function pieceNodes(pieces: TextPiece[]): Node[] {
  return pieces.map((p) => (p.code ? el('code', {}, shorten(p.text, 120)) : document.createTextNode(shorten(p.text, 400))));
}

/** Fills `container` with the card of `cause`. */
export function renderCauseCard(container: HTMLElement, cause: Cause, types: readonly TypeSeries[], events: CauseCardEvents): void {
  const h = headline(cause);
  const { perMinute, bytesPerMinute } = causeGrowth(cause, types);
  container.append(
    el('h3', { attrs: { id: 'details-heading' }, class: 'cause-title' },
      verdictBadge(cause.verdict), ' ',
      el('span', { class: 'type-name' }, shorten(h.type, 200)),
      ' kept by ', ...pieceNodes(h.holder)),
    el('p', { class: 'facts' },
      `${shorten(leadType(cause), 60)} grows by ${formatRate(perMinute)}`,
      bytesPerMinute ? ` (${formatBytes(bytesPerMinute)}/min)` : '',
      ` · keeps ${formatCount(cause.newObjects)} new objects (${formatBytes(cause.newBytes)}) · retains ${formatBytes(cause.retainedBytes)}`),
  );

  const facts = el('dl', { class: 'cause-facts' });
  const holder = cause.holder;
  facts.append(
    el('dt', {}, icon(HOLDER_ICON[holder.kind] ?? 'link'), ' Holder'),
    el('dd', { attrs: { id: 'cause-holder' } },
      ...pieceNodes(h.holder),
      el('span', { class: 'muted' }, ` · ${shorten(holder.type, 60)}${holder.inLibrary ? ', inside a library or Node' : ''}`),
      holder.declaredAt ? el('span', { class: 'muted' }, ` · ${shorten(holder.declaredAt.scope ?? 'declared', 100)}, declared at `) : null,
      holder.declaredAt ? openButton(holder.declaredAt, 'Open the declaration of the holder', events.open) : null),
    el('dt', {}, icon('add'), ' Added at'),
    el('dd', { attrs: { id: 'cause-added' } },
      cause.addedAt ? openButton(cause.addedAt, 'Open the line that adds to the holder', events.open) : el('span', { class: 'hint' }, 'The line that adds to it was not found.'),
      cause.addedAt ? el('span', { class: 'muted' }, ` · ${HOW_WORD[cause.addedAt.how] ?? cause.addedAt.how}${holder.inLibrary ? ' (the program\'s line that hands objects to the library or Node)' : ''}`) : null),
  );
  const kept = el('ul', { class: 'kept', attrs: { 'aria-label': 'Kept types' } });
  for (const k of cause.kept.slice(0, 12)) {
    kept.append(el('li', {},
      el('button', { class: 'link', attrs: { type: 'button', 'data-type': k.type, title: `Show ${k.type} and go to its new expression` }, on: { click: () => events.selectType(k.type) } }, el('span', { class: 'type-name' }, shorten(k.type, 80))),
      el('span', { class: 'muted' }, ` · ${formatCount(k.newObjects)} new · ${formatBytes(k.newBytes)} · ${formatRate(k.countPerMinute)} · ${ORIGIN_WORD[k.origin] ?? k.origin}`)));
  }
  if (cause.kept.length > 12) kept.append(el('li', { class: 'muted' }, `… and ${cause.kept.length - 12} more types`));
  facts.append(el('dt', {}, icon('symbol-class'), ' Keeps'), el('dd', {}, kept));
  const sites = mergeSites(cause.allocationSites);
  if (sites.length) {
    facts.append(
      el('dt', {}, icon('symbol-constructor'), ' Made at'),
      el('dd', {}, el('ul', { class: 'sites' }, ...sites.slice(0, 3).map((s) => el('li', {}, siteItem(s, events.open))))),
    );
  }
  container.append(facts);

  if (cause.evidence.length) {
    container.append(el('ul', { class: 'evidence', attrs: { 'aria-label': 'Evidence' } }, ...cause.evidence.map((e) => el('li', {}, ...prose(e)))));
  }
  container.append(el('p', { class: 'fix-line', attrs: { id: 'cause-fix' } }, el('strong', {}, icon('lightbulb'), ' Fix: '), ...prose(fullFix(cause))));

  container.append(el('h4', {}, icon('type-hierarchy'), ' Path from a GC root'));
  container.append(pathList(cause, events.open));
  if (cause.backReference) {
    container.append(el('h4', {}, icon('references'), ' Strong back-reference'));
    container.append(el('ul', { class: 'backrefs' }, backReferenceItem(cause.backReference, events.open)));
  }
}

/** The path, one step a line; a folded step is a button that shows or hides the raw edges it stands for. */
function pathList(cause: Cause, open: OpenPosition): HTMLElement {
  const list = el('ol', { class: 'steps', attrs: { 'aria-label': 'Path from a GC root to the kept objects' } });
  cause.path.steps.forEach((step, i) => list.append(stepItem(step, i === cause.path.holderIndex, open)));
  const lastStep = cause.path.steps[cause.path.steps.length - 1];
  if (lastStep) list.append(el('li', { class: 'step end' }, icon('arrow-right'), ' ', el('span', { class: 'type-name' }, shorten(lastStep.to, 80))));
  return list;
}

function stepItem(step: CauseStep, holder: boolean, open: OpenPosition): HTMLElement {
  const item = el('li', { class: `step${holder ? ' holder' : ''}${step.folded?.length ? ' folded' : ''}` });
  const words = shorten(stepText(step), 200);
  if (step.folded?.length) {
    const raw = el('ol', { class: 'raw', attrs: { hidden: true, 'aria-label': 'The raw edges of this step' } },
      ...step.folded.map((e) => el('li', {},
        el('span', { class: 'holder-name' }, shorten(e.from, 80)),
        el('span', { class: 'edge-name', title: e.edgeType }, ` .${shorten(e.edge, 80)} `),
        icon('arrow-right'),
        ` ${shorten(e.to, 80)}`)));
    const chevron = icon('chevron-right');
    const toggle = el('button', {
      class: 'fold',
      attrs: { type: 'button', 'aria-expanded': 'false', title: `${step.folded.length} raw edges, folded` },
      on: {
        click: () => {
          const expanded = raw.hidden;
          raw.hidden = !expanded;
          toggle.setAttribute('aria-expanded', String(expanded));
          chevron.className = `codicon codicon-${expanded ? 'chevron-down' : 'chevron-right'}`;
        },
      },
    }, chevron, ` ${words}`, el('span', { class: 'muted' }, ` (${step.folded.length} edges)`));
    item.append(toggle);
    if (step.site) item.append(' ', openButton(step.site, 'Open the line this step names', open));
    if (holder) item.append(holderTag());
    item.append(raw);
    return item;
  }
  const declared = step.variable?.declaredAt;
  item.append(
    declared ? openButton(declared, `Open the declaration of ${step.variable!.name}`, open, words)
      : step.label ? el('span', {}, icon('arrow-right'), ` ${words}`)
      : el('span', {}, icon('arrow-right'), ' ', el('span', { class: 'holder-name' }, shorten(step.from, 80)), el('span', { class: 'edge-name', title: step.edgeType }, ` .${shorten(step.edge, 80)}`)),
  );
  if (holder) item.append(holderTag());
  return item;
}

function holderTag(): HTMLElement {
  return el('span', { class: 'holder-tag' }, icon('warning'), ' the holder: it keeps adding new objects');
}
