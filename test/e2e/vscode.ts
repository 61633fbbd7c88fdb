// E2E helpers: a real VS Code (code-server + headless Debian chromium via playwright-core) with Leak
// Watch loaded in development mode, and the few UI moves the tests make: run a palette command,
// reach a webview's content, save a screenshot under test-results/.
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser, FrameLocator, Locator, Page } from 'playwright-core';
import { type CodeServer, launchChromium, repoRoot, startCodeServer, workbenchUrl } from '../../scripts/code-server.mjs';

export { repoRoot };

// A run stopped from outside (CI's timeout, Ctrl-C) still stops every VS Code it started:
// scripts/code-server.mjs kills the remaining process groups when this process exits.
process.once('SIGTERM', () => process.exit(143));
export const resultsDir = join(repoRoot, 'test-results');
/** The repository's examples/, read by the tests (never opened in a workbench: see `examplesWorkspace`). */
export const examplesDir = join(repoRoot, 'examples');

let examplesCopy: string | undefined;
/**
 * A copy of examples/ in a temporary folder, still named `examples` (the title bar in screenshots),
 * made once per run and removed when it ends. The workbench opens this copy, never the repository's
 * files: Start Debugging saves the open editors first, so a keystroke that lands in an editor would
 * otherwise be written into the repository.
 */
export function examplesWorkspace(): string {
  if (!examplesCopy) {
    const root = mkdtempSync(join(tmpdir(), 'leak-watch-e2e-examples-'));
    examplesCopy = join(root, 'examples');
    cpSync(examplesDir, examplesCopy, { recursive: true });
    process.once('exit', () => rmSync(root, { recursive: true, force: true }));
  }
  return examplesCopy;
}

export interface StartOptions {
  /** Workspace folder to open (absolute, or relative to the repository root). */
  folder: string;
  /** User settings on top of the clean defaults (e.g. `{ 'leakWatch.interval': 2 }`). */
  settings?: Record<string, unknown>;
  /** A file to open in the editor once the window is up. */
  openFile?: string;
  /** Load this repository as a development extension (default true). */
  extensionDevelopment?: boolean;
  /** Extra environment for code-server, its extension host and the debuggees it starts. */
  env?: NodeJS.ProcessEnv;
  /** Window size (default 1400×900). */
  viewport?: { width: number; height: number };
}

export interface VSCodeSession {
  page: Page;
  browser: Browser;
  server: CodeServer;
  url: string;
  folder: string;
  /** Closes the browser and stops code-server with everything it started (debuggees included). */
  close(): Promise<void>;
}

/** Starts code-server on a free 127.0.0.1 port and opens its workbench in headless chromium. */
export async function startVSCode(options: StartOptions): Promise<VSCodeSession> {
  const folder = resolve(repoRoot, options.folder);
  const extensionDevelopment = options.extensionDevelopment ?? true;
  const server = await startCodeServer({ folder, settings: options.settings, env: { ...process.env, ...options.env } });
  let browser: Browser | undefined;
  try {
    browser = await launchChromium();
    const page = await browser.newPage({ viewport: options.viewport ?? { width: 1400, height: 900 } });
    // Functions given to evaluate() are compiled by tsx, which names a function held in a const
    // through an `__name` helper the page does not have: give every frame a no-op one.
    await page.addInitScript('globalThis.__name ??= (f) => f;');
    const url = workbenchUrl(server, {
      folder,
      extensionDevelopmentPath: extensionDevelopment ? repoRoot : undefined,
      openFile: options.openFile ? resolve(folder, options.openFile) : undefined,
    });
    await page.goto(url, { waitUntil: 'domcontentloaded', timeout: 120_000 });
    await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
    if (extensionDevelopment) {
      await waitForTitle(page, /Extension Development Host/, 60_000);
    }
    const session: VSCodeSession = {
      page,
      browser,
      server,
      url,
      folder,
      async close() {
        await browser?.close().catch(() => {});
        await server.stop();
      },
    };
    return session;
  } catch (err) {
    await browser?.close().catch(() => {});
    await server.stop();
    throw err;
  }
}

