#!/usr/bin/env node
// Stands in for the VS Code executable that @vscode/test-electron's runTests() starts: it accepts the
// same arguments (--extensionDevelopmentPath=…, --extensionTestsPath=…, a folder; the rest are
// desktop-only and ignored), runs the tests inside the extension host of a real VS Code
// (code-server + headless chromium), relays the extension host's output to stdout and exits with
// the tests' exit code. The runner's environment passes through to the extension host.
import { format } from 'node:util';
import { launchChromium, startCodeServer, workbenchUrl } from './code-server.mjs';

const timeoutMs = Number(process.env.LEAK_WATCH_TEST_TIMEOUT_MS || 20 * 60_000);
const verbose = !!process.env.LEAK_WATCH_VERBOSE;

/** The options runTests passes, in either `--name=value` or `--name value` form. */
function parseArgs(argv) {
  const options = { folders: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const m = /^--([^=]+)(?:=(.*))?$/.exec(arg);
    if (!m) {
      options.folders.push(arg);
      continue;
    }
    const [, name, inline] = m;
    if (name === 'extensionDevelopmentPath' || name === 'extensionTestsPath' || name === 'folder-uri') {
      const value = inline ?? argv[++i];
      if (name === 'folder-uri') options.folders.push(new URL(value).pathname);
      else options[name] = value;
    }
  }
  return options;
}

const options = parseArgs(process.argv.slice(2));
if (!options.extensionTestsPath) {
  console.error('vscode-launcher: --extensionTestsPath is required (this launcher only runs tests)');
  process.exit(2);
}

/**
 * codeAutomationLog receives the workbench's log (one preformatted string) and the extension host's
 * console (printf-style arguments; test/integration/index.ts makes every line ('%s', text)). The
 * extension host's lines go to stdout (stderr for errors); the workbench's only when verbose, except
 * the first line of its errors.
 */
function relayLog(level, args) {
  const list = Array.isArray(args) ? args : [args];
  const text = format(...list).replace(/\n$/, '');
  if (list.length > 1) {
    (level === 'error' ? process.stderr : process.stdout).write(`${text}\n`);
  } else if (verbose) {
    process.stderr.write(`[workbench ${level}] ${text}\n`);
  } else if (level === 'error') {
    process.stderr.write(`[workbench error] ${text.split('\n')[0]}\n`);
  }
}

let server;
let browser;
let finishing = false;

async function finish(code, reason) {
  if (finishing) return;
  finishing = true;
  if (reason) console.error(`vscode-launcher: ${reason}`);
  clearTimeout(timer);
  await browser?.close().catch(() => {});
  await server?.stop({ keepProfile: !!process.env.LEAK_WATCH_KEEP_PROFILE });
  process.exit(code);
}

const timer = setTimeout(() => finish(1, `the tests did not finish within ${timeoutMs / 1000} s`), timeoutMs);
process.on('SIGINT', () => finish(130, 'interrupted'));
process.on('SIGTERM', () => finish(143, 'terminated'));

try {
  const folder = options.folders[0];
  server = await startCodeServer({
    folder,
    log: verbose ? (line) => console.error(`[code-server] ${line}`) : undefined,
  });
  browser = await launchChromium();
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  await page.exposeFunction('codeAutomationLog', relayLog);
  await page.exposeFunction('codeAutomationExit', (code) => finish(Number(code) || 0));
  if (verbose) page.on('console', (msg) => console.error(`[workbench ${msg.type()}] ${msg.text()}`));
  page.on('crash', () => finish(1, 'the workbench page crashed'));
  const url = workbenchUrl(server, {
    folder,
    extensionDevelopmentPath: options.extensionDevelopmentPath,
    extensionTestsPath: options.extensionTestsPath,
  });
  if (verbose) console.error(`vscode-launcher: ${url}`);
  await page.goto(url, { waitUntil: 'domcontentloaded', timeout: 120_000 });
} catch (err) {
  await finish(1, err instanceof Error ? err.message : String(err));
}
