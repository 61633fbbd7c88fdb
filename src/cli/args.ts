import { parseArgs } from 'node:util';

/** Exit codes of `leak-watch`. */
export const EXIT = { ok: 0, failure: 1, usage: 2, leak: 3 } as const;

export const HELP = `leak-watch — find memory leaks in a running Node.js program

Usage:
  leak-watch run [options] -- <command> [args…]
      Start a command, watch the heaps of the Node program it runs, print the report, then end
      every process the command started. <command> is \`node …\`, a .js/.mjs/.cjs file, or any
      command that starts Node (\`npm run start\`, \`sh -c 'node app.js'\`): each of its Node
      processes opens its inspector on 127.0.0.1 (a free port) and reports it to leak-watch
      (through NODE_OPTIONS). Every one that is not npm, npx, yarn, pnpm or corepack is watched,
      with its worker threads, each isolate on its own (processes and workers that start later
      join); the report has a section per isolate. The program's output goes to stderr.
  leak-watch attach <ws-url | host:port> [options]
      Watch a program that already runs with --inspect. Detaches cleanly and leaves it running.
  leak-watch analyze <a.heapsnapshot> [b.heapsnapshot …] [options]
      One file: the top types by size, with retained sizes. Several files of one process, in
      the order they were taken: growth, verdicts and retainer paths between them.
  leak-watch compare <before.leakwatch.json> <after.leakwatch.json> [--fail-on new] [--json FILE|-]
      Compare two saved watches (--json) of one program, a baseline and a run after a change:
      per cause, fixed (it leaked; the later run, long enough to judge, shows no growth),
      still leaking (and how much slower or faster) or new, with the evidence; then per type.
      Runs of different programs, or a run too short to judge, get a statement, no verdicts.

Options:
  --samples N           snapshots to take (default 6; run/attach)
  --duration S          watch for S seconds instead of a number of samples
  --until-verdict       stop as soon as the verdicts are settled (every growing type of the
                        program a leak or not), or at --duration; the report says when
                        (verdictAt)
  --interval S          seconds between snapshots (default: adaptive, within the pause budget)
  --pause-budget P      largest share of wall time the program may spend paused for
                        snapshots, 0.01–0.9 (default 0.1)
  --json FILE|-         write the saved watch (.leakwatch.json: the JSON report, the program,
                        its git commit, the time) to FILE, or to stdout with -; for compare,
                        the comparison
  --baseline FILE       run/attach: compare the run with this saved watch when it ends, as
                        compare does (same exit codes)
  --fail-on any|new     compare, --baseline: exit 3 when a cause is still leaking or new
                        (any, the default), or only when one is new: a leak the baseline
                        did not have (new)
  --save-snapshots DIR  save each snapshot as DIR/sample-<k>.heapsnapshot (DevTools opens them)
  --precise-sites       record allocation stacks (V8 allocation tracking) so each leak's site
                        is the exact \`new\` that made its objects; this slows an allocation-heavy
                        program many times over while watching. Without it, a site is the
                        \`new Type(\` found in the class's source, or the constructor's position
  --no-allocation-sites leave allocation sites out of the report
  --no-gc               do not force a garbage collection before each snapshot
  --snapshot-timeout S  give up on a snapshot after S seconds (default 120)
  --fail-on-leak        exit 3 when a leak is found
  --allow-remote        allow an inspector on a host other than this machine (attach)
  --process P           run: watch only the Node processes whose pid is P or whose command line
                        contains P, and their worker threads (repeat it for several)
  --top N               types to print (default 10)
  -q, --quiet           no progress line
  -h, --help            this help
  -v, --version         the version

SIGINT, SIGTERM or SIGHUP stops the watch, ends the program's processes and prints the report
of the snapshots taken; a second one ends them at once, with no report.

Keys, while run or attach watch with stdin a terminal: s takes a snapshot now, whatever the
pause budget says; f samples faster for a minute (3× the pause budget, at most 0.5; not with
--interval). A snapshot that may not fit the program's memory is then asked about (y takes it,
n or no answer in 60 s refuses it); without a terminal it is refused, with the numbers.

Exit codes: 0 done (no leak, or leaks without --fail-on-leak; compare: every cause of the
baseline fixed and none new); 1 failure (the program could not be started or watched, it
exited with an error or was killed, a file is not a heap snapshot or saved watch, a path
cannot be written; compare: runs of different programs, or a run too short to judge); 2 usage
error; 3 a leak was found and --fail-on-leak was given, or compare (--baseline) found a cause
still leaking or new (with --fail-on new: a new one); 128 + the signal's number (130 SIGINT,
143 SIGTERM) when a signal ended leak-watch before the first snapshot, or a second signal
ended it.`;

export interface CliOptions {
  command: 'run' | 'attach' | 'analyze' | 'compare' | 'help' | 'version';
  /** The program and its arguments (run), the endpoint (attach), the files (analyze, compare). */
  operands: string[];
  samples?: number;
  durationS?: number;
  /** Stop once the verdicts are settled. */
  untilVerdict: boolean;
  intervalS?: number;
  pauseBudget: number;
  json?: string;
  saveSnapshots?: string;
  /** `precise`: allocation tracking; `source`: found in the source (default); `off`: none reported. */
  allocationSites: 'precise' | 'source' | 'off';
  forceGc: boolean;
  snapshotTimeoutS: number;
  failOnLeak: boolean;
  /** A saved watch to compare the run with (run, attach). */
  baseline?: string;
  /** Which causes of a comparison fail it (exit 3): still leaking or new, or new only. */
  failOn: 'any' | 'new';
  allowRemote: boolean;
  /** `--process`: which of the command's Node processes to watch (pids or parts of command lines); empty: all but package managers. */
  processes: string[];
  top: number;
  quiet: boolean;
}

