// The table of types: objgraph's most-common-types and growth in one. Sortable (header buttons),
// filterable, keyboard navigable (arrow keys, Home/End, Enter), verdict as codicon + text. It fits
// the panel's width: the Type column takes what is left (ellipsis, full name in the tooltip) and the
// least telling columns drop out, in DROP_ORDER, until the rest fit; the page is the one scroller.
import type { Report, TypeSeries, Verdict } from '../core/report';
import { clear, el, icon, shorten } from './dom';
import { formatBytes, formatCount, formatDelta, formatGrowth } from './format';

export type SortKey = 'name' | 'count' | 'delta' | 'bytes' | 'retained' | 'rate' | 'verdict';

export type ColumnKey = SortKey | 'trend';

interface Column {
  key: ColumnKey;
  label: string;
  numeric: boolean;
  title: string;
}

const COLUMNS: Column[] = [
  { key: 'name', label: 'Type', numeric: false, title: 'Constructor name, or V8 category' },
  { key: 'verdict', label: 'Verdict', numeric: false, title: 'leak, suspect or ok, with the evidence in the details' },
  { key: 'count', label: 'Count', numeric: true, title: 'Objects alive at the last sample' },
  { key: 'delta', label: 'Δ', numeric: true, title: 'Change in count since the first sample' },
  { key: 'rate', label: 'Rate/min', numeric: true, title: 'Growth in objects per minute over recent samples' },
  { key: 'bytes', label: 'Bytes', numeric: true, title: 'Shallow size at the last sample' },
  { key: 'retained', label: 'Retained', numeric: true, title: 'Bytes kept alive by these objects' },
  { key: 'trend', label: 'Trend', numeric: false, title: 'Count per sample' },
];

/** The columns that drop out as the panel narrows, first to go first; Type and Verdict always stay. */
export const DROP_ORDER: readonly ColumnKey[] = ['bytes', 'trend', 'count', 'retained', 'delta', 'rate'];

/** The Type column keeps at least this many `ch`, and this share of the table, before another column drops out. */
const MIN_NAME_CH = 12;
const MIN_NAME_SHARE = 0.3;

/** Rows listed before "Show all": the ranked top (leaks and suspects first) without a long page. */
const FIRST_ROWS = 25;
/** Rows listed at most, also with "Show all" (the filter finds the rest). */
const MAX_ROWS = 500;

const VERDICT_RANK: Record<Verdict, number> = { leak: 0, suspect: 1, ok: 2 };
const VERDICT_ICON: Record<Verdict, string> = { leak: 'flame', suspect: 'warning', ok: 'pass' };

/** A verdict badge: icon and word, so that meaning is not carried by colour alone. */
export function verdictBadge(verdict: Verdict): HTMLElement {
  return el('span', { class: `badge badge-${verdict}`, attrs: { 'data-verdict': verdict } }, icon(VERDICT_ICON[verdict]), verdict);
}

/** The width of a `0` in the font of `box`, px. */
function chWidth(box: HTMLElement): number {
  const probe = el('span', { class: 'ch-probe', attrs: { 'aria-hidden': 'true' } }, '0000000000');
  box.append(probe);
  const width = probe.getBoundingClientRect().width / 10;
  probe.remove();
  return width || 7;
}

function last(values: number[]): number {
  return values.length ? values[values.length - 1] : 0;
}

function delta(t: TypeSeries): number {
  return t.counts.length ? last(t.counts) - t.counts[0] : 0;
}

function sortValue(t: TypeSeries, key: SortKey): number | string {
  switch (key) {
    case 'name': return t.name.toLowerCase();
    case 'count': return last(t.counts);
    case 'delta': return delta(t);
    case 'bytes': return last(t.bytes);
    case 'retained': return t.retainedBytes ?? -1;
    case 'rate': return t.countPerMinute;
    case 'verdict': return VERDICT_RANK[t.verdict];
  }
}

const SVG = 'http://www.w3.org/2000/svg';

/** A small line of the counts per sample. */
function sparkline(values: number[]): SVGSVGElement {
  const w = 80;
  const h = 18;
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('class', 'sparkline');
  svg.setAttribute('width', String(w));
  svg.setAttribute('height', String(h));
  svg.setAttribute('viewBox', `0 0 ${w} ${h}`);
  svg.setAttribute('aria-hidden', 'true');
  if (values.length >= 2) {
    const min = Math.min(...values);
    const max = Math.max(...values);
    const span = max - min || 1;
    const points = values
      .map((v, i) => `${((i / (values.length - 1)) * (w - 2) + 1).toFixed(1)},${(h - 1 - ((v - min) / span) * (h - 2)).toFixed(1)}`)
      .join(' ');
    const line = document.createElementNS(SVG, 'polyline');
    line.setAttribute('points', points);
    svg.appendChild(line);
  }
  return svg;
}

