// The types table's row elements, kept by row key across reports: a new report updates each row's
// cells in place (only what changed), so a row under the pointer or with the keyboard focus stays the
// same element (a double click straddling a report reaches the row; focus and selection stay).
import type { Cause, HolderKind } from '../core/report';
import { clear, el, icon, shorten } from './dom';
import { formatBytes, formatCount, formatDelta, formatGrowth } from '../display/format';
import type { ShownVerdict, TableRow } from './tableRows';

const VERDICT_ICON: Record<ShownVerdict, string> = { leak: 'flame', suspect: 'warning', early: 'history', ok: 'pass' };
const VERDICT_WORD: Record<ShownVerdict, string> = { leak: 'leak', suspect: 'suspect', early: 'too early', ok: 'ok' };

/** The codicon of a holder's kind, beside a cause's name. */
export const HOLDER_ICON: Record<HolderKind, string> = {
  listener: 'symbol-event',
  container: 'symbol-array',
  timer: 'watch',
  promise: 'clock',
  variable: 'symbol-variable',
  'back-reference': 'references',
  other: 'link',
};

/** A verdict badge: icon and word, so that meaning is not carried by colour alone. */
export function verdictBadge(verdict: ShownVerdict): HTMLElement {
  const title = verdict === 'early' ? 'Too few samples for a verdict yet: not called a leak, not cleared either' : undefined;
  return el('span', { class: `badge badge-${verdict}`, title, attrs: { 'data-verdict': verdict } }, icon(VERDICT_ICON[verdict]), VERDICT_WORD[verdict]);
}

const SVG = 'http://www.w3.org/2000/svg';
const SPARK_W = 80;
const SPARK_H = 18;

/** A small line of the counts per sample (drawn by `drawSparkline`). */
function sparkline(): SVGSVGElement {
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('class', 'sparkline');
  svg.setAttribute('width', String(SPARK_W));
  svg.setAttribute('height', String(SPARK_H));
  svg.setAttribute('viewBox', `0 0 ${SPARK_W} ${SPARK_H}`);
  svg.setAttribute('aria-hidden', 'true');
  return svg;
}

/** Draws `values` into a sparkline, reusing its line. */
function drawSparkline(svg: SVGSVGElement, values: number[]): void {
  let line = svg.querySelector('polyline');
  if (values.length < 2) {
    line?.remove();
    return;
  }
  const min = Math.min(...values);
  const max = Math.max(...values);
  const span = max - min || 1;
  const points = values
    .map((v, i) => `${((i / (values.length - 1)) * (SPARK_W - 2) + 1).toFixed(1)},${(SPARK_H - 1 - ((v - min) / span) * (SPARK_H - 2)).toFixed(1)}`)
    .join(' ');
  if (!line) {
    line = document.createElementNS(SVG, 'polyline');
    svg.appendChild(line);
  }
  if (line.getAttribute('points') !== points) line.setAttribute('points', points);
}

/** Sets a cell's text when it changed (the cell element stays). */
function setText(cell: HTMLElement, text: string): void {
  if (cell.textContent !== text) cell.textContent = text;
}

/** One row's element and the cells it updates. */
interface RowElement {
  tr: HTMLTableRowElement;
  name: HTMLTableCellElement;
  verdict: HTMLTableCellElement;
  count: HTMLTableCellElement;
  delta: HTMLTableCellElement;
  rate: HTMLTableCellElement;
  bytes: HTMLTableCellElement;
  retained: HTMLTableCellElement;
  trend: SVGSVGElement;
  /** What the name and verdict cells show now (rebuilt only when it changes). */
  nameShown?: string;
  verdictShown?: ShownVerdict;
}

/** The row elements of the table, by row key; `choose` and `open` get the key of the row clicked. */
export class RowElements {
  private readonly byKey = new Map<string, RowElement>();

  constructor(private readonly on: { choose(key: string): void; open(key: string): void }) {}

  /** The element of row `r` (of cause `cause`, for a cause row), made or updated in place. */
  element(r: TableRow, cause: Cause | undefined): HTMLTableRowElement {
    const row = this.byKey.get(r.key) ?? this.make(r.key);
    const { tr } = row;
    const className = `row-${r.kind} verdict-${r.verdict}`;
    if (tr.className !== className) tr.className = className;
    tr.setAttribute('aria-level', r.kind === 'kept' ? '2' : '1');
    setData(tr, 'type', r.type);
    setData(tr, 'cause', r.causeId);
    const holderIcon = cause ? HOLDER_ICON[cause.holder.kind] ?? 'link' : '';
    const name = shorten(r.name, r.kind === 'cause' ? 200 : 80);
    if (row.nameShown !== `${holderIcon}\n${name}`) {
      clear(row.name);
      if (holderIcon) row.name.append(icon(holderIcon), ' ');
      row.name.append(name);
      row.nameShown = `${holderIcon}\n${name}`;
    }
    const title = shorten(r.title, 2000);
    if (row.name.title !== title) row.name.title = title;
    if (row.verdictShown !== r.verdict) {
      clear(row.verdict);
      row.verdict.append(verdictBadge(r.verdict));
      row.verdictShown = r.verdict;
    }
    setText(row.count, formatCount(r.count));
    setText(row.delta, formatDelta(r.delta));
    setText(row.rate, formatGrowth(r.rate));
    setText(row.bytes, formatBytes(r.bytes));
    setText(row.retained, r.retained === undefined ? '–' : formatBytes(r.retained));
    drawSparkline(row.trend, r.trend);
    return tr;
  }

  /** Forgets the rows not in `keep` (their elements are out of the table). */
  keepOnly(keep: ReadonlySet<string>): void {
    for (const key of this.byKey.keys()) if (!keep.has(key)) this.byKey.delete(key);
  }

  private make(key: string): RowElement {
    const cell = (cls: string) => el('td', { class: cls });
    const trend = sparkline();
    const row: RowElement = {
      tr: el('tr', { attrs: { 'aria-selected': 'false', tabindex: -1 }, on: { click: () => this.on.choose(key), dblclick: () => this.on.open(key) } }),
      name: cell('col-name name'),
      verdict: cell('col-verdict'),
      count: cell('col-count num'),
      delta: cell('col-delta num'),
      rate: cell('col-rate num'),
      bytes: cell('col-bytes num'),
      retained: cell('col-retained num'),
      trend,
    };
    row.tr.dataset.key = key;
    row.tr.append(row.name, row.verdict, row.count, row.delta, row.rate, row.bytes, row.retained, el('td', { class: 'col-trend trend' }, trend));
    this.byKey.set(key, row);
    return row;
  }
}

function setData(node: HTMLElement, name: string, value: string | undefined): void {
  if (value === undefined) delete node.dataset[name];
  else if (node.dataset[name] !== value) node.dataset[name] = value;
}
