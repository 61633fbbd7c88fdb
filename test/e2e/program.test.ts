// The whole program in the real workbench: a launch configuration runs a program that forks a leaky
// child (child_process.fork); js-debug attaches the child as a child debug session, and the watch
// started on the program's session takes it in. The panel lists both processes (a summary row
// each), marks the child's leak, and shows its cause once the child's row is chosen. Screenshot:
// test-results/program-child-leak.png.
import * as assert from 'node:assert/strict';
import type { FrameLocator } from 'playwright-core';
import { debugAndWatch, launchFolder, QUIET_DEBUG, screenshot, startVSCode, testProgram, workbenchHooks, type VSCodeSession } from './vscode';

const PARENT = `// Forks worker.js and keeps nothing itself.
const { fork } = require('node:child_process');
const path = require('node:path');
fork(path.join(__dirname, 'worker.js'));
setInterval(() => {}, 1000);
`;


describe('the whole program in the real workbench: a forked child joins the watch and its leak shows in the panel', function () {
  this.timeout(420_000);
  let vscode: VSCodeSession | undefined;
  let folder = '';

  before(() => {
    folder = launchFolder('leak-watch-program-', { 'parent.js': PARENT, 'worker.js': testProgram('sessions.js') }, 'parent.js');
  });

  workbenchHooks(() => ({ vscode, folder }));

  it("Start Leak Watch on the launched program watches the child it forks: a row per process, the child's Session leak and its cause", async () => {
    vscode = await startVSCode({
      folder,
      openFile: 'parent.js',
      settings: { 'leakWatch.interval': 2, ...QUIET_DEBUG },
    });
    const { page } = vscode;
    const frame: FrameLocator = await debugAndWatch(page, 'parent.js');
    const rows = frame.locator('#isolates tbody tr');
    await rows.nth(1).waitFor({ timeout: 120_000 });
    const texts = (await rows.allInnerTexts()).map((t) => t.replace(/\s+/g, ' ').trim());
    assert.equal(texts.length, 2, texts.join('\n'));
    assert.match(texts[0], /^pid \d+ \(parent\.js\)/, texts[0]);
    assert.match(texts[1], /^pid \d+ \(worker\.js\)/, texts[1]);
    const child = frame.locator('#isolates tbody tr', { hasText: 'worker.js' });
    // The child's leak is named in its summary row once its samples say so.
    await child.filter({ hasText: 'Leak: Session' }).waitFor({ timeout: 240_000 });
    assert.doesNotMatch(await rows.nth(0).innerText(), /Leak: Session/, 'the parent keeps no Session');
    await child.click();
    await frame.locator('#types-title').filter({ hasText: /worker\.js/ }).waitFor({ timeout: 10_000 });
    const headline = frame.locator('#causes li.headline', { hasText: 'Session' }).first();
    await headline.waitFor({ timeout: 60_000 });
    assert.match((await headline.innerText()).replace(/\s+/g, ' '), /Session — kept by the Map sessions, worker\.js:\d+/);
    assert.equal(await child.getAttribute('aria-selected'), 'true');
    await screenshot(page, 'program-child-leak');
  });
});
