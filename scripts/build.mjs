// Builds every bundle with esbuild: the extension host (cjs, `vscode` external), the snapshot
// worker and its helper threads' smaller bundle, the webview (browser), the CLI, and the extension-host test suites; first the parser's
// WebAssembly modules (scripts/wasm.mjs).
import * as esbuild from 'esbuild';
import { readdirSync, readFileSync, statSync, mkdirSync, copyFileSync, chmodSync } from 'node:fs';
import { join, relative } from 'node:path';
import { buildWasm } from './wasm.mjs';

const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');
const root = new URL('..', import.meta.url).pathname;
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

const node = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: true,
  minify: production,
  logLevel: 'warning',
  absWorkingDir: root,
};

/** Every *.ts file under dir (recursively). */
function tsFiles(dir) {
  const out = [];
  for (const name of readdirSync(join(root, dir))) {
    const p = join(dir, name);
    if (statSync(join(root, p)).isDirectory()) out.push(...tsFiles(p));
    else if (p.endsWith('.ts')) out.push(p);
  }
  return out;
}

const configs = [
  { ...node, entryPoints: { extension: 'src/extension/extension.ts' }, outdir: 'dist', external: ['vscode'], define: { LEAK_WATCH_VERSION: JSON.stringify(pkg.version) } },
  { ...node, entryPoints: { snapshotWorker: 'src/core/worker/worker.ts', snapshotHelper: 'src/core/worker/helperThread.ts' }, outdir: 'dist' },
  {
    ...node,
    // The inspector preload is loaded into each Node process of a command that `run` starts.
    entryPoints: { cli: 'src/cli/main.ts', inspectorPreload: 'src/core/cdp/inspectorPreload.ts' },
    outdir: 'dist',
    banner: { js: '#!/usr/bin/env node' },
    define: { LEAK_WATCH_VERSION: JSON.stringify(pkg.version) },
  },
  {
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    sourcemap: true,
    minify: production,
    logLevel: 'warning',
    absWorkingDir: root,
    entryPoints: { webview: 'src/webview/main.ts' },
    outdir: 'dist',
    loader: { '.css': 'css', '.ttf': 'file' },
  },
];

if (!production) {
  // Extension-host suites: each file becomes one CommonJS module that the test runner loads.
  const suites = tsFiles('test/integration').filter((f) => !f.endsWith('.d.ts'));
  if (suites.length) {
    configs.push({
      ...node,
      entryPoints: suites,
      outdir: 'out',
      outbase: '.',
      external: ['vscode', 'mocha'],
    });
  }
}

// The parser's WebAssembly (src/**/*.wat) into the TypeScript modules the bundles import.
for (const f of await buildWasm()) console.log(`build: ${f} regenerated`);

mkdirSync(join(root, 'dist'), { recursive: true });
// Codicons are shipped with the webview as a font and stylesheet.
const codicons = join(root, 'node_modules/@vscode/codicons/dist');
copyFileSync(join(codicons, 'codicon.css'), join(root, 'dist/codicon.css'));
copyFileSync(join(codicons, 'codicon.ttf'), join(root, 'dist/codicon.ttf'));
// source-map reads its WebAssembly from beside the bundle that imports it (the worker maps sites to .ts lines).
copyFileSync(join(root, 'node_modules/source-map/lib/mappings.wasm'), join(root, 'dist/mappings.wasm'));

if (watch) {
  const contexts = await Promise.all(configs.map((c) => esbuild.context(c)));
  await Promise.all(contexts.map((c) => c.watch()));
  console.log('build: watching', configs.length, 'bundles');
} else {
  const t0 = Date.now();
  await Promise.all(configs.map((c) => esbuild.build(c)));
  chmodSync(join(root, 'dist/cli.js'), 0o755);
  console.log(`build: ${configs.length} bundles in ${Date.now() - t0} ms`);
}
void relative;
