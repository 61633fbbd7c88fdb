// What the inspector preload (inspectorPreload.ts) tells the registry (nodeProcesses.ts) about the
// Node process it runs in: one line of JSON when the process starts, one when it exits.

/** The environment variable that hands the preload the registry's token and socket (`<token>@<path>`). */
export const REGISTRY_ENV = 'LEAK_WATCH_REGISTRY';

/** The first line a process sends: the registry's token, then who it is and where its inspector listens. */
export interface ProcessStarted {
  token: string;
  pid: number;
  ppid: number;
  argv: string[];
  execPath: string;
  /** A package manager (see `isPackageManager`): reported, with no inspector. */
  packageManager: boolean;
  /** Its inspector's WebSocket URL (127.0.0.1, a free port). */
  inspectorUrl?: string;
  /** Why its inspector could not be opened. */
  inspectorError?: string;
}

/** The line a process sends as it exits (Node's 'exit' event). */
export interface ProcessExiting {
  exitCode: number;
}

/** The registry's address as the preload reads it from `REGISTRY_ENV`; undefined when absent or malformed. */
export function parseRegistryAddress(value: string | undefined): { path: string; token: string } | undefined {
  const m = /^([0-9a-f]{32,128})@(.+)$/s.exec(value ?? '');
  return m ? { token: m[1], path: m[2] } : undefined;
}

/**
 * Whether a Node process is a package manager running a script (npm, npx, yarn, pnpm, corepack),
 * judged by its script (`argv[1]`): it only starts the program, which is the one to watch.
 */
export function isPackageManager(argv: readonly string[]): boolean {
  const script = (argv[1] ?? '').replace(/\\/g, '/').toLowerCase();
  return (
    /(^|\/)(npm|npx|yarn|yarnpkg|pnpm|pnpx|corepack)(\.c?js)?$/.test(script) ||
    /(^|\/)(npm-cli|npx-cli|npm-prefix)\.js$/.test(script) ||
    /\/node_modules\/(npm|yarn|pnpm|corepack|@yarnpkg\/cli-dist)\//.test(script) ||
    /\/\.yarn\/releases\/yarn-[^/]*\.c?js$/.test(script)
  );
}
