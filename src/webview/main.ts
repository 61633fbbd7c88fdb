// The Leak Watch panel (browser code). Talks to the extension host only through src/protocol.ts;
// renders everything from the debuggee with textContent (see dom.ts).
import { FromWebviewType, ToWebviewType, type ExplainedType, type FromWebview, type HeapPoint, type PanelMethods, type ToWebview, type WatchPlan, type WatchStatus } from '../protocol';
import { describeIsolate, isolateView } from '../core/isolateViews';
import type { Cause, Leak, Report } from '../core/report';
import { Requester } from '../core/requests';
import { GrowthChart, HeapChart, themeColor, type GrowthMetric, type GrowthScale } from './charts';
import { causeKeeping } from '../display/causes';
import { ComparisonView } from './comparison';
import { Details } from './details';
import { el, icon } from './dom';
import { formatBytes, formatMs, formatTime, targetLabel } from '../display/format';
import { Headlines } from './headlines';
import { PressHold } from './pressHold';
import { IsolatePicker } from './isolates';
import { TypesTable, type TableView } from './typesTable';

interface VsCodeApi {
  postMessage(message: FromWebview): void;
  getState(): PersistedState | undefined;
  setState(state: PersistedState): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

/** What survives the webview being rebuilt (UI choices only; the data comes from the host). */
interface PersistedState {
  /** The selected type, or cause (by id): one of them. */
  selected?: string;
  cause?: string;
  metric?: GrowthMetric;
  scale?: GrowthScale;
  log?: boolean;
  view?: TableView;
  /** The isolate shown, in a program of several (its key); the report's top-level one when unset. */
  isolate?: string;
}

const vscode = acquireVsCodeApi();
/** The host's answers to what the panel asks (explanations of types the report has not explained). */
const host = new Requester<PanelMethods>((request) => vscode.postMessage(request));
const persisted: PersistedState = vscode.getState() ?? {};
// Having state marks the panel as one VS Code should bring back after a window reload.
vscode.setState(persisted);

/** The report as the host sent it (a program's: every isolate), and the view of the isolate shown. */
let programReport: Report | undefined;
let report: Report | undefined;
/** The host's explanation of a type; `failed` when the ask itself failed (asked again on the next choice). */
type Explanation = ExplainedType & { failed?: boolean };
const explained = new Map<string, Explanation>();
/** Types whose explanation has been asked of the host and not answered yet. */
const asking = new Set<string>();
/** Counts the times the explanations were forgotten (another isolate shown): a late answer to an earlier ask is dropped. */
let explainedEpoch = 0;

// ---- layout ------------------------------------------------------------------------------------
const statusIcon = icon('loading', 'codicon-modifier-spin');
const statusText = el('span', { attrs: { id: 'status-text' } }, 'Connecting…');
const targetText = el('span', { class: 'target', attrs: { id: 'target' } });
const stopButton = el('button', {
  attrs: { type: 'button', id: 'stop', 'aria-label': 'Stop Leak Watch' },
  on: { click: () => vscode.postMessage({ type: FromWebviewType.Stop }) },
}, icon('debug-stop'), ' Stop');
const saveLabel = el('span', {}, 'Save Snapshot');
const saveButton = el('button', {
  class: 'secondary',
  attrs: { type: 'button', id: 'save' },
  on: { click: () => vscode.postMessage({ type: FromWebviewType.SaveSnapshot }) },
}, icon('save'), ' ', saveLabel);
// Trading pause for speed: a snapshot now, or a higher pause budget for a while.
const sampleNowButton = el('button', {
  class: 'secondary icon-only',
  attrs: { type: 'button', id: 'sample-now', title: 'Take a heap snapshot now, whatever the pause budget says', 'aria-label': 'Take a heap snapshot now' },
  on: { click: () => vscode.postMessage({ type: FromWebviewType.SampleNow }) },
}, icon('device-camera'));
const fasterButton = el('button', {
  class: 'secondary icon-only',
  attrs: { type: 'button', id: 'sample-faster', 'aria-label': 'Sample faster for a minute' },
  on: { click: () => vscode.postMessage({ type: FromWebviewType.SampleFaster }) },
}, icon('rocket'));
const message = el('div', { class: 'message', attrs: { id: 'message', role: 'status', 'aria-live': 'polite', hidden: true } });

const heapFigure = el('span', { class: 'figure', attrs: { id: 'heap-used', 'aria-live': 'off' } }, '–');
const heapDetail = el('span', { class: 'muted', attrs: { id: 'heap-detail' } });
const heapChartBox = el('div', { class: 'chart', attrs: { id: 'heap-chart', 'aria-label': 'Heap used over time; ticks on the time axis mark the snapshots', role: 'img' } });

const scaleButtons = (['change', 'absolute'] as GrowthScale[]).map((scale) =>
  el('button', {
    class: 'toggle',
    attrs: {
      type: 'button', 'data-scale': scale, 'aria-pressed': String((persisted.scale ?? 'change') === scale),
      title: scale === 'change' ? 'Change since the first sample (objgraph\'s show_growth)' : 'Absolute values per sample',
    },
    on: { click: () => setGrowthOptions({ scale }) },
  }, scale === 'change' ? 'Change' : 'Absolute'),
);
const metricButtons = (['count', 'bytes'] as GrowthMetric[]).map((metric) =>
  el('button', {
    class: 'toggle',
    attrs: { type: 'button', 'data-metric': metric, 'aria-pressed': String((persisted.metric ?? 'count') === metric) },
    on: { click: () => setGrowthOptions({ metric }) },
  }, metric === 'count' ? 'Count' : 'Bytes'),
);
const logBox = el('input', {
  attrs: { type: 'checkbox', id: 'log-scale', checked: persisted.log ?? false },
  on: { change: () => setGrowthOptions({ log: logBox.checked }) },
});
const logLabel = el('label', { attrs: { for: 'log-scale' } }, logBox, ' Log scale');
const growthChartBox = el('div', { class: 'chart', attrs: { id: 'growth-chart', role: 'img', 'aria-label': 'Change since the first sample, or count or bytes per sample, of the types the causes keep' } });
const headlinesBox = el('section', { attrs: { id: 'causes', 'aria-label': 'Leaks, one line per cause' } });
const isolatesBox = el('section', { attrs: { id: 'isolates', hidden: true } });
const typesTitle = el('span', {}, ' Causes and types');
const heapTitle = el('span', {}, ' Heap');
const growthEmpty = el('p', { class: 'hint', attrs: { id: 'growth-empty' } }, 'The first heap snapshot is on its way…');
const tableBox = el('div', { attrs: { id: 'types' } });
const detailsBox = el('div', { class: 'details', attrs: { id: 'details', 'aria-labelledby': 'details-heading' } });
const comparisonBox = el('section', { class: 'comparison', attrs: { id: 'comparison', 'aria-labelledby': 'comparison-title' } });

const header = el('header', { class: 'bar' },
    el('span', { class: 'status', attrs: { id: 'status' } }, statusIcon, ' ', statusText),
    targetText,
    el('span', { class: 'spacer' }),
    sampleNowButton,
    fasterButton,
    saveButton,
    stopButton);
document.body.append(
  header,
  message,
  isolatesBox,
  comparisonBox,
  headlinesBox,
  el('section', { attrs: { 'aria-labelledby': 'heap-title' } },
    el('h2', { attrs: { id: 'heap-title' } }, icon('pulse'), heapTitle),
    el('div', { class: 'heap-line' }, heapFigure, heapDetail),
    heapChartBox),
  el('section', { attrs: { 'aria-labelledby': 'growth-title' } },
    el('h2', { attrs: { id: 'growth-title' } }, icon('graph-line'), ' Growth by type'),
    el('div', { class: 'toolbar' },
      el('span', { class: 'segmented', attrs: { role: 'group', 'aria-label': 'Scale', id: 'growth-scale' } }, ...scaleButtons),
      el('span', { class: 'segmented', attrs: { role: 'group', 'aria-label': 'Measure' } }, ...metricButtons),
      logLabel),
    growthEmpty,
    growthChartBox),
  el('section', { attrs: { 'aria-labelledby': 'types-title' } },
    el('h2', { attrs: { id: 'types-title' } }, icon('symbol-class'), typesTitle),
    tableBox),
  el('section', {}, detailsBox),
);

// Whatever scrolls into view (a hover's "Show the path" link) lands below the sticky header.
/** The details just brought into view, and until when they are kept there (see the observer below). */
let revealed: { box: HTMLElement; until: number } | undefined;
function revealDetails(): void {
  detailsBox.scrollIntoView({ block: 'start' });
  revealed = { box: detailsBox, until: Date.now() + 3000 };
}
/** Within a few seconds of a reveal, a change of layout (the header, a report) keeps the details below the header. */
function keepRevealed(): void {
  if (revealed && Date.now() < revealed.until && revealed.box.isConnected) revealed.box.scrollIntoView({ block: 'start' });
}
new ResizeObserver(() => {
  document.body.style.setProperty('--sticky-top', `${header.offsetHeight}px`);
  // The header's status line wraps anew each second; when it grows, the browser's scroll anchoring
  // keeps the details where they were, under the taller header: bring them back below it.
  keepRevealed();
}).observe(header);

const heapChart = new HeapChart(heapChartBox);
const comparison = new ComparisonView(comparisonBox, {
  pickBaseline: () => vscode.postMessage({ type: FromWebviewType.PickBaseline }),
  open: (position) => vscode.postMessage({ type: FromWebviewType.OpenSource, position }),
});
const growthChart = new GrowthChart(growthChartBox);
const post = (message: FromWebview) => vscode.postMessage(message);
const details = new Details(detailsBox, {
  open: (position) => post({ type: FromWebviewType.OpenSource, position }),
  openType: (name) => post({ type: FromWebviewType.OpenType, typeName: name }),
  selectCause: (id) => selectCause(id, true),
});
const headlines = new Headlines(headlinesBox, {
  show: (id) => {
    selectCause(id, false);
    revealDetails();
  },
  open: (id) => post({ type: FromWebviewType.OpenCause, causeId: id }),
});
const table = new TypesTable(tableBox, {
  select: (name) => selectType(name),
  selectCause: (id) => selectCause(id, true),
  open: (name) => {
    selectType(name);
    post({ type: FromWebviewType.OpenType, typeName: name });
  },
  openCause: (id) => {
    selectCause(id, false);
    post({ type: FromWebviewType.OpenCause, causeId: id });
  },
  view: (view) => save({ view }),
});
table.setView(persisted.view ?? 'causes');
const isolates = new IsolatePicker(isolatesBox, { select: (key) => selectIsolate(key) });
let chartedTypes = 5;
setGrowthOptions({});

function save(patch: Partial<PersistedState>): void {
  Object.assign(persisted, patch);
  vscode.setState(persisted);
}

/** Applies and keeps the growth chart's options; the log scale is for absolute values only. */
function setGrowthOptions(patch: Pick<Partial<PersistedState>, 'metric' | 'scale' | 'log'>): void {
  save(patch);
  const metric = persisted.metric ?? 'count';
  const scale = persisted.scale ?? 'change';
  for (const b of metricButtons) b.setAttribute('aria-pressed', String(b.dataset.metric === metric));
  for (const b of scaleButtons) b.setAttribute('aria-pressed', String(b.dataset.scale === scale));
  logBox.disabled = scale === 'change';
  logLabel.title = scale === 'change' ? 'A log scale needs absolute values (a change can be zero or negative)' : '';
  growthChart.setOptions({ metric, scale, log: persisted.log ?? false, top: chartedTypes });
}

function leakFor(name: string): Leak | undefined {
  return report?.leaks.find((l) => l.type === name) ?? explained.get(name)?.leak;
}

function causeFor(id: string | undefined): Cause | undefined {
  return id === undefined ? undefined : report?.causes?.find((c) => c.id === id);
}

/** Shows a cause's card; `jump` also puts the editor on the line that adds to its holder (focus stays here). */
function selectCause(id: string, jump: boolean): void {
  save({ cause: id, selected: undefined });
  table.select({ cause: id });
  headlines.select(id);
  renderDetails();
  if (jump && causeFor(id)?.addedAt) post({ type: FromWebviewType.OpenCause, causeId: id, preserveFocus: true });
}

function selectType(name: string): void {
  save({ selected: name, cause: undefined });
  table.select({ type: name });
  headlines.select(undefined);
  // An answer that was an error is asked again when the type is chosen again.
  if (explained.get(name)?.failed) explained.delete(name);
  renderDetails();
  const leak = leakFor(name);
  // Choosing a growing type moves the editor to its `new` (focus stays in the table).
  if (leak && leak.verdict !== 'ok') post({ type: FromWebviewType.OpenType, typeName: name, preserveFocus: true });
}

/**
 * Asks the host to explain a type the report does not (its retainer paths on the latest snapshot),
 * once at a time; the details show "Looking for retainers…" until the answer, or the error, is in.
 */
function askExplain(name: string): void {
  if (asking.has(name) || explained.has(name) || leakFor(name)) return;
  asking.add(name);
  const epoch = explainedEpoch;
  // In a program of several isolates, the one shown (a view's isolate); else the watch's own.
  const isolate = report?.isolates ? report.isolate?.key : undefined;
  void (isolate === undefined ? host.request('explain', name) : host.request('explain', name, isolate)).then(
    (result): Explanation => result,
    (error: unknown): Explanation => ({ message: `Could not look for retainers: ${error instanceof Error ? error.message : String(error)}`, failed: true }),
  ).then((result) => {
    asking.delete(name);
    if (epoch !== explainedEpoch) return;
    explained.set(name, result);
    if (name === persisted.selected) renderDetails();
  });
}

function renderDetails(): void {
  const cause = causeFor(persisted.cause);
  if (cause && report) {
    details.showCause(cause, report.types);
    return;
  }
  const name = persisted.selected;
  if (!name || !report) {
    details.showEmpty();
    return;
  }
  const series = report.types.find((t) => t.name === name);
  const known = explained.get(name);
  // A type the report does not explain (never did, or no longer does: its verdict went back to ok) is asked of the host.
  if (!known && !leakFor(name)) askExplain(name);
  details.show(series, name, leakFor(name), known?.message ?? (known ? undefined : 'Looking for retainers…'), causeKeeping(report, name), !!report.tooEarly);
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

/** The watch's plan in a few words: the next sample and its pause, the expected verdict, the budget. */
function describePlan(plan: WatchPlan, now = Date.now()): string {
  const inS = (at: number) => `${Math.max(0, Math.round((at - now) / 1000))} s`;
  const parts: string[] = [];
  if (plan.nextKind && plan.nextAt !== undefined) parts.push(`next ${plan.nextKind} in ${inS(plan.nextAt)}${plan.nextPauseMs ? ` (~${(plan.nextPauseMs / 1000).toFixed(1)} s pause)` : ''}`);
  if (plan.verdictExpectedAt !== undefined) parts.push(`verdict in ~${inS(plan.verdictExpectedAt)}`);
  parts.push(`paused ${(100 * plan.pausedShare).toFixed(1)} % of ${Math.round(100 * plan.budget)} %`);
  if (plan.boostedUntil !== undefined && plan.boostedUntil > now) parts.push(`budget ${Math.round(100 * plan.budget)} % for ${inS(plan.boostedUntil)} more`);
  return parts.join(' · ');
}

/** The "sample faster" button's words: what it does, or why it cannot. */
function fasterTitle(status: WatchStatus): string {
  const { faster, schedule } = status;
  if (status.phase !== 'watching') return 'Sample faster for a minute (while watching)';
  if (!faster) return 'Sampling faster needs the adaptive pace (leakWatch.interval 0) and a pause budget under 50 %';
  const now = schedule?.budget !== undefined ? ` instead of ${Math.round(100 * schedule.budget)} %` : '';
  return `Sample faster for a minute: pause budget ${Math.round(100 * faster.budget)} %${schedule?.boostedUntil ? '' : now} for ${Math.round(faster.forMs / 1000)} s`;
}

/** The header's line: phase, samples, last pause and the plan. */
function statusLine(status: WatchStatus, files: boolean): string {
  if (files) return `Heap snapshot files · ${status.samples} snapshot${status.samples === 1 ? '' : 's'}`;
  const pause = status.lastPauseMs !== undefined ? ` · last pause ${formatMs(status.lastPauseMs)}` : '';
  const plan = status.schedule ? ` · ${describePlan(status.schedule)}` : '';
  return `${PHASE_TEXT[status.phase]} · ${status.samples} sample${status.samples === 1 ? '' : 's'}${pause}${plan}`;
}

function setStatus(status: WatchStatus): void {
  lastStatus = status;
  // Heap snapshot files opened in the panel: no program, nothing to stop or save.
  const files = report?.target.kind === 'files';
  stopButton.hidden = files;
  saveButton.hidden = files;
  sampleNowButton.hidden = files;
  fasterButton.hidden = files;
  saveButton.disabled = !status.canSaveSnapshot;
  // Once the program is gone, the snapshot to save is the last one it left, not a fresh one.
  const live = status.phase === 'watching' || status.phase === 'connecting';
  const lastSample = report?.samples[report.samples.length - 1];
  saveLabel.textContent = live ? 'Save Snapshot' : 'Save Last Snapshot';
  saveButton.title = !status.canSaveSnapshot
    ? live ? 'No heap snapshot to save yet' : 'No heap snapshot to save'
    : live
      ? 'Save the latest heap snapshot (DevTools and Open Heap Snapshots… read it)'
      : `Save the last heap snapshot the watch took${lastSample ? ` (at ${formatTime(lastSample.time)})` : ''}; the program is no longer watched`;
  saveButton.setAttribute('aria-label', saveButton.title);
  statusIcon.className = `codicon codicon-${files ? 'file' : PHASE_ICON[status.phase].join(' ')}`;
  document.body.dataset.phase = status.phase;
  statusText.textContent = statusLine(status, files);
  targetText.textContent = targetLabel(status.target);
  targetText.title = status.target;
  stopButton.disabled = !live;
  sampleNowButton.disabled = status.phase !== 'watching';
  fasterButton.disabled = status.phase !== 'watching' || !status.faster;
  fasterButton.title = fasterTitle(status);
  if (status.message) {
    message.textContent = status.message;
    message.hidden = false;
    message.className = `message ${status.phase === 'failed' ? 'error' : ''}`;
  } else {
    message.hidden = true;
  }
}

// The plan counts down ("next snapshot in 12 s"): its line is written again every second while it runs.
setInterval(() => {
  if (lastStatus?.schedule && lastStatus.phase === 'watching') statusText.textContent = statusLine(lastStatus, report?.target.kind === 'files');
}, 1000);

function setHeap(point: HeapPoint): void {
  heapFigure.textContent = formatBytes(point.used);
  heapDetail.textContent = point.total > 0 ? ` used of ${formatBytes(point.total)} · ${formatTime(point.time)}` : ` · ${formatTime(point.time)}`;
}

/** Shows the isolate with `key` of a program of several: its samples, causes and types. */
function selectIsolate(key: string): void {
  if (key === (persisted.isolate ?? programReport?.isolate?.key)) return;
  save({ isolate: key, cause: undefined, selected: undefined });
  explained.clear();
  explainedEpoch++;
  if (programReport) setReport(programReport);
}

function setReport(full: Report): void {
  programReport = full;
  if (persisted.isolate !== undefined && !full.isolates?.some((s) => s.isolate.key === persisted.isolate)) save({ isolate: undefined });
  isolates.render(full, persisted.isolate);
  const next = isolateView(full, persisted.isolate);
  report = next;
  typesTitle.textContent = full.isolates && next.isolate ? ` Causes and types · ${describeIsolate(next.isolate)}` : ' Causes and types';
  if (lastStatus) setStatus(lastStatus);
  // A cause no longer found gives way to the first one; with nothing chosen, the first cause's card shows.
  const causes = next.causes ?? [];
  if (persisted.cause !== undefined && !causeFor(persisted.cause)) save({ cause: undefined });
  if (persisted.cause === undefined && persisted.selected === undefined && causes.length) save({ cause: causes[0].id });
  growthEmpty.hidden = next.samples.length > 0;
  headlines.render(next);
  headlines.select(persisted.cause);
  growthChart.setReport(next);
  table.setReport(next);
  // The live heap line is of the program's first isolate (the session's own process).
  heapChart.setSampleTimes(full.samples.map((s) => s.time));
  heapTitle.textContent = full.isolates && full.isolate ? ` Heap · ${describeIsolate(full.isolate)}` : ' Heap';
  // Leaks in the report supersede earlier ad-hoc explanations.
  for (const leak of next.leaks) explained.delete(leak.type);
  if (persisted.cause !== undefined) table.select({ cause: persisted.cause });
  else if (persisted.selected) table.select({ type: persisted.selected });
  renderDetails();
  // A report re-renders what is above the details (and the details themselves, which drops the
  // browser's scroll anchor): just after a reveal, the details stay where the user asked for them.
  keepRevealed();
}

/** Shows the isolate that has the cause `causeId` (or else the type `typeName`) when the one shown has not. */
function revealIsolateOf(causeId: string | undefined, typeName: string | undefined): void {
  const has = (r: Report) => (causeId !== undefined ? !!r.causes?.some((c) => c.id === causeId) : typeName !== undefined && r.types.some((t) => t.name === typeName));
  if (!programReport?.isolates || (report && has(report))) return;
  const section = programReport.isolates.find((s) => has(isolateView(programReport!, s.isolate.key)));
  if (section) selectIsolate(section.isolate.key);
}

function handle(msg: ToWebview): void {
  switch (msg.type) {
    case ToWebviewType.State:
      chartedTypes = msg.chartedTypes;
      setGrowthOptions({});
      setStatus(msg.status);
      heapChart.setPoints(msg.heapUsage);
      if (msg.heapUsage.length) setHeap(msg.heapUsage[msg.heapUsage.length - 1]);
      if (msg.report) setReport(msg.report);
      comparison.show(msg.comparison);
      break;
    case ToWebviewType.Comparison:
      comparison.show(msg.comparison);
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
      // A cause or type of another isolate of the program: show that isolate first.
      revealIsolateOf(msg.causeId, msg.typeName);
      if (msg.causeId !== undefined && causeFor(msg.causeId)) {
        save({ cause: msg.causeId, selected: undefined });
        table.select({ cause: msg.causeId }, true);
        headlines.select(msg.causeId);
      } else if (msg.typeName !== undefined) {
        save({ selected: msg.typeName, cause: undefined });
        table.select({ type: msg.typeName }, true);
        headlines.select(undefined);
      }
      renderDetails();
      revealDetails();
      break;
    case 'reply':
      host.settle(msg);
      break;
  }
}

// A new colour theme (VS Code changes the body's class and the --vscode-* variables on <html>): the
// charts draw again in its colours; the table and text follow through CSS.
const themeKey = () => `${document.body.className}|${themeColor('--vscode-editor-background', '')}|${themeColor('--vscode-charts-red', '')}`;
let drawnTheme = themeKey();
const themeWatch = new MutationObserver(() => {
  if (themeKey() === drawnTheme) return;
  drawnTheme = themeKey();
  heapChart.retheme();
  growthChart.retheme();
  comparison.retheme();
});
themeWatch.observe(document.body, { attributes: true, attributeFilter: ['class'] });
themeWatch.observe(document.documentElement, { attributes: true, attributeFilter: ['style'] });

// A report while a button is down would re-render what is being clicked: it waits for the release.
// Replies settle requests the panel is waiting on, and go through at once.
const hold = new PressHold<ToWebview>(window, handle);
window.addEventListener('message', (event: MessageEvent<ToWebview>) => {
  const msg = event.data;
  if (!msg || typeof msg !== 'object' || typeof msg.type !== 'string') return;
  if (msg.type === 'reply') handle(msg);
  else hold.push(msg);
});

vscode.postMessage({ type: FromWebviewType.Ready });
