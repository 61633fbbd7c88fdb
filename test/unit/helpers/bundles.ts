// The bundles unit tests run as processes or threads of their own (the CLI and the inspector preload
// it loads into each program's process, the snapshot worker, its helper threads), built from the current sources once per test run as scripts/build.mjs builds
// them, so that no unit test depends on an earlier `npm run build`.
import { copyFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as esbuild from 'esbuild';

const root = join(__dirname, '../../..');
let built: { cli: string; worker: string; helper: string } | undefined;

/** The paths of the CLI, the snapshot worker and the helper threads' bundle (built on first call, about a second). */
export function builtBundles(): { cli: string; worker: string; helper: string } {
  if (built) return built;
  const outdir = mkdtempSync(join(tmpdir(), 'leak-watch-bundles-'));
  const version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;
  esbuild.buildSync({
    entryPoints: { cli: 'src/cli/main.ts', inspectorPreload: 'src/core/cdp/inspectorPreload.ts', snapshotWorker: 'src/core/worker/worker.ts', snapshotHelper: 'src/core/worker/helperThread.ts' },
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    sourcemap: true,
    define: { LEAK_WATCH_VERSION: JSON.stringify(version) },
    absWorkingDir: root,
    outdir,
    logLevel: 'error',
  });
  // source-map reads its WebAssembly beside the bundle.
  copyFileSync(join(root, 'node_modules/source-map/lib/mappings.wasm'), join(outdir, 'mappings.wasm'));
  built = { cli: join(outdir, 'cli.js'), worker: join(outdir, 'snapshotWorker.js'), helper: join(outdir, 'snapshotHelper.js') };
  return built;
}
