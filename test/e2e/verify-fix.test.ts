// Verify a fix in the real VS Code: watch a program leaking, flip the switch that fixes it, restart
// from the debug toolbar, and the panel follows the restarted program and compares it with the run
// before: the cause is fixed, both runs' series on one chart.
import * as assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { closePalette, repoRoot, runCommand, screenshot, screenshotIfFailed, startVSCode, watchFromPalette, webviewFrame, type VSCodeSession } from './vscode';

/** The line of the fixture that adds to the Map of sessions. */
const addingLine = readFileSync(join(repoRoot, 'test/fixtures/fixable-leak.js'), 'utf8').split('\n').findIndex((l) => l.includes('// leak-watch: adds Session')) + 1;

/** Waits until the status bar's Problems item shows a warning count that `ok` accepts. */
async function untilProblems(page: Page, ok: (warnings: number) => boolean, timeoutMs = 60_000): Promise<void> {
  const item = page.locator('[id="status.problems"]');
  const deadline = Date.now() + timeoutMs;
  let text = '';
  for (;;) {
    text = (await item.innerText().catch(() => '')).trim();
    const counts = text.match(/\d+/g)?.map(Number) ?? [];
    if (counts.length >= 2 && ok(counts[1])) return;
    if (Date.now() > deadline) throw new Error(`the Problems status item reads "${text}"`);
    await page.waitForTimeout(500);
  }
}

describe('Verify a fix: restart from the debug toolbar, and the panel says fixed', function () {
  this.timeout(420_000);
  let vscode: VSCodeSession;
  let folder: string;
  const programName = 'fixable-leak.js';

  before(async () => {
    folder = mkdtempSync(join(tmpdir(), 'leak-watch-e2e-verify-'));
    copyFileSync(join(repoRoot, 'test/fixtures/fixable-leak.js'), join(folder, programName));
    // The switch the fixture reads at start: empty, it leaks; "fixed", it deletes each session.
    writeFileSync(join(folder, 'switch.txt'), '');
    mkdirSync(join(folder, '.vscode'));
    writeFileSync(
      join(folder, '.vscode/launch.json'),
      JSON.stringify({
        version: '0.2.0',
        configurations: [{
          type: 'node', request: 'launch', name: 'fixable leak', program: `\${workspaceFolder}/${programName}`,
          env: { LEAK_SWITCH_FILE: '${workspaceFolder}/switch.txt' }, skipFiles: ['<node_internals>/**'],
        }],
      }),
    );
    vscode = await startVSCode({
      folder,
      openFile: programName,
      settings: {
        'leakWatch.interval': 1,
        'leakWatch.allocationSites': false,
        'debug.openDebug': 'neverOpen',
        'debug.internalConsoleOptions': 'neverOpen',
      },
    });
  });

  afterEach(function () {
    return screenshotIfFailed(this, vscode);
  });

  after(async () => {
    await vscode?.close();
    if (folder) rmSync(folder, { recursive: true, force: true });
  });

  it('follows the restarted program in the same panel, says fixed for the Map cause, and charts both runs', async () => {
    const { page } = vscode;
    let frame = await watchFromPalette(page, programName, 'Session');
    await frame.locator('#types-table tbody tr[data-type="Session"] [data-verdict="leak"]').waitFor({ timeout: 150_000 });
    // No earlier run of this program: nothing to compare with yet.
    assert.equal(await frame.locator('#comparison').isHidden(), true, 'no comparison before a restart');
    // The leak's Problems entry (the line that adds to the Map).
    await untilProblems(page, (warnings) => warnings >= 1);
    await screenshot(page, 'verify-fix-leaking');

    // The fix, then the debug toolbar's Restart.
    writeFileSync(join(folder, 'switch.txt'), 'fixed\n');
    await page.locator('.debug-toolbar .action-label.codicon-debug-restart').click();

    frame = webviewFrame(page);
    const fixed = frame.locator('#comparison li.change[data-verdict="fixed"]', { hasText: 'sessions' });
    await fixed.waitFor({ timeout: 180_000 });
    assert.equal(await fixed.locator('.change-title').innerText(), 'Session kept by the Map sessions');
    assert.equal(await fixed.locator('button.link').innerText(), `fixable-leak.js:${addingLine}`);
    assert.match(await fixed.locator('.badge').innerText(), /fixed/);
    assert.match(await fixed.locator('.evidence').innerText(), /Baseline: .*grew about [\d,]+\/min/);
    assert.match(await frame.locator('#comparison-statement').innerText(), /^1 cause: 1 fixed, 0 still leaking, 0 new\.$/);
    assert.match(await frame.locator('#comparison-baseline').innerText(), /^Baseline: the run before the restart/);
    // The panel watches the restarted program: a live watch, with the old run's table gone.
    assert.match(await frame.locator('#status-text').innerText(), /^Watching · \d+ samples?/);
    assert.equal(await frame.locator('#types-table tbody tr[data-type="Session"] [data-verdict="leak"]').count(), 0, 'no Session leak in the fixed run');
    assert.equal(await page.locator('.tabs-container .tab', { hasText: 'Leak Watch' }).count(), 1, 'one panel: the one that followed');
    // The fixed cause's Problems entry (and hover) went with the program before the restart.
    await untilProblems(page, (warnings) => warnings === 0);

    // Both runs on one chart: the baseline's Session series (faded) and the fixed run's.
    const legend = frame.locator('#comparison-chart .u-legend .u-series:not(.u-off) .u-label');
    assert.deepEqual((await legend.allInnerTexts()).slice(1), ['before: Session', 'after: Session']);
    await frame.locator('#comparison').scrollIntoViewIfNeeded();
    // Away from the debug toolbar, whose Restart tooltip would cover the editor.
    await page.mouse.move(600, 600);
    await page.locator('.monaco-hover, .workbench-hover', { hasText: 'Restart' }).waitFor({ state: 'hidden', timeout: 5_000 }).catch(() => undefined);
    await screenshot(page, 'verify-fix-fixed');

    // The run before was kept: Leak Watch: Watches… lists it, its program, samples and cause.
    await runCommand(page, 'Leak Watch: Watches…');
    const kept = page.locator('.quick-input-list .monaco-list-row', { hasText: 'fixable leak (pid' }).first();
    await kept.waitFor({ timeout: 15_000 });
    const keptText = await kept.innerText();
    assert.match(keptText, /fixable-leak\.js · .* · \d+ samples/);
    assert.match(keptText, /1 cause: Session kept by the Map sessions/);
    await closePalette(page);
  });
});
