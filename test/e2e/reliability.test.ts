// The debuggee killed while the panel watches it, in the real workbench: the panel keeps the samples and
// the types table, and says what happened. The program runs from a private folder under a unique name,
// so the test finds (and kills) exactly its own debuggee.
import * as assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCommand, screenshot, startVSCode, webviewFrame, type VSCodeSession } from './vscode';

/** Pids of the processes whose command line contains `text` (Linux /proc). */
function pidsRunning(text: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(text)) pids.push(Number(entry));
    } catch {
      // gone
    }
  }
  return pids.filter((pid) => pid !== process.pid);
}

describe('Reliability in the workbench: the debuggee killed while watched', function () {
  this.timeout(240_000);
  let vscode: VSCodeSession;
  const folder = mkdtempSync(join(tmpdir(), 'leak-watch-e2e-rel-'));
  const programName = `doomed-${process.pid}-${Date.now()}.js`;

  before(async function () {
    if (process.platform !== 'linux') this.skip();
    copyFileSync(join(__dirname, '../unit/programs/named.js'), join(folder, programName));
    mkdirSync(join(folder, '.vscode'));
    writeFileSync(
      join(folder, '.vscode/launch.json'),
      JSON.stringify({
        version: '0.2.0',
        configurations: [{ type: 'node', request: 'launch', name: 'Doomed', program: `\${workspaceFolder}/${programName}`, env: { RECORD_CLASS: 'DoomedRecord' }, skipFiles: ['<node_internals>/**'] }],
      }),
    );
    vscode = await startVSCode({
      folder,
      openFile: programName,
      settings: { 'leakWatch.interval': 1, 'leakWatch.allocationSites': false, 'debug.openDebug': 'neverOpen', 'debug.internalConsoleOptions': 'neverOpen' },
    });
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && vscode) await screenshot(vscode.page, `failed-${this.currentTest.title}`).catch(() => undefined);
  });

  after(async () => {
    await vscode?.close();
  });

  it('keeps the samples and the types table, and says the program went away', async () => {
    const { page } = vscode;
    await page.locator('.tabs-container .tab', { hasText: programName }).waitFor({ timeout: 30_000 });
    await runCommand(page, 'Debug: Start Debugging');
    await page.locator('.debug-toolbar').waitFor({ state: 'visible', timeout: 60_000 });
    await runCommand(page, 'Leak Watch: Start Leak Watch');
    const frame = webviewFrame(page);
    await frame.locator('#status-text').filter({ hasText: /Watching · ([2-9]|\d{2,}) samples/ }).waitFor({ timeout: 150_000 });
    await frame.locator('#types-table tbody tr', { hasText: 'DoomedRecord' }).first().waitFor({ timeout: 60_000 });
    const rowsBefore = await frame.locator('#types-table tbody tr').count();

    const pids = pidsRunning(programName).filter((pid) => !readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('launch.json'));
    assert.equal(pids.length, 1, `exactly one debuggee runs ${programName}: ${pids}`);
    process.kill(pids[0], 'SIGKILL');

    await frame.locator('#status-text').filter({ hasNotText: /^Watching/ }).waitFor({ timeout: 60_000 });
    const status = await frame.locator('#status-text').innerText();
    assert.match(status, /^(Session ended|Stopped) · ([2-9]|\d{2,}) samples/, 'the samples are still counted');
    const message = await frame.locator('#message').innerText();
    assert.match(message, /exited|closed|ended/i, message);
    assert.match(message, /kept/i, message);
    assert.ok((await frame.locator('#types-table tbody tr').count()) >= Math.min(rowsBefore, 1), 'the types table stays');
    assert.equal(await frame.locator('#types-table tbody tr', { hasText: 'DoomedRecord' }).count() >= 1, true, 'DoomedRecord is still listed');
    await screenshot(page, 'reliability-debuggee-killed');
  });
});
