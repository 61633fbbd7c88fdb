// The table of types: objgraph's most-common-types and growth in one, led by the causes (each cause,
// the types it keeps indented beneath, then the other types; "By type" lists every type flat).
// Sortable (header buttons), filterable, keyboard navigable (arrow keys, Home/End, Enter), verdict as
// codicon + text. It fits the panel's width: the Type column takes what is left (ellipsis, full name
// in the tooltip) and the least telling columns drop out, in DROP_ORDER, until the rest fit; the page
// is the one scroller.
import type { Report } from '../core/report';
import { clear, el, icon } from './dom';
import { formatCount } from '../display/format';
import { RowElements } from './rowElements';
import { tableRows, type SortKey, type TableRow, type TableView } from './tableRows';

export type { SortKey, TableView } from './tableRows';

export type ColumnKey = SortKey | 'trend';

interface Column {
  key: ColumnKey;
  label: string;
  numeric: boolean;
  title: string;
}

const COLUMNS: Column[] = [
  { key: 'name', label: 'Type', numeric: false, title: 'A cause (what keeps the objects), or a type: constructor name, or V8 category' },
  { key: 'verdict', label: 'Verdict', numeric: false, title: 'leak, suspect or ok, with the evidence in the details' },
  { key: 'count', label: 'Count', numeric: true, title: 'Objects alive at the last sample (for a cause: the new objects it keeps)' },
  { key: 'delta', label: 'Δ', numeric: true, title: 'Change in count since the first sample' },
  { key: 'rate', label: 'Rate/min', numeric: true, title: 'Growth in objects per minute over recent samples' },
  { key: 'bytes', label: 'Bytes', numeric: true, title: 'Shallow size at the last sample (for a cause: of the new objects it keeps)' },
  { key: 'retained', label: 'Retained', numeric: true, title: 'Bytes kept alive by these objects' },
  { key: 'trend', label: 'Trend', numeric: false, title: 'Count per sample' },
];

/** The columns that drop out as the panel narrows, first to go first; Type and Verdict always stay. */
export const DROP_ORDER: readonly ColumnKey[] = ['bytes', 'trend', 'count', 'retained', 'delta', 'rate'];

/** The Type column keeps at least this many `ch`, and this share of the table, before another column drops out. */
const MIN_NAME_CH = 12;
const MIN_NAME_SHARE = 0.3;

/** Type rows listed before "Show all": the ranked top (leaks and suspects first) without a long page. */
const FIRST_ROWS = 25;
/** Type rows listed at most, also with "Show all" (the filter finds the rest). */
const MAX_ROWS = 500;

/** What is selected in the panel: a cause (its card) or a type (its retainers and sites). */
export type Selection = { cause: string } | { type: string };

/** The width of a `0` in the font of `box`, px. */
function chWidth(box: HTMLElement): number {
  const probe = el('span', { class: 'ch-probe', attrs: { 'aria-hidden': 'true' } }, '0000000000');
  box.append(probe);
  const width = probe.getBoundingClientRect().width / 10;
  probe.remove();
  return width || 7;
}

export interface TypesTableEvents {
  /** A type row was chosen (click, Enter or Space). */
  select(name: string): void;
  /** A cause row was chosen. */
  selectCause(id: string): void;
  /** Open the `new` of a type (double click / Alt+Enter). */
  open(name: string): void;
  /** Open the line that adds to a cause's holder (double click / Alt+Enter). */
  openCause(id: string): void;
  /** The user switched between "By cause" and "By type". */
  view(view: TableView): void;
}

function isSelected(row: TableRow, selection: Selection | undefined): boolean {
  if (!selection) return false;
  return 'cause' in selection ? row.kind === 'cause' && row.causeId === selection.cause : row.kind !== 'cause' && row.type === selection.type;
}

export class TypesTable {
  private report: Report | undefined;
  private sortKey: SortKey = 'verdict';
  private ascending = true;
  private filter = '';
  private selected: Selection | undefined;
  /** The row chosen for the selection, when it was chosen in the table. */
  private selectedKey: string | undefined;
  private showAll = false;
  private view: TableView = 'causes';
  private readonly box: HTMLElement;
  private readonly table: HTMLTableElement;
  private readonly body: HTMLTableSectionElement;
  private readonly headRow: HTMLTableRowElement;
  private readonly summary: HTMLElement;
  private readonly more: HTMLButtonElement;
  private readonly viewButtons: HTMLButtonElement[];
  private readonly viewGroup: HTMLElement;
  /** The type rows the current filter and view list (before the "Show all" limit). */
  private typeRows: TableRow[] = [];
  /** The model of each listed row, by its key. */
  private readonly rowModels = new Map<string, TableRow>();
  /** The rows' elements, kept across reports (updated in place). */
  private readonly rowElements = new RowElements({
    choose: (key) => this.withModel(key, (r) => this.choose(r)),
    open: (key) => this.withModel(key, (r) => this.open(r)),
  });
  private readonly groupRow = el('tr', { class: 'group-row' }, el('td', { attrs: { colspan: COLUMNS.length } }, 'Types no cause keeps'));

