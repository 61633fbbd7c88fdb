// `npm test [-- unit|integration|e2e ...]`: builds, then runs each test layer in order (all three by
// default), going on after a failing layer and exiting non-zero if any failed. Every layer ends with
// a plain `<layer>: N passed, N failed` line (scripts/mocha-counts-reporter.cjs) and its duration.
//   unit         mocha on test/unit/**/*.test.ts in plain Node
//   integration  mocha inside a real VS Code extension host (scripts/run-integration.mjs)
//   e2e          mocha + playwright-core driving the real workbench (test/e2e/**/*.test.ts)
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ensureVSCodeTools, repoRoot } from './code-server.mjs';

const mochaBin = join(repoRoot, 'node_modules/mocha/bin/mocha.js');
const reporter = join(repoRoot, 'scripts/mocha-counts-reporter.cjs');
const color = process.stdout.isTTY ? ['--color'] : [];

/** How each layer is run: a command line in the repository root. */
const layers = {
  unit: [mochaBin, '--reporter', reporter, '--reporter-option', 'layer=unit', ...color, 'test/unit/**/*.test.ts'],
  integration: [join(repoRoot, 'scripts/run-integration.mjs')],
  e2e: [
    mochaBin, '--reporter', reporter, '--reporter-option', 'layer=e2e', ...color,
    '--timeout', '180000', '--exit', 'test/e2e/**/*.test.ts',
  ],
};

const requested = process.argv.slice(2);
const unknown = requested.filter((name) => !(name in layers));
if (unknown.length) {
  console.error(`test: unknown layer ${unknown.join(', ')}; choose from ${Object.keys(layers).join(', ')}`);
  process.exit(2);
}
const selected = requested.length ? requested : Object.keys(layers);

const build = spawnSync(process.execPath, [join(repoRoot, 'scripts/build.mjs')], { cwd: repoRoot, stdio: 'inherit' });
if (build.status !== 0) {
  console.error('test: the build failed; no tests were run');
  process.exit(1);
}

// The integration and E2E layers need the real VS Code (installed once, cached).
if (selected.some((name) => name !== 'unit')) {
  try {
    ensureVSCodeTools();
  } catch (err) {
    console.error(`test: ${err instanceof Error ? err.message : err}`);
  }
}

/** Runs one layer, echoing its output, and reads its closing counts line. */
function runLayer(name) {
  return new Promise((resolveLayer) => {
    const started = Date.now();
    const child = spawn(process.execPath, layers[name], { cwd: repoRoot, stdio: ['inherit', 'pipe', 'pipe'] });
    const countsLine = new RegExp(`^${name}: (\\d+) passed, (\\d+) failed`, 'm');
    let counts = null;
    let tail = '';
    const watch = (stream, out) =>
      stream.on('data', (data) => {
        out.write(data);
        tail = (tail + data.toString()).slice(-4096);
        const m = countsLine.exec(tail.replace(/\x1b\[[0-9;]*m/g, ''));
        if (m) counts = { passed: Number(m[1]), failed: Number(m[2]) };
      });
    watch(child.stdout, process.stdout);
    watch(child.stderr, process.stderr);
    child.on('close', (code, signal) => {
      const seconds = (Date.now() - started) / 1000;
      if (!counts) {
        // The runner died before reporting (a suite that does not load, VS Code that did not start).
        counts = { passed: 0, failed: 1 };
        console.log(`${name}: 0 passed, 1 failed (the runner exited with ${code ?? signal} before reporting)`);
      }
      const ok = code === 0 && counts.failed === 0;
      console.log(`${name}: ${ok ? 'ok' : 'FAILED'} in ${seconds.toFixed(1)} s`);
      resolveLayer({ name, ok, seconds, ...counts });
    });
  });
}

const results = [];
for (const name of selected) {
  console.log(`\n=== ${name} ===`);
  results.push(await runLayer(name));
}
console.log('\nsummary:');
for (const r of results) {
  console.log(`  ${r.name.padEnd(12)} ${r.ok ? 'ok    ' : 'FAILED'} ${String(r.passed).padStart(4)} ok, ${String(r.failed).padStart(3)} not ok  ${r.seconds.toFixed(1).padStart(6)} s`);
}
process.exit(results.every((r) => r.ok) ? 0 : 1);
