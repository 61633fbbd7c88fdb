// The Leak Watch panel in the real workbench: start debugging from the UI, run "Leak Watch: Start
// Leak Watch" from the palette, and check the panel beside the editor: live heap figure, samples,
// the types table with verdict badges; screenshots under test-results/.
import * as assert from 'node:assert/strict';
import { examplesWorkspace, hoverCursorLine, runCommand, screenshot, startVSCode, waitForTitle, webviewFrame, type VSCodeSession } from './vscode';

describe('Leak Watch panel beside the editor', function () {
  this.timeout(240_000);
  let vscode: VSCodeSession;

  before(async () => {
    vscode = await startVSCode({
      folder: examplesWorkspace(),
      openFile: 'leaky-server.js',
      settings: { 'leakWatch.interval': 3, 'debug.toolBarLocation': 'floating', 'debug.openDebug': 'neverOpen', 'debug.internalConsoleOptions': 'neverOpen' },
    });
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && vscode) await screenshot(vscode.page, `failed-${this.currentTest.title}`).catch(() => undefined);
  });

  after(async () => {
    await vscode?.close();
  });

  it('starts debugging leaky-server.js from the UI (Debug: Start Debugging)', async () => {
    const { page } = vscode;
    await page.locator('.tabs-container .tab', { hasText: 'leaky-server.js' }).waitFor({ timeout: 30_000 });
    await runCommand(page, 'Debug: Start Debugging');
    try {
      await page.locator('.debug-toolbar').waitFor({ state: 'visible', timeout: 60_000 });
    } finally {
      await screenshot(page, 'debugging-started');
    }
  });

  it('"Leak Watch: Start Leak Watch" opens the panel beside the editor with a live heap figure', async () => {
    const { page } = vscode;
    await runCommand(page, 'Leak Watch: Start Leak Watch');
    const panelTab = page.locator('.tabs-container .tab', { hasText: 'Leak Watch' });
    await panelTab.waitFor({ state: 'visible', timeout: 30_000 });
    // Beside the editor: two editor groups, the source in one and the panel in the other.
    const groups = page.locator('.editor-group-container');
    assert.ok((await groups.count()) >= 2, 'the panel opened in a second editor group');
    const panelGroup = groups.filter({ has: page.locator('.tab', { hasText: 'Leak Watch' }) });
    const sourceGroup = groups.filter({ hasNot: page.locator('.tab', { hasText: 'Leak Watch' }) }).filter({ has: page.locator('.tab', { hasText: 'leaky-server.js' }) });
    assert.equal(await panelGroup.count(), 1);
    assert.equal(await sourceGroup.count(), 1);
    const panelBox = (await panelGroup.boundingBox())!;
    const sourceBox = (await sourceGroup.boundingBox())!;
    assert.ok(panelBox.x > sourceBox.x, 'the panel is to the right of the editor');

    const frame = webviewFrame(page);
    const figure = frame.locator('#heap-used');
    await figure.filter({ hasText: /\d+(\.\d+)?\s(kB|MB|GB)/ }).waitFor({ timeout: 30_000 });
    const first = await figure.innerText();
    assert.match(first, /^\d+(\.\d+)?\s(kB|MB|GB)$/);
    assert.match(await frame.locator('#status-text').innerText(), /Watching/);
    await screenshot(page, 'panel-live-heap');
    // It is live: the figure's time moves on.
    const detail = await frame.locator('#heap-detail').innerText();
    await frame.locator('#heap-detail').filter({ hasNotText: detail }).waitFor({ timeout: 15_000 });
  });

  it('shows samples, the growth chart and the types table with verdict badges', async () => {
    const { page } = vscode;
    const frame = webviewFrame(page);
    await frame.locator('#types-table tbody tr').first().waitFor({ timeout: 120_000 });
    await frame.locator('#status-text').filter({ hasText: /[2-9]\d* samples|\d{2,} samples/ }).waitFor({ timeout: 120_000 });
    const rows = await frame.locator('#types-table tbody tr').count();
    assert.ok(rows > 5, `the table lists types (${rows})`);
    // Every row carries its verdict as text, not colour only ("too early" until a verdict can be told).
    const badges = await frame.locator('#types-table tbody tr .badge').allInnerTexts();
    assert.ok(badges.every((b) => /^\s*(leak|suspect|ok|too early)\s*$/.test(b)), badges.slice(0, 5).join(','));
    assert.equal(await frame.locator('#growth-chart .uplot').count(), 1, 'the growth chart is drawn');
    assert.equal(await frame.locator('#save').isEnabled(), true, 'a snapshot can be saved once one is taken');
    await screenshot(page, 'panel-types');
  });

  it('the types table is keyboard navigable and filterable', async () => {
    const { page } = vscode;
    const frame = webviewFrame(page);
    await frame.locator('#types-table tbody tr').first().press('ArrowDown');
    const focused = frame.locator('#types-table tbody tr:focus');
    assert.equal(await focused.count(), 1, 'a row has focus after ArrowDown');
    const key = (await focused.getAttribute('data-key'))!;
    assert.equal(await frame.locator('#types-table tbody tr').nth(1).getAttribute('data-key'), key, 'ArrowDown moved to the second row');
    await focused.press('Enter');
    assert.equal(await frame.locator('#types-table tbody tr[aria-selected=true]').getAttribute('data-key'), key);
    await frame.locator('#details-heading').waitFor({ timeout: 10_000 });
    await frame.locator('#types-filter').fill('Session');
    const names = await frame.locator('#types-table tbody tr td.name').allInnerTexts();
    assert.ok(names.length >= 1 && names.every((n) => n.toLowerCase().includes('session')), names.join(','));
    await screenshot(page, 'panel-filtered');
    await frame.locator('#types-filter').fill('');
  });

  it('a type the report did not explain is explained when selected (the panel asks the host, the reply answers it)', async () => {
    const { page } = vscode;
    const frame = webviewFrame(page);
    const okRow = frame.locator('#types-table tbody tr', { has: frame.locator('[data-verdict=ok]') }).first();
    await okRow.waitFor({ timeout: 120_000 });
    const name = (await okRow.getAttribute('data-type'))!;
    await okRow.click();
    await frame.locator('#details-heading').waitFor({ timeout: 10_000 });
    // Its retainer paths, or the host's word why there are none, replace "Looking for retainers…".
    await frame.locator('p.hint', { hasText: 'Looking for retainers' }).waitFor({ state: 'detached', timeout: 60_000 });
    const clusters = await frame.locator('ul.paths li.cluster').count();
    const why = await frame.locator('p.hint', { hasText: /No objects|has stopped|No retainer/ }).count();
    assert.ok(clusters > 0 || why > 0, `${name} was explained (${clusters} clusters)`);
    await screenshot(page, 'panel-explained-on-request');
  });

  it('a leak gets a leak badge; clicking it shows where its objects are made, and that moves the editor to the line', async () => {
    const { page } = vscode;
    const frame = webviewFrame(page);
    const leakRow = frame.locator('#types-table tbody tr', { has: frame.locator('[data-verdict=leak]') }).first();
    await leakRow.waitFor({ timeout: 180_000 });
    // The table sorts leaks first.
    assert.equal(await frame.locator('#types-table tbody tr').first().locator('[data-verdict=leak]').count(), 1, 'a leak is at the top');
    const name = (await leakRow.getAttribute('data-type')) ?? (await leakRow.getAttribute('data-cause'))!;
    await frame.locator('#types-title').scrollIntoViewIfNeeded();
    await screenshot(page, 'panel-leak-badge');
    await leakRow.click();
    await frame.locator('#details-heading').waitFor({ timeout: 10_000 });
    // Allocation sites are in the report once the type is explained; the click opens the first.
    const site = frame.locator('ul.sites button.link').first();
    await site.waitFor({ timeout: 60_000 });
    await site.click();
    const cursor = page.locator('.statusbar-item', { hasText: /Ln \d+, Col \d+/ }).first();
    await page.locator('.monaco-editor.focused').first().waitFor({ timeout: 15_000 });
    const position = await cursor.innerText();
    assert.ok(!/Ln 1, Col 1\b/.test(position), `the editor moved to the allocation line (${position}, type ${name})`);
    await screenshot(page, 'panel-allocation-site');
  });

  it('hovering a blamed line shows the Leak Watch hint', async () => {
    const { page } = vscode;
    const frame = webviewFrame(page);
    // The cause card's "Added at" button moves the editor to the line that adds to the holder.
    const suspectSite = frame.locator('#cause-added button.link').first();
    await suspectSite.waitFor({ timeout: 60_000 });
    const label = await suspectSite.innerText();
    await suspectSite.click();
    const shown = await hoverCursorLine(page, 'Leak Watch');
    if (!shown) await screenshot(page, 'hover-hint');
    assert.ok(shown, `hovering the line of ${label} shows a Leak Watch hover`);
    const text = await page.locator('.monaco-hover', { hasText: 'Leak Watch' }).first().innerText();
    await page.locator('.monaco-hover', { hasText: 'Fix:' }).first().waitFor({ state: 'visible', timeout: 2_000 }).catch(() => undefined);
    await screenshot(page, 'hover-hint');
    assert.match(text, /keeps[\s\S]*alive/);
    assert.match(text, /Fix:/);
  });

  // code-server's page reload does not bring webview panels back through their serializer, so the
  // extension opens the panel again itself when a running watch's results are saved (restorePanel
  // handles VS Code desktop, which does restore them).
  it('after a window reload the panel comes back beside the editor with the earlier results, marked as ended by the reload', async () => {
    const { page } = vscode;
    let frame = webviewFrame(page);
    await frame.locator('#status-text').filter({ hasText: /^Watching/ }).waitFor({ timeout: 10_000 });
    const leakType = (await frame.locator('#types-table tbody tr[data-type]', { has: frame.locator('[data-verdict=leak]') }).first().getAttribute('data-type'))!;
    const samplesBefore = Number(/(\d+) samples?/.exec(await frame.locator('#status-text').innerText())![1]);
    await page.reload({ waitUntil: 'domcontentloaded' });
    await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
    await waitForTitle(page, /Extension Development Host/, 60_000);

    const panelTab = page.locator('.tabs-container .tab', { hasText: 'Leak Watch' });
    await panelTab.first().waitFor({ state: 'visible', timeout: 60_000 });
    frame = webviewFrame(page);
    await frame.locator('#status-text').filter({ hasText: /^Session ended · \d+ samples?/ }).waitFor({ timeout: 60_000 });
    const status = await frame.locator('#status-text').innerText();
    const samplesAfter = Number(/(\d+) samples?/.exec(status)![1]);
    assert.ok(samplesAfter >= Math.max(1, samplesBefore - 1), `the samples are kept: ${samplesBefore} before the reload, "${status}" after`);
    assert.match(await frame.locator('#message').innerText(), /^Ended by the window reload; the \d+ samples? taken before it are kept\./);
    assert.ok((await frame.locator('#types-table tbody tr').count()) > 5, 'the types are still listed');
    assert.ok((await frame.locator(`#types-table tbody tr[data-type="${leakType}"] [data-verdict=leak]`).count()) >= 1, `${leakType} is still a leak`);
    assert.match(await frame.locator('#heap-used').innerText(), /^\d+(\.\d+)?\s(kB|MB|GB)$/);
    assert.equal(await frame.locator('#heap-chart .uplot').count(), 1, 'the heap line is drawn');
    assert.equal(await frame.locator('#stop').isDisabled(), true, 'nothing to stop');
    assert.equal(await frame.locator('#save').isDisabled(), true, 'no snapshot to save after a reload');
    // Once, beside the editor.
    assert.equal(await panelTab.count(), 1, 'one Leak Watch panel');
    const groups = page.locator('.editor-group-container');
    const panelGroup = groups.filter({ has: page.locator('.tab', { hasText: 'Leak Watch' }) });
    const sourceGroup = groups.filter({ hasNot: page.locator('.tab', { hasText: 'Leak Watch' }) }).filter({ has: page.locator('.tab', { hasText: 'leaky-server.js' }) });
    assert.ok((await panelGroup.boundingBox())!.x > (await sourceGroup.boundingBox())!.x, 'the panel is to the right of the editor');
    await screenshot(page, 'panel-after-reload');
  });

  it('"Leak Watch: Show Panel" shows the saved results again after the panel is closed', async () => {
    const { page } = vscode;
    const panelTab = page.locator('.tabs-container .tab', { hasText: 'Leak Watch' });
    await panelTab.locator('.codicon-close, .tab-actions .action-label').first().click();
    await panelTab.waitFor({ state: 'detached', timeout: 15_000 });
    await runCommand(page, 'Leak Watch: Show Panel');
    await panelTab.waitFor({ state: 'visible', timeout: 30_000 });
    const frame = webviewFrame(page);
    await frame.locator('#status-text').filter({ hasText: /^Session ended · \d+ samples?/ }).waitFor({ timeout: 30_000 });
    assert.match(await frame.locator('#message').innerText(), /window reload/);
    assert.ok((await frame.locator('#types-table tbody tr').count()) > 5, 'the types are listed');
    await screenshot(page, 'panel-shown-after-reload');
  });
});