  constructor(container: HTMLElement, private readonly events: TypesTableEvents) {
    const filterInput = el('input', {
      class: 'filter',
      attrs: { type: 'search', placeholder: 'Filter types', 'aria-label': 'Filter causes and types by name', id: 'types-filter' },
      on: {
        input: () => {
          this.filter = filterInput.value.trim().toLowerCase();
          this.render();
        },
      },
    });
    this.viewButtons = (['causes', 'types'] as TableView[]).map((view) =>
      el('button', {
        class: 'toggle',
        attrs: { type: 'button', 'data-view': view, 'aria-pressed': String(view === this.view), title: view === 'causes' ? 'Each cause, the types it keeps beneath it, then the other types' : 'Every type, one row each' },
        on: {
          click: () => {
            this.setView(view);
            this.events.view(view);
          },
        },
      }, view === 'causes' ? 'By cause' : 'By type'),
    );
    this.viewGroup = el('span', { class: 'segmented', attrs: { role: 'group', 'aria-label': 'Group the table', id: 'table-view' } }, ...this.viewButtons);
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
    this.table = el('table', { class: 'types', attrs: { id: 'types-table', 'aria-label': 'Causes and types on the heap', role: 'grid' } },
      el('thead', {}, this.headRow), this.body);
    this.table.addEventListener('keydown', (e) => this.onKey(e));
    this.table.dataset.dropOrder = DROP_ORDER.join(' ');
    this.box = el('div', { class: 'table-box' }, this.table);
    container.append(el('div', { class: 'toolbar' }, this.viewGroup, filterInput, this.summary, this.more), this.box);
    this.renderHead();
    new ResizeObserver(() => this.fit()).observe(this.box);
  }

  setReport(report: Report): void {
    this.report = report;
    this.render();
  }

  /** Groups the rows by cause or lists every type. */
  setView(view: TableView): void {
    if (view === this.view) return;
    this.view = view;
    for (const b of this.viewButtons) b.setAttribute('aria-pressed', String(b.dataset.view === view));
    this.render();
  }

  get selection(): Selection | undefined {
    return this.selected;
  }

  /**
   * Selects a cause or a type (and focuses its row when asked). One row is selected: the one chosen
   * (`key`), else the first that stands for it (a type kept by two causes has two rows).
   */
  select(selection: Selection, focus = false, key?: string): void {
    this.selected = selection;
    // Selecting again what was chosen in the table keeps the row chosen.
    const previous = this.selectedKey ? this.rowModels.get(this.selectedKey) : undefined;
    this.selectedKey = key ?? (previous && isSelected(previous, selection) ? previous.key : undefined);
    // A type below the rows listed: list down to it.
    const listed = this.rows().some((r) => isSelected(this.rowOf(r)!, selection));
    if (!listed && 'type' in selection && this.typeRows.some((r) => r.type === selection.type)) this.render();
    const row = this.markSelection();
    if (row && focus) {
      row.focus();
      row.scrollIntoView({ block: 'nearest' });
    }
  }

  /** Marks the selected row (aria-selected, the one in the tab order) and returns it. */
  private markSelection(): HTMLTableRowElement | undefined {
    const rows = this.rows();
    const matching = rows.filter((r) => isSelected(this.rowOf(r)!, this.selected));
    const chosen = matching.find((r) => r.dataset.key === this.selectedKey) ?? matching[0];
    for (const row of rows) {
      row.setAttribute('aria-selected', String(row === chosen));
      row.tabIndex = row === chosen ? 0 : -1;
    }
    if (!chosen && rows.length) rows[0].tabIndex = 0;
    return chosen;
  }

  setSort(key: SortKey, ascending?: boolean): void {
    if (ascending === undefined) ascending = this.sortKey === key ? !this.ascending : key === 'name' || key === 'verdict';
    this.sortKey = key;
    this.ascending = ascending;
    this.renderHead();
    this.render();
  }

