// What memory the watched program has and may still use: asked of the program itself (through the
// inspector, so it works for a program in a container or on another machine) and, when it runs on
// this machine, read from /proc and its cgroup (limits the program cannot see about itself).
import { readFileSync, readlinkSync } from 'node:fs';
import * as os from 'node:os';
import { CdpProtocolError, type CdpConnection } from './cdp/connection';

/** One ceiling on the program's memory, and how much of it is in use. */
export interface MemoryLimit {
  /** `machine`: free memory; `container`: its cgroup's memory.max; `data`: `ulimit -d`; `address space`: `ulimit -v`; `heap`: V8's heap limit (JS heap only). */
  kind: 'machine' | 'container' | 'data' | 'address space' | 'heap';
  limitBytes: number;
  usedBytes: number;
  /** Where the figure comes from, for the message (`cgroup memory.max`, `RLIMIT_DATA`…). */
  source: string;
}

/** The program's memory as it stands. */
export interface ProgramMemory {
  pid?: number;
  /** `v20.19.0`, when the program is Node. */
  nodeVersion?: string;
  rss: number;
  heapUsed: number;
  /** The highest RSS the program has had (process.resourceUsage().maxRSS). */
  maxRss?: number;
  /** True when the program runs on this machine (its /proc entry is the program's). */
  local: boolean;
  /** Every ceiling known; the snapshot's extra memory must fit under each (the heap limit only bounds JS allocations). */
  limits: MemoryLimit[];
}

/** What the program says about itself; every field is optional (an old Node, or not Node at all). */
interface SelfReport {
  pid?: number;
  version?: string;
  execPath?: string;
  rss?: number;
  heapUsed?: number;
  heapLimit?: number;
  maxRss?: number;
  constrained?: number;
  available?: number;
}

/** Runs in the program: reads only, calls no code of the program's. */
const SELF_REPORT = `(() => {
  if (typeof process !== 'object' || !process || typeof process.memoryUsage !== 'function') return {};
  const m = process.memoryUsage();
  let heapLimit;
  try {
    const v8 = typeof process.getBuiltinModule === 'function' ? process.getBuiltinModule('v8') : process.mainModule && process.mainModule.require('v8');
    heapLimit = v8 && v8.getHeapStatistics().heap_size_limit;
  } catch (e) {}
  const usage = typeof process.resourceUsage === 'function' ? process.resourceUsage() : undefined;
  return {
    pid: process.pid, version: process.version, execPath: process.execPath, rss: m.rss, heapUsed: m.heapUsed, heapLimit,
    maxRss: usage ? usage.maxRSS * 1024 : undefined,
    constrained: typeof process.constrainedMemory === 'function' ? process.constrainedMemory() : undefined,
    available: typeof process.availableMemory === 'function' ? process.availableMemory() : undefined,
  };
})()`;

/** A cgroup limit this large means "no limit" (v1 reports 2^63 rounded down to a page). */
const NO_LIMIT = 2 ** 60;

/** Asks the program (and, when it is local, /proc) what memory it has and may use. */
export async function readProgramMemory(connection: CdpConnection, timeoutMs = 10_000): Promise<ProgramMemory> {
  let self: SelfReport = {};
  try {
    const { result } = await connection.send('Runtime.evaluate', { expression: SELF_REPORT, returnByValue: true, silent: true }, { timeoutMs });
    if (result.value && typeof result.value === 'object') self = result.value as SelfReport;
  } catch (error) {
    if (!(error instanceof CdpProtocolError)) throw error;
  }
  let heapUsed = self.heapUsed;
  if (heapUsed === undefined) {
    const usage = await connection.send('Runtime.getHeapUsage', undefined, { timeoutMs });
    heapUsed = usage.usedSize;
  }
  const proc = self.pid !== undefined ? readProc(self.pid, self) : undefined;
  const limits: MemoryLimit[] = [];
  const rss = proc?.rss ?? self.rss ?? 0;
  if (proc) {
    limits.push({ kind: 'machine', limitBytes: os.totalmem(), usedBytes: os.totalmem() - os.freemem(), source: 'free memory on this machine' });
    if (proc.cgroup) limits.push({ kind: 'container', ...proc.cgroup });
    if (proc.dataLimit !== undefined) limits.push({ kind: 'data', limitBytes: proc.dataLimit, usedBytes: proc.data, source: 'its data size limit (ulimit -d)' });
    if (proc.addressLimit !== undefined) limits.push({ kind: 'address space', limitBytes: proc.addressLimit, usedBytes: proc.virtual, source: 'its address space limit (ulimit -v)' });
  } else if (isFiniteNumber(self.available)) {
    // Not on this machine: what it may still use, as libuv sees it (its cgroup, or its machine's free memory).
    const constrained = isFiniteNumber(self.constrained) && self.constrained > 0 && self.constrained < NO_LIMIT ? self.constrained : undefined;
    limits.push(
      constrained !== undefined
        ? { kind: 'container', limitBytes: constrained, usedBytes: Math.max(0, constrained - self.available), source: 'its container (cgroup memory limit)' }
        : { kind: 'machine', limitBytes: self.available + rss, usedBytes: rss, source: 'free memory on its machine' },
    );
  } else if (isFiniteNumber(self.constrained) && self.constrained > 0 && self.constrained < NO_LIMIT) {
    limits.push({ kind: 'container', limitBytes: self.constrained, usedBytes: rss, source: 'its container (cgroup memory limit)' });
  }
  if (isFiniteNumber(self.heapLimit) && self.heapLimit > 0) {
    limits.push({ kind: 'heap', limitBytes: self.heapLimit, usedBytes: heapUsed, source: 'its JavaScript heap limit (--max-old-space-size)' });
  }
  return { pid: self.pid, nodeVersion: self.version, rss, heapUsed, maxRss: proc?.maxRss ?? self.maxRss, local: proc !== undefined, limits };
}

