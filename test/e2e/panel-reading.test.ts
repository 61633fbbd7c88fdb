// The panel as a user reads it, in the real workbench, in the three built-in theme families (Light+,
// Dark+, Dark High Contrast) and at two widths (the panel at its default half of the editor area,
// and narrow): the table fits without sideways scrolling, dropping columns in DROP_ORDER; the
// selected row's verdict stays readable; one order of types everywhere; a hover's link lands below
// the sticky header; a jump leaves a narrow editor unscrolled; sentences show code as code; Save
// says it saves the last snapshot once the program is gone. Screenshots: test-results/reading-*.png.
import * as assert from 'node:assert/strict';
import type { FrameLocator, Page } from 'playwright-core';
import { hoverCursorLine, runCommand, screenshot, screenshotIfFailed, setColorTheme, watchLeakyServer, type VSCodeSession } from './vscode';

// The functions passed to evaluate() run in the page; this project's Node tsconfig has no DOM types.
declare const document: any;
declare function getComputedStyle(element: unknown): any;
declare const NodeFilter: any;
type PageElement = any;

const THEMES = [
  { label: 'Dark High Contrast', bodyClass: 'vscode-high-contrast', slug: 'hc' },
  { label: 'Dark+', bodyClass: 'vscode-dark', slug: 'dark' },
  { label: 'Light+', bodyClass: 'vscode-light', slug: 'light' },
] as const;

/** Window sizes: at 1400 px the panel gets half the editor area (~520 px); at 1000 px, ~320 px. */
const WIDTHS = [
  { name: 'default', viewport: { width: 1400, height: 900 } },
  { name: 'narrow', viewport: { width: 1000, height: 900 } },
] as const;

/** What the table shows and how it sits in the panel (read inside the webview). */
async function tableLayout(frame: FrameLocator) {
  return frame.locator('#types-table').evaluate((table: PageElement) => {
    const box = table.parentElement!;
    const heads: PageElement[] = Array.from(table.tHead.rows[0].cells);
    const shown = heads.filter((th) => th.offsetWidth > 0).map((th) => /col-(\w+)/.exec(th.className)?.[1] ?? th.textContent.trim());
    const minName = Number(table.dataset.minName);
    // Could the last column dropped come back? Only if it would fit beside a Type column of its minimum width.
    const hidden = (table.dataset.hidden ?? '').split(' ').filter(Boolean);
    const dropOrder = (table.dataset.dropOrder ?? '').split(' ').filter(Boolean);
    let lastDroppedFits = false;
    if (hidden.length) {
      const last = hidden[hidden.length - 1];
      table.classList.remove(`hide-${last}`);
      lastDroppedFits = table.scrollWidth <= box.clientWidth + 1 && heads[0].offsetWidth >= minName;
      table.classList.add(`hide-${last}`);
    }
    // Every element that scrolls sideways, the page included.
    const sideways = [document.scrollingElement!, ...Array.from<PageElement>(document.querySelectorAll('body *'))]
      .filter((e: PageElement) => e.scrollWidth > e.clientWidth + 1 && (e === document.scrollingElement || /auto|scroll/.test(getComputedStyle(e).overflowX)))
      .map((e: PageElement) => `${e.tagName.toLowerCase()}.${e.className} (${e.scrollWidth} > ${e.clientWidth})`);
    // What sticks out, to say why the page scrolls.
    const viewport = document.documentElement.clientWidth;
    const outside = Array.from<PageElement>(document.querySelectorAll('body *'))
      .filter((e) => e.getBoundingClientRect().right > viewport + 1)
      .slice(0, 5)
      .map((e) => `${e.tagName.toLowerCase()}.${e.className}: ${(e.textContent ?? '').slice(0, 60)}`);
    if (sideways.length) sideways.push(...outside);
    const names: PageElement[] = Array.from(table.querySelectorAll('tbody td.name'));
    // A type's tooltip is its full name (a kept type's, then what the cause keeps of it); a cause's, its headline ("Leak: TreeNode — kept by …").
    return {
      shown,
      hidden,
      dropOrder,
      lastDroppedFits,
      sideways,
      panelWidth: document.documentElement.clientWidth,
      tableRight: table.getBoundingClientRect().right,
      boxRight: box.getBoundingClientRect().right,
      namesWithTooltips: names.every((td: PageElement) => (td.closest('tr').dataset.type !== undefined ? td.title === td.closest('tr').dataset.type || td.title.startsWith(`${td.closest('tr').dataset.type}: `) : /^(Leak|Suspect): .+ — kept by /.test(td.title))),
      nameEllipsis: names.length > 0 && getComputedStyle(names[0]).textOverflow === 'ellipsis',
    };
  });
}