  /** The table rows that stand for a cause or a type (not the group headings). */
  private rows(): HTMLTableRowElement[] {
    return Array.from(this.body.rows).filter((r) => r.dataset.key);
  }

  private rowOf(tr: HTMLTableRowElement): TableRow | undefined {
    return this.rowModels.get(tr.dataset.key ?? '');
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
    // Rows are updated in place; a row moved or gone takes the focus with it, so keep it on the same row.
    const focusedKey = (document.activeElement as HTMLElement | null)?.closest?.('tr')?.dataset.key;
    const hadFocus = focusedKey !== undefined && this.body.contains(document.activeElement);
    this.rowModels.clear();
    if (!report) {
      clear(this.body);
      this.rowElements.keepOnly(new Set());
      return;
    }
    const hasCauses = !!report.causes?.length;
    this.viewGroup.hidden = !hasCauses;
    const view: TableView = hasCauses ? this.view : 'types';
    this.table.dataset.view = view;
    const { causes, types } = tableRows(report, view, this.filter, this.sortKey, this.ascending);
    this.typeRows = types;
    // The selected type stays listed (a hover's link may reveal one below the first rows).
    const selectedAt = types.findIndex((r) => isSelected(r, this.selected));
    const limit = this.showAll ? MAX_ROWS : Math.max(FIRST_ROWS, selectedAt + 1);
    const shown = types.slice(0, Math.min(limit, MAX_ROWS));
    const total = types.length;
    const typeCount = `${shown.length < total ? `${formatCount(shown.length)} of ` : ''}${formatCount(total)} ${view === 'causes' ? 'other ' : ''}type${total === 1 ? '' : 's'}`;
    this.summary.textContent = view === 'causes' ? `${formatCount(causes.length)} cause${causes.length === 1 ? '' : 's'} · ${typeCount}` : typeCount;
    this.more.hidden = total <= FIRST_ROWS;
    this.more.textContent = this.showAll ? `Show the first ${FIRST_ROWS}` : `Show all${total > MAX_ROWS ? ` (first ${formatCount(MAX_ROWS)})` : ''}`;
    const models: TableRow[] = [];
    for (const group of causes) models.push(group.row, ...group.kept);
    const firstType = models.length;
    models.push(...shown);
    const wanted: HTMLTableRowElement[] = models.map((r) => {
      this.rowModels.set(r.key, r);
      return this.rowElements.element(r, r.kind === 'cause' ? report.causes?.find((c) => c.id === r.causeId) : undefined);
    });
    if (view === 'causes' && shown.length) wanted.splice(firstType, 0, this.groupRow);
    this.rowElements.keepOnly(new Set(this.rowModels.keys()));
    placeRows(this.body, wanted);
    const rows = this.rows();
    this.markSelection();
    if (hadFocus) {
      const row = rows.find((r) => r.dataset.key === focusedKey);
      if (row) {
        for (const r of rows) r.tabIndex = r === row ? 0 : -1;
        if (document.activeElement !== row) row.focus({ preventScroll: true });
      }
    }
    this.fit();
  }

  /** Runs `action` on the model of the row with `key`, while it is listed. */
  private withModel(key: string, action: (r: TableRow) => void): void {
    const r = this.rowModels.get(key);
    if (r) action(r);
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

  private choose(r: TableRow): void {
    if (r.kind === 'cause') {
      this.select({ cause: r.causeId! }, true, r.key);
      this.events.selectCause(r.causeId!);
    } else {
      this.select({ type: r.type! }, true, r.key);
      this.events.select(r.type!);
    }
  }

  private open(r: TableRow): void {
    if (r.kind === 'cause') this.events.openCause(r.causeId!);
    else this.events.open(r.type!);
  }

  private onKey(e: KeyboardEvent): void {
    const rows = this.rows();
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
          const r = this.rowOf(rows[current])!;
          if (e.key === 'Enter' && e.altKey) this.open(r);
          else this.choose(r);
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

/** Puts `rows` in `body` in this order, moving only the rows out of place and removing the others. */
function placeRows(body: HTMLTableSectionElement, rows: readonly HTMLTableRowElement[]): void {
  rows.forEach((row, i) => {
    const at = body.rows[i];
    if (at !== row) body.insertBefore(row, at ?? null);
  });
  while (body.rows.length > rows.length) body.rows[rows.length].remove();
}
