// Bundles Leak Watch's parser and whichever analysis modules exist into one CommonJS file for the
// bench driver, and the CLI with its snapshot worker, all from the current sources (esbuild).
import * as esbuild from 'esbuild';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

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
