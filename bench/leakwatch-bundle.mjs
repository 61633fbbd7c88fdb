// Bundles Leak Watch's parser and whichever analysis modules exist into one CommonJS file for the
// bench driver, and the CLI with its snapshot worker, all from the current sources (esbuild).
import * as esbuild from 'esbuild';
import { execSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve as resolvePath } from 'node:path';

const require = createRequire(import.meta.url);

const root = new URL('..', import.meta.url).pathname;
const cache = join(root, 'bench/cache');

/** Modules of the analysis, in pipeline order; the parser is required, the rest optional. */
const MODULES = [
  ['src/core/heap/file.ts', ['parseSnapshotFile'], true],
  ['src/core/worker/edgeHelper.ts', ['parseFileOnTwoThreads'], false],
  ['src/core/analysis/pipeline.ts', ['GraphAnalysis'], false],
  ['src/core/worker/threadedEngine.ts', ['ThreadedEngine'], false],
  ['src/core/analysis/aggregate.ts', ['aggregateTypes'], false],
];

const common = { bundle: true, platform: 'node', format: 'cjs', target: 'node20', logLevel: 'silent', absWorkingDir: root };

/**
 * Builds bench/cache/leakwatch-bench.cjs; drops optional modules that are missing or do not build
 * (they are being written while the bench runs). Returns the list of modules included.
 */
export async function buildLeakWatchBundle() {
  let modules = MODULES.filter(([path]) => existsSync(join(root, path)));
  for (;;) {
    const contents =
      modules.map(([path, names]) => `export { ${names.join(', ')} } from './${path}';`).join('\n') +
      `\nexport const modules = ${JSON.stringify(modules.map(([p]) => p))};\n`;
    try {
      await esbuild.build({ ...common, stdin: { contents, resolveDir: root, loader: 'ts', sourcefile: 'bench-entry.ts' }, outfile: join(cache, 'leakwatch-bench.cjs') });
      return modules.map(([p]) => p);
    } catch (e) {
      const optional = modules.filter(([, , required]) => !required);
      if (optional.length === 0) throw e;
      const last = optional[optional.length - 1][0];
      console.warn(`bench: leaving ${last} out of the Leak Watch bundle, it does not build: ${String(e.message).split('\n').slice(0, 3).join(' ')}`);
      modules = modules.filter(([p]) => p !== last);
    }
  }
}

/** The snapshot worker's bundle and, where the sources have one, its helpers' (as scripts/build.mjs builds them). */
function workerEntries() {
  const helper = 'src/core/worker/helperThread.ts';
  return { snapshotWorker: 'src/core/worker/worker.ts', ...(existsSync(join(root, helper)) ? { snapshotHelper: helper } : {}) };
}

/** Builds the CLI and its snapshot worker into bench/cache/cli/; returns the CLI path, or null when it does not build. */
export async function buildCli() {
  const outdir = join(cache, 'cli');
  try {
    await esbuild.build({ ...common, entryPoints: { cli: 'src/cli/main.ts', ...workerEntries() }, outdir });
    return join(outdir, 'cli.js');
  } catch (e) {
    console.warn(`bench: the CLI does not build from the current sources (${String(e.message).split('\n')[0]})`);
    return null;
  }
}

/**
 * Builds bench/watch-run.ts against the sources of `rev` (a git revision; the working tree when
 * undefined) into bench/cache/watch-<name>/, with that tree's snapshot worker: the driver's imports
 * of src/ are redirected to `git archive <rev> src`. Returns the driver's path, or null.
 */
export async function buildWatchRun(name, rev) {
  const outdir = join(cache, `watch-${name}`);
  let srcDir = join(root, 'src');
  if (rev) {
    const tree = join(cache, `src-${rev}`);
    if (!existsSync(join(tree, 'src'))) {
      mkdirSync(tree, { recursive: true });
      execSync(`git archive ${rev} src | tar -x -C ${JSON.stringify(tree)}`, { cwd: root, shell: '/bin/bash' });
    }
    srcDir = join(tree, 'src');
  }
  const ownSrc = join(root, 'src');
  const redirect = {
    name: 'sources-of-rev',
    setup(build) {
      build.onResolve({ filter: /\/src\// }, (args) => {
        const target = resolvePath(args.resolveDir, args.path);
        if (!rev || !target.startsWith(ownSrc + '/')) return undefined;
        // An older tree may have had the file elsewhere (core/snapshot/ before heap/ and worker/).
        const relative = target.slice(ownSrc.length + 1);
        const file = [relative, relative.replace(/^core\/(heap|worker)\//, 'core/snapshot/')].map((r) => join(srcDir, r)).find((f) => existsSync(`${f}.ts`));
        return { path: file ? `${file}.ts` : require.resolve(join(srcDir, relative)) };
      });
    },
  };
  const inTree = (...names) => names.map((n) => join(srcDir, n)).find((f) => existsSync(f));
  const helper = inTree('core/worker/helperThread.ts', 'core/snapshot/helperThread.ts');
  const worker = inTree('core/worker/worker.ts', 'core/snapshot/worker.ts');
  try {
    await esbuild.build({
      ...common,
      entryPoints: { 'watch-run': join(root, 'bench/watch-run.ts') },
      outdir,
      plugins: [redirect],
    });
    await esbuild.build({
      ...common,
      entryPoints: { snapshotWorker: worker, ...(helper ? { snapshotHelper: helper } : {}) },
      outdir,
    });
    return join(outdir, 'watch-run.js');
  } catch (e) {
    console.warn(`bench: the watch run (${name}) does not build (${String(e.message).split('\n')[0]})`);
    return null;
  }
}

/** Builds the signal measurement (bench/watch-signals.ts) and the snapshot worker into bench/cache/cli/; returns their paths by name, or null. */
export async function buildWatchBench() {
  const outdir = join(cache, 'cli');
  const entries = Object.fromEntries(['watch-signals'].filter((n) => existsSync(join(root, `bench/${n}.ts`))).map((n) => [n, `bench/${n}.ts`]));
  try {
    await esbuild.build({ ...common, entryPoints: { ...entries, ...workerEntries() }, outdir });
    return Object.fromEntries(Object.keys(entries).map((n) => [n, join(outdir, `${n}.js`)]));
  } catch (e) {
    console.warn(`bench: the watch benchmark does not build from the current sources (${String(e.message).split('\n')[0]})`);
    return null;
  }
}

/** Builds bench/stream-sample.ts (and the snapshot worker it starts) into bench/cache/cli/; returns its path, or null. */
export async function buildStreamSample() {
  const outdir = join(cache, 'cli');
  try {
    await esbuild.build({ ...common, entryPoints: { 'stream-sample': 'bench/stream-sample.ts', ...workerEntries() }, outdir });
    return join(outdir, 'stream-sample.js');
  } catch (e) {
    console.warn(`bench: the streaming measurement does not build from the current sources (${String(e.message).split('\n')[0]})`);
    return null;
  }
}
