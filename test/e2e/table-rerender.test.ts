// The panel's types table across reports, in Chromium (the panel's own bundle, dist/webview.js, fed
// the host's messages): a report re-renders the table between the two clicks of a double click, or
// between the second press and its release, and the double click still opens the row; the row
// clicked keeps its selection and the keyboard focus, and stays the same element. Before rows were
// updated in place, each report rebuilt them: a report between the second press and its release
// lost the double click (the press's row was gone), and the focused row was a new element. A single
// click on a headline or the cause's card with a report between its press and release opens the line.
import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../../scripts/code-server.mjs';
import type { Report } from '../../src/core/report';
import { listenerReport } from '../unit/webview/causeReport';
import { repoRoot, screenshot } from './vscode';

// The functions passed to evaluate() run in the page; this project's Node tsconfig has no DOM types.
declare const window: any;
declare const document: any;

/** The webview bundle under test (LEAK_WATCH_TEST_WEBVIEW: another build's dist/, to see this fail on it). */
const DIST = process.env.LEAK_WATCH_TEST_WEBVIEW ?? join(repoRoot, 'dist');

/** The report after `k` more samples: every count grown (each report changes every row's numbers). */
function reportAfter(k: number): Report {
  const report = listenerReport();
  for (const t of report.types) t.counts = t.counts.map((c) => c + 17 * k);
  for (const c of report.causes ?? []) c.newObjects += 17 * k;
  return report;
}

