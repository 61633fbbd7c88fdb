// The npm package: `npm pack` gives a tarball whose global install, or `npx`, runs the CLI on a
// machine with only Node. Installed offline with a fresh cache and prefix (so nothing may come from
// a registry), it is run from a folder outside the repository on a TypeScript program, whose leak
// must land on its .ts line (the worker bundle and source-map's WebAssembly shipped beside the CLI).
import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseSavedWatch } from '../../../src/core/savedWatch';
import { FIXTURES_DIR, markerLine } from '../../fixtures';
import { assertNothingLeft, endLeftBehind, newMark } from './support';

const REPO = join(__dirname, '../../..');
const PACKAGE = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { name: string; version: string; private?: boolean; dependencies?: object };
/** What the CLI reads at run time; nothing else goes in the package. */
const SHIPPED = ['LICENSE', 'README.md', 'package.json', 'dist/cli.js', 'dist/inspectorPreload.js', 'dist/snapshotWorker.js', 'dist/snapshotHelper.js', 'dist/mappings.wasm'];

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command with an environment of Node alone on the PATH (no repository paths, no NODE_OPTIONS). */
function run(command: string, args: string[], cwd: string, extra: NodeJS.ProcessEnv = {}): Promise<Ran> {
  const env: NodeJS.ProcessEnv = { PATH: [dirname(process.execPath), '/usr/bin', '/bin'].join(':'), HOME: cwd, ...extra };
  return new Promise((resolve) => {
    execFile(command, args, { cwd, env, timeout: 150_000, maxBuffer: 64 << 20 }, (error, stdout, stderr) => {
      const code = error ? ((error as { code?: unknown }).code as number | null) : 0;
      resolve({ code: typeof code === 'number' ? code : null, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

describe('the npm package', function () {
  this.timeout(240_000);
  const dir = mkdtempSync(join(tmpdir(), 'leak-watch-package-'));
  const npm = join(dirname(process.execPath), 'npm');
  const npx = join(dirname(process.execPath), 'npx');
  let tarball = '';
  const mark = newMark();

  before(function () {
    if (!existsSync(join(REPO, 'dist/cli.js'))) throw new Error('dist/cli.js is missing: run `npm run build` first');
    if (!existsSync(npm) || !existsSync(npx)) this.skip(); // npm is not beside this node
  });

  after(() => {
    endLeftBehind(mark);
    rmSync(dir, { recursive: true, force: true });
  });

  it('npm pack: the CLI and the files it reads at run time, nothing else, and no dependency to fetch', async () => {
    assert.equal(PACKAGE.private, undefined, 'not private');
    assert.equal(PACKAGE.dependencies, undefined, 'the bundles hold their libraries');
    // The bundles the tests built (prepack makes production ones; --ignore-scripts keeps these).
    const r = await run(npm, ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], REPO, { npm_config_cache: join(dir, 'pack-cache') });
    assert.equal(r.code, 0, r.stderr);
    const [packed] = JSON.parse(r.stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
    assert.deepEqual(packed.files.map((f) => f.path).sort(), [...SHIPPED].sort());
    tarball = join(dir, packed.filename);
    assert.ok(existsSync(tarball));
  });

  it('a global install from the tarball, offline with a fresh cache, runs the CLI outside the repository: run, its .ts line, compare', async () => {
    assert.ok(tarball, 'the tarball from the test before');
    const prefix = join(dir, 'prefix');
    const offline = { npm_config_cache: join(dir, 'install-cache'), npm_config_offline: 'true', npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' };
    const install = await run(npm, ['install', '--global', '--prefix', prefix, tarball], dir, offline);
    assert.equal(install.code, 0, install.stderr);
    const cli = join(prefix, 'bin', 'leak-watch');
    const version = await run(cli, ['--version'], dir);
    assert.equal(version.stdout.trim(), PACKAGE.version, version.stderr);

    // A TypeScript program with its map, in a folder of its own.
    const work = join(dir, 'work');
    mkdirSync(work);
    for (const name of ['leak-session-ts.js', 'leak-session-ts.js.map', 'leak-session-ts.ts']) copyFileSync(join(FIXTURES_DIR, name), join(work, name));
    const watched = await run(cli, ['run', '--samples', '5', '--interval', '0.5', '-q', '--json', 'run.leakwatch.json', '--', 'node', 'leak-session-ts.js'], work, { LEAK_WATCH_TEST_MARK: mark });
    await assertNothingLeft(mark, undefined, 2000);
    assert.equal(watched.code, 0, watched.stderr);
    const saved = parseSavedWatch(readFileSync(join(work, 'run.leakwatch.json'), 'utf8'));
    assert.equal(saved.watch?.leakWatchVersion, PACKAGE.version);
    const cause = saved.causes?.find((c) => c.kept[0]?.type === 'Session');
    assert.equal(cause?.addedAt?.file, join(work, 'leak-session-ts.ts'), 'source-mapped by the installed worker');
    assert.ok(cause?.allocationSites[0]?.line === markerLine(join(work, 'leak-session-ts.ts'), '// leak-watch: alloc Session'), JSON.stringify(cause?.allocationSites[0]));
    // A run compared with itself: the leak is still there.
    const compared = await run(cli, ['compare', 'run.leakwatch.json', 'run.leakwatch.json'], work);
    assert.equal(compared.code, 3, compared.stdout + compared.stderr);
    assert.match(compared.stdout, /^STILL LEAKING\s+Session kept by the array openSessions/m);
  });

  it('npx of the tarball, offline with a fresh cache, runs the CLI', async () => {
    assert.ok(tarball, 'the tarball from the first test');
    const r = await run(npx, ['--yes', '--package', tarball, 'leak-watch', '--help'], dir, { npm_config_cache: join(dir, 'npx-cache'), npm_config_offline: 'true', npm_config_update_notifier: 'false' });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /leak-watch compare <before\.leakwatch\.json> <after\.leakwatch\.json>/);
  });
});