interface ProcFacts {
  rss: number;
  maxRss: number;
  data: number;
  virtual: number;
  dataLimit?: number;
  addressLimit?: number;
  cgroup?: Omit<MemoryLimit, 'kind'>;
}

/** /proc/<pid> of the program, when that pid on this machine is the program (same executable, about the same RSS). */
function readProc(pid: number, self: SelfReport): ProcFacts | undefined {
  if (process.platform !== 'linux') return undefined;
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
    if (self.execPath && readlinkSync(`/proc/${pid}/exe`) !== self.execPath) return undefined;
  } catch {
    return undefined;
  }
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024;
  const rss = kb('VmRSS');
  // Another process of the same executable in another pid namespace would rarely have the same RSS.
  if (self.rss !== undefined && (rss < self.rss * 0.5 || rss > self.rss * 2)) return undefined;
  const facts: ProcFacts = { rss, maxRss: kb('VmHWM'), data: kb('VmData'), virtual: kb('VmSize') };
  try {
    const limits = readFileSync(`/proc/${pid}/limits`, 'utf8');
    facts.dataLimit = softLimit(limits, 'Max data size');
    facts.addressLimit = softLimit(limits, 'Max address space');
  } catch {
    // no limits readable: none assumed
  }
  facts.cgroup = cgroupLimit(pid);
  return facts;
}

/** The soft limit of one line of /proc/<pid>/limits, undefined when unlimited. */
function softLimit(limits: string, name: string): number | undefined {
  const m = new RegExp(`^${name}\\s+(\\S+)`, 'm').exec(limits);
  if (!m || m[1] === 'unlimited') return undefined;
  const n = Number(m[1]);
  return Number.isFinite(n) ? n : undefined;
}

/** The tightest memory limit of the program's cgroup and its parents (v2 memory.max, or v1 memory.limit_in_bytes). */
export function cgroupLimit(pid: number, root = '/sys/fs/cgroup'): Omit<MemoryLimit, 'kind'> | undefined {
  let lines: string[];
  try {
    lines = readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n');
  } catch {
    return undefined;
  }
  const v1 = lines.find((l) => /^\d+:([^:]*,)?memory(,[^:]*)?:/.test(l));
  const v2 = lines.find((l) => l.startsWith('0::'));
  const candidates: { dir: string; limit: string; usage: string; source: string }[] = [];
  if (v1) {
    const path = v1.slice(v1.indexOf(':', v1.indexOf(':') + 1) + 1);
    for (const dir of ancestors(`${root}/memory`, path)) candidates.push({ dir, limit: 'memory.limit_in_bytes', usage: 'memory.usage_in_bytes', source: 'its cgroup memory.limit_in_bytes' });
  }
  if (v2) {
    for (const dir of ancestors(root, v2.slice(3))) candidates.push({ dir, limit: 'memory.max', usage: 'memory.current', source: 'its cgroup memory.max' });
  }
  let best: Omit<MemoryLimit, 'kind'> | undefined;
  for (const c of candidates) {
    const limit = readNumber(`${c.dir}/${c.limit}`);
    const usage = readNumber(`${c.dir}/${c.usage}`);
    if (limit === undefined || usage === undefined || limit >= NO_LIMIT) continue;
    if (!best || limit - usage < best.limitBytes - best.usedBytes) best = { limitBytes: limit, usedBytes: usage, source: c.source };
  }
  return best;
}

/** `dir/path`, then each parent up to `dir`. */
function ancestors(dir: string, path: string): string[] {
  const parts = path.split('/').filter(Boolean);
  const out: string[] = [];
  for (let k = parts.length; k >= 0; k--) out.push([dir, ...parts.slice(0, k)].join('/'));
  return out;
}

function readNumber(file: string): number | undefined {
  try {
    const text = readFileSync(file, 'utf8').trim();
    if (text === 'max') return Number.POSITIVE_INFINITY;
    const n = Number(text);
    return Number.isFinite(n) ? n : undefined;
  } catch {
    return undefined;
  }
}

function isFiniteNumber(n: unknown): n is number {
  return typeof n === 'number' && Number.isFinite(n);
}