export interface TypesTableEvents {
  /** A row was chosen (click, Enter or Space). */
  select(name: string): void;
  /** Open the first allocation site of a type (double click / Alt+Enter). */
  open(name: string): void;
}

export class TypesTable {
  private report: Report | undefined;
  private sortKey: SortKey = 'verdict';
  private ascending = true;
  private filter = '';
  private selected: string | undefined;
  private showAll = false;
  private readonly box: HTMLElement;
  private readonly table: HTMLTableElement;
  private readonly body: HTMLTableSectionElement;
  private readonly headRow: HTMLTableRowElement;
  private readonly summary: HTMLElement;
  private readonly more: HTMLButtonElement;
  private rows: TypeSeries[] = [];

  constructor(container: HTMLElement, private readonly events: TypesTableEvents) {
    const filterInput = el('input', {
      class: 'filter',
      attrs: { type: 'search', placeholder: 'Filter types', 'aria-label': 'Filter types by name', id: 'types-filter' },
      on: {
        input: () => {
          this.filter = filterInput.value.trim().toLowerCase();
          this.render();
        },
      },
    });
    this.summary = el('span', { class: 'summary', attrs: { 'aria-live': 'polite' } });
    this.more = el('button', {
      class: 'link',
      attrs: { type: 'button', id: 'types-more', hidden: true },
      on: {
        click: () => {
          this.showAll = !this.showAll;
          this.render();
        },
      },
    });
    this.headRow = el('tr');
    this.body = el('tbody');
    this.table = el('table', { class: 'types', attrs: { id: 'types-table', 'aria-label': 'Types on the heap', role: 'grid' } },
      el('thead', {}, this.headRow), this.body);
    this.table.addEventListener('keydown', (e) => this.onKey(e));
    this.table.dataset.dropOrder = DROP_ORDER.join(' ');
    this.box = el('div', { class: 'table-box' }, this.table);
    container.append(el('div', { class: 'toolbar' }, filterInput, this.summary, this.more), this.box);
    this.renderHead();
    new ResizeObserver(() => this.fit()).observe(this.box);
  }

  setReport(report: Report): void {
    this.report = report;
    this.render();
  }

  get selection(): string | undefined {
    return this.selected;
  }

  /** Selects a row by type name (and focuses it when asked). */
  select(name: string, focus = false): void {
    this.selected = name;
    // A type below the rows listed: list down to it.
    if (!Array.from(this.body.rows).some((r) => r.dataset.type === name) && this.rows.some((t) => t.name === name)) this.render();
    for (const row of Array.from(this.body.rows)) {
      const on = row.dataset.type === name;
      row.setAttribute('aria-selected', String(on));
      row.tabIndex = on ? 0 : -1;
      if (on && focus) {
        row.focus();
        row.scrollIntoView({ block: 'nearest' });
      }
    }
  }

  setSort(key: SortKey, ascending?: boolean): void {
    if (ascending === undefined) ascending = this.sortKey === key ? !this.ascending : key === 'name' || key === 'verdict';
    this.sortKey = key;
    this.ascending = ascending;
    this.renderHead();
    this.render();
  }

  private renderHead(): void {
    clear(this.headRow);
    for (const column of COLUMNS) {
      const th = el('th', { class: `col-${column.key}${column.numeric ? ' num' : ''}`, attrs: { scope: 'col', title: column.title } });
      if (column.key === 'trend') {
        th.textContent = column.label;
      } else {
        const key = column.key;
        const active = this.sortKey === key;
        th.setAttribute('aria-sort', active ? (this.ascending ? 'ascending' : 'descending') : 'none');
        th.append(
          el('button', { class: 'sort', attrs: { type: 'button', 'data-sort': key }, on: { click: () => this.setSort(key) } },
            column.label,
            active ? icon(this.ascending ? 'arrow-up' : 'arrow-down') : null),
        );
      }
      this.headRow.append(th);
    }
  }