describe('The types table across reports (the panel\'s webview in Chromium)', function () {
  this.timeout(60_000);
  let browser: Browser;
  let page: Page;
  const dir = mkdtempSync(join(tmpdir(), 'leak-watch-webview-'));
  let reports = 0;

  /** Sends a message as the host does. */
  const post = (message: unknown) => page.evaluate((m) => window.postMessage(m, '*'), message);
  const newReport = () => post({ type: 'report', report: reportAfter(++reports) });
  /** What the webview posted to the host since the last call. */
  const posted = async () => page.evaluate(() => window.__posted.splice(0)) as Promise<Array<Record<string, unknown>>>;

  before(async () => {
    const href = (file: string) => pathToFileURL(file).href;
    writeFileSync(join(dir, 'panel.html'), `<!DOCTYPE html><html><head>
<link rel="stylesheet" href="${href(join(DIST, 'codicon.css'))}"><link rel="stylesheet" href="${href(join(DIST, 'webview.css'))}">
<link rel="stylesheet" href="${href(join(repoRoot, 'media/panel.css'))}"></head>
<body class="vscode-dark"><script src="${href(join(DIST, 'webview.js'))}"></script></body></html>`);
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 900, height: 1000 } });
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    // Functions given to the page are compiled by tsx, which may name them through an `__name` helper.
    await page.addInitScript('globalThis.__name ??= (f) => f;');
    await page.addInitScript(() => {
      window.__posted = [];
      window.acquireVsCodeApi = () => ({ postMessage: (m: unknown) => window.__posted.push(m), getState: () => undefined, setState: () => undefined });
    });
    await page.goto(pathToFileURL(join(dir, 'panel.html')).href);
    await page.waitForFunction(() => window.__posted.some((m: { type: string }) => m.type === 'ready'), undefined, { timeout: 10_000 }).catch((error) => {
      throw new Error(`the panel's script did not start: ${errors.join('; ') || error.message}`);
    });
    await post({ type: 'state', status: { phase: 'watching', target: 'server.js', samples: 4 }, heapUsage: [], report: reportAfter(0), chartedTypes: 5 });
    await page.locator('#types-table tbody tr.row-cause').waitFor();
  });

  after(async () => {
    await browser?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  for (const when of ['between the two clicks', 'between the second press and its release'] as const) {
    it(`a double click on a cause row opens its adding line when a report arrives ${when}`, async () => {
      const row = page.locator('#types-table tbody tr.row-cause').first();
      const causeId = await row.getAttribute('data-cause');
      const box = (await row.locator('td.col-name').boundingBox())!;
      await page.mouse.move(box.x + 20, box.y + box.height / 2);
      await posted();
      await page.mouse.down({ clickCount: 1 });
      await page.mouse.up({ clickCount: 1 });
      if (when === 'between the two clicks') await newReport();
      await page.mouse.down({ clickCount: 2 });
      if (when !== 'between the two clicks') await newReport();
      await page.mouse.up({ clickCount: 2 });
      await page.waitForTimeout(100);
      const opened = (await posted()).filter((m) => m.type === 'openCause' && m.preserveFocus !== true);
      assert.deepEqual(opened, [{ type: 'openCause', causeId }], 'the double click opened the cause\'s line (no preserveFocus: the editor takes focus)');
    });
  }

  // The headline and the card are rebuilt by each report: a report that re-rendered them between a
  // press and its release made the click land on nothing (the press's element was gone).
  const clicks = [
    { what: 'the headline\'s file:line', selector: '#causes li.headline button.where', expect: (id: string | null) => [{ type: 'openCause', causeId: id }] },
    { what: 'the card\'s "added at" link', selector: '#cause-added button.link', expect: () => [{ type: 'openSource', position: { file: '/w/server.js', line: 46, column: 3 } }] },
  ];
  for (const click of clicks) {
    it(`a click on ${click.what} opens the cause's line when a report arrives between the press and the release`, async () => {
      const causeId = await page.locator('#causes li.headline').first().getAttribute('data-cause');
      const target = page.locator(click.selector).first();
      await target.scrollIntoViewIfNeeded();
      const box = (await target.boundingBox())!;
      await page.mouse.move(box.x + Math.min(10, box.width / 2), box.y + box.height / 2);
      await posted();
      await page.mouse.down();
      await newReport();
      await page.waitForTimeout(100); // the report's message handled (rendered, or held)
      await page.mouse.up();
      await page.waitForTimeout(100);
      const opened = (await posted()).filter((m) => m.type === 'openCause' || m.type === 'openSource');
      assert.deepEqual(opened, click.expect(causeId));
      // And the report held during the press is shown after the release.
      const shown = await page.locator('#types-table tbody tr.row-type[data-type="(compiled code)"] td.col-count').innerText();
      assert.equal(shown, (17_680 + 17 * reports).toLocaleString('en-US'));
    });
  }

  it('the row chosen keeps its selection and the keyboard focus, and stays the same element, across reports', async () => {
    const kept = page.locator('#types-table tbody tr.row-kept').first();
    const key = await kept.getAttribute('data-key');
    await kept.click();
    await page.keyboard.press('ArrowDown');
    const focusedKey = await page.evaluate(() => {
      const focused = document.activeElement;
      focused.dataset.testMark = 'before';
      return focused.dataset.key;
    });
    assert.notEqual(focusedKey, key, 'ArrowDown moved the focus');
    for (let k = 0; k < 3; k++) await newReport();
    const after = await page.evaluate(() => ({ key: document.activeElement?.dataset?.key, mark: document.activeElement?.dataset?.testMark }));
    assert.deepEqual(after, { key: focusedKey, mark: 'before' }, 'the focused row is the same element, still focused');
    assert.equal(await page.locator(`#types-table tbody tr[data-key="${key}"]`).getAttribute('aria-selected'), 'true', 'the chosen row is still selected');
    // The numbers did change in place.
    const count = await page.locator('#types-table tbody tr.row-type[data-type="(compiled code)"] td.col-count').innerText();
    assert.equal(count, (17_680 + 17 * reports).toLocaleString('en-US'));
    await screenshot(page, 'table-rerender');
  });

  it('while the report is too early to tell, a type not called a leak shows "too early", not a pass; then its verdict', async () => {
    const early = reportAfter(++reports);
    early.causes = [];
    early.leaks = [];
    for (const t of early.types) t.verdict = t.name === '(compiled code)' ? 'suspect' : 'ok';
    early.tooEarly = 'Too early to tell: 2 snapshots; a verdict needs 4 snapshots.';
    await post({ type: 'report', report: early });
    const verdicts = () => page.locator('#types-table tbody tr.row-type [data-verdict]').evaluateAll((els: any[]) => els.map((e) => `${e.closest('tr').dataset.type}=${e.dataset.verdict}:${e.textContent}`));
    const shown = await verdicts();
    assert.ok(shown.length >= 2, shown.join(', '));
    for (const v of shown) assert.match(v, /^\(compiled code\)=suspect:suspect$|=early:too early$/, shown.join(', '));
    await page.locator('#types-table tbody tr.row-type[data-type="Connection"]').click();
    assert.equal(await page.locator('#details p.facts [data-verdict]').getAttribute('data-verdict'), 'early', 'the details say it too');
    await screenshot(page, 'table-too-early');
    const settled = { ...early, tooEarly: undefined };
    await post({ type: 'report', report: settled });
    for (const v of await verdicts()) assert.match(v, /^\(compiled code\)=suspect:suspect$|=ok:ok$/);
  });

  // The header's status line wraps anew as it changes; the browser's scroll anchoring kept the
  // details where they were, under the taller header (the panel e2e caught it at a narrow width).
  it('details brought into view stay below the sticky header when the header grows just after', async () => {
    await post({ type: 'report', report: reportAfter(++reports) });
    const causeId = await page.locator('#causes li.headline').first().getAttribute('data-cause');
    await page.setViewportSize({ width: 420, height: 1000 });
    await page.evaluate(() => window.scrollTo(0, 0));
    await post({ type: 'reveal', causeId });
    await page.waitForTimeout(300);
    const before = (await page.locator('header.bar').boundingBox())!;
    const plan = { pausedShare: 0.173, budget: 0.1, nextKind: 'census', nextAt: Date.now() + 3000, nextPauseMs: 200, verdictExpectedAt: Date.now() + 19_000 };
    await post({ type: 'state', status: { phase: 'watching', target: 'server.js', samples: 15, lastPauseMs: 1041, schedule: plan }, heapUsage: [], chartedTypes: 5 });
    await page.waitForTimeout(500);
    const after = (await page.locator('header.bar').boundingBox())!;
    assert.ok(after.height > before.height + 10, `the header grew (${before.height} → ${after.height})`);
    const heading = (await page.locator('#details h3').first().boundingBox())!;
    assert.ok(heading.y >= after.y + after.height - 1, `the details' heading (top ${heading.y}) is below the header (bottom ${after.y + after.height})`);
    await page.setViewportSize({ width: 900, height: 1000 });
    await post({ type: 'state', status: { phase: 'watching', target: 'server.js', samples: 4 }, heapUsage: [], chartedTypes: 5 });
  });

  // A type the report does not explain is asked of the host. Once a report had explained it (its
  // verdict went to suspect) and the next one no longer did (back to ok), the details said "Looking
  // for retainers…" for ever: the ask was made only when the row was clicked.
  it('a chosen type the report stops explaining is asked of the host again; an answer, or a failed ask, replaces "Looking for retainers…"', async () => {
    const explainAsks = async () => (await posted()).filter((m) => m.type === 'request' && m.method === 'explain') as Array<{ id: number; args: unknown[] }>;
    const hint = page.locator('#details p.hint').first();
    const reply = (id: number, result: unknown) => post({ type: 'reply', id, ok: true, result });
    await post({ type: 'report', report: reportAfter(++reports) });
    await posted();
    await page.locator('#types-table tbody tr.row-type[data-type="Object"]').click();
    const [first, ...more] = await explainAsks();
    assert.ok(first && !more.length, 'one ask');
    assert.equal(first.args[0], 'Object');
    assert.equal(await hint.innerText(), 'Looking for retainers…');
    await reply(first.id, { message: 'No objects of this type were found in the latest snapshot.' });
    await hint.filter({ hasText: 'No objects of this type' }).waitFor({ timeout: 5_000 });

    // A report explains it (a suspect with its leak), then the next does not (ok again).
    const explaining = reportAfter(++reports);
    explaining.types.find((t) => t.name === 'Object')!.verdict = 'suspect';
    explaining.leaks.push({ ...explaining.leaks[0], type: 'Object', verdict: 'suspect' });
    await post({ type: 'report', report: explaining });
    await page.locator('#details h4', { hasText: 'Retainer paths' }).waitFor({ timeout: 5_000 });
    assert.deepEqual(await explainAsks(), [], 'the report explains it: nothing asked');
    await post({ type: 'report', report: reportAfter(++reports) });
    await page.waitForTimeout(200);
    const [again] = await explainAsks();
    assert.ok(again, `asked again once the report no longer explains it (details: ${await page.locator('#details').innerText()})`);
    assert.equal(again.args[0], 'Object');
    await reply(again.id, { message: 'The watch has stopped; only the types it explained while running have retainer paths.' });
    await hint.filter({ hasText: 'The watch has stopped' }).waitFor({ timeout: 5_000 });

    // A failed ask says so, and choosing the type again asks again.
    await page.locator('#types-table tbody tr.row-type[data-type="Late"]').click();
    const [late] = await explainAsks();
    await post({ type: 'reply', id: late.id, ok: false, error: 'the panel was closed' });
    await hint.filter({ hasText: 'Could not look for retainers: the panel was closed' }).waitFor({ timeout: 5_000 });
    await page.locator('#types-table tbody tr.row-type[data-type="Object"]').click();
    await page.locator('#types-table tbody tr.row-type[data-type="Late"]').click();
    const asks = await explainAsks();
    assert.deepEqual(asks.map((a) => a.args[0]), ['Late'], 'asked again after a failure; Object is known');
  });
});
