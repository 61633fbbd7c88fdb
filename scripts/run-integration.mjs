// Runs the extension-host suites (out/test/integration, built by scripts/build.mjs) in a real VS Code
// through @vscode/test-electron's runTests(). Here VS Code is the project's launcher
// (scripts/vscode-launcher.mjs: code-server + headless chromium); with LEAK_WATCH_VSCODE=desktop,
// runTests downloads VS Code desktop instead (LEAK_WATCH_VSCODE_VERSION, default "stable").
import { join } from 'node:path';
import { runTests } from '@vscode/test-electron';
import { repoRoot } from './code-server.mjs';

const desktop = process.env.LEAK_WATCH_VSCODE === 'desktop';
const options = {
  extensionDevelopmentPath: repoRoot,
  extensionTestsPath: join(repoRoot, 'out/test/integration/index.js'),
  launchArgs: [process.env.LEAK_WATCH_WORKSPACE || join(repoRoot, 'examples')],
  // Reaches the extension host (test/integration/activation.test.ts checks that it does).
  extensionTestsEnv: { LEAK_WATCH_TEST_LAYER: 'integration' },
};
if (desktop) {
  options.version = process.env.LEAK_WATCH_VSCODE_VERSION || 'stable';
} else {
  options.vscodeExecutablePath = join(repoRoot, 'scripts/vscode-launcher.mjs');
}

try {
  await runTests(options);
} catch (err) {
  console.error(`integration: ${err instanceof Error ? err.message : err}`);
  process.exit(1);
}