  private render(): void {
    const report = this.report;
    // A new report re-renders the rows; keep the keyboard focus on the same type.
    const focusedType = (document.activeElement as HTMLElement | null)?.closest?.('tr')?.dataset.type;
    const hadFocus = focusedType !== undefined && this.body.contains(document.activeElement);
    clear(this.body);
    if (!report) return;
    const dir = this.ascending ? 1 : -1;
    const key = this.sortKey;
    // The report's own order ranks within a verdict: the program's classes before runtime types.
    const rank = new Map(report.types.map((t, i) => [t.name, i]));
    this.rows = report.types
      .filter((t) => !this.filter || t.name.toLowerCase().includes(this.filter))
      .slice()
      .sort((a, b) => {
        const va = sortValue(a, key);
        const vb = sortValue(b, key);
        const primary = va < vb ? -dir : va > vb ? dir : 0;
        if (key === 'verdict') return primary || rank.get(a.name)! - rank.get(b.name)!;
        // Ties: faster growth first, then by bytes.
        return primary || b.countPerMinute - a.countPerMinute || last(b.bytes) - last(a.bytes);
      });
    // The selected type stays listed (a hover's link may reveal one below the first rows).
    const selectedAt = this.rows.findIndex((t) => t.name === this.selected);
    const limit = this.showAll ? MAX_ROWS : Math.max(FIRST_ROWS, selectedAt + 1);
    const shown = this.rows.slice(0, Math.min(limit, MAX_ROWS));
    const total = this.rows.length;
    this.summary.textContent = `${shown.length < total ? `${formatCount(shown.length)} of ` : ''}${formatCount(total)} type${total === 1 ? '' : 's'}`;
    this.more.hidden = total <= FIRST_ROWS;
    this.more.textContent = this.showAll ? `Show the first ${FIRST_ROWS}` : `Show all${total > MAX_ROWS ? ` (first ${formatCount(MAX_ROWS)})` : ''}`;
    let selectedShown = false;
    for (const t of shown) {
      const isSelected = t.name === this.selected;
      selectedShown ||= isSelected;
      const row = el('tr', {
        class: `verdict-${t.verdict}`,
        attrs: { 'aria-selected': String(isSelected), tabindex: isSelected ? 0 : -1 },
        on: {
          click: () => this.choose(t.name),
          dblclick: () => this.events.open(t.name),
        },
      },
        el('td', { class: 'col-name name', title: shorten(t.name, 2000) }, shorten(t.name, 80)),
        el('td', { class: 'col-verdict' }, verdictBadge(t.verdict)),
        el('td', { class: 'col-count num' }, formatCount(last(t.counts))),
        el('td', { class: 'col-delta num' }, formatDelta(delta(t))),
        el('td', { class: 'col-rate num' }, formatGrowth(t.countPerMinute)),
        el('td', { class: 'col-bytes num' }, formatBytes(last(t.bytes))),
        el('td', { class: 'col-retained num' }, t.retainedBytes === undefined ? '–' : formatBytes(t.retainedBytes)),
        el('td', { class: 'col-trend trend' }, sparkline(t.counts)),
      );
      row.dataset.type = t.name;
      this.body.append(row);
    }
    if (!selectedShown && this.body.rows.length) this.body.rows[0].tabIndex = 0;
    if (hadFocus) {
      const row = Array.from(this.body.rows).find((r) => r.dataset.type === focusedType);
      if (row) {
        for (const r of Array.from(this.body.rows)) r.tabIndex = r === row ? 0 : -1;
        row.focus({ preventScroll: true });
      }
    }
    this.fit();
  }

  /** Shows every column that fits beside a readable Type column; drops the rest in DROP_ORDER. */
  private fit(): void {
    const available = this.box.clientWidth;
    if (available === 0) return; // not laid out (hidden panel): fit when it is
    const minName = Math.max(MIN_NAME_CH * chWidth(this.box), MIN_NAME_SHARE * available);
    this.table.dataset.minName = String(Math.round(minName));
    const nameHead = this.headRow.cells[0];
    const hidden: ColumnKey[] = [];
    this.hide(hidden);
    for (const key of DROP_ORDER) {
      if (this.table.scrollWidth <= available + 1 && nameHead.offsetWidth >= minName) break;
      hidden.push(key);
      this.hide(hidden);
    }
  }

  private hide(keys: ColumnKey[]): void {
    for (const key of DROP_ORDER) this.table.classList.toggle(`hide-${key}`, keys.includes(key));
    this.table.dataset.hidden = keys.join(' ');
  }

  private choose(name: string): void {
    this.select(name, true);
    this.events.select(name);
  }

  private onKey(e: KeyboardEvent): void {
    const rows = Array.from(this.body.rows);
    if (!rows.length) return;
    const current = rows.findIndex((r) => r === document.activeElement);
    let next = -1;
    switch (e.key) {
      case 'ArrowDown': next = Math.min(rows.length - 1, current + 1); break;
      case 'ArrowUp': next = Math.max(0, current - 1); break;
      case 'Home': next = 0; break;
      case 'End': next = rows.length - 1; break;
      case 'PageDown': next = Math.min(rows.length - 1, current + 10); break;
      case 'PageUp': next = Math.max(0, current - 10); break;
      case 'Enter':
      case ' ':
        if (current >= 0) {
          e.preventDefault();
          const name = rows[current].dataset.type!;
          if (e.key === 'Enter' && e.altKey) this.events.open(name);
          else this.choose(name);
        }
        return;
      default:
        return;
    }
    e.preventDefault();
    for (const r of rows) r.tabIndex = -1;
    rows[next].tabIndex = 0;
    rows[next].focus();
    rows[next].scrollIntoView({ block: 'nearest' });
  }
}
