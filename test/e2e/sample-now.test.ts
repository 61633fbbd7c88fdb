// Trading pause for speed in the real workbench: the panel's camera button takes a snapshot long
// before the planned one, the palette's "Take a Snapshot Now" too, and the rocket raises the pause
// budget for a minute (the plan says so); a snapshot the program's memory may not take (a 32 MB
// array under `ulimit -d`) is asked about in a modal dialog with the guard's numbers: Skip refuses
// it (the default button: Enter) and the watch ends, Take It Anyway takes it. Screenshots: test-results/sample-now-*.png.
import * as assert from 'node:assert/strict';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FrameLocator, Page } from 'playwright-core';
import { commandTitles, closePalette, debugAndWatch, launchFolder, QUIET_DEBUG, resultsDir, runCommand, screenshot, startVSCode, testProgram, webviewFrame, workbenchHooks, type VSCodeSession } from './vscode';

/** A folder with test/unit/programs/`program` as app.js and its launch configuration (extra fields given). */
const programFolder = (prefix: string, program: string, launch: Record<string, unknown> = {}) => launchFolder(prefix, { 'app.js': testProgram(program) }, 'app.js', launch);

/** The number of samples the panel's status says, once it says one. */
async function samplesShown(frame: FrameLocator): Promise<number> {
  const text = await frame.locator('#status-text').innerText();
  return Number(/ · (\d+) samples?/.exec(text)?.[1] ?? 0);
}

