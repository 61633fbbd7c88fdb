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
    tip.appendText('.');
    const plan = status.schedule;
    if (watch.live && plan?.nextAt !== undefined) {
      const inS = Math.max(0, Math.round((plan.nextAt - Date.now()) / 1000));
      const boosted = plan.boostedUntil !== undefined && plan.boostedUntil > Date.now() ? ` (raised for ${Math.round((plan.boostedUntil - Date.now()) / 1000)} s more)` : '';
      tip.appendText(` Next ${plan.nextKind ?? 'snapshot'} in about ${inS} s; pause budget ${Math.round(100 * plan.budget)} %${boosted}.`);
    }
    tip.appendMarkdown('\n\n[$(graph-line) Show the panel](command:leakWatch.showPanel)');
    if (watch.live) {
      // For this watch (its session), whichever panel is in front.
      const args = watch.session ? `?${encodeURIComponent(JSON.stringify([watch.session.id]))}` : '';
      tip.appendMarkdown(` · [$(device-camera) Take a snapshot now](command:leakWatch.sampleNow${args})`);
      if (status.faster) tip.appendMarkdown(` · [$(rocket) Sample faster for a minute (budget ${Math.round(100 * status.faster.budget)} %)](command:leakWatch.boostBudget${args})`);
    }
    tip.isTrusted = { enabledCommands: ['leakWatch.showPanel', 'leakWatch.sampleNow', 'leakWatch.boostBudget'] };
    this.item.tooltip = tip;
    this.item.accessibilityInformation = { label: `Leak Watch: ${parts.join(', ')}. Show the panel.` };
  }

  dispose(): void {
    this.subscription?.dispose();
    this.item.dispose();
  }
}
