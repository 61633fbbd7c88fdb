// Loaded with `--require` (through NODE_OPTIONS) into every Node process of a command that
// `leak-watch run` starts: opens the process's inspector on a free loopback port (not in package
// managers, which only start the program) and reports the process to the CLI's registry
// (nodeProcesses.ts) over the registry's private socket, proving itself with its token. Should the
// registry go away while the process runs (the CLI was killed), the inspector is closed and the
// process ended: no inspector outlives the CLI that opened it.
import * as inspector from 'node:inspector';
import * as net from 'node:net';
import { isMainThread } from 'node:worker_threads';
import { isPackageManager, parseRegistryAddress, REGISTRY_ENV, type ProcessExiting, type ProcessStarted } from './processReport';

try {
  if (isMainThread) report();
} catch {
  // Never break the program for the sake of watching it.
}

function report(): void {
  const registry = parseRegistryAddress(process.env[REGISTRY_ENV]);
  if (!registry) return;
  const packageManager = isPackageManager(process.argv);
  const started: ProcessStarted = { token: registry.token, pid: process.pid, ppid: process.ppid, argv: process.argv, execPath: process.execPath, packageManager };
  if (!packageManager) {
    try {
      // Already open when the command asked for --inspect itself: that one is reported.
      if (!inspector.url()) inspector.open(0, '127.0.0.1', false);
      started.inspectorUrl = inspector.url();
    } catch (error) {
      started.inspectorError = error instanceof Error ? error.message : String(error);
    }
  }
  let exiting = false;
  const socket = net.connect(registry.path);
  socket.unref(); // the program ends when it would have
  socket.setNoDelay(true);
  socket.on('error', () => {});
  socket.on('close', () => {
    if (!exiting) abandoned();
  });
  socket.write(`${JSON.stringify(started)}\n`);
  process.on('exit', (exitCode) => {
    exiting = true;
    const line: ProcessExiting = { exitCode };
    socket.write(`${JSON.stringify(line)}\n`); // a short write to a socket goes out at once
  });
}

/** The registry is gone: close the inspector and end this process, as the CLI would have. */
function abandoned(): void {
  try {
    inspector.close();
  } finally {
    process.kill(process.pid, 'SIGTERM');
  }
}
