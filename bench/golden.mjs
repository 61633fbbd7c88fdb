// Pins what the analysis answers, so that a change to how it is computed can be shown to change
// nothing: the CLI's JSON report and text (and the worker's answers through its host-side client,
// bench/golden-driver.ts) for the bench's synthetic heaps and for snapshots of every fixture
// program, compared with saved goldens. Timing fields are left out of the comparison.
//   node bench/golden.mjs [--sizes 30,150] [--save] [--only substring]
//   --sizes   synthetic heap sizes in MB (default 30,150; 600 once before a change is done)
//   --save    write the goldens (the first time, or after a change that is meant to change them)
//   --only    only the cases whose name contains this
// Everything lives in bench/cache/golden/ (git-ignored): the fixtures' snapshots are taken once
// (`leak-watch run --save-snapshots`, four samples; each fixture plain and with --precise-sites) and
// kept, since a program's snapshots differ from run to run; goldens are keyed by the snapshots'
// content. The synthetic heaps are the bench's (bench/cache/, generated as `npm run bench` does).
// Exit code 0 when every case matches, 1 when one differs (its diff is printed) or fails.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as esbuild from 'esbuild';

const root = new URL('..', import.meta.url).pathname;
const cache = join(root, 'bench/cache');
const home = join(cache, 'golden');
const build = join(home, 'build');
const expectedDir = join(home, 'expected');
const actualDir = join(home, 'actual');
/**
 * The inputs are named through this link to bench/cache, the same in every checkout, so that the
 * reports (which name their files, and cut long descriptions) compare across checkouts.
 */
const inputs = join(tmpdir(), 'leak-watch-golden-inputs');

const { values: opt } = parseArgs({
  options: { sizes: { type: 'string', default: '30,150' }, save: { type: 'boolean', default: false }, only: { type: 'string' } },
});
const sizes = opt.sizes === 'none' ? [] : opt.sizes.split(',').map(Number);

/** The CLI, the snapshot worker and its helper, and the driver, bundled from the current sources. */
async function buildAll() {
  const worker = ['src/core/worker/worker.ts', 'src/core/snapshot/worker.ts'].find((p) => existsSync(join(root, p)));
  const helper = ['src/core/worker/helperThread.ts', 'src/core/snapshot/helperThread.ts'].find((p) => existsSync(join(root, p)));
  await esbuild.build({
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    logLevel: 'warning',
    absWorkingDir: root,
    entryPoints: {
      cli: 'src/cli/main.ts',
      'golden-driver': 'bench/golden-driver.ts',
      snapshotWorker: worker,
      ...(helper ? { snapshotHelper: helper } : {}),
      // `run` loads it into the program it starts (revisions before it have none).
      ...(existsSync(join(root, 'src/core/cdp/inspectorPreload.ts')) ? { inspectorPreload: 'src/core/cdp/inspectorPreload.ts' } : {}),
    },
    outdir: build,
  });
  // As scripts/build.mjs does: source-map reads its WebAssembly beside the bundle.
  copyFileSync(join(root, 'node_modules/source-map/lib/mappings.wasm'), join(build, 'mappings.wasm'));
}

function node(args, options = {}) {
  const r = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8', maxBuffer: 1 << 30, ...options });
  if (r.status !== 0) throw new Error(`node ${args.join(' ')} exited ${r.status ?? r.signal}: ${(r.stderr || '').slice(-2000)}`);
  return r;
}

// --- the inputs ---------------------------------------------------------------------------------

/** The bench's synthetic heap of `mb` MB (bench/run.mjs names and generates them; here the newest is taken). */
function syntheticHeap(mb) {
  const find = () =>
    existsSync(cache)
      ? readdirSync(cache)
          .filter((f) => f.startsWith(`synthetic-${mb}mb-`) && f.endsWith('.heapsnapshot'))
          .map((f) => join(cache, f))
          .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0]
      : undefined;
  if (!find()) {
    console.log(`golden: generating the ${mb} MB heap (npm run bench does the same) …`);
    node([join(root, 'bench/run.mjs'), '--sizes', String(mb), '--tools', 'leakwatch-parse', '--runs', '1', '--no-alloc', '--stream-sizes', 'none'], { stdio: 'ignore' });
  }
  const file = find();
  if (!file) throw new Error(`no ${mb} MB heap in bench/cache`);
  return file;
}

/** Every fixture program (test/fixtures/*.js, which run for ever on a timer). */
function fixturePrograms() {
  const dir = join(root, 'test/fixtures');
  return readdirSync(dir)
    .filter((f) => /^(leak|ok)-.*\.js$/.test(f))
    .sort()
    .map((f) => ({ name: f.replace(/\.js$/, ''), file: join(dir, f) }));
}

/**
 * Four snapshots of a fixture, taken once by the CLI and kept (a runaway heap's watch stops itself
 * sooner: the snapshots it saved, two at least).
 */