/** Waits until the panel's plan has the next sample at least `minS` seconds away; resolves with how far (s). */
async function farOffPlan(frame: FrameLocator, minS: number, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const text = await frame.locator('#status-text').innerText().catch(() => '');
    const inS = Number(/^Watching · .*next (?:snapshot|census) in (\d+) s/.exec(text)?.[1] ?? -1);
    if (inS >= minS) return inS;
    if (Date.now() > deadline) throw new Error(`the plan never had the next sample ${minS} s away: ${text}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** Waits until the panel shows more than `n` samples; resolves with when. */
async function nextSample(frame: FrameLocator, n: number, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  while ((await samplesShown(frame)) <= n) {
    if (Date.now() > deadline) throw new Error(`no sample after ${n} within ${timeoutMs} ms: ${await frame.locator('#status-text').innerText()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return Date.now();
}

describe('Take a Snapshot Now and Sample Faster in the real workbench', function () {
  this.timeout(300_000);
  let vscode: VSCodeSession | undefined;
  let frame: FrameLocator;
  let folder = '';

  before(async () => {
    folder = programFolder('leak-watch-sample-now-', 'idle.js');
    // One snapshot a minute: the next one is far off, so one that comes in seconds came because it was asked for.
    vscode = await startVSCode({ folder, openFile: 'app.js', settings: { 'leakWatch.interval': 60, ...QUIET_DEBUG } });
    frame = await debugAndWatch(vscode.page, 'app.js');
    await frame.locator('#status-text').filter({ hasText: /^Watching · \d+ samples? / }).waitFor({ timeout: 120_000 });
  });

  workbenchHooks(() => ({ vscode, folder }));

  it('the camera button beside Stop takes a snapshot at once, long before the planned one', async () => {
    const { page } = vscode!;
    const camera = frame.locator('header.bar #sample-now');
    assert.equal(await camera.isEnabled(), true);
    assert.equal(await camera.getAttribute('aria-label'), 'Take a heap snapshot now');
    // Right after a sample the next is a minute off (less the analysis's time on a busy machine).
    const plannedInS = await farOffPlan(frame, 40, 150_000);
    const before = await samplesShown(frame);
    await page.mouse.move(1, 1);
    mkdirSync(resultsDir, { recursive: true });
    await frame.locator('header.bar').screenshot({ path: join(resultsDir, 'sample-now-toolbar.png') });
    const clicked = Date.now();
    await camera.click();
    const arrived = await nextSample(frame, before, plannedInS * 1000);
    assert.ok(arrived - clicked < plannedInS * 1000 - 10_000, `the sample came ${arrived - clicked} ms after the click; planned in ${plannedInS} s`);
  });

  it('"Leak Watch: Take a Snapshot Now" in the palette, listed while a watch runs, does the same', async () => {
    const { page } = vscode!;
    const titles = await commandTitles(page, 'Leak Watch:', /^Leak Watch: Take a Snapshot Now$/);
    assert.ok(titles.includes('Leak Watch: Sample Faster for a Minute'), titles.join(', '));
    await closePalette(page);
    const plannedInS = await farOffPlan(frame, 40, 150_000);
    const before = await samplesShown(frame);
    const asked = Date.now();
    await runCommand(page, 'Leak Watch: Take a Snapshot Now');
    const arrived = await nextSample(frame, before, plannedInS * 1000);
    assert.ok(arrived - asked < plannedInS * 1000 - 10_000, `the sample came ${arrived - asked} ms after the command; planned in ${plannedInS} s`);
  });

  it('the rocket is off at a fixed interval, and says why', async () => {
    const rocket = frame.locator('header.bar #sample-faster');
    assert.equal(await rocket.isDisabled(), true);
    assert.match((await rocket.getAttribute('title'))!, /needs the adaptive pace \(leakWatch\.interval 0\)/);
  });

  describe('at the adaptive pace', () => {
    let adaptive: VSCodeSession | undefined;
    let adaptiveFolder = '';
    let adaptiveFrame: FrameLocator;

    before(async () => {
      await vscode?.close();
      vscode = undefined;
      adaptiveFolder = programFolder('leak-watch-faster-', 'idle.js');
      adaptive = await startVSCode({ folder: adaptiveFolder, openFile: 'app.js', settings: { 'leakWatch.pauseBudget': 0.05, ...QUIET_DEBUG } });
      adaptiveFrame = await debugAndWatch(adaptive.page, 'app.js');
      await adaptiveFrame.locator('#status-text').filter({ hasText: /^Watching · \d+ samples? .*next snapshot in \d+ s/ }).waitFor({ timeout: 120_000 });
    });

    workbenchHooks(() => ({ vscode: adaptive, folder: adaptiveFolder }));

    it('the rocket raises the pause budget for a minute, and the plan says so while it lasts', async () => {
      const { page } = adaptive!;
      const rocket = adaptiveFrame.locator('header.bar #sample-faster');
      assert.equal(await rocket.isEnabled(), true);
      assert.equal(await rocket.getAttribute('title'), 'Sample faster for a minute: pause budget 15 % instead of 5 % for 60 s');
      await rocket.click();
      await adaptiveFrame.locator('#status-text').filter({ hasText: /paused \d+\.\d % of 15 % · budget 15 % for \d+ s more/ }).waitFor({ timeout: 30_000 });
      const text = await adaptiveFrame.locator('#status-text').innerText();
      const left = Number(/budget 15 % for (\d+) s more/.exec(text)![1]);
      assert.ok(left > 30 && left <= 60, text);
      await page.mouse.move(1, 1);
      await screenshot(page, 'sample-now-faster');
      mkdirSync(resultsDir, { recursive: true });
      await adaptiveFrame.locator('header.bar').screenshot({ path: join(resultsDir, 'sample-now-toolbar-faster.png') });
    });

    it('the status bar item\'s tooltip has the plan and both as links', async () => {
      const { page } = adaptive!;
      await page.locator('.statusbar-item', { hasText: 'Leak Watch:' }).first().hover();
      const hover = page.locator('.monaco-hover', { hasText: 'Take a snapshot now' }).first();
      await hover.waitFor({ timeout: 10_000 });
      const text = (await hover.innerText()).replace(/\s+/g, ' ');
      assert.match(text, /Next (snapshot|census) in about \d+ s; pause budget 15 % \(raised for \d+ s more\)\./);
      assert.match(text, /Show the panel · Take a snapshot now · Sample faster for a minute \(budget 15 %\)/);
      assert.ok((await hover.locator('a', { hasText: 'Take a snapshot now' }).count()) === 1, 'a link');
      await page.waitForTimeout(300);
      await screenshot(page, 'sample-now-status-tooltip');
      await page.mouse.move(1, 1);
    });
  });
});

describe('A snapshot the program\'s memory may not take is asked about (modal dialog)', function () {
  this.timeout(300_000);
  let vscode: VSCodeSession | undefined;
  let folder = '';

  before(async () => {
    // The program runs under a 400 MB data limit; its 32 MB array makes the guard's first-snapshot
    // estimate (24× the heap) too big for it, though its real snapshot is small.
    folder = programFolder('leak-watch-risky-', 'bigarray.js', { runtimeExecutable: '${workspaceFolder}/node-limited.sh' });
    writeFileSync(join(folder, 'node-limited.sh'), '#!/bin/sh\nulimit -d 409600\nexec node "$@"\n');
    chmodSync(join(folder, 'node-limited.sh'), 0o755);
    vscode = await startVSCode({ folder, openFile: 'app.js', settings: QUIET_DEBUG });
  });

  workbenchHooks(() => ({ vscode, folder }));

  const dialog = (page: Page) => page.locator('.monaco-dialog-box');

  it('says the numbers; Skip refuses the snapshot and the watch ends with the guard\'s message', async () => {
    const { page } = vscode!;
    const frame = await debugAndWatch(page, 'app.js');
    await dialog(page).waitFor({ state: 'visible', timeout: 120_000 });
    const text = (await dialog(page).innerText()).replace(/\s+/g, ' ');
    assert.match(text, /Leak Watch: the next heap snapshot of .* may not fit its memory\. Take it anyway\?/);
    assert.match(text, /Snapshot 1 is on hold: it would need about [\d.]+ MB more memory in the program \(24\.0× its [\d.]+ MB heap, the most a first snapshot has needed\), but only [\d.]+ MB is left under its data size limit \(ulimit -d\)/);
    await screenshot(page, 'sample-now-risky-dialog');
    // Skip is the default: Enter answers it (a risky snapshot is never one keystroke away).
    const focused = await dialog(page).locator('button:focus, .monaco-button:focus').innerText().catch(() => '(none)');
    assert.equal(focused.trim(), 'Skip', 'the focused button');
    await page.keyboard.press('Enter');
    await frame.locator('#status-text').filter({ hasText: /^Session ended · 0 samples/ }).waitFor({ timeout: 30_000 });
    assert.match(await frame.locator('#message').innerText(), /^Snapshot 1 was not taken: it would need about [\d.]+ MB more memory in the program/);
  });

  it('Take It Anyway takes it: the watch goes on with its first sample, and the program lives', async () => {
    const { page } = vscode!;
    await runCommand(page, 'Leak Watch: Start Leak Watch');
    await dialog(page).waitFor({ state: 'visible', timeout: 120_000 });
    await dialog(page).getByRole('button', { name: 'Take It Anyway', exact: true }).click();
    const frame = webviewFrame(page);
    await frame.locator('#status-text').filter({ hasText: /^Watching · [1-9]\d* samples?/ }).waitFor({ timeout: 60_000 });
    await page.mouse.move(1, 1);
    await screenshot(page, 'sample-now-risky-taken');
  });
});
