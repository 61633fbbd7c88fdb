// The details of what is selected: a cause's card (causeCard.ts), or a type: its evidence, the cause
// that keeps it, retainer path clusters (suspect edge highlighted), allocation sites and strong
// back-references. Sites are buttons that ask the host to open the source.
import type { Cause, Leak, RetainerPath, SourcePosition, TypeSeries } from '../core/report';
import { renderCauseCard } from './causeCard';
import { mergeSites } from '../display/causes';
import { clear, el, icon, prose, shorten } from './dom';
import { baseName, formatBytes, formatCount, formatRate } from '../display/format';
import { backReferenceItem, openButton, siteItem } from './sourceLinks';
import { verdictBadge } from './rowElements';
import type { ShownVerdict } from './tableRows';

export interface DetailsEvents {
  open(position: SourcePosition): void;
  /** Go to the `new` of a type. */
  openType(name: string): void;
  /** Show the card of the cause that keeps a type. */
  selectCause(id: string): void;
}

export class Details {
  constructor(private readonly container: HTMLElement, private readonly events: DetailsEvents) {
    this.showEmpty();
  }

  showEmpty(text = 'Select a cause or a type to see what keeps it alive and where it is made.'): void {
    clear(this.container);
    this.container.append(el('p', { class: 'hint' }, text));
  }

  /** The card of a cause. */
  showCause(cause: Cause, types: readonly TypeSeries[]): void {
    clear(this.container);
    renderCauseCard(this.container, cause, types, { open: this.events.open, selectType: this.events.openType });
  }

  /** A type: its verdict and evidence, the cause that keeps it, its retainer paths, allocation sites and back-references. */
  show(series: TypeSeries | undefined, name: string, leak: Leak | undefined, pending?: string, keptBy?: Cause, tooEarly = false): void {
    clear(this.container);
    const heading = el('h3', { attrs: { id: 'details-heading' } }, 'What keeps ', el('code', { class: 'type-name' }, shorten(name, 200)), ' alive');
    this.container.append(heading);
    if (keptBy) {
      this.container.append(el('p', { class: 'kept-by' }, 'Kept by ',
        el('button', { class: 'link', attrs: { type: 'button' }, on: { click: () => this.events.selectCause(keptBy.id) } }, shorten(keptBy.holder.label, 200)),
        keptBy.addedAt ? ` (added at ${baseName(keptBy.addedAt.file)}:${keptBy.addedAt.line})` : ''));
    }
    // Too few samples for a verdict: a type not called a leak is not cleared either (as in the table).
    const verdict: ShownVerdict | undefined = leak?.verdict ?? (tooEarly && series?.verdict === 'ok' ? 'early' : series?.verdict);
    if (verdict || series) {
      this.container.append(
        el('p', { class: 'facts' },
          verdict ? verdictBadge(verdict) : null,
          series ? ` ${formatRate(series.countPerMinute)} · ${formatBytes(series.bytesPerMinute)}/min` : '',
          leak ? ` · ${formatCount(leak.newObjects)} new objects (${formatBytes(leak.newBytes)}) · retains ${formatBytes(leak.retainedBytes)}` : ''),
      );
    }
    const evidence = leak?.evidence ?? series?.evidence ?? [];
    if (evidence.length) {
      this.container.append(el('ul', { class: 'evidence', attrs: { 'aria-label': 'Evidence' } }, ...evidence.map((e) => el('li', {}, ...prose(e)))));
    }
    if (!leak) {
      this.container.append(el('p', { class: 'hint' }, pending ?? 'No retainer analysis for this type yet.'));
      return;
    }
    this.container.append(el('h4', {}, icon('type-hierarchy'), ' Retainer paths'));
    if (leak.retainerPaths.length) {
      const tree = el('ul', { class: 'paths', attrs: { role: 'tree', 'aria-label': 'Retainer path clusters' } });
      leak.retainerPaths.forEach((path, i) => tree.append(this.pathItem(path, i)));
      tree.addEventListener('keydown', (e) => this.treeKey(tree, e));
      this.container.append(tree);
    } else {
      this.container.append(el('p', { class: 'hint' }, 'No retainer paths from a GC root were found.'));
    }
    this.container.append(el('h4', {}, icon('symbol-constructor'), ' Allocation sites'));
    if (leak.allocationSites.length) {
      this.container.append(el('ul', { class: 'sites' }, ...mergeSites(leak.allocationSites).map((s) => el('li', {}, siteItem(s, this.events.open)))));
    } else {
      this.container.append(el('p', { class: 'hint' }, 'No allocation sites known (turn on leakWatch.allocationSites to record them).'));
    }
    if (leak.backReferences.length) {
      this.container.append(el('h4', {}, icon('references'), ' Strong back-references'));
      this.container.append(el('ul', { class: 'backrefs' }, ...leak.backReferences.map((b) => backReferenceItem(b, this.events.open))));
    }
  }

  private pathItem(path: RetainerPath, index: number): HTMLElement {
    const chain = el('ol', { class: 'chain', attrs: { role: 'group' } });
    path.edges.forEach((edge, i) => {
      const suspect = i === path.suspectEdgeIndex;
      chain.append(
        el('li', { class: suspect ? 'edge suspect' : 'edge', attrs: { role: 'treeitem', tabindex: -1, 'aria-label': `${edge.from} ${edge.edge} ${edge.to}${suspect ? ', suspect edge' : ''}` } },
          el('span', { class: 'holder' }, shorten(edge.from, 80)),
          el('span', { class: 'edge-name', title: edge.edgeType }, ` .${shorten(edge.edge, 80)} `),
          icon('arrow-right'),
          el('span', { class: 'target' }, ` ${shorten(edge.to, 80)}`),
          suspect ? el('span', { class: 'suspect-tag' }, icon('warning'), ' suspect edge') : null,
          suspect && path.suspectSite ? openButton(path.suspectSite, 'Open the line that creates this edge', this.events.open) : null),
      );
    });
    return el('li', { class: 'cluster', attrs: { role: 'treeitem', tabindex: index === 0 ? 0 : -1, 'aria-expanded': 'true' } },
      el('span', { class: 'cluster-head' }, `${formatCount(path.count)} objects · ${formatBytes(path.bytes)}`),
      chain);
  }

  private treeKey(tree: HTMLElement, e: KeyboardEvent): void {
    const items = Array.from(tree.querySelectorAll<HTMLElement>('[role=treeitem]'));
    const i = items.indexOf(document.activeElement as HTMLElement);
    let next = -1;
    if (e.key === 'ArrowDown') next = Math.min(items.length - 1, i + 1);
    else if (e.key === 'ArrowUp') next = Math.max(0, i - 1);
    else if (e.key === 'Home') next = 0;
    else if (e.key === 'End') next = items.length - 1;
    else if (e.key === 'Enter' && i >= 0) {
      items[i].querySelector<HTMLButtonElement>('button')?.click();
      return;
    } else return;
    e.preventDefault();
    items.forEach((item) => (item.tabIndex = -1));
    items[next].tabIndex = 0;
    items[next].focus();
  }
}