/** Opens the command palette (or keeps it open) with `query` typed in its input. */
async function typeInPalette(page: Page, query: string): Promise<void> {
  const input = page.locator('.quick-input-widget input');
  if (!(await input.isVisible())) await page.keyboard.press('F1');
  await input.waitFor({ state: 'visible', timeout: 5_000 });
  await setQuickInput(input, query);
}

/**
 * Sets a quick input's text on its own element (with an input event) rather than through the keyboard:
 * on a busy machine the workbench can move the focus to an editor while the palette opens, and typed
 * text would then land in the file.
 */
async function setQuickInput(input: Locator, value: string): Promise<void> {
  await input.evaluate((element, text) => {
    (element as unknown as { value: string }).value = text;
  }, value);
  await input.dispatchEvent('input');
}

/** Closes the command palette (or any quick pick) if it is open. */
export async function closePalette(page: Page): Promise<void> {
  const widget = page.locator('.quick-input-widget');
  if (await widget.isVisible()) {
    await page.keyboard.press('Escape');
    await widget.waitFor({ state: 'hidden', timeout: 5_000 }).catch(() => {});
  }
}

/**
 * Types `>query` into the command palette until `found()` gives a value, reopening the palette
 * between tries: the palette lists the commands registered when it opened, and a development
 * extension's commands appear a little after the window loads. A busy machine filters slowly, so
 * each try waits a while before reopening.
 */
async function untilPaletteShows<T>(page: Page, query: string, found: () => Promise<T | undefined>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await typeInPalette(page, `>${query}`);
      const tryUntil = Math.min(deadline, Date.now() + 10_000);
      do {
        const value = await found();
        if (value !== undefined) return value;
        await page.waitForTimeout(250);
      } while (Date.now() < tryUntil);
    } catch {}
    if (Date.now() > deadline) throw new Error(`the command palette does not show ${what} (waited ${timeoutMs / 1000} s)`);
    await closePalette(page);
  }
}

/**
 * Opens the command palette on `title` (e.g. "Leak Watch: Start Leak Watch") and returns the row
 * whose label is exactly that title, waiting up to `timeoutMs` for it.
 */
export async function findCommand(page: Page, title: string, timeoutMs = 120_000): Promise<Locator> {
  const row = page
    .locator('.quick-input-list .monaco-list-row')
    .filter({ has: page.locator('.label-name', { hasText: new RegExp(`^${escapeRegExp(title)}$`) }) })
    .first();
  return untilPaletteShows(page, title, async () => ((await row.isVisible()) ? row : undefined), timeoutMs, `"${title}"`);
}

/**
 * The titles the command palette lists for `query` (e.g. "Leak Watch:"), once it lists at least
 * one command matching `until` (default: any). Leaves the palette open.
 */
export async function commandTitles(page: Page, query: string, until?: RegExp, timeoutMs = 120_000): Promise<string[]> {
  const labels = page.locator('.quick-input-list .monaco-list-row .label-name');
  return untilPaletteShows(
    page,
    query,
    async () => {
      const titles = await labels.allInnerTexts();
      return titles.length && (!until || titles.some((t) => until.test(t))) ? titles : undefined;
    },
    timeoutMs,
    `a command for "${query}"${until ? ` matching ${until}` : ''}`,
  );
}

/** Runs a command from the palette by its title as shown there ("Category: Title"). */
export async function runCommand(page: Page, title: string, timeoutMs = 120_000): Promise<void> {
  const row = await findCommand(page, title, timeoutMs);
  await row.click();
  await page.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout: 5_000 }).catch(() => {});
}

/**
 * The content of a webview panel (the last one opened unless `index` is given). Its elements are
 * reached with the usual locators: `webviewFrame(page).locator('#heap-used')`.
 */
export function webviewFrame(page: Page, index = -1): FrameLocator {
  return page.locator('iframe.webview.ready').nth(index).contentFrame().frameLocator('#active-frame');
}

