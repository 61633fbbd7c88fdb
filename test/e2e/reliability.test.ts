// The debuggee killed while the panel watches it, in the real workbench: the panel keeps the samples and
// the types table, and says what happened. The program runs from a private folder under a unique name,
// so the test finds (and kills) exactly its own debuggee.
import * as assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { namedProgramFolder, screenshot, screenshotIfFailed, startVSCode, watchFromPalette, type VSCodeSession } from './vscode';

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
  const programName = `doomed-${process.pid}-${Date.now()}.js`;

  before(async function () {
    if (process.platform !== 'linux') this.skip();
    const folder = namedProgramFolder('leak-watch-e2e-rel-', programName, 'DoomedRecord');
    vscode = await startVSCode({
      folder,
      openFile: programName,
      settings: { 'leakWatch.interval': 1, 'leakWatch.allocationSites': false, 'debug.openDebug': 'neverOpen', 'debug.internalConsoleOptions': 'neverOpen' },
    });
  });

  afterEach(function () {
    return screenshotIfFailed(this, vscode);
  });

  after(async () => {
    await vscode?.close();
  });

  it('keeps the samples and the types table, and says the program went away', async () => {
    const { page } = vscode;
    const frame = await watchFromPalette(page, programName, 'DoomedRecord');
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
