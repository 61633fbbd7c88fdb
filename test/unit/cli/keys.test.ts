// The CLI's keys in a real terminal: `leak-watch run` under a pseudo-terminal (util-linux `script`),
// keys typed into it. `s` takes a snapshot long before the planned one, `f` raises the pause budget
// for a minute and the progress line says so, a risky snapshot is asked about (`y` takes it, `n`
// refuses it), Ctrl+C stops and reports as a signal does, and the terminal's mode is back after
// every ending (`stty -a` run in the same terminal afterwards). Without a terminal: no keys, no hint.
import * as assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { assertNothingLeft, CLI, markedRunHooks, runCli } from './support';

const programs = join(__dirname, '../programs');
const hasScript = spawnSync('script', ['--version']).status === 0;

interface TerminalRun {
  code: number | null;
  /** Everything the terminal showed, escapes left out. */
  screen: string;
  ms: number;
}

/** Quotes a word for sh. */
const sh = (word: string) => `'${word.replace(/'/g, `'\\''`)}'`;

/**
 * Runs `leak-watch <args>` in a new pseudo-terminal, then `stty -a` in the same terminal; `keys`
 * says what to type once the screen matches what (each in turn).
 */
function inTerminal(args: string[], keys: Array<{ when: RegExp; type: string }>, options: { mark: string; env?: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<TerminalRun> {
  // A wide terminal, so that the progress line is not cut short. `set -m`: leak-watch runs as its own
  // foreground job, as an interactive shell starts it (its Ctrl+C signals that job, not this shell).
  const command = `stty cols 400; set -m; ${[process.execPath, CLI, ...args].map(sh).join(' ')}; code=$?; stty -a; exit $code`;
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qfec', command, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...options.env, LEAK_WATCH_TEST_MARK: options.mark, TERM: 'xterm', SHELL: '/bin/sh' } });
    let raw = '';
    const pending = [...keys];
    const onOutput = (d: Buffer) => {
      raw += d.toString();
      const screen = plain(raw);
      while (pending.length && pending[0].when.test(screen)) child.stdin.write(pending.shift()!.type);
    };
    child.stdout.on('data', onOutput);
    child.stderr.on('data', onOutput);
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`leak-watch ${args.join(' ')} did not finish in a terminal in time\n${plain(raw)}`));
    }, options.timeoutMs ?? 90_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, screen: plain(raw), ms: Date.now() - started });
    });
  });
}

/** The terminal's text: progress-line rewrites as line ends, escape sequences left out. */
function plain(text: string): string {
  return text.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').replace(/\r\n/g, '\n').replace(/\r/g, '\n');
}

/** `stty -a`'s answer in `screen`: the terminal is back in its usual mode (canonical, echo, signals). */
function assertTerminalRestored(screen: string): void {
  const stty = screen.slice(screen.lastIndexOf('speed '));
  assert.match(stty, /(^|\s)icanon(\s|$)/, `icanon after leak-watch:\n${stty}`);
  assert.match(stty, /(^|\s)echo(\s|$)/, `echo after leak-watch:\n${stty}`);
  assert.match(stty, /(^|\s)isig(\s|$)/, `isig after leak-watch:\n${stty}`);
}

describe('leak-watch keys in a terminal: s, f, y/n, Ctrl+C', function () {
  this.timeout(120_000);
  const run = markedRunHooks('leak-watch-keys-');

  before(function () {
    if (!hasScript) throw new Error('these tests need util-linux `script` (a pseudo-terminal)');
  });

  it('s takes a snapshot at once, long before the planned one; the hint says the keys; the terminal is put back', async () => {
    // With --interval 60 the second and third snapshots are planned 60 s apart; s takes each at once.
    const r = await inTerminal(
      ['run', '--samples', '3', '--interval', '60', '--', process.execPath, join(programs, 'idle.js')],
      [{ when: /sample 1 of 3/, type: 's' }, { when: /sample 2 of 3/, type: 's' }],
      { mark: run.mark },
    );
    assert.equal(r.code, 0, r.screen);
    assert.match(r.screen, /leak-watch: keys: s takes a snapshot now · Ctrl\+C stops and reports/);
    assert.equal(r.screen.match(/leak-watch: keys:/g)?.length, 1, 'the hint once');
    assert.match(r.screen, /leak-watch: taking a snapshot now \(s\)\./);
    assert.match(r.screen, /3 snapshots of /, r.screen);
    assert.ok(r.ms < 45_000, `3 snapshots in ${r.ms} ms (planned: 120 s)`);
    assertTerminalRestored(r.screen);
    await assertNothingLeft(run.mark, undefined, 3000);
  });

  it('f samples faster for a minute: the plan shows the raised budget and how long it lasts', async () => {
    const r = await inTerminal(
      // 1 %: about 100× a snapshot's pause between snapshots (3 %: 33×); then s ends it at once.
      ['run', '--samples', '2', '--pause-budget', '0.01', '--', process.execPath, join(programs, 'idle.js')],
      [{ when: /sample 1 of 2/, type: 'f' }, { when: /budget 3 % for \d+ s more/, type: 's' }],
      { mark: run.mark },
    );
    assert.equal(r.code, 0, r.screen);
    assert.match(r.screen, /f samples faster for a minute \(pause budget 3 %\)/);
    assert.match(r.screen, /leak-watch: sampling faster \(f\): pause budget 3 % instead of 1 % for 60 s\./);
    assert.match(r.screen, /paused \d+\.\d % of 3 % · budget 3 % for (59|60) s more/);
    assertTerminalRestored(r.screen);
  });

  it('Ctrl+C stops the watch and reports, as SIGINT does without keys; the terminal is put back', async () => {
    const r = await inTerminal(
      ['run', '--samples', '10', '--interval', '60', '--', process.execPath, join(programs, 'idle.js')],
      [{ when: /sample 1 of 10/, type: '\x03' }],
      { mark: run.mark },
    );
    assert.equal(r.code, 0, r.screen);
    assert.match(r.screen, /Stopped by SIGINT after 1 snapshot\./);
    assert.match(r.screen, /leak-watch: ended the process of /);
    assertTerminalRestored(r.screen);
    await assertNothingLeft(run.mark, undefined, 3000);
  });

  it('a snapshot that may not fit the program\'s memory is asked about: n refuses it, y takes it', async () => {
    // A 32 MB array of doubles under a 400 MB data limit: the guard's first-snapshot factor (24×)
    // says it would not fit; its real snapshot is small (one array node).
    const program = () => `ulimit -d 409600 && exec ${sh(process.execPath)} ${sh(join(programs, 'bigarray.js'))}`;
    const refused = await inTerminal(
      ['run', '--samples', '1', '--', 'sh', '-c', program()],
      [{ when: /Snapshot 1 is on hold: .*Take it anyway\? Press y/, type: 'n' }],
      { mark: run.mark },
    );
    assert.match(refused.screen, /Snapshot 1 was not taken: it would need about [\d.]+ MB more memory in the program .* under its data size limit \(ulimit -d\)/);
    assert.equal(refused.code, 1, refused.screen);
    assertTerminalRestored(refused.screen);
    const taken = await inTerminal(
      ['run', '--samples', '1', '--', 'sh', '-c', program()],
      [{ when: /Take it anyway\? Press y/, type: 'y' }],
      { mark: run.mark },
    );
    assert.equal(taken.code, 0, taken.screen);
    assert.match(taken.screen, /1 snapshot of /);
    assertTerminalRestored(taken.screen);
    await assertNothingLeft(run.mark, undefined, 3000);
  });

  it('without a terminal: no keys and no hint; a risky snapshot is refused with the numbers', async () => {
    const r = await runCli(['run', '--samples', '1', '--', 'sh', '-c', `ulimit -d 409600 && exec ${sh(process.execPath)} ${sh(join(programs, 'bigarray.js'))}`], { mark: run.mark });
    assert.equal(r.code, 1, r.stderr);
    assert.doesNotMatch(r.stderr, /keys:|Take it anyway/);
    assert.match(r.stderr, /Snapshot 1 was not taken: it would need about [\d.]+ MB more memory in the program/);
  });
});