/** A mistake in the command line; printed with a pointer to --help, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** Parses the command line (without `node` and the script). */
export function parseCli(argv: string[]): CliOptions {
  const dashDash = argv.indexOf('--');
  const before = dashDash >= 0 ? argv.slice(0, dashDash) : argv;
  const after = dashDash >= 0 ? argv.slice(dashDash + 1) : [];
  let parsed;
  try {
    parsed = parseArgs({
      args: before,
      allowPositionals: true,
      strict: true,
      options: {
        samples: { type: 'string' },
        duration: { type: 'string' },
        'until-verdict': { type: 'boolean' },
        interval: { type: 'string' },
        'pause-budget': { type: 'string' },
        json: { type: 'string' },
        'save-snapshots': { type: 'string' },
        'no-allocation-sites': { type: 'boolean' },
        'precise-sites': { type: 'boolean' },
        'no-gc': { type: 'boolean' },
        'snapshot-timeout': { type: 'string' },
        'fail-on-leak': { type: 'boolean' },
        baseline: { type: 'string' },
        'fail-on': { type: 'string' },
        'allow-remote': { type: 'boolean' },
        process: { type: 'string', multiple: true },
        top: { type: 'string' },
        quiet: { type: 'boolean', short: 'q' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
      },
    });
  } catch (e) {
    throw new UsageError((e as Error).message.replace(/\. To specify a positional argument.*$/s, ''));
  }
  const v = parsed.values;
  const [command, ...rest] = parsed.positionals;
  const base = {
    pauseBudget: number(v['pause-budget'], '--pause-budget', 0.01, 0.9) ?? 0.1,
    samples: integer(v.samples, '--samples', 1),
    durationS: number(v.duration, '--duration', 0.1, 1e7),
    untilVerdict: !!v['until-verdict'],
    intervalS: number(v.interval, '--interval', 0.05, 1e6),
    json: v.json,
    saveSnapshots: v['save-snapshots'],
    allocationSites: v['no-allocation-sites'] ? ('off' as const) : v['precise-sites'] ? ('precise' as const) : ('source' as const),
    forceGc: !v['no-gc'],
    snapshotTimeoutS: number(v['snapshot-timeout'], '--snapshot-timeout', 1, 1e6) ?? 120,
    failOnLeak: !!v['fail-on-leak'],
    baseline: v.baseline,
    failOn: failOn(v['fail-on']),
    allowRemote: !!v['allow-remote'],
    processes: (v.process ?? []).map((p) => {
      if (!p.trim()) throw new UsageError('--process needs a pid or a part of a command line');
      return p;
    }),
    top: integer(v.top, '--top', 1) ?? 10,
    quiet: !!v.quiet,
  };
  if (v.help || command === 'help') return { ...base, command: 'help', operands: [] };
  if (v.version) return { ...base, command: 'version', operands: [] };
  if (base.samples !== undefined && base.durationS !== undefined) throw new UsageError('give --samples or --duration, not both');
  if (v['no-allocation-sites'] && v['precise-sites']) throw new UsageError('give --precise-sites or --no-allocation-sites, not both');
  if (base.baseline !== undefined && command !== 'run' && command !== 'attach') throw new UsageError('--baseline goes with run or attach; to compare two saved watches: leak-watch compare <before> <after>');
  if (v['fail-on'] !== undefined && command !== 'compare' && base.baseline === undefined) throw new UsageError('--fail-on goes with compare or --baseline');
  switch (command) {
    case undefined:
      throw new UsageError('missing command: run, attach, analyze or compare');
    case 'run':
      if (rest.length) throw new UsageError(`put the program after --: leak-watch run [options] -- ${rest.join(' ')}`);
      if (!after.length) throw new UsageError('missing program: leak-watch run [options] -- <command> [args…]');
      return { ...base, command, operands: after };
    case 'attach':
      if (base.processes.length) throw new UsageError('--process chooses among the processes of run; attach watches the one it is given');
      if (rest.length !== 1 || after.length) throw new UsageError('attach takes one endpoint: leak-watch attach <ws-url | host:port>');
      return { ...base, command, operands: rest };
    case 'analyze':
      if (base.processes.length) throw new UsageError('--process is for run: analyze reads files');
      if (!rest.length || after.length) throw new UsageError('missing snapshot files: leak-watch analyze <a.heapsnapshot> [b.heapsnapshot …]');
      return { ...base, command, operands: rest };
    case 'compare':
      if (rest.length !== 2 || after.length) throw new UsageError('compare takes two saved watches: leak-watch compare <before.leakwatch.json> <after.leakwatch.json>');
      return { ...base, command, operands: rest };
    default:
      throw new UsageError(`unknown command "${command}": use run, attach, analyze or compare`);
  }
}

function failOn(value: string | undefined): 'any' | 'new' {
  if (value === undefined || value === 'any' || value === 'new') return value ?? 'any';
  throw new UsageError(`--fail-on must be any or new, not "${value}"`);
}

function number(value: string | undefined, flag: string, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n < min || n > max) throw new UsageError(`${flag} must be a number from ${min} to ${max}, not "${value}"`);
  return n;
}

function integer(value: string | undefined, flag: string, min: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`${flag} must be a whole number of at least ${min}, not "${value}"`);
  return n;
}
