// Entry point that VS Code loads in the extension host (`extensionTestsPath`): runs every bundled
// suite next to it (out/test/integration/**/*.test.js) with mocha and rejects when any test fails,
// which makes VS Code exit with a non-zero code. Output goes through console.log, which the launcher
// relays to the runner's stdout, ending with the `integration: N passed, N failed` line.
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { format } from 'node:util';
import Mocha from 'mocha';

/**
 * Mocha's output as console.log('%s', text). In code-server both the workbench's log and the
 * extension host's console reach the launcher through one channel, where the workbench's lines are
 * mostly a lone string; the '%s' shape marks these lines as the extension host's, so the launcher
 * relays them and keeps the workbench's chatter out of the test log. (VS Code's console forwarder
 * cannot be replaced, so this is done at mocha's single output point.)
 */
function tagMochaOutput(): void {
  Mocha.reporters.Base.consoleLog = (...args: unknown[]) => console.log('%s', format(...args));
}

/**
 * js-debug, another extension in the same extension host, throws an uncaught error when a debuggee
 * that a test stops dies in the middle of a CDP message: its transport JSON-parses the partial
 * message when the socket ends. VS Code only logs such an error; mocha would pin it on whatever test
 * or hook is running. Errors thrown from js-debug's own code alone (no frame of Leak Watch or of the
 * tests in the stack) are logged and ignored; every other uncaught error still fails the run.
 */
function ignoreJsDebugCrashes(): void {
  const proto = Mocha.Runner.prototype as unknown as { _uncaught(this: Mocha.Runner, err: unknown): void };
  const original = proto._uncaught;
  proto._uncaught = function (err: unknown) {
    const stack = err instanceof Error ? (err.stack ?? '') : '';
    const inJsDebug = /[\\/]extensions[\\/]ms-vscode\.js-debug[\\/]/.test(stack);
    const ours = stack.includes(resolve(__dirname, '../../..')) || /[\\/]dist[\\/]extension\.js|[\\/]out[\\/]test[\\/]/.test(stack);
    if (inJsDebug && !ours) {
      console.log('%s', `(ignored: an uncaught error inside js-debug, not Leak Watch: ${(err as Error).message.split('\n')[0]})`);
      return;
    }
    return original.call(this, err);
  };
}

export function run(): Promise<void> {
  tagMochaOutput();
  ignoreJsDebugCrashes();
  const mocha = new Mocha({
    ui: 'bdd',
    color: !!process.env.LEAK_WATCH_COLOR,
    timeout: Number(process.env.LEAK_WATCH_INTEGRATION_TIMEOUT_MS || 60_000),
    reporter: resolve(__dirname, '../../../scripts/mocha-counts-reporter.cjs'),
    reporterOptions: { layer: 'integration' },
  });
  const grep = process.env.LEAK_WATCH_GREP;
  if (grep) mocha.grep(grep);
  const files = (readdirSync(__dirname, { recursive: true }) as string[])
    .filter((f) => f.endsWith('.test.js'))
    .sort();
  for (const file of files) mocha.addFile(join(__dirname, file));
  return new Promise((resolveRun, reject) => {
    if (files.length === 0) return reject(new Error(`no *.test.js suites next to ${__dirname}`));
    try {
      mocha.run((failures) => {
        // The console is forwarded asynchronously; give the last lines time to leave the host.
        setTimeout(() => (failures > 0 ? reject(new Error(`${failures} integration test(s) failed`)) : resolveRun()), 500);
      });
    } catch (err) {
      reject(err);
    }
  });
}
