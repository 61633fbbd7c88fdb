// `npm run demo` for real: it prints a URL that opens the workbench with the development extension
// and examples/leaky-server.js, and Ctrl-C stops code-server and everything it started.
import * as assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../../scripts/code-server.mjs';
import { findCommand, repoRoot, screenshot, waitForTitle } from './vscode';

describe('npm run demo', () => {
  let demo: ChildProcess | undefined;
  let browser: Browser | undefined;
  let url = '';

  before(async () => {
    demo = spawn(process.execPath, [join(repoRoot, 'scripts/demo.mjs'), '--no-build'], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the demo printed no URL within 60 s:\n${output}`)), 60_000);
      const read = (d: Buffer) => {
        output += d.toString();
        const m = /Open: (http:\/\/127\.0\.0\.1:\d+\/\S+)/.exec(output);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      };
      demo!.stdout!.on('data', read);
      demo!.stderr!.on('data', read);
      demo!.on('exit', (code) => reject(new Error(`the demo exited (${code}) before printing a URL:\n${output}`)));
    });
  });

  after(async () => {
    await browser?.close();
    if (demo && demo.exitCode === null) demo.kill('SIGKILL');
  });

  it('prints a URL that opens leaky-server.js with Leak Watch in development mode', async () => {
    browser = await launchChromium();
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(url, { waitUntil: 'domcontentloaded', timeout: 120_000 });
    await waitForTitle(page, /Extension Development Host/, 60_000);
    await page.locator('.tabs-container .tab', { hasText: 'leaky-server.js' }).waitFor({ timeout: 30_000 });
    await findCommand(page, 'Leak Watch: Start Leak Watch');
    await screenshot(page, 'demo');
  });

  it('stops code-server on Ctrl-C', async () => {
    const exited = new Promise<number | null>((resolve) => demo!.on('exit', (code) => resolve(code)));
    demo!.kill('SIGINT');
    assert.equal(await exited, 0);
    const health = new URL('/healthz', url).href;
    await assert.rejects(fetch(health, { signal: AbortSignal.timeout(2000) }), 'code-server no longer answers');
  });
});
