import * as assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { closePalette, commandTitles, examplesWorkspace, findCommand, screenshot, startVSCode, type VSCodeSession } from './vscode';

describe('workbench with Leak Watch in development mode', () => {
  let vscode: VSCodeSession;

  before(async () => {
    vscode = await startVSCode({ folder: examplesWorkspace(), openFile: 'leaky-server.js' });
  });

  after(async () => {
    await vscode?.close();
  });

  it('opens the examples workspace with leaky-server.js in the editor', async () => {
    const tab = vscode.page.locator('.tabs-container .tab', { hasText: 'leaky-server.js' });
    await tab.waitFor({ state: 'visible', timeout: 30_000 });
    assert.match(await vscode.page.title(), /examples/);
  });

  it('shows "Leak Watch: Start Leak Watch" in the command palette', async () => {
    const row = await findCommand(vscode.page, 'Leak Watch: Start Leak Watch');
    assert.equal(await row.locator('.label-name').innerText(), 'Leak Watch: Start Leak Watch');
    const shot = await screenshot(vscode.page, 'palette-start-leak-watch');
    assert.ok(existsSync(shot));
    await closePalette(vscode.page);
  });

  it('lists "Leak Watch: Stop Leak Watch" only while a watch runs', async () => {
    const titles = await commandTitles(vscode.page, 'Leak Watch:', /^Leak Watch: Start Leak Watch$/);
    assert.ok(!titles.includes('Leak Watch: Stop Leak Watch'), `palette lists ${titles.join(', ')}`);
    await closePalette(vscode.page);
  });
});
