// The Leak Watch panel, host side: one webview per watch, opened beside the active editor, under a
// strict CSP with a nonce. Everything the webview sends is validated (parseFromWebview) before use.
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import type { Leak } from '../core/report';
import { answer } from '../core/requests';
import { FromWebviewType, ToWebviewType, parseFromWebview, refusedRequestId, type FromWebview, type PanelMethods, type ToWebview } from '../protocol';
import { panelTitle } from '../display/format';
import type { OpenTarget } from './navigation';
import type { SessionWatch } from './sessionWatch';

export const PANEL_VIEW_TYPE = 'leakWatch.panel';

/** What the panel asks of the rest of the extension. */
export interface PanelActions {
  openSource(watch: SessionWatch, target: OpenTarget, panel: LeakWatchPanel, preserveFocus: boolean): Promise<void>;
  stop(watch: SessionWatch): Promise<void>;
  saveSnapshot(watch: SessionWatch): Promise<void>;
  /** A heap snapshot now, whatever the pause budget says. */
  sampleNow(watch: SessionWatch): Promise<void>;
  /** A higher pause budget for a while. */
  sampleFaster(watch: SessionWatch): Promise<void>;
  explain(watch: SessionWatch, typeName: string, isolate?: string): Promise<{ leak?: Leak; message?: string }>;
  /** Asks which kept watch to compare `watch` with. */
  pickBaseline(watch: SessionWatch): Promise<void>;
}

/** Scripts on; only the extension's dist/ and media/ may be loaded. */
function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewOptions {
  return {
    enableScripts: true,
    localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist'), vscode.Uri.joinPath(extensionUri, 'media')],
  };
}

