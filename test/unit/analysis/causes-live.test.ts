/**
 * Causes on real programs: each cause fixture runs under the real CLI (`leak-watch run`, the real
 * inspector, real snapshots); a leak fixture gets exactly one `leak` cause that names its holder
 * (variable, listener and event, timer), the line that adds to it (the `.ts` line for built
 * TypeScript), the program's class first among the kept types and its `new` line; a control gets
 * no cause. The mean number of `leak` entries per leak fixture, by cause and by type, is printed.
 */
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Report } from '../../../src/core/report';
import { CAUSE_FIXTURES, CAUSE_FIXTURES_DIR } from '../../fixtures/causes/index';
import { builtBundles } from '../helpers/bundles';

const CLI = builtBundles().cli;

/** Runs `leak-watch run --samples 5 --interval 0.6 --json FILE -- node [nodeArgs] <file>` and reads the report. */
async function watchReport(file: string, nodeArgs: string[] = [], samples = 5): Promise<Report> {
  const dir = mkdtempSync(join(tmpdir(), 'leak-watch-causes-'));
  const json = join(dir, 'report.json');
  try {
    await new Promise<void>((resolve, reject) => {
      const child = spawn(process.execPath, [CLI, 'run', '--samples', String(samples), '--interval', '0.6', '--json', json, '-q', '--', process.execPath, ...nodeArgs, file], { stdio: ['ignore', 'ignore', 'pipe'] });
      let err = '';
      child.stderr.on('data', (d) => (err += d));
      const timer = setTimeout(() => child.kill('SIGKILL'), 360_000);
      child.on('exit', (code) => {
        clearTimeout(timer);
        if (code === 0) resolve();
        else reject(new Error(`leak-watch exited ${code}: ${err}`));
      });
    });
    return JSON.parse(readFileSync(json, 'utf8')) as Report;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const measured: { name: string; causes: number; types: number }[] = [];

describe('causes on real programs', function () {
  this.timeout(400_000);

  after(() => {
    if (!measured.length) return;
    const mean = (k: 'causes' | 'types') => (measured.reduce((s, m) => s + m[k], 0) / measured.length).toFixed(2);
    console.log(`      leak entries per leak fixture (${measured.length}): causes ${mean('causes')}, types ${mean('types')}; ${measured.map((m) => `${m.name} ${m.causes}/${m.types}`).join(', ')}`);
  });

  for (const f of CAUSE_FIXTURES) {
    if (f.kind === 'control') {
      it(`${f.name}: no cause`, async () => {
        const report = await watchReport(f.file);
        assert.deepEqual((report.causes ?? []).map((c) => c.title), []);
      });
      continue;
    }
    const x = f.expect!;
    it(`${f.name}: one leak cause, ${x.holder}${x.variable ? ` ${x.variable}` : ''}${x.event ? ` '${x.event}'` : ''}, added at line ${x.addsLine}, keeps ${x.keeps} first`, async () => {
      await f.build?.();
      const started = Date.now();
      const report = await watchReport(f.file, f.nodeArgs, f.samples);
      const tookS = (Date.now() - started) / 1000;
      if (f.maxSeconds) assert.ok(tookS <= f.maxSeconds, `the run and its report took ${tookS.toFixed(1)} s (at most ${f.maxSeconds})`);
      const leaks = (report.causes ?? []).filter((c) => c.verdict === 'leak');
      measured.push({ name: f.name, causes: leaks.length, types: report.types.filter((t) => t.verdict === 'leak').length });
      const summary = JSON.stringify((report.causes ?? []).map((c) => ({ v: c.verdict, title: c.title, at: c.addedAt, kept: c.kept.map((k) => k.type) })), null, 1);
      assert.equal(leaks.length, 1, summary);
      const [cause] = leaks;
      assert.equal(cause.holder.kind, x.holder, summary);
      if (x.backRefLine) {
        // The fix's line: where the back-reference is made (`this.parent = parent`).
        assert.deepEqual([cause.backReference?.edge, cause.backReference?.site?.file, cause.backReference?.site?.line], ['parent', x.source, x.backRefLine], JSON.stringify(cause.backReference));
        assert.match(cause.fix, /WeakRef/);
      }
      if (x.variable) assert.equal(cause.holder.variable, x.variable, summary);
      if (x.event) assert.equal(cause.holder.event, x.event, summary);
      if (x.inLibrary !== undefined) assert.equal(cause.holder.inLibrary, x.inLibrary);
      assert.equal(cause.kept[0].type, x.keeps, summary);
      assert.equal(cause.kept[0].origin, x.keepsShape ? 'shape' : x.keepsLibraryClass ? 'library' : 'user');
      assert.deepEqual([cause.addedAt?.file, cause.addedAt?.line], [x.source, x.addsLine], summary);
      if (x.call) assert.equal(cause.addedAt?.call, x.call, summary);
      if (x.allocLine) assert.deepEqual([cause.allocationSites[0]?.file, cause.allocationSites[0]?.line], [x.source, x.allocLine], JSON.stringify(cause.allocationSites));
      if (x.declaresLine && cause.holder.declaredAt) assert.deepEqual([cause.holder.declaredAt.file, cause.holder.declaredAt.line], [x.source, x.declaresLine]);
      assert.ok(!/→|\[\]|\(closure\)/.test(cause.title), `plain words: ${cause.title}`);
      assert.ok(cause.fix.length > 20);
      if (x.fix) assert.match(cause.fix, x.fix);
      assert.ok(cause.retainedBytes >= cause.newBytes * 0.5, `${cause.retainedBytes} retained for ${cause.newBytes} new`);
      // The path's plumbing is folded into one labelled step at most, before the program's own steps.
      const folded = cause.path.steps.filter((s) => s.folded);
      assert.ok(folded.length <= 1 && (folded.length === 0 || cause.path.steps[0].folded), JSON.stringify(cause.path.steps.map((s) => s.label ?? s.edge)));
      assert.ok(cause.path.holderIndex >= 0);
      // A module's top-level variable starts the path: how its scope was reached folds into one step naming the module.
      const atModule = cause.path.steps.findIndex((s) => s.variable?.scope?.startsWith('module scope of '));
      assert.ok(atModule <= 0 || (atModule === 1 && cause.path.steps[0].folded), JSON.stringify(cause.path.steps.map((s) => s.label ?? s.edge)));
      // A timer among the folded edges keeps the fold named for it (the setInterval call), module or not.
      const first = cause.path.steps[0];
      if (first.folded?.some((e) => e.to === 'Timeout' || e.from === 'Timeout')) assert.match(first.label ?? '', /^kept alive by a timer/, JSON.stringify(cause.path.steps.map((s) => s.label ?? s.edge)));
      if (x.pathFrom) assert.match(cause.path.steps[0].label ?? cause.path.steps[0].edge, x.pathFrom, JSON.stringify(cause.path.steps.map((s) => s.label ?? s.edge)));
      // The cause's own growth: its first kept type's objects born in every interval, at a rate.
      assert.ok(cause.growth && cause.growth.intervalsGrowing >= cause.growth.intervals - 1 && cause.growth.objectsPerMinute > 0 && cause.growth.type === cause.kept[0].type, JSON.stringify(cause.growth));
    });
  }

  it('a cause keeps its id when a line is inserted above the line that adds to its holder (a fix)', async () => {
    const source = readFileSync(join(CAUSE_FIXTURES_DIR, 'http-listeners.js'), 'utf8');
    const dir = mkdtempSync(join(tmpdir(), 'leak-watch-cause-id-'));
    try {
      const plain = join(dir, 'server.js');
      const edited = join(dir, 'server-edited.js');
      writeFileSync(plain, source);
      // Both files are named alike in the id only through their own path: compare the rest.
      writeFileSync(edited, source.replace(/^(\s*)(configEmitter\.on\('reload')/m, "$1res.setHeader('x-served-by', 'leak-watch');\n$1$2"));
      const [a, b] = await Promise.all([watchReport(plain), watchReport(edited)]);
      const leakOf = (r: Report) => (r.causes ?? []).find((c) => c.verdict === 'leak');
      const [x, y] = [leakOf(a), leakOf(b)];
      assert.ok(x && y, JSON.stringify([a.causes, b.causes]));
      assert.equal(y.addedAt!.line, x.addedAt!.line + 1);
      assert.equal(y.id.replace(edited, plain), x.id);
      assert.ok(!/:\d+$/.test(x.id) && x.id.includes("configEmitter.on('reload'"), x.id);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
