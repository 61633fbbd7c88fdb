// The verdict on the panel's first screen, above the charts: one line per cause ("Leak: Connection —
// kept by the 'reload' listeners of configEmitter, server.js:46"); the line opens the cause's card,
// its file:line goes to the line that adds to the holder. Without causes, a sentence says why.
import type { Report } from '../core/report';
import { pieceNodes } from './causeCard';
import { headline, headlineText, noCauseSentence } from '../display/causes';
import { clear, el, icon, shorten } from './dom';
import { HOLDER_ICON } from './rowElements';

export interface HeadlineEvents {
  /** Show the card of a cause. */
  show(id: string): void;
  /** Go to the line that adds to a cause's holder. */
  open(id: string): void;
}

/** Causes listed before "and N more": the rest are in the table. */
const MAX_HEADLINES = 5;

const VERDICT_ICON = { leak: 'flame', suspect: 'warning', ok: 'pass' } as const;

export class Headlines {
  private selected: string | undefined;

  constructor(private readonly container: HTMLElement, private readonly events: HeadlineEvents) {}

  /** Marks the headline of the cause whose card is shown. */
  select(id: string | undefined): void {
    this.selected = id;
    for (const item of Array.from(this.container.querySelectorAll<HTMLElement>('li[data-cause]'))) {
      item.classList.toggle('selected', item.dataset.cause === id);
    }
  }

  render(report: Report | undefined): void {
    clear(this.container);
    if (!report || report.samples.length === 0) return;
    const causes = report.causes ?? [];
    if (!causes.length) {
      this.container.append(el('p', { class: 'hint verdict-none', attrs: { id: 'no-cause' } }, noCauseSentence(report)));
      return;
    }
    const list = el('ul', { class: 'headlines', attrs: { 'aria-label': 'Leaks, one line per cause' } });
    for (const cause of causes.slice(0, MAX_HEADLINES)) {
      const h = headline(cause);
      const text = headlineText(cause);
      const item = el('li', { class: `headline verdict-${cause.verdict}${cause.id === this.selected ? ' selected' : ''}` },
        el('button', {
          class: 'headline-text',
          attrs: { type: 'button', title: `${shorten(text, 400)} — show the cause` },
          on: { click: () => this.events.show(cause.id) },
        },
          icon(VERDICT_ICON[cause.verdict]),
          el('strong', { class: 'verdict-word' }, `${h.verdict}:`), ' ',
          el('span', { class: 'type-name' }, shorten(h.type, 120)),
          ' — kept by ', icon(HOLDER_ICON[cause.holder.kind] ?? 'link'), ' ', ...pieceNodes(h.holder),
          h.where ? ',' : ''),
        h.where ? ' ' : null,
        h.where
          ? el('button', {
            class: 'link where',
            attrs: { type: 'button', 'aria-label': `Go to the line that adds to the holder: ${h.where}` },
            title: cause.addedAt?.file,
            on: { click: () => this.events.open(cause.id) },
          }, h.where)
          : null);
      item.dataset.cause = cause.id;
      list.append(item);
    }
    if (causes.length > MAX_HEADLINES) list.append(el('li', { class: 'muted more' }, `… and ${causes.length - MAX_HEADLINES} more causes in the table`));
    this.container.append(list);
  }
}
