// Ending every process a command started: its process group, the processes that left the group
// (on Linux, every descendant found in /proc) and the Node processes it reported. SIGTERM first,
// SIGKILL for whatever is still there after a grace period.
import * as fs from 'node:fs';

/** What `endProcesses` did: the processes it signalled that are gone now, and any that are not. */
export interface EndedProcesses {
  ended: number[];
  survivors: number[];
}

/** Whether `pid` still runs (a zombie, ended but not yet reaped by its parent, does not). */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  const stat = procStat(pid);
  return stat === undefined || stat.state !== 'Z';
}

/**
 * The running processes in process group `group` or below `root` in the parent chain (Linux, from
 * /proc; elsewhere none are known beyond what the caller gives).
 */
export function processesOf(group: number, root: number): number[] {
  const stats = new Map<number, ProcStat>();
  let names: string[] = [];
  try {
    names = fs.readdirSync('/proc');
  } catch {
    return [];
  }
  for (const name of names) {
    if (!/^\d+$/.test(name)) continue;
    const stat = procStat(Number(name));
    if (stat && stat.state !== 'Z') stats.set(Number(name), stat);
  }
  const below = (pid: number): boolean => {
    for (let p = pid, hops = 0; p > 1 && hops < 64; hops++) {
      if (p === root) return true;
      p = stats.get(p)?.ppid ?? 0;
    }
    return false;
  };
  return [...stats].filter(([pid, s]) => pid !== process.pid && (s.pgrp === group || below(pid))).map(([pid]) => pid);
}

/**
 * Ends process group `group` (when given) and every one of `pids`: SIGTERM, up to `graceMs` to
 * exit, then SIGKILL and up to 2 s more. Resolves with the processes that were running when it
 * began, split into ended and surviving.
 */
export async function endProcesses(group: number | undefined, pids: Iterable<number>, graceMs = 3000): Promise<EndedProcesses> {
  const targets = new Set([...pids].filter((pid) => pid > 1 && pid !== process.pid && isRunning(pid)));
  if (group !== undefined) for (const pid of processesOf(group, group)) targets.add(pid);
  const signal = (name: NodeJS.Signals) => {
    if (group !== undefined) kill(-group, name);
    for (const pid of targets) if (isRunning(pid)) kill(pid, name);
  };
  signal('SIGTERM');
  signal('SIGCONT'); // a stopped process acts on SIGTERM only once it runs again
  if (!(await allEnded(targets, graceMs))) {
    signal('SIGKILL');
    await allEnded(targets, 2000);
  }
  const survivors = [...targets].filter(isRunning);
  return { ended: [...targets].filter((pid) => !survivors.includes(pid)), survivors };
}

async function allEnded(pids: Set<number>, withinMs: number): Promise<boolean> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    if (![...pids].some(isRunning)) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

function kill(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // gone already
  }
}

interface ProcStat {
  state: string;
  ppid: number;
  pgrp: number;
}

/** Fields of /proc/<pid>/stat after the command name (which may hold spaces and parentheses). */
function procStat(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { state: f[0], ppid: Number(f[1]), pgrp: Number(f[2]) };
}

/** SIGKILL to process group `group` and each of `pids`, and their descendants, at once (no waiting). */
export function killAllNow(group: number | undefined, pids: Iterable<number>): void {
  const targets = new Set(pids);
  if (group !== undefined) {
    for (const pid of processesOf(group, group)) targets.add(pid);
    kill(-group, 'SIGKILL');
  }
  for (const pid of targets) if (pid > 1 && pid !== process.pid) kill(pid, 'SIGKILL');
}
