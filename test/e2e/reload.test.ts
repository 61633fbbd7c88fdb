// A window reload while watching, where VS Code restores the editors (and with them the webview
// panel, through the extension's WebviewPanelSerializer). The workbench restores editors only when
// the window opens no files of its own or `window.restoreWindows` is "preserve" (its
// shouldRestoreEditors); these tests open a file through the URL, so the setting is on here. The
// other case, editors not restored, is in panel.test.ts: the extension opens the panel again itself.
// Both paths end in the same panel; what this guards is that they do not race into two panels. (A
// log in restorePanel showed it is the serializer that brings the panel back here, with the webview
// state the workbench last flushed, which may predate the reload by up to a minute: so the test does
// not rely on webview state.)
import * as assert from 'node:assert/strict';
import { namedProgramFolder, screenshot, screenshotIfFailed, startVSCode, waitForTitle, watchFromPalette, webviewFrame, type VSCodeSession } from './vscode';

describe('Window reload while watching, editors restored: the panel is revived by its serializer', function () {
  this.timeout(240_000);
  let vscode: VSCodeSession;
  const programName = 'records.js';

  before(async () => {
    const folder = namedProgramFolder('leak-watch-e2e-reload-', programName, 'ReloadRecord');
    vscode = await startVSCode({
      folder,
      openFile: programName,
      settings: {
        'window.restoreWindows': 'preserve',
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
  });

  it('comes back once, with the earlier samples and types, marked as ended by the reload', async () => {
    const { page } = vscode;
    let frame = await watchFromPalette(page, programName, 'ReloadRecord');
    // The editor layout is saved with the workspace state, which the workbench flushes on its own schedule.
    await page.waitForTimeout(2_000);

    await page.reload({ waitUntil: 'domcontentloaded' });
    await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
    await waitForTitle(page, /Extension Development Host/, 60_000);
    const panelTab = page.locator('.tabs-container .tab', { hasText: 'Leak Watch' });
    await panelTab.first().waitFor({ state: 'visible', timeout: 60_000 });
    await panelTab.first().click();
    frame = webviewFrame(page);
    await frame.locator('#status-text').filter({ hasText: /^Session ended · \d+ samples?/ }).waitFor({ timeout: 60_000 });
    assert.match(await frame.locator('#message').innerText(), /^Ended by the window reload; the \d+ samples? taken before it are kept\./);
    assert.equal(await frame.locator('#types-table tbody tr[data-type="ReloadRecord"]').count(), 1, 'ReloadRecord is still listed');
    assert.match(await frame.locator('#heap-used').innerText(), /^\d+(\.\d+)? (kB|MB|GB)$/);
    // Give a second panel (the extension's own reopening) time to appear if it were going to.
    await page.waitForTimeout(3_000);
    assert.equal(await panelTab.count(), 1, 'one Leak Watch panel: the revived one');
    await screenshot(page, 'reload-panel-revived');
  });
});
