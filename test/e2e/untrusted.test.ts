// Untrusted heap data in the real panel, and the no-session flow: with no debug session,
// "Start Leak Watch" offers to debug the active file; that program's objects are named by
// properties such as `</script><script>…` and `<img onerror=…>`, which must show as inert text.
import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closePalette, runCommand, screenshot, startVSCode, webviewFrame, type VSCodeSession } from './vscode';

const SCRIPT_NAME = '</script><script>alert(2)</script>';
const IMG_NAME = '<img src=x onerror=alert(1)>';

// Values are strings (heap objects), so the snapshot has an edge per property and names the objects by them.
const PROGRAM = `// Keeps objects whose property names are HTML, to check that Leak Watch shows them as text.
const keep = [];
setInterval(() => {
  for (let i = 0; i < 20; i++) {
    keep.push({ ${JSON.stringify(SCRIPT_NAME)}: 'a' + i, ${JSON.stringify('javascript:alert(3)')}: 'x' + i });
    keep.push({ ${JSON.stringify(IMG_NAME)}: 'b' + i });
  }
}, 100);
`;

describe('untrusted names from the heap, in a program launched by Start Leak Watch', function () {
  this.timeout(300_000);
  let vscode: VSCodeSession;
  let folder: string;
  const dialogs: string[] = [];

  before(async () => {
    folder = mkdtempSync(join(tmpdir(), 'leak-watch-untrusted-'));
    writeFileSync(join(folder, 'html-names.js'), PROGRAM);
    vscode = await startVSCode({
      folder,
      openFile: 'html-names.js',
      settings: { 'leakWatch.interval': 2, 'leakWatch.allocationSites': false, 'debug.openDebug': 'neverOpen', 'debug.internalConsoleOptions': 'neverOpen' },
    });
    vscode.page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && vscode) await screenshot(vscode.page, `failed-${this.currentTest.title}`).catch(() => undefined);
  });

  after(async () => {
    await vscode?.close();
    if (folder) rmSync(folder, { recursive: true, force: true });
  });

  it('with no debug session, offers to debug the active file and watches it', async () => {
    const { page } = vscode;
    await page.locator('.tabs-container .tab', { hasText: 'html-names.js' }).waitFor({ timeout: 30_000 });
    const option = page.locator('.quick-input-list .monaco-list-row', { hasText: 'Debug html-names.js and watch it' });
    // Right after the window loads, the palette may list the command before the development
    // extension is registered (a click then runs nothing): run it again until the quick pick shows.
    const deadline = Date.now() + 120_000;
    for (;;) {
      await runCommand(page, 'Leak Watch: Start Leak Watch');
      try {
        await option.waitFor({ state: 'visible', timeout: 5_000 });
        break;
      } catch (error) {
        if (Date.now() > deadline) {
          await screenshot(page, 'no-session-quick-pick');
          throw error;
        }
        await closePalette(page);
      }
    }
    await screenshot(page, 'no-session-quick-pick');
    await option.click();
    await page.locator('.tabs-container .tab', { hasText: 'Leak Watch' }).waitFor({ state: 'visible', timeout: 60_000 });
    await webviewFrame(page).locator('#heap-used').filter({ hasText: /\d/ }).waitFor({ timeout: 60_000 });
  });

  it('shows HTML-like type names as inert text', async () => {
    const { page } = vscode;
    const frame = webviewFrame(page);
    await frame.locator('#types-filter').fill('script');
    const cell = frame.locator('#types-table tbody td.name', { hasText: '</script>' }).first();
    await cell.waitFor({ timeout: 180_000 });
    assert.ok((await cell.innerText()).includes(SCRIPT_NAME), await cell.innerText());
    await cell.click();
    await frame.locator('#details-heading .type-name', { hasText: '</script>' }).waitFor({ timeout: 10_000 });
    await frame.locator('#types-filter').fill('img');
    await frame.locator('#types-table tbody td.name', { hasText: '<img' }).first().waitFor({ timeout: 60_000 });
    await screenshot(page, 'panel-untrusted-names');
    // Nothing from the heap became markup: one script (ours), no <img>, no alert.
    assert.equal(await frame.locator('img').count(), 0, 'no <img> element in the panel');
    assert.equal(await frame.locator('script', { hasText: 'alert' }).count(), 0, 'no script from heap text');
    assert.equal(await frame.locator('[onerror]').count(), 0, 'no element with an onerror attribute');
    assert.equal(await frame.locator('a[href^="javascript:"]').count(), 0, 'no javascript: link');
    assert.deepEqual(dialogs, []);
    await closePalette(page);
  });
});
