// The panel's charts (uPlot, bundled by esbuild), themed from VS Code's --vscode-* colours.
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { HeapPoint } from '../protocol';
import type { Report, TypeSeries } from '../core/report';
import { formatByteTicks, formatBytes, formatCount, formatTime } from '../display/format';
import { chartedTypeNames, growthValues, type GrowthScale } from './growthSeries';
import { thinMarks } from './snapshotMarks';

/** Reads a theme colour; VS Code sets these on <html> and updates them when the theme changes. */
export function themeColor(name: string, fallback: string): string {
  const value = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  return value || fallback;
}

/** Series colours from the theme's chart palette. */
export function palette(): string[] {
  return [
    themeColor('--vscode-charts-red', '#f14c4c'),
    themeColor('--vscode-charts-blue', '#3794ff'),
    themeColor('--vscode-charts-yellow', '#cca700'),
    themeColor('--vscode-charts-green', '#89d185'),
    themeColor('--vscode-charts-purple', '#b180d7'),
    themeColor('--vscode-charts-orange', '#d18616'),
  ];
}

function axis(stroke: string, grid: string, values?: uPlot.Axis['values']): uPlot.Axis {
  return {
    stroke,
    grid: { stroke: grid, width: 1 },
    ticks: { stroke: grid, width: 1 },
    font: '11px var(--vscode-font-family, sans-serif)',
    ...(values ? { values } : {}),
  };
}

/** Steps of the time axis, in seconds: whole seconds at least, as its labels show. */
const TIME_STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400, 28800, 86400];

/** The time axis: clock times (hh:mm:ss, as the heap figure), one row, far enough apart not to touch. */
function timeAxis(stroke: string, grid: string): uPlot.Axis {
  return { ...axis(stroke, grid, (_u, splits) => splits.map((v) => formatTime(v * 1000))), space: 64, size: 32, incrs: TIME_STEPS };
}

/**
 * A time axis that stays sensible with a single point: uPlot widens a one-point time axis to
 * 86,400 of its units (in seconds, that is 1,000 days), so one point gets a minute around it.
 */
const timeScale: uPlot.Scale = {
  time: true,
  range: (u, min, max) => {
    const xs = u.data?.[0];
    const only = xs && xs.length > 0 && xs[0] === xs[xs.length - 1] ? xs[0] : min === max ? min : undefined;
    return only !== undefined && only !== null ? [only - 30, only + 30] : [min, max];
  },
};

function widthOf(container: HTMLElement): number {
  return Math.max(160, Math.floor(container.clientWidth || 480));
}

/** Snapshot marks: ticks this tall under the plot, at least this far apart. */
const MARK_HEIGHT = 7;
const MARK_GAP = 6;

/** Heap used / total over time, with the snapshot moments marked on the time axis. */
export class HeapChart {
  private plot: uPlot | undefined;
  private points: HeapPoint[] = [];
  private sampleTimes: number[] = [];

  constructor(private readonly container: HTMLElement) {
    new ResizeObserver(() => this.plot?.setSize({ width: widthOf(container), height: 160 })).observe(container);
  }

  setPoints(points: HeapPoint[]): void {
    this.points = points.slice();
    this.render();
  }

  addPoint(point: HeapPoint): void {
    this.points.push(point);
    if (this.points.length > 3600) this.points.splice(0, this.points.length - 3600);
    this.render();
  }

  setSampleTimes(times: number[]): void {
    this.sampleTimes = times.slice();
    this.plot?.redraw(false, false);
  }

  /** Draws again in the current theme's colours. */
  retheme(): void {
    this.plot?.destroy();
    this.plot = undefined;
    this.render();
  }

  private data(): uPlot.AlignedData {
    return [
      this.points.map((p) => p.time / 1000),
      this.points.map((p) => p.used),
      this.points.map((p) => p.total),
    ];
  }

