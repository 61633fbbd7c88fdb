// Running the built CLI in tests, and checking what it left behind: every process it started carries
// a mark in its environment, so any left running is found in /proc whatever became of its parent.
import * as assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import { join } from 'node:path';

/** The CLI under test: the build in dist/, or another one (LEAK_WATCH_TEST_CLI, to see a test fail on an older build). */
export const CLI = process.env.LEAK_WATCH_TEST_CLI ?? join(__dirname, '../../../dist/cli.js');

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

export interface CliRunOptions {
  /** Put in the CLI's environment (and so in every process it starts); see `leftBehind`. */
  mark?: string;
  env?: NodeJS.ProcessEnv;
  nodeArgs?: string[];
  cwd?: string;
  uid?: number;
  gid?: number;
  timeoutMs?: number;
  /** Called with all of stderr so far on each new piece of it (to send a signal at the right moment). */
  onStderr?: (stderr: string, cli: ChildProcess) => void;
}

/** A fresh mark for `CliRunOptions.mark`. */
export function newMark(): string {
  return `leak-watch-test-${randomUUID()}`;
}

/** Runs the CLI and collects its output; a run past `timeoutMs` is killed and reported as such. */
export function runCli(args: string[], options: CliRunOptions = {}): Promise<CliRun> {
  const started = Date.now();
  const timeoutMs = options.timeoutMs ?? 90_000;
  return new Promise((resolve, reject) => {
    const env = { ...process.env, ...options.env, ...(options.mark ? { LEAK_WATCH_TEST_MARK: options.mark } : {}) };
    const cli = spawn(process.execPath, [...(options.nodeArgs ?? []), CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env, cwd: options.cwd, uid: options.uid, gid: options.gid });
    let stdout = '';
    let stderr = '';
    cli.stdout.on('data', (d) => (stdout += d));
    cli.stderr.on('data', (d) => {
      stderr += d;
      options.onStderr?.(stderr, cli);
    });
    const timer = setTimeout(() => {
      cli.kill('SIGKILL');
      reject(new Error(`leak-watch ${args.join(' ')} did not finish in ${timeoutMs} ms\n${stderr}`));
    }, timeoutMs);
    cli.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, ms: Date.now() - started });
    });
  });
}

/** The running processes (zombies are not) whose environment holds `mark`, as `<pid> <command line>`. */
export function leftBehind(mark: string): string[] {
  const out: string[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (!fs.readFileSync(`/proc/${name}/environ`, 'latin1').includes(mark)) continue;
      const stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
      if (stat.slice(stat.lastIndexOf(')') + 2)[0] === 'Z') continue;
      out.push(`${name} ${fs.readFileSync(`/proc/${name}/cmdline`, 'utf8').replace(/\0/g, ' ').trim()}`);
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return out;
}

/** Ends whatever a run left behind (so a failing test leaves nothing running either). */
export function endLeftBehind(mark: string): void {
  for (const line of leftBehind(mark)) {
    try {
      process.kill(Number(line.split(' ')[0]), 'SIGKILL');
    } catch {
      // gone
    }
  }
}

/** The `<pid> <inspector URL>` lines test/unit/programs/recorded.js appended to `file`. */
export function recorded(file: string): Array<{ pid: number; port: number | undefined }> {
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [pid, url] = line.split(' ');
      return { pid: Number(pid), port: url && url !== '-' ? Number(new URL(url).port) : undefined };
    });
}

/** Whether nothing accepts connections on 127.0.0.1:`port`. */
export function nothingListens(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}

/**
 * Asserts that no process the run marked with `mark` still runs and that no inspector port the
 * recorded programs opened still listens; `withinMs` allows processes that end on their own a moment.
 */
export async function assertNothingLeft(mark: string, record?: string, withinMs = 0): Promise<void> {
  const deadline = Date.now() + withinMs;
  let left = leftBehind(mark);
  while (left.length && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    left = leftBehind(mark);
  }
  assert.deepEqual(left, [], 'no process the CLI started is left running');
  for (const { port } of record ? recorded(record) : []) {
    if (port !== undefined) assert.ok(await nothingListens(port), `nothing listens on the inspector port ${port}`);
  }
}

/** The current test's mark and the file its programs record themselves in (see `markedRunHooks`). */
export interface MarkedRun {
  /** A temporary folder for the suite, removed after it. */
  readonly dir: string;
  mark: string;
  record: string;
}

/**
 * Mocha hooks for suites that run the built CLI: a fresh mark and record file for each test, and
 * whatever a test left running ended after it. Call inside a `describe`.
 */
export function markedRunHooks(prefix: string): MarkedRun {
  const run: MarkedRun = { dir: fs.mkdtempSync(join(os.tmpdir(), prefix)), mark: '', record: '' };
  before(function () {
    if (!fs.existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first`);
  });
  beforeEach(() => {
    run.mark = newMark();
    run.record = join(run.dir, `${run.mark}.txt`);
  });
  afterEach(() => endLeftBehind(run.mark));
  after(() => fs.rmSync(run.dir, { recursive: true, force: true }));
  return run;
}
