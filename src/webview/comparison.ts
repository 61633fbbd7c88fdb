// The comparison with an earlier run of the program: per cause (and per type), fixed / still leaking
// (how much slower or faster) / new, with the evidence, and the selected one's before and after
// series on one chart, the earlier run faded. All text from the reports goes in as text (dom.ts).
import uPlot from 'uplot';
import type { CauseChange, ChangeVerdict, RunSeries, TypeChange } from '../core/compare/comparison';
import type { PanelComparison } from '../protocol';
import type { SourcePosition } from '../core/report';
import { palette, themeColor } from './charts';
import { clear, el, icon, shorten } from './dom';
import { baseName, formatCount } from '../display/format';

export interface ComparisonEvents {
  /** Compare with another saved watch. */
  pickBaseline(): void;
  /** Open a line of the program (a cause's adding line). */
  open(position: SourcePosition): void;
}

const VERDICT_ICON: Record<ChangeVerdict, string> = { fixed: 'pass', 'still-leaking': 'flame', new: 'diff-added' };
const VERDICT_WORDS: Record<ChangeVerdict, string> = { fixed: 'fixed', 'still-leaking': 'still leaking', new: 'new' };

/** A verdict of the comparison as a badge: icon and words, so that meaning is not carried by colour alone. */
function changeBadge(change: CauseChange | TypeChange): HTMLElement {
  const rate = change.rate && change.rate.change !== 'same' && change.rate.ratio
    ? ` · ${(change.rate.change === 'slower' ? 1 / change.rate.ratio : change.rate.ratio).toFixed(1)}× ${change.rate.change}`
    : '';
  return el('span', { class: `badge badge-${change.verdict}`, attrs: { 'data-verdict': change.verdict } }, icon(VERDICT_ICON[change.verdict]), `${VERDICT_WORDS[change.verdict]}${rate}`);
}

/** One row: a cause or a type, its verdict and its evidence. */
interface Row {
  key: string;
  title: string;
  change: CauseChange | TypeChange;
}

export class ComparisonView {
  private readonly baselineText = el('span', { class: 'muted', attrs: { id: 'comparison-baseline' } });
  private readonly statement = el('p', { attrs: { id: 'comparison-statement' } });
  private readonly list = el('ul', { class: 'changes', attrs: { id: 'comparison-changes', role: 'listbox', 'aria-label': 'Causes and types compared' } });
  private readonly chartTitle = el('p', { class: 'hint', attrs: { id: 'comparison-chart-title' } });
  private readonly chartBox = el('div', { class: 'chart', attrs: { id: 'comparison-chart', role: 'img', 'aria-label': 'Count of the selected cause\'s type in the earlier run (faded) and in this run, seconds from each run\'s first sample' } });
  private readonly notes = el('ul', { class: 'hint notes', attrs: { id: 'comparison-notes' } });
  private plot: uPlot | undefined;
  private rows: Row[] = [];
  private selected: string | undefined;
  private current: PanelComparison | undefined;

  constructor(private readonly section: HTMLElement, private readonly events: ComparisonEvents) {
    section.hidden = true;
    section.append(
      el('h2', { attrs: { id: 'comparison-title' } }, icon('git-compare'), ' Compared with an earlier run'),
      el('div', { class: 'toolbar' },
        this.baselineText,
        el('span', { class: 'spacer' }),
        el('button', {
          class: 'secondary',
          attrs: { type: 'button', id: 'compare-with', title: 'Compare this watch with another saved watch' },
          on: { click: () => events.pickBaseline() },
        }, icon('history'), ' Compare with…')),
      this.statement,
      this.list,
      this.chartTitle,
      this.chartBox,
      this.notes,
    );
    new ResizeObserver(() => this.plot?.setSize({ width: Math.max(160, this.chartBox.clientWidth || 480), height: 180 })).observe(this.chartBox);
  }

  /** Shows a comparison, or hides the section when there is none. */
  show(comparison: PanelComparison | undefined): void {
    this.current = comparison;
    this.section.hidden = !comparison;
    if (!comparison) {
      this.destroyChart();
      return;
    }
    const c = comparison.comparison;
    this.baselineText.textContent = `Baseline: ${shorten(comparison.baseline, 160)}`;
    this.baselineText.title = comparison.baseline;
    this.statement.textContent = c.statement;
    this.statement.className = `statement outcome-${c.outcome}`;
    // Causes speak for the types they keep; types are listed when no cause names them.
    const kept = new Set(c.causes.flatMap((x) => [x.before, x.after].flatMap((cause) => cause?.kept.map((k) => k.type) ?? [])));
    this.rows = [
      ...c.causes.map((x) => ({ key: `cause:${x.id}`, title: x.title, change: x })),
      ...c.types.filter((t) => !kept.has(t.name)).map((t) => ({ key: `type:${t.name}`, title: t.name, change: t })),
    ];
    if (!this.rows.some((r) => r.key === this.selected)) this.selected = this.rows[0]?.key;
    this.renderList();
    clear(this.notes);
    for (const note of c.notes) this.notes.append(el('li', {}, note));
    this.renderChart();
  }