  private render(): void {
    if (this.points.length === 0) return;
    if (this.plot) {
      this.plot.setData(this.data());
      return;
    }
    const fg = themeColor('--vscode-charts-foreground', '#ccc');
    const lines = themeColor('--vscode-charts-lines', 'rgba(128,128,128,0.3)');
    const blue = palette()[1];
    const marker = themeColor('--vscode-charts-yellow', '#cca700');
    const bytesAxis: uPlot.Axis['values'] = (_u, splits) => formatByteTicks(splits);
    this.plot = new uPlot(
      {
        width: widthOf(this.container),
        height: 160,
        cursor: { drag: { x: false, y: false } },
        legend: { show: true },
        scales: { x: timeScale },
        axes: [timeAxis(fg, lines), { ...axis(fg, lines, bytesAxis), size: 70, space: 20 }],
        series: [
          {},
          { label: 'used', stroke: blue, width: 2, fill: /^#[0-9a-f]{6}$/i.test(blue) ? `${blue}22` : undefined, value: (_u, v) => (v == null ? '–' : formatBytes(v)) },
          { label: 'total', stroke: lines, width: 1, dash: [4, 4], value: (_u, v) => (v == null ? '–' : formatBytes(v)) },
        ],
        hooks: {
          draw: [
            (u) => {
              // Snapshot moments: a short tick each, up from the time axis, thinned when dense.
              const ratio = devicePixelRatio || 1;
              const xs = this.sampleTimes.map((t) => Math.round(u.valToPos(t / 1000, 'x', true)));
              const bottom = u.bbox.top + u.bbox.height;
              const ctx = u.ctx;
              ctx.save();
              ctx.strokeStyle = marker;
              ctx.lineWidth = 2 * ratio;
              ctx.beginPath();
              for (const x of thinMarks(xs, u.bbox.left, u.bbox.left + u.bbox.width, MARK_GAP * ratio)) {
                ctx.moveTo(x, bottom);
                ctx.lineTo(x, bottom - MARK_HEIGHT * ratio);
              }
              ctx.stroke();
              ctx.restore();
            },
          ],
        },
      },
      this.data(),
      this.container,
    );
  }
}

export type GrowthMetric = 'count' | 'bytes';

export type { GrowthScale } from './growthSeries';

/** Options of the growth chart. */
export interface GrowthOptions {
  metric: GrowthMetric;
  scale: GrowthScale;
  /** Log scale (absolute values only: a change can be zero or negative). */
  log: boolean;
  /** How many types it charts. */
  top: number;
}

/** Count or bytes per sample of the causes' types (change since the first sample, or absolute); legend entries toggle series. */
export class GrowthChart {
  private plot: uPlot | undefined;
  private key = '';
  private options: GrowthOptions = { metric: 'count', scale: 'change', log: false, top: 5 };
  private report: Report | undefined;

  constructor(private readonly container: HTMLElement) {
    new ResizeObserver(() => this.plot?.setSize({ width: widthOf(container), height: 200 })).observe(container);
  }

  setOptions(options: GrowthOptions): void {
    const changed = (Object.keys(options) as (keyof GrowthOptions)[]).some((k) => options[k] !== this.options[k]);
    this.options = { ...options };
    if (changed) {
      this.key = '';
      this.render();
    }
  }

  setReport(report: Report): void {
    this.report = report;
    this.render();
  }

  /** Draws again in the current theme's colours. */
  retheme(): void {
    this.plot?.destroy();
    this.plot = undefined;
    this.key = '';
    this.render();
  }

  /** The types charted: the causes' types (each cause's first), else the report's first types; the order the legend reads. */
  static chartedTypes(report: Report, top: number): TypeSeries[] {
    return chartedTypeNames(report, top).map((name) => report.types.find((t) => t.name === name)!);
  }

  private render(): void {
    const report = this.report;
    if (!report || report.samples.length === 0) return;
    const { metric, scale, top } = this.options;
    const log = this.options.log && scale === 'absolute';
    const types = GrowthChart.chartedTypes(report, top);
    const n = report.samples.length;
    const x = report.samples.map((s) => s.time / 1000);
    const ys = types.map((t) =>
      growthValues(metric === 'count' ? t.counts : t.bytes, n, scale).map((v) => (v == null ? null : log ? Math.max(v, 1) : v)),
    );
    const data = [x, ...ys] as uPlot.AlignedData;
    // What it shows, in words (screen readers, and the tests that read the chart).
    const measure = metric === 'count' ? 'count' : 'bytes';
    const what = scale === 'change' ? `Change in ${measure} since the first sample` : `${measure === 'count' ? 'Count' : 'Bytes'} per sample${log ? ', log scale' : ''}`;
    this.container.setAttribute('aria-label', `${what}: ${types.map((t) => t.name).join(', ')}`);
    const key = `${metric}|${scale}|${log}|${types.map((t) => t.name).join('\u0000')}`;
    if (this.plot && key === this.key) {
      this.plot.setData(data);
      return;
    }
    this.plot?.destroy();
    this.key = key;
    const fg = themeColor('--vscode-charts-foreground', '#ccc');
    const lines = themeColor('--vscode-charts-lines', 'rgba(128,128,128,0.3)');
    const colours = palette();
    const signed = (text: string, v: number) => (scale === 'change' && v > 0 ? `+${text}` : text);
    const fmt = (v: number) => signed(metric === 'count' ? formatCount(v) : formatBytes(v), v);
    this.plot = new uPlot(
      {
        width: widthOf(this.container),
        height: 200,
        cursor: { drag: { x: false, y: false } },
        legend: { show: true, live: true },
        scales: { x: timeScale, y: log ? { distr: 3, log: 10 } : {} },
        axes: [timeAxis(fg, lines), { ...axis(fg, lines, (_u, splits) => (metric === 'bytes' ? formatByteTicks(splits) : splits.map((v) => formatCount(v)))), size: 70 }],
        series: [
          {},
          ...types.map((t, i) => ({
            label: t.name.length > 60 ? `${t.name.slice(0, 59)}…` : t.name,
            stroke: colours[i % colours.length],
            width: 2,
            points: { show: true, size: 5 },
            dash: i >= colours.length ? [6, 3] : undefined,
            value: (_u: uPlot, v: number | null) => (v == null ? '–' : fmt(v)),
          })),
        ],
      },
      data,
      this.container,
    );
  }
}
