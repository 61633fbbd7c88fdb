// Runs one child process and measures it as a whole: wall time, peak RSS, exit, and the
// `BENCH_RESULT {json}` line a driver prints. Peak RSS comes from `/usr/bin/time -v` when it is
// installed; otherwise from polling /proc/<pid>/status VmHWM (and the driver's own VmHWM at exit).
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';

export const GNU_TIME = '/usr/bin/time';

/** Whether GNU time is there; explains the fallback once when it is not. */
export function checkGnuTime() {
  if (existsSync(GNU_TIME)) return true;
  console.warn(
    `bench: ${GNU_TIME} is missing (Debian: \`apt-get install -y time\`); peak RSS falls back to polling ` +
      `/proc/<pid>/status VmHWM every 10 ms plus each driver's own VmHWM at exit.`,
  );
  return false;
}

function readHwm(pid) {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/**
 * Runs `node <args>` and resolves with {ok, wallMs, cpuMs, peakRss, rssSource, result, error, load}.
 * `timeoutMs` kills the child (its failure is recorded, not thrown). Without `expectResult` (a program
 * that is no driver, e.g. the CLI) exit code 0 is success and `stdout` is returned.
 */
export function measureNode(args, { useTime = existsSync(GNU_TIME), timeoutMs = 15 * 60_000, expectResult = true } = {}) {
  const argv = useTime ? ['-v', process.execPath, ...args] : args;
  const cmd = useTime ? GNU_TIME : process.execPath;
  const load = loadavg()[0];
  return new Promise((resolve) => {
    const t0 = performance.now();
    const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    let polled = 0;
    const poll = useTime ? null : setInterval(() => (polled = Math.max(polled, readHwm(child.pid))), 10);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('close', (code, signal) => {
      const wallMs = performance.now() - t0;
      clearTimeout(timer);
      if (poll) clearInterval(poll);
      const line = stdout.split('\n').find((l) => l.startsWith('BENCH_RESULT '));
      const result = line ? JSON.parse(line.slice('BENCH_RESULT '.length)) : null;
      let peakRss = 0;
      let rssSource = 'none';
      const maxrss = /Maximum resident set size \(kbytes\): (\d+)/.exec(stderr);
      if (maxrss) {
        peakRss = Number(maxrss[1]) * 1024;
        rssSource = '/usr/bin/time -v';
      } else {
        peakRss = Math.max(polled, result?.selfPeakRss ?? 0);
        rssSource = 'VmHWM';
      }
      // CPU time (user + system) is far less sensitive than wall time to other work on the machine.
      const user = /User time \(seconds\): ([\d.]+)/.exec(stderr);
      const sys = /System time \(seconds\): ([\d.]+)/.exec(stderr);
      const cpuMs = user && sys ? (Number(user[1]) + Number(sys[1])) * 1000 : (result?.selfCpuMs ?? null);
      // GNU time reports the child's failure as "Command exited with non-zero status N" / "Command terminated by signal N".
      const exitMatch = /Command (?:exited with non-zero status|terminated by signal) (\d+)/.exec(stderr);
      const ok = code === 0 && !exitMatch && (!!result || !expectResult) && !timedOut;
      const error = ok ? undefined : describeFailure({ code, signal, timedOut, timeoutMs, stderr, stdout, exitMatch });
      resolve({ ok, wallMs, cpuMs, peakRss, rssSource, result, error, load, ...(expectResult ? {} : { stdout }) });
    });
  });
}

/** The last meaningful lines of a failed child's output, without GNU time's statistics. */
function describeFailure({ code, signal, timedOut, timeoutMs, stderr, stdout, exitMatch }) {
  if (timedOut) return `timed out after ${Math.round(timeoutMs / 1000)} s`;
  const cut = stderr.indexOf('\tCommand being timed:');
  const own = (cut >= 0 ? stderr.slice(0, cut) : stderr).trim();
  const lines = (own || stdout.trim())
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('at '));
  // A panic or allocation message says more than the stack trace's last lines.
  const cause = lines.filter((l) => /panicked at|memory allocation|out of memory|Invalid array length|heap limit/i.test(l)).slice(0, 2);
  const tail = [...cause, ...lines.slice(-3).filter((l) => !cause.includes(l) && !l.startsWith('Node.js v') && !l.startsWith('Command '))].join(' | ').slice(0, 400);
  const how = exitMatch ? exitMatch[0] : signal ? `killed by ${signal}` : `exit code ${code}`;
  return `${how}${tail ? `: ${tail}` : ''}`;
}
