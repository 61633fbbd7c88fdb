// The Leak Watch panel (browser code). Talks to the extension host only through src/protocol.ts;
// renders everything from the debuggee with textContent (see dom.ts).
import { FromWebviewType, ToWebviewType, type ExplainedType, type FromWebview, type HeapPoint, type PanelMethods, type ToWebview, type WatchStatus } from '../protocol';
import type { Leak, Report } from '../core/report';
import { Requester } from '../core/requests';
import { GrowthChart, HeapChart, type GrowthMetric } from './charts';
import { Details } from './details';
import { el, icon } from './dom';
import { formatBytes, formatTime } from './format';
import { TypesTable } from './typesTable';

interface VsCodeApi {
  postMessage(message: FromWebview): void;
  getState(): PersistedState | undefined;
  setState(state: PersistedState): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

/** What survives the webview being rebuilt (UI choices only; the data comes from the host). */
interface PersistedState {
  selected?: string;
  metric?: GrowthMetric;
  log?: boolean;
}

const vscode = acquireVsCodeApi();
/** The host's answers to what the panel asks (explanations of types the report has not explained). */
const host = new Requester<PanelMethods>((request) => vscode.postMessage(request));
const persisted: PersistedState = vscode.getState() ?? {};
// Having state marks the panel as one VS Code should bring back after a window reload.
vscode.setState(persisted);

let report: Report | undefined;
let chartedTypes = 5;
const explained = new Map<string, ExplainedType>();

// ---- layout ------------------------------------------------------------------------------------
const statusIcon = icon('loading', 'codicon-modifier-spin');
const statusText = el('span', { attrs: { id: 'status-text' } }, 'Connecting…');
const targetText = el('span', { class: 'target', attrs: { id: 'target' } });
const stopButton = el('button', {
  attrs: { type: 'button', id: 'stop', 'aria-label': 'Stop Leak Watch' },
  on: { click: () => vscode.postMessage({ type: FromWebviewType.Stop }) },
}, icon('debug-stop'), ' Stop');
const saveButton = el('button', {
  class: 'secondary',
  attrs: { type: 'button', id: 'save', 'aria-label': 'Save the latest heap snapshot' },
  on: { click: () => vscode.postMessage({ type: FromWebviewType.SaveSnapshot }) },
}, icon('save'), ' Save Snapshot');
const message = el('div', { class: 'message', attrs: { id: 'message', role: 'status', 'aria-live': 'polite', hidden: true } });

const heapFigure = el('span', { class: 'figure', attrs: { id: 'heap-used', 'aria-live': 'off' } }, '–');
const heapDetail = el('span', { class: 'muted', attrs: { id: 'heap-detail' } });
const heapChartBox = el('div', { class: 'chart', attrs: { id: 'heap-chart', 'aria-label': 'Heap used over time; dotted lines mark snapshots', role: 'img' } });

const metricButtons = (['count', 'bytes'] as GrowthMetric[]).map((metric) =>
  el('button', {
    class: 'toggle',
    attrs: { type: 'button', 'data-metric': metric, 'aria-pressed': String((persisted.metric ?? 'count') === metric) },
    on: { click: () => setGrowthOptions(metric, persisted.log ?? false) },
  }, metric === 'count' ? 'Count' : 'Bytes'),
);
const logBox = el('input', {
  attrs: { type: 'checkbox', id: 'log-scale', checked: persisted.log ?? false },
  on: { change: () => setGrowthOptions(persisted.metric ?? 'count', logBox.checked) },
});
const growthChartBox = el('div', { class: 'chart', attrs: { id: 'growth-chart', role: 'img', 'aria-label': 'Count or bytes per sample of the top growing types' } });
const growthEmpty = el('p', { class: 'hint', attrs: { id: 'growth-empty' } }, 'The first heap snapshot is on its way…');
const tableBox = el('div', { attrs: { id: 'types' } });
const detailsBox = el('div', { class: 'details', attrs: { id: 'details', 'aria-labelledby': 'details-heading' } });

document.body.append(
  el('header', { class: 'bar' },
    el('span', { class: 'status', attrs: { id: 'status' } }, statusIcon, ' ', statusText),
    targetText,
    el('span', { class: 'spacer' }),
    saveButton,
    stopButton),
  message,
  el('section', { attrs: { 'aria-labelledby': 'heap-title' } },
    el('h2', { attrs: { id: 'heap-title' } }, icon('pulse'), ' Heap'),
    el('div', { class: 'heap-line' }, heapFigure, heapDetail),
    heapChartBox),
  el('section', { attrs: { 'aria-labelledby': 'growth-title' } },
    el('h2', { attrs: { id: 'growth-title' } }, icon('graph-line'), ' Growth by type'),
    el('div', { class: 'toolbar' },
      el('span', { class: 'segmented', attrs: { role: 'group', 'aria-label': 'Measure' } }, ...metricButtons),
      el('label', { attrs: { for: 'log-scale' } }, logBox, ' Log scale')),
    growthEmpty,
    growthChartBox),
  el('section', { attrs: { 'aria-labelledby': 'types-title' } },
    el('h2', { attrs: { id: 'types-title' } }, icon('symbol-class'), ' Types'),
    tableBox),
  el('section', {}, detailsBox),
);

const heapChart = new HeapChart(heapChartBox);
const growthChart = new GrowthChart(growthChartBox);
growthChart.setOptions(persisted.metric ?? 'count', persisted.log ?? false, chartedTypes);
const details = new Details(detailsBox, {
  open: (position) => vscode.postMessage({ type: FromWebviewType.OpenSource, position }),
});
const table = new TypesTable(tableBox, {
  select: (name) => selectType(name),
  open: (name) => {
    selectType(name);
    const site = leakFor(name)?.allocationSites[0];
    if (site) vscode.postMessage({ type: FromWebviewType.OpenSource, position: { file: site.file, line: site.line, column: site.column } });
  },
});

function save(patch: Partial<PersistedState>): void {
  Object.assign(persisted, patch);
  vscode.setState(persisted);
}

function setGrowthOptions(metric: GrowthMetric, log: boolean): void {
  save({ metric, log });
  for (const b of metricButtons) b.setAttribute('aria-pressed', String(b.dataset.metric === metric));
  growthChart.setOptions(metric, log, chartedTypes);
}

function leakFor(name: string): Leak | undefined {
  return report?.leaks.find((l) => l.type === name) ?? explained.get(name)?.leak;
}

function selectType(name: string): void {
  save({ selected: name });
  table.select(name);
  renderDetails();
  const leak = leakFor(name);
  if (!leak && !explained.has(name)) {
    void host.request('explain', name).then(
      (result) => {
        explained.set(name, result);
        if (name === persisted.selected) renderDetails();
      },
      () => undefined,
    );
  }
  // Choosing a growing type with a known site moves the editor there (focus stays in the table).
  if (leak?.allocationSites[0] && leak.verdict !== 'ok') {
    const s = leak.allocationSites[0];
    vscode.postMessage({ type: FromWebviewType.OpenSource, position: { file: s.file, line: s.line, column: s.column }, preserveFocus: true });
  }
}

function renderDetails(): void {
  const name = persisted.selected;
  if (!name || !report) {
    details.showEmpty();
    return;
  }
  const series = report.types.find((t) => t.name === name);
  const known = explained.get(name);
  details.show(series, name, leakFor(name), known?.message ?? (known ? undefined : 'Looking for retainers…'));
}

// ---- state from the host ----------------------------------------------------------------------
const PHASE_ICON: Record<WatchStatus['phase'], string[]> = {
  connecting: ['loading', 'codicon-modifier-spin'],
  watching: ['record'],
  stopped: ['debug-stop'],
  ended: ['debug-disconnect'],
  failed: ['error'],
};
const PHASE_TEXT: Record<WatchStatus['phase'], string> = {
  connecting: 'Connecting…',
  watching: 'Watching',
  stopped: 'Stopped',
  ended: 'Session ended',
  failed: 'Failed',
};

let lastStatus: WatchStatus | undefined;

function setStatus(status: WatchStatus): void {
  lastStatus = status;
  // Heap snapshot files opened in the panel: no program, nothing to stop or save.
  const files = report?.target.kind === 'files';
  stopButton.hidden = files;
  saveButton.hidden = files;
  saveButton.disabled = !status.canSaveSnapshot;
  saveButton.title = status.canSaveSnapshot ? 'Save the latest heap snapshot (DevTools and Open Heap Snapshots… read it)' : 'No heap snapshot to save yet';
  statusIcon.className = `codicon codicon-${files ? 'file' : PHASE_ICON[status.phase].join(' ')}`;
  document.body.dataset.phase = status.phase;
  const pause = status.lastPauseMs !== undefined ? ` · last pause ${Math.round(status.lastPauseMs)} ms` : '';
  statusText.textContent = files
    ? `Heap snapshot files · ${status.samples} snapshot${status.samples === 1 ? '' : 's'}`
    : `${PHASE_TEXT[status.phase]} · ${status.samples} sample${status.samples === 1 ? '' : 's'}${pause}`;
  targetText.textContent = status.target;
  targetText.title = status.target;
  const live = status.phase === 'watching' || status.phase === 'connecting';
  stopButton.disabled = !live;
  if (status.message) {
    message.textContent = status.message;
    message.hidden = false;
    message.className = `message ${status.phase === 'failed' ? 'error' : ''}`;
  } else {
    message.hidden = true;
  }
}

function setHeap(point: HeapPoint): void {
  heapFigure.textContent = formatBytes(point.used);
  heapDetail.textContent = point.total > 0 ? ` used of ${formatBytes(point.total)} · ${formatTime(point.time)}` : ` · ${formatTime(point.time)}`;
}

function setReport(next: Report): void {
  report = next;
  if (lastStatus) setStatus(lastStatus);
  growthEmpty.hidden = next.samples.length > 0;
  growthChart.setReport(next);
  table.setReport(next);
  heapChart.setSampleTimes(next.samples.map((s) => s.time));
  // Leaks in the report supersede earlier ad-hoc explanations.
  for (const leak of next.leaks) explained.delete(leak.type);
  if (persisted.selected) table.select(persisted.selected);
  renderDetails();
}

function handle(msg: ToWebview): void {
  switch (msg.type) {
    case ToWebviewType.State:
      chartedTypes = msg.chartedTypes;
      growthChart.setOptions(persisted.metric ?? 'count', persisted.log ?? false, chartedTypes);
      setStatus(msg.status);
      heapChart.setPoints(msg.heapUsage);
      if (msg.heapUsage.length) setHeap(msg.heapUsage[msg.heapUsage.length - 1]);
      if (msg.report) setReport(msg.report);
      break;
    case ToWebviewType.HeapUsage:
      setHeap(msg.point);
      heapChart.addPoint(msg.point);
      break;
    case ToWebviewType.Report:
      setReport(msg.report);
      break;
    case ToWebviewType.Status:
      setStatus(msg.status);
      break;
    case ToWebviewType.Reveal:
      save({ selected: msg.typeName });
      table.select(msg.typeName, true);
      renderDetails();
      detailsBox.scrollIntoView({ block: 'start' });
      break;
    case 'reply':
      host.settle(msg);
      break;
  }
}

window.addEventListener('message', (event: MessageEvent<ToWebview>) => {
  const msg = event.data;
  if (msg && typeof msg === 'object' && typeof msg.type === 'string') handle(msg);
});

vscode.postMessage({ type: FromWebviewType.Ready });
