// Starts bench/watch-server.mjs under the inspector and waits until its heap is built (shared by the
// watch's benchmarks, which esbuild bundles from bench/cache/<dir>/).
import { join } from 'node:path';
import { spawnInspected, type InspectedProcess } from '../src/core/cdp/endpoints';

/** The server-like program, bundled beside the caller two folders down in bench/cache/. */
export const WATCH_SERVER = join(__dirname, '../../watch-server.mjs');

/** Runs `node [flags] watch-server.mjs [args]` with the inspector; resolves once it prints WATCH_SERVER_READY. */
export async function startWatchServer(node: string, flags: string[], args: string[]): Promise<InspectedProcess> {
  const program = await spawnInspected(node, [...flags, WATCH_SERVER, ...args], { timeoutMs: 30_000 });
  program.stderr.resume();
  try {
    await new Promise<void>((resolve, reject) => {
      let seen = '';
      program.stdout.on('data', (d: Buffer) => {
        seen += d.toString('utf8');
        if (seen.includes('WATCH_SERVER_READY')) resolve();
      });
      program.child.once('exit', (code) => reject(new Error(`the program exited (code ${code}) before its heap was built`)));
    });
  } catch (error) {
    program.child.kill('SIGKILL');
    throw error;
  }
  program.stdout.resume();
  return program;
}

/** Runs a benchmark's main and exits: 0 when it resolves, 1 (with the error) when it rejects. */
export function runMain(main: () => Promise<void>): void {
  main().then(
    () => process.exit(0),
    (e) => {
      console.error(e);
      process.exit(1);
    },
  );
}