  /** Draws the chart again in the current theme's colours. */
  retheme(): void {
    this.destroyChart();
    this.renderChart();
  }

  private select(key: string): void {
    this.selected = key;
    this.renderList();
    this.renderChart();
  }

  private renderList(): void {
    clear(this.list);
    for (const row of this.rows) {
      const selected = row.key === this.selected;
      const item = el('li', {
        class: `change change-${row.change.verdict}`,
        attrs: { role: 'option', tabindex: selected ? 0 : -1, 'aria-selected': String(selected), 'data-verdict': row.change.verdict, 'data-key': row.key },
        on: {
          click: () => this.select(row.key),
          keydown: (e) => this.key(e, row.key),
        },
      },
        el('div', { class: 'change-head' }, changeBadge(row.change), el('span', { class: 'change-title', title: row.title }, shorten(row.title, 200)), this.addingLine(row.change)),
        el('ul', { class: 'evidence', attrs: { 'aria-label': 'Evidence' } }, ...row.change.evidence.map((e) => el('li', {}, shorten(e, 600)))));
      this.list.append(item);
    }
  }

  /** The line that adds to a cause's holder (the after run's, else the baseline's), as a link to it. */
  private addingLine(change: CauseChange | TypeChange): HTMLElement | null {
    const at = 'id' in change ? (change.after ?? change.before)?.addedAt : undefined;
    if (!at) return null;
    const label = `${baseName(at.file)}:${at.line}`;
    return el('button', {
      class: 'link',
      attrs: { type: 'button', title: `Open ${at.file}:${at.line}`, 'aria-label': `Open the line that adds to it, ${label}` },
      on: {
        click: (e) => {
          e.stopPropagation();
          this.events.open({ file: at.file, line: at.line, column: at.column });
        },
      },
    }, label);
  }

  private key(e: KeyboardEvent, key: string): void {
    const at = this.rows.findIndex((r) => r.key === key);
    const next = e.key === 'ArrowDown' ? at + 1 : e.key === 'ArrowUp' ? at - 1 : -1;
    if (next < 0 || next >= this.rows.length) return;
    e.preventDefault();
    this.select(this.rows[next].key);
    (this.list.querySelector(`li[data-key="${CSS.escape(this.rows[next].key)}"]`) as HTMLElement | null)?.focus();
  }

  private destroyChart(): void {
    this.plot?.destroy();
    this.plot = undefined;
  }

  private renderChart(): void {
    this.destroyChart();
    const row = this.rows.find((r) => r.key === this.selected);
    const { before, after } = row?.change.series ?? {};
    if (!row || (!before && !after)) {
      this.chartTitle.textContent = this.current?.comparison.outcome === 'compared' ? 'No series to chart.' : '';
      return;
    }
    const type = (after ?? before)!.type;
    this.chartTitle.textContent = `${type}: objects alive at each sample, seconds from each run's first sample`;
    const xs = [...new Set([...(before?.seconds ?? []), ...(after?.seconds ?? [])])].sort((a, b) => a - b);
    const aligned = (s: RunSeries | undefined) => {
      const at = new Map(s?.seconds.map((x, i) => [x, s.counts[i]]) ?? []);
      return xs.map((x) => at.get(x) ?? null);
    };
    const fg = themeColor('--vscode-charts-foreground', '#ccc');
    const lines = themeColor('--vscode-charts-lines', 'rgba(128,128,128,0.3)');
    const colour = palette()[1];
    const faded = /^#[0-9a-f]{6}$/i.test(colour) ? `${colour}66` : themeColor('--vscode-descriptionForeground', '#888');
    const axis = (values: uPlot.Axis['values']): uPlot.Axis => ({
      stroke: fg, grid: { stroke: lines, width: 1 }, ticks: { stroke: lines, width: 1 }, font: '11px var(--vscode-font-family, sans-serif)', values,
    });
    const value = (_u: uPlot, v: number | null) => (v == null ? '–' : formatCount(v));
    const label = (run: string, s: RunSeries | undefined) => `${run}: ${shorten(s?.type ?? type, 50)}`;
    this.plot = new uPlot(
      {
        width: Math.max(160, this.chartBox.clientWidth || 480),
        height: 180,
        cursor: { drag: { x: false, y: false } },
        legend: { show: true, live: true },
        scales: { x: { time: false } },
        axes: [axis((_u, splits) => splits.map((v) => `${formatCount(v)} s`)), { ...axis((_u, splits) => splits.map((v) => formatCount(v))), size: 70 }],
        series: [
          { label: 'seconds', value: (_u, v) => (v == null ? '–' : `${formatCount(v)} s`) },
          { label: label('before', before), stroke: faded, width: 2, dash: [6, 4], spanGaps: true, points: { show: true, size: 4, stroke: faded, fill: faded }, value, show: !!before },
          { label: label('after', after), stroke: colour, width: 2, spanGaps: true, points: { show: true, size: 5 }, value, show: !!after },
        ],
      },
      [xs, aligned(before), aligned(after)] as uPlot.AlignedData,
      this.chartBox,
    );
  }
}
