// Saved heap snapshots opened from the Explorer in the real workbench: four snapshots of a leaking
// program (taken by the CLI from a real Node process) give the panel with the leak; a truncated file
// gives an error notification naming it. Screenshots under test-results/.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { repoRoot, runCommand, screenshot, startVSCode, webviewFrame, type VSCodeSession } from './vscode';

/** Right-clicks the Explorer row of `name` (after selecting what the caller selected) and runs `item` from its menu. */
async function explorerMenu(page: Page, name: string, item: string): Promise<void> {
  await page.locator('.explorer-folders-view .monaco-list-row', { hasText: name }).click({ button: 'right' });
  const entry = page.locator('.monaco-menu .action-item', { hasText: item }).first();
  await entry.waitFor({ state: 'visible', timeout: 10_000 });
  // A click right after the menu opens can be taken for the end of the right-click and ignored:
  // hover first, click, and if the menu is still open, run the focused item with Enter.
  await entry.hover();
  await page.waitForTimeout(300);
  await entry.click();
  const menu = page.locator('.context-view.monaco-menu-container');
  if (!(await menu.waitFor({ state: 'hidden', timeout: 2_000 }).then(() => true, () => false))) {
    await page.keyboard.press('Enter');
    await menu.waitFor({ state: 'hidden', timeout: 5_000 });
  }
}

describe('heap snapshot files opened from the Explorer', function () {
  this.timeout(240_000);
  let vscode: VSCodeSession;
  let folder = '';
  let files: string[] = [];

  before(async () => {
    folder = mkdtempSync(join(tmpdir(), 'leak-watch-files-'));
    execFileSync(
      process.execPath,
      [join(repoRoot, 'dist/cli.js'), 'run', '--samples', '4', '--interval', '1', '--no-allocation-sites', '--save-snapshots', folder, '-q', '--', join(repoRoot, 'test/fixtures/leak-map-cache.js')],
      { stdio: 'ignore', timeout: 120_000 },
    );
    files = readdirSync(folder).filter((f) => f.endsWith('.heapsnapshot')).sort();
    assert.equal(files.length, 4);
    const first = readFileSync(join(folder, files[0]));
    writeFileSync(join(folder, 'broken.heapsnapshot'), first.subarray(0, first.length >> 1));
    vscode = await startVSCode({ folder, settings: { 'workbench.startupEditor': 'none' } });
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && vscode) await screenshot(vscode.page, `failed-${this.currentTest.title}`).catch(() => undefined);
  });

  after(async () => {
    await vscode?.close();
    if (folder) rmSync(folder, { recursive: true, force: true });
  });

  it('selecting four snapshots and "Open Heap Snapshots…" shows the leaking type in the panel', async () => {
    const { page } = vscode;
    const row = (name: string) => page.locator('.explorer-folders-view .monaco-list-row', { hasText: name });
    await row(files[0]).waitFor({ timeout: 60_000 });
    // Ctrl+click adds a row to the selection without opening it (a plain click opens js-debug's viewer).
    for (const f of files) await row(f).click({ modifiers: ['Control'] });
    // Right after the window loads the development extension may not have contributed its menu yet.
    const deadline = Date.now() + 60_000;
    for (;;) {
      try {
        await explorerMenu(page, files[3], 'Open Heap Snapshots…');
        break;
      } catch (error) {
        await page.keyboard.press('Escape');
        if (Date.now() > deadline) throw error;
        await page.waitForTimeout(2000);
      }
    }
    await page.locator('.tabs-container .tab', { hasText: 'Leak Watch' }).waitFor({ timeout: 60_000 });
    const frame = webviewFrame(page);
    const session = frame.locator('#types-table tbody tr', { hasText: 'Session' }).first();
    await session.waitFor({ timeout: 60_000 });
    assert.match(await session.innerText(), /leak/i);
    assert.match(await frame.locator('#status-text').innerText(), /^Heap snapshot files · 4 snapshots$/);
    assert.ok(!(await frame.locator('#stop').isVisible()) && !(await frame.locator('#save').isVisible()), 'no Stop or Save for files');
    await screenshot(page, 'panel-opened-snapshots');
  });

  it('a truncated file gives an error notification naming it, and the panel keeps its results', async () => {
    const { page } = vscode;
    await explorerMenu(page, 'broken.heapsnapshot', 'Open Heap Snapshots…');
    // The error shows as a toast, or (when the workbench holds toasts back) in the notification centre.
    const toast = page.locator('.notification-toast, .notifications-center', { hasText: 'broken.heapsnapshot' }).first();
    try {
      await toast.waitFor({ state: 'visible', timeout: 15_000 });
    } catch {
      await runCommand(page, 'Notifications: Show Notifications');
      await toast.waitFor({ state: 'visible', timeout: 15_000 });
    }
    assert.match(await toast.innerText(), /could not open the heap snapshot: .*broken\.heapsnapshot/);
    await screenshot(page, 'open-snapshot-error');
    const frame = webviewFrame(page);
    assert.ok((await frame.locator('#types-table tbody tr', { hasText: 'Session' }).count()) > 0, 'the earlier results are still shown');
  });
});