/** Saves a screenshot of the whole window as test-results/<name>.png and returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(resultsDir, { recursive: true });
  const path = join(resultsDir, `${name.replace(/[^\w.-]+/g, '-')}.png`);
  await page.screenshot({ path });
  return path;
}

/** Waits until the window title matches (the workbench sets it once the folder and mode are known). */
export async function waitForTitle(page: Page, pattern: RegExp, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pattern.test(await page.title())) {
    if (Date.now() > deadline) throw new Error(`the window title "${await page.title()}" does not match ${pattern}`);
    await page.waitForTimeout(200);
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Debugging settings that keep the debug views out of the way of the panel and its screenshots. */
export const QUIET_DEBUG = { 'debug.toolBarLocation': 'floating', 'debug.openDebug': 'neverOpen', 'debug.internalConsoleOptions': 'neverOpen' };

/**
 * A private workspace folder for one suite: `files` (name → text) and one launch configuration
 * that runs `main`, named after it (extra or overriding fields in `launch`). Returns the folder.
 */
export function launchFolder(prefix: string, files: Record<string, string>, main: string, launch: Record<string, unknown> = {}): string {
  const folder = mkdtempSync(join(tmpdir(), prefix));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(folder, name), text);
  mkdirSync(join(folder, '.vscode'));
  writeFileSync(
    join(folder, '.vscode/launch.json'),
    JSON.stringify({
      version: '0.2.0',
      configurations: [{ type: 'node', request: 'launch', name: main.replace(/\.js$/, ''), program: `\${workspaceFolder}/${main}`, skipFiles: ['<node_internals>/**'], ...launch }],
    }),
  );
  return folder;
}

/** The text of a program of test/unit/programs, to put in a `launchFolder`. */
export function testProgram(name: string): string {
  return readFileSync(join(repoRoot, 'test/unit/programs', name), 'utf8');
}

/**
 * A private workspace folder for one suite: test/unit/programs/named.js copied in as `programName`
 * (it holds a growing set of `recordClass` objects) and a launch configuration that runs it.
 * Returns the folder.
 */
export function namedProgramFolder(prefix: string, programName: string, recordClass: string): string {
  return launchFolder(prefix, { [programName]: testProgram('named.js') }, programName, { name: recordClass, env: { RECORD_CLASS: recordClass } });
}

/** With `openFile`'s tab shown: Debug: Start Debugging, then Leak Watch: Start Leak Watch; the panel's content. */
export async function debugAndWatch(page: Page, openFile: string): Promise<FrameLocator> {
  await page.locator('.tabs-container .tab', { hasText: openFile }).waitFor({ timeout: 30_000 });
  await runCommand(page, 'Debug: Start Debugging');
  await page.locator('.debug-toolbar').waitFor({ state: 'visible', timeout: 60_000 });
  await runCommand(page, 'Leak Watch: Start Leak Watch');
  return webviewFrame(page);
}

/**
 * From the UI: Debug: Start Debugging (the folder's launch configuration), then Leak Watch: Start
 * Leak Watch; resolves with the panel's content once it shows `minSamples` samples and `recordClass`.
 */
export async function watchFromPalette(page: Page, programName: string, recordClass: string, minSamples = 2): Promise<FrameLocator> {
  const frame = await debugAndWatch(page, programName);
  const samples = new RegExp(`^Watching · (${minSamples}|[${minSamples + 1}-9]|\\d{2,}) samples`);
  await frame.locator('#status-text').filter({ hasText: samples }).waitFor({ timeout: 150_000 });
  await frame.locator(`#types-table tbody tr[data-type="${recordClass}"]`).waitFor({ timeout: 60_000 });
  return frame;
}

/**
 * Hovers the line of the focused editor's cursor (its current-line highlight, or its selection)
 * until a hover with `text` shows; false when none does after a few tries.
 */
export async function hoverCursorLine(page: Page, text: string): Promise<boolean> {
  const current = page.locator('.monaco-editor.focused .view-overlays .current-line, .monaco-editor.focused .view-overlays .selected-text').first();
  for (let attempt = 0; attempt < 5; attempt++) {
    // The editor re-renders its overlays: the one found may be gone by the time it is measured.
    await current.waitFor({ timeout: 15_000 });
    const line = await current.boundingBox();
    if (!line) continue;
    await page.mouse.move(line.x + 2, line.y + line.height / 2);
    // Past the start of the line, where a Problems entry for the same line would add its own hover.
    await page.mouse.move(line.x + Math.min(150, line.width / 2), line.y + line.height / 2, { steps: 5 });
    try {
      await page.locator('.monaco-hover', { hasText: text }).first().waitFor({ state: 'visible', timeout: 4_000 });
      return true;
    } catch {}
  }
  return false;
}

