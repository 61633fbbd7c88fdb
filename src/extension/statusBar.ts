// The status bar item while a watch runs: samples, heap, last pause; a click focuses the panel.
import * as vscode from 'vscode';
import { formatBytes, formatMs } from '../display/format';
import type { SessionWatch } from './sessionWatch';

export class WatchStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('leakWatch.status', vscode.StatusBarAlignment.Left, 50);
  private watch: SessionWatch | undefined;
  private subscription: vscode.Disposable | undefined;

  constructor() {
    this.item.name = 'Leak Watch';
    this.item.command = 'leakWatch.showPanel';
  }

  /** Shows `watch` (the most recently started live watch), or hides the item. */
  show(watch: SessionWatch | undefined): void {
    this.subscription?.dispose();
    this.watch = watch;
    if (!watch) {
      this.item.hide();
      return;
    }
    this.subscription = watch.onDidChange(() => this.update());
    this.update();
    this.item.show();
  }

  get text(): string {
    return this.item.text;
  }

  private update(): void {
    const watch = this.watch;
    if (!watch) return;
    const status = watch.status;
    const heap = watch.lastHeapUsage;
    const parts = [`${status.samples} sample${status.samples === 1 ? '' : 's'}`];
    if (heap) parts.push(formatBytes(heap.used));
    if (status.lastPauseMs !== undefined) parts.push(`paused ${formatMs(status.lastPauseMs)}`);
    const icon = watch.live ? '$(pulse)' : '$(debug-stop)';
    this.item.text = `${icon} Leak Watch: ${parts.join(' · ')}`;
    const tip = new vscode.MarkdownString(undefined, true);
    tip.appendText(`Leak Watch — ${status.target}\n\n`);
    tip.appendText(`${status.samples} heap snapshot(s)`);
    if (heap) tip.appendText(`, heap ${formatBytes(heap.used)} of ${formatBytes(heap.total)}`);
    if (status.lastPauseMs !== undefined) tip.appendText(`, last pause ${formatMs(status.lastPauseMs)}`);
    tip.appendText('.\n\nClick to show the panel.');
    this.item.tooltip = tip;
    this.item.accessibilityInformation = { label: `Leak Watch: ${parts.join(', ')}. Show the panel.` };
  }

  dispose(): void {
    this.subscription?.dispose();
    this.item.dispose();
  }
}