/** Collects what falls short, so that a failing test names every problem at once. */
function shortfalls(): { expect(ok: boolean, problem: string): void; problems: string[] } {
  const problems: string[] = [];
  return { expect: (ok, problem) => void (ok || problems.push(problem)), problems };
}

/** Relative luminance contrast of two CSS colours; a translucent foreground is blended onto the background first. */
function contrast(fg: string, bg: string): number {
  const parse = (c: string) => (/rgba?\(([^)]+)\)/.exec(c)?.[1] ?? '0,0,0').split(',').map((v) => Number(v.trim()));
  const [br, bgG, bb] = parse(bg);
  const [fr, fgG, fb, fa = 1] = parse(fg);
  const blend = [fr * fa + br * (1 - fa), fgG * fa + bgG * (1 - fa), fb * fa + bb * (1 - fa)];
  const lum = ([r, g, b]: number[]) => {
    const lin = (v: number) => ((v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
    return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
  };
  const [a, b] = [lum(blend), lum([br, bgG, bb])].sort((x, y) => y - x);
  return (a + 0.05) / (b + 0.05);
}

describe('The panel as a user reads it: three themes, two widths', function () {
  this.timeout(300_000);
  let vscode: VSCodeSession;
  let frame: FrameLocator;

  before(async function () {
    this.timeout(360_000);
    ({ vscode, frame } = await watchLeakyServer());
    await frame.locator('#types-table tbody tr [data-verdict=leak]').first().waitFor({ timeout: 180_000 });
    // The first leak explained (its sites and paths are in the report).
    await frame.locator('#types-table tbody tr', { has: frame.locator('[data-verdict=leak]') }).first().click();
    await frame.locator('ul.sites button.link').first().waitFor({ timeout: 60_000 });
  });

  afterEach(async function () {
    await screenshotIfFailed(this, vscode);
  });

  after(async () => {
    await vscode?.close();
  });

  it('the tab says what is watched: "Leak Watch · <launch configuration> (pid N)"', async () => {
    const tab = vscode.page.locator('.tabs-container .tab', { hasText: 'Leak Watch' }).locator('.label-name');
    assert.match((await tab.innerText()).trim(), /^Leak Watch · Leaky server \(pid \d+\)$/);
  });

  it('one order everywhere: the growth chart\'s legend reads each cause\'s first type in the table\'s order, then their other kept types', async () => {
    const legend = (await frame.locator('#growth-chart .u-legend .u-series:not(:first-child) .u-label').allInnerTexts()).map((t) => t.trim()).filter(Boolean);
    // The table by cause: each cause row, then its kept types' rows.
    const groups = await frame.locator('#types-table tbody tr.row-cause').evaluateAll((trs: PageElement[]) => trs.map((tr) => {
      const kept: string[] = [];
      for (let next = tr.nextElementSibling; next && next.classList.contains('row-kept'); next = next.nextElementSibling) kept.push(next.dataset.type);
      return kept;
    }));
    const expected: string[] = [];
    for (const name of [...groups.map((g: string[]) => g[0]), ...groups.flat()]) if (name && !expected.includes(name)) expected.push(name);
    assert.ok(legend.length >= 2, legend.join(', '));
    assert.deepEqual(legend, expected.slice(0, legend.length));
  });

  for (const theme of THEMES) {
    for (const width of WIDTHS) {
      it(`${theme.label}, ${width.name} width: the table fits without sideways scrolling and the selected verdict stays readable`, async () => {
        const { page } = vscode;
        await page.setViewportSize(width.viewport);
        if (!(await frame.locator(`body.${theme.bodyClass}`).count())) await setColorTheme(page, theme.label, theme.bodyClass, frame);
        await page.mouse.move(1, 1);
        const leakRow = frame.locator('#types-table tbody tr', { has: frame.locator('[data-verdict=leak]') }).first();
        await leakRow.click();
        await page.waitForTimeout(500); // the fit follows the resize
        const layout = await tableLayout(frame);
        // Every way the panel falls short, at once.
        const { expect, problems } = shortfalls();
        expect(layout.sideways.length === 0, `it scrolls sideways: ${layout.sideways.join('; ')}`);
        expect(layout.tableRight <= layout.boxRight + 1, `the table ends outside its box (${layout.tableRight} > ${layout.boxRight})`);
        expect(
          layout.dropOrder.length > 0 && layout.hidden.join(' ') === layout.dropOrder.slice(0, layout.hidden.length).join(' '),
          `columns drop out in the table's order (${layout.dropOrder.join(', ')}), not ${layout.hidden.join(', ')}`,
        );
        expect(!layout.lastDroppedFits, `the last column dropped (${layout.hidden.at(-1)}) would fit`);
        expect(layout.shown.slice(0, 2).join() === 'name,verdict', `Type and Verdict come first: ${layout.shown.join(', ')}`);
        // The growth columns: Rate at any width here, Δ too at the default width.
        const wanted = width.name === 'default' ? ['delta', 'rate'] : ['rate'];
        expect(wanted.every((c) => layout.shown.includes(c)), `at the ${width.name} width (${layout.panelWidth} px) ${wanted.join(' and ')} show: ${layout.shown.join(', ')}`);
        expect(layout.namesWithTooltips, 'every Type cell has the full name as its tooltip');
        expect(layout.nameEllipsis, 'a long name ends in an ellipsis');

        // Verdict badges: the selected row's keeps its colour, and every badge reads at 4.5:1.
        const badges = await frame.locator('#types-table tbody tr:has(.badge)').evaluateAll((trs) =>
          trs.slice(0, 14).map((tr: PageElement) => {
            const badge = tr.querySelector('.badge');
            const style = getComputedStyle(badge);
            return { verdict: badge.getAttribute('data-verdict') as string, selected: tr.getAttribute('aria-selected') === 'true', color: style.color as string, background: style.backgroundColor as string, row: getComputedStyle(tr).backgroundColor as string, page: getComputedStyle(document.body).backgroundColor as string };
          }),
        );
        const selected = badges.find((b) => b.selected);
        const other = badges.find((b) => !b.selected && b.verdict === 'leak');
        assert.ok(selected && other && selected.verdict === 'leak', 'a selected leak row and another leak row');
        expect(selected.color === other.color, `the selected leak badge keeps the leak colour (${selected.color}, not ${other.color})`);
        for (const b of badges) {
          // A transparent badge shows its row's background, a transparent row the page's.
          const transparent = (c: string) => /rgba\(.*,\s*0\)$/.test(c);
          const under = [b.background, b.row, b.page].find((c) => !transparent(c)) ?? b.page;
          const ratio = contrast(b.color, under);
          expect(ratio >= 4.5, `${b.verdict}${b.selected ? ' (selected)' : ''} badge: ${b.color} on ${under} is ${ratio.toFixed(2)}:1`);
        }
        const figure = await frame.locator('#heap-used').innerText();
        expect(/^\d+(\.\d+)?\u00a0(kB|MB|GB)$/.test(figure), `the heap figure in decimal units, the number held to its unit: "${figure}"`);
        assert.deepEqual(problems, []);

        await frame.locator('#heap-title').evaluate((e) => e.scrollIntoView({ block: 'start' }));
        await screenshot(page, `reading-${theme.slug}-${width.name}`);
        await frame.locator('#types-title').evaluate((e) => e.scrollIntoView({ block: 'start' }));
        await screenshot(page, `reading-${theme.slug}-${width.name}-table`);
      });
    }
  }

  it('README screenshot: Light+, default width, the panel beside the code, its headlines first', async () => {
    const { page } = vscode;
    await page.setViewportSize(WIDTHS[0].viewport);
    await frame.locator('body').evaluate((body: PageElement) => body.ownerDocument.scrollingElement.scrollTo(0, 0));
    await page.waitForTimeout(300);
    await screenshot(page, 'readme-screenshot');
  });

  for (const width of [...WIDTHS].reverse()) {
    it(`${width.name} width: a jump to an allocation site puts the cursor at the \`new\`, nothing selected, the line's start in view`, async () => {
      const { page } = vscode;
      await page.setViewportSize(width.viewport);
      await page.mouse.move(1, 1);
      // (The details are drawn again with each report: click() finds the button again if it was replaced.)
      await frame.locator('ul.sites button.link').first().click();
      const editor = page.locator('.monaco-editor.focused');
      await editor.waitFor({ timeout: 15_000 });
      await page.waitForTimeout(500);
      const state = await editor.evaluate((ed: PageElement) => ({
        left: ed.querySelector('.lines-content')?.style.left as string | undefined,
        selections: ed.querySelectorAll('.view-overlays .selected-text').length,
        cursor: (ed.querySelector('.cursor')?.getBoundingClientRect().left ?? -1) as number,
        right: ed.getBoundingClientRect().right as number,
      }));
      await screenshot(page, `reading-jump-${width.name}`);
      const { expect, problems } = shortfalls();
      expect(state.selections === 0, 'something is selected');
      expect(state.left === '0px' || state.left === '', `the editor is scrolled sideways (lines at left ${state.left})`);
      expect(state.cursor >= 0 && state.cursor < state.right, 'the cursor is out of view');
      assert.deepEqual(problems, []);
    });
  }

  for (const width of WIDTHS) {
    it(`${width.name} width: a hover's "Show the cause" link lands on the details heading below the sticky header; its numbers stay whole`, async () => {
      const { page } = vscode;
      await page.setViewportSize(width.viewport);
      await page.mouse.move(1, 1);
      await frame.locator('#types-table tbody tr', { has: frame.locator('[data-verdict=leak]') }).first().click();
      const addedAt = frame.locator('#cause-added button.link').first();
      await addedAt.waitFor({ timeout: 60_000 });
      await addedAt.click();
      // The panel scrolled away from the details, as after reading the charts.
      await frame.locator('#heap-title').evaluate((e) => e.scrollIntoView({ block: 'start' }));
      assert.ok(await hoverCursorLine(page, 'Fix:'), 'the Leak Watch hover shows');
      const hover = page.locator('.monaco-hover', { hasText: 'Fix:' }).first();
      // Every number with its unit sits on one line (a hover broke "479.3" as "47" / "9.3 KB/min").
      const broken = await hover.evaluate((root: PageElement) => {
        const out: string[] = [];
        const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
        for (let node = walker.nextNode(); node; node = walker.nextNode()) {
          const text: string = node.textContent ?? '';
          for (const m of text.matchAll(/[\d,.]+[\s\u00a0](B|kB|MB|GB)(\/min)?|[\d,.]{4,}/g)) {
            const range = document.createRange();
            range.setStart(node, m.index!);
            range.setEnd(node, m.index! + m[0].length);
            const tops = new Set(Array.from<PageElement>(range.getClientRects()).map((r) => Math.round(r.top)));
            if (tops.size > 1) out.push(m[0]);
          }
        }
        return out;
      });
      const hoverText = await hover.innerText();
      await page.waitForTimeout(400); // past the hover's fade-in
      await screenshot(page, width.name === 'default' ? 'readme-hover' : `reading-hover-${width.name}`);

      await hover.locator('a', { hasText: 'Show the cause in the Leak Watch panel' }).first().click();
      const heading = frame.locator('#details-heading');
      await heading.waitFor({ timeout: 10_000 });
      await page.mouse.move(1, 1); // the hover closes
      await page.waitForTimeout(800);
      const header = (await frame.locator('header.bar').boundingBox())!;
      const box = (await heading.boundingBox())!;
      await screenshot(page, `reading-revealed-${width.name}`);
      const { expect, problems } = shortfalls();
      expect(box.y >= header.y + header.height - 1, `the heading (top ${box.y}) is under the sticky header (bottom ${header.y + header.height})`);
      expect(box.y < header.y + header.height + 120, `the heading is not at the top of the view (top ${box.y})`);
      expect(broken.length === 0, `numbers broken across lines in the hover: ${broken.join(', ')}`);
      expect(/grows by \+[\d,.]+\/min \([\d.]+\s(B|kB|MB)\/min\)/.test(hoverText), `the growth in the hover: ${/grows by[^\n]*/.exec(hoverText)?.[0]}`);
      assert.deepEqual(problems, []);
    });
  }

  it('sentences of the analysis show code as code and numbers grouped', async () => {
    const evidence = frame.locator('#details ul.evidence, #details .fix-line');
    await evidence.first().waitFor({ timeout: 10_000 });
    const text = (await evidence.allInnerTexts()).join('\n');
    assert.doesNotMatch(text, /`/, 'no literal backticks');
    assert.ok((await evidence.locator('code').count()) > 0, 'code in the sentences is shown as code');
    assert.doesNotMatch(text, /(^|[\s(])\d{4,}(?![\d,.:])/m, `numbers of four digits and more are grouped: ${text}`);
  });

  it('once the program has ended, Save says it saves the last snapshot', async () => {
    const { page } = vscode;
    const save = frame.locator('#save');
    assert.equal((await save.innerText()).trim(), 'Save Snapshot');
    await runCommand(page, 'Debug: Stop');
    await frame.locator('#status-text').filter({ hasText: /^(Session ended|Stopped)/ }).waitFor({ timeout: 30_000 });
    await frame.locator('#save', { hasText: 'Save Last Snapshot' }).waitFor({ timeout: 10_000 });
    assert.equal(await save.isEnabled(), true, 'the last snapshot can still be saved');
    assert.match((await save.getAttribute('title'))!, /last heap snapshot/);
    await frame.locator('#heap-title').evaluate((e) => e.scrollIntoView({ block: 'start' }));
    await screenshot(page, 'reading-ended');
  });
});