function fixtureSnapshots(fixture, precise) {
  const dir = join(home, 'fixtures', `${fixture.name}${precise ? '-precise' : ''}`);
  const saved = () => (existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.heapsnapshot')).sort().map((f) => join(dir, f)) : []);
  if (existsSync(join(dir, 'taken')) || saved().length === 4) return saved();
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  console.log(`golden: taking four snapshots of ${fixture.name}${precise ? ' with allocation stacks' : ''} …`);
  const r = spawnSync(process.execPath, [join(build, 'cli.js'), 'run', '--samples', '4', '--interval', '1', '-q', '--save-snapshots', dir, ...(precise ? ['--precise-sites'] : []), '--', process.execPath, fixture.file], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const files = saved();
  if (files.length < 2 || (files.length < 4 && !/runs? away|running away/i.test(r.stderr))) {
    throw new Error(`${fixture.name}: ${files.length} snapshots saved (exit ${r.status ?? r.signal}): ${(r.stderr || '').slice(-1000)}`);
  }
  writeFileSync(join(dir, 'taken'), `${files.length}\n`);
  return files;
}

// --- the answers --------------------------------------------------------------------------------

/** Keys whose values are wall-clock or timing measurements: left out of the comparison. */
const TIMING = new Set(['startedAt', 'savedAt', 'time', 'analysisMs', 'pauseMs']);

function stripTiming(value) {
  if (Array.isArray(value)) return value.map(stripTiming);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).filter(([k]) => !TIMING.has(k)).map(([k, v]) => [k, stripTiming(v)]));
  return value;
}

/** A cached input as the reports name it (through `inputs`). */
const named = (files) => files.map((f) => f.split(cache).join(inputs));

/** The CLI's `analyze`: its JSON report (timing left out) and its text (the timing line's figures left out). */
function cliAnalyze(files) {
  const r = node([join(build, 'cli.js'), 'analyze', ...named(files), '--json', '-', '-q', '--top', '40']);
  const text = r.stderr.replace(/last pause \d+ ms, analysis [\d.]+ ms/g, 'last pause … ms, analysis … ms').replace(/analysis [\d.]+ ms/g, 'analysis … ms');
  return { report: stripTiming(JSON.parse(r.stdout)), text };
}

function driver(mode, files) {
  return stripTiming(JSON.parse(node([join(build, 'golden-driver.js'), mode, ...named(files)]).stdout));
}

/** A case's inputs are part of its key: goldens of other snapshots are never compared. */
function inputKey(files) {
  const h = createHash('sha1');
  for (const f of files) h.update(readFileSync(f));
  return h.digest('hex').slice(0, 12);
}

function cases() {
  const out = [];
  for (const mb of sizes) {
    const file = () => [syntheticHeap(mb)];
    out.push({ name: `synthetic-${mb}mb-cli`, files: file, run: (f) => cliAnalyze(f) });
    out.push({ name: `synthetic-${mb}mb-worker`, files: file, run: (f) => driver('files', f) });
    out.push({ name: `synthetic-${mb}mb-stream`, files: file, run: (f) => driver('stream', f) });
  }
  for (const fixture of fixturePrograms()) {
    for (const precise of [false, true]) {
      const name = `${fixture.name}${precise ? '-precise' : ''}`;
      const files = () => fixtureSnapshots(fixture, precise);
      out.push({ name: `${name}-cli`, files, run: (f) => cliAnalyze(f) });
      out.push({ name: `${name}-last-cli`, files: () => files().slice(-1), run: (f) => cliAnalyze(f) });
      out.push({ name: `${name}-stream`, files, run: (f) => driver('stream', f) });
      out.push({ name: `${name}-worker`, files, run: (f) => driver('files', f) });
    }
  }
  return opt.only ? out.filter((c) => c.name.includes(opt.only)) : out;
}

/** The first lines where two texts differ, for the log. */
function firstDifference(expected, actual) {
  const a = expected.split('\n');
  const b = actual.split('\n');
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (a[i] !== b[i]) return `line ${i + 1}:\n  golden: ${(a[i] ?? '(none)').slice(0, 400)}\n  now:    ${(b[i] ?? '(none)').slice(0, 400)}`;
  }
  return 'identical';
}

await buildAll();
rmSync(inputs, { force: true });
symlinkSync(cache, inputs);
mkdirSync(expectedDir, { recursive: true });
mkdirSync(actualDir, { recursive: true });
let failed = 0;
let same = 0;
let saved = 0;
for (const c of cases()) {
  const started = Date.now();
  let text;
  let key;
  try {
    const files = c.files();
    key = inputKey(files);
    // The inputs' own folder is named as such, so that goldens compare across checkouts.
    text = `${JSON.stringify(c.run(files), null, 1)}\n`.split(inputs).join('<cache>');
  } catch (e) {
    failed++;
    console.log(`FAIL   ${c.name}: ${e.message}`);
    continue;
  }
  const golden = join(expectedDir, `${c.name}.${key}.json`);
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (opt.save) {
    writeFileSync(golden, text);
    saved++;
    console.log(`saved  ${c.name} (${seconds} s)`);
    continue;
  }
  if (!existsSync(golden)) {
    failed++;
    console.log(`NONE   ${c.name}: no golden for these snapshots (run with --save first)`);
    continue;
  }
  const expected = readFileSync(golden, 'utf8');
  if (expected === text) {
    same++;
    console.log(`same   ${c.name} (${seconds} s)`);
    continue;
  }
  failed++;
  const actual = join(actualDir, `${c.name}.${key}.json`);
  writeFileSync(actual, text);
  console.log(`DIFF   ${c.name}: ${firstDifference(expected, text)}\n       (diff ${golden} ${actual})`);
}
console.log(opt.save ? `golden: ${saved} saved, ${failed} failed` : `golden: ${same} the same, ${failed} not`);
process.exit(failed ? 1 : 0);