export class LeakWatchPanel implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[] = [];
  private readonly disposeEmitter = new vscode.EventEmitter<void>();
  readonly onDidDispose = this.disposeEmitter.event;
  private disposed = false;
  /** Messages the webview refused or that failed validation (for tests and diagnostics). */
  rejectedMessages = 0;
  /** Set once the webview's script has said it is ready. */
  ready = false;
  private readonly readyEmitter = new vscode.EventEmitter<void>();
  /** What the webview may ask. */
  private readonly methods: PanelMethods = { explain: (typeName, isolate) => this.actions.explain(this.watch, typeName, isolate) };
  /** The listeners to the watch shown (it changes when the panel follows a restarted program). */
  private watchListeners: vscode.Disposable[] = [];

  static create(extensionUri: vscode.Uri, watch: SessionWatch, actions: PanelActions, chartedTypes: number): LeakWatchPanel {
    const panel = vscode.window.createWebviewPanel(
      PANEL_VIEW_TYPE,
      panelTitle(watch.attachment.description),
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
      { ...webviewOptions(extensionUri), retainContextWhenHidden: true, enableFindWidget: true },
    );
    return new LeakWatchPanel(panel, extensionUri, watch, actions, chartedTypes);
  }

  /** Takes over a panel VS Code restored after a window reload (see the serializer in extension.ts). */
  static revive(webviewPanel: vscode.WebviewPanel, extensionUri: vscode.Uri, watch: SessionWatch, actions: PanelActions, chartedTypes: number): LeakWatchPanel {
    webviewPanel.webview.options = webviewOptions(extensionUri);
    return new LeakWatchPanel(webviewPanel, extensionUri, watch, actions, chartedTypes);
  }

  private constructor(
    readonly webviewPanel: vscode.WebviewPanel,
    private readonly extensionUri: vscode.Uri,
    private shown: SessionWatch,
    private readonly actions: PanelActions,
    private readonly chartedTypes: number,
  ) {
    webviewPanel.iconPath = vscode.Uri.joinPath(extensionUri, 'media', 'panel-icon.svg');
    webviewPanel.webview.html = this.html();
    this.disposables.push(
      webviewPanel.onDidDispose(() => this.dispose()),
      webviewPanel.webview.onDidReceiveMessage((message: unknown) => void this.receive(message)),
      this.readyEmitter,
    );
    this.listenTo(shown);
  }

  /** The watch the panel shows. */
  get watch(): SessionWatch {
    return this.shown;
  }

  /** Shows another watch from now on (the restarted program's, compared with the one shown so far). */
  follow(watch: SessionWatch): void {
    if (this.disposed || watch === this.shown) return;
    this.shown = watch;
    this.listenTo(watch);
    if (this.ready) this.sendState();
  }

  private listenTo(watch: SessionWatch): void {
    for (const d of this.watchListeners.splice(0)) d.dispose();
    this.webviewPanel.title = panelTitle(watch.attachment.description);
    this.watchListeners.push(
      watch.onHeapUsage((point) => this.post({ type: ToWebviewType.HeapUsage, point })),
      watch.onDidChange((change) => {
        if (change === 'status') this.post({ type: ToWebviewType.Status, status: watch.status });
        else if (change === 'report' && watch.report) this.post({ type: ToWebviewType.Report, report: watch.report });
        else if (change === 'comparison') this.post({ type: ToWebviewType.Comparison, comparison: watch.comparison });
      }),
    );
  }

  /** Resolves once the webview has loaded its script and asked for the state. */
  whenReady(): Promise<void> {
    if (this.ready) return Promise.resolve();
    return new Promise((resolve) => {
      const d = this.readyEmitter.event(() => {
        d.dispose();
        resolve();
      });
    });
  }

  /** True once the panel is closed. */
  get closed(): boolean {
    return this.disposed;
  }

  get visible(): boolean {
    return !this.disposed && this.webviewPanel.visible;
  }

  /** Brings the panel to the front without taking focus from the editor (unless asked). */
  reveal(preserveFocus = true): void {
    if (!this.disposed) this.webviewPanel.reveal(this.webviewPanel.viewColumn, preserveFocus);
  }

  /** Selects a type in the panel and shows its retainer paths. */
  revealType(typeName: string): void {
    this.reveal(false);
    this.post({ type: ToWebviewType.Reveal, typeName });
  }

  /** Selects a cause in the panel and shows its card. */
  revealCause(causeId: string): void {
    this.reveal(false);
    this.post({ type: ToWebviewType.Reveal, causeId });
  }

  post(message: ToWebview): void {
    if (this.disposed) return;
    void this.webviewPanel.webview.postMessage(message);
  }

  private sendState(): void {
    this.post({
      type: ToWebviewType.State,
      status: this.watch.status,
      heapUsage: this.watch.heapUsage,
      report: this.watch.report,
      chartedTypes: this.chartedTypes,
      comparison: this.watch.comparison,
    });
  }

  private async receive(raw: unknown): Promise<void> {
    const message = parseFromWebview(raw);
    if (!message) {
      this.rejectedMessages++;
      const id = refusedRequestId(raw);
      if (id !== undefined) this.post({ type: 'reply', id, ok: false, error: 'the panel\'s request was refused' });
      return;
    }
    try {
      await this.handle(message);
    } catch (error) {
      void vscode.window.showErrorMessage(`Leak Watch: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  /** Acts on one validated message from the webview (exposed for tests of the validation seam). */
  async handle(message: FromWebview): Promise<void> {
    switch (message.type) {
      case FromWebviewType.Ready:
        this.ready = true;
        this.sendState();
        this.readyEmitter.fire();
        return;
      case FromWebviewType.Stop:
        return this.actions.stop(this.watch);
      case FromWebviewType.SaveSnapshot:
        return this.actions.saveSnapshot(this.watch);
      case FromWebviewType.SampleNow:
        return this.actions.sampleNow(this.watch);
      case FromWebviewType.SampleFaster:
        return this.actions.sampleFaster(this.watch);
      case FromWebviewType.PickBaseline:
        return this.actions.pickBaseline(this.watch);
      case FromWebviewType.OpenSource:
        return this.actions.openSource(this.watch, { position: message.position }, this, message.preserveFocus === true);
      case FromWebviewType.OpenCause:
        return this.actions.openSource(this.watch, { causeId: message.causeId }, this, message.preserveFocus === true);
      case FromWebviewType.OpenType:
        return this.actions.openSource(this.watch, { typeName: message.typeName }, this, message.preserveFocus === true);
      case 'request':
        return answer(this.methods, message, (reply) => this.post(reply));
    }
  }

  private html(): string {
    const webview = this.webviewPanel.webview;
    const nonce = randomBytes(18).toString('base64');
    const asset = (...path: string[]) => webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, ...path)).toString();
    const csp = [
      "default-src 'none'",
      `script-src 'nonce-${nonce}'`,
      `style-src ${webview.cspSource} 'nonce-${nonce}'`,
      `font-src ${webview.cspSource}`,
      `img-src ${webview.cspSource} data:`,
    ].join('; ');
    return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" nonce="${nonce}" href="${asset('dist', 'codicon.css')}">
<link rel="stylesheet" nonce="${nonce}" href="${asset('dist', 'webview.css')}">
<link rel="stylesheet" nonce="${nonce}" href="${asset('media', 'panel.css')}">
<title>Leak Watch</title>
</head>
<body>
<script nonce="${nonce}" src="${asset('dist', 'webview.js')}"></script>
</body>
</html>`;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.webviewPanel.dispose();
    for (const d of [...this.watchListeners.splice(0), ...this.disposables.splice(0)]) d.dispose();
    this.disposeEmitter.fire();
    this.disposeEmitter.dispose();
  }
}
