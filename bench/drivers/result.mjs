// What every driver prints last: one line `BENCH_RESULT {json}`, with the process's own peak RSS
// (VmHWM) and CPU time, so the runner can read them even where /usr/bin/time is missing.
import { readFileSync } from 'node:fs';

/** Peak resident set size of this process so far, in bytes (0 where /proc is absent). */
export function peakRssBytes() {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Milliseconds since `t0`, one decimal. */
export const since = (t0) => Math.round((performance.now() - t0) * 10) / 10;

/** Prints the result line and exits (some libraries leave handles open). */
export function report(result) {
  const cpu = process.cpuUsage();
  const selfCpuMs = Math.round((cpu.user + cpu.system) / 1000);
  process.stdout.write(`BENCH_RESULT ${JSON.stringify({ ...result, selfPeakRss: peakRssBytes(), selfCpuMs })}\n`, () => process.exit(0));
}