/** An afterEach hook body: a screenshot named after the test when it failed. */
export async function screenshotIfFailed(context: Mocha.Context, vscode: VSCodeSession | undefined): Promise<void> {
  if (context.currentTest?.state === 'failed' && vscode) await screenshot(vscode.page, `failed-${context.currentTest.title}`).catch(() => undefined);
}

/**
 * The hooks of a suite with one workbench and one workspace folder (read through `current` when
 * each hook runs): a screenshot of each failed test, then the workbench closed and the folder removed.
 */
export function workbenchHooks(current: () => { vscode?: VSCodeSession; folder?: string }): void {
  afterEach(async function () {
    await screenshotIfFailed(this, current().vscode);
  });
  after(async () => {
    const { vscode, folder } = current();
    await vscode?.close();
    if (folder) rmSync(folder, { recursive: true, force: true });
  });
}

/** Picks a colour theme by its label in "Preferences: Color Theme". */
export async function setColorTheme(page: Page, label: string, bodyClass: string, frame: FrameLocator): Promise<void> {
  await runCommand(page, 'Preferences: Color Theme');
  await setQuickInput(page.locator('.quick-input-widget input'), label);
  const exact = new RegExp(`^${label.replace(/[+]/g, '\\+')}$`);
  await page.locator('.quick-input-list .monaco-list-row', { has: page.locator('.label-name', { hasText: exact }) }).first().waitFor({ timeout: 10_000 });
  await page.keyboard.press('Enter');
  await page.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout: 5_000 });
  await frame.locator(`body.${bodyClass}`).waitFor({ timeout: 10_000 });
}

/** The focused editor's cursor as the status bar shows it ("Ln 46, Col 3"), once it shows one. */
export async function cursorPosition(page: Page): Promise<{ line: number; column: number }> {
  const item = page.locator('.statusbar-item', { hasText: /Ln \d+, Col \d+/ }).first();
  await item.waitFor({ timeout: 15_000 });
  const m = /Ln (\d+), Col (\d+)/.exec(await item.innerText())!;
  return { line: Number(m[1]), column: Number(m[2]) };
}

/**
 * The editor's cursor once `settled` holds for it, or after `timeoutMs` (the last position read, for
 * the caller's assertion): a click in the panel moves the editor asynchronously (a message to the
 * extension host, then a reveal), so reading the cursor straight after the click can see the old one.
 */
export async function cursorWhen(page: Page, settled: (at: { line: number; column: number }) => boolean, timeoutMs = 5_000): Promise<{ line: number; column: number }> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const at = await cursorPosition(page);
    if (settled(at) || Date.now() > until) return at;
    await page.waitForTimeout(100);
  }
}

/** The editor's cursor once it is at `expected` (or after `timeoutMs`, wherever it is). */
export function cursorAt(page: Page, expected: { line: number; column: number }, timeoutMs = 5_000): Promise<{ line: number; column: number }> {
  return cursorWhen(page, (at) => at.line === expected.line && at.column === expected.column, timeoutMs);
}

/**
 * A VS Code on examples/ with leaky-server.js open, debugged from the palette and watched by Leak
 * Watch (a snapshot every 3 s); resolves with it and the panel's content once the panel is up.
 */
export async function watchLeakyServer(): Promise<{ vscode: VSCodeSession; frame: FrameLocator }> {
  const vscode = await startVSCode({
    folder: examplesWorkspace(),
    openFile: 'leaky-server.js',
    settings: { 'leakWatch.interval': 3, 'debug.toolBarLocation': 'floating', 'debug.openDebug': 'neverOpen', 'debug.internalConsoleOptions': 'neverOpen' },
  });
  try {
    const { page } = vscode;
    await page.locator('.tabs-container .tab', { hasText: 'leaky-server.js' }).waitFor({ timeout: 30_000 });
    await runCommand(page, 'Debug: Start Debugging');
    await page.locator('.debug-toolbar').waitFor({ state: 'visible', timeout: 60_000 });
    await runCommand(page, 'Leak Watch: Start Leak Watch');
    return { vscode, frame: webviewFrame(page) };
  } catch (error) {
    await vscode.close();
    throw error;
  }
}
