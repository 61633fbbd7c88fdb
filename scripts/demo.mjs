// `npm run demo`: builds, installs the real VS Code if needed, and serves it on 127.0.0.1 with Leak
// Watch loaded in development mode and the examples/ workspace open on leaky-server.js. Prints the
// URL to open, stays up until Ctrl-C, then stops code-server with everything it started.
//   LEAK_WATCH_PORT=8080 npm run demo   a fixed port (default: a free one)
//   npm run demo -- --no-build          skip the build
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ensureVSCodeTools, repoRoot, startCodeServer, workbenchUrl } from './code-server.mjs';

const examples = join(repoRoot, 'examples');

if (!process.argv.includes('--no-build')) {
  const build = spawnSync(process.execPath, [join(repoRoot, 'scripts/build.mjs')], { cwd: repoRoot, stdio: 'inherit' });
  if (build.status !== 0) {
    console.error('demo: the build failed');
    process.exit(1);
  }
}
ensureVSCodeTools();

const server = await startCodeServer({
  folder: examples,
  port: process.env.LEAK_WATCH_PORT ? Number(process.env.LEAK_WATCH_PORT) : undefined,
  log: process.env.LEAK_WATCH_VERBOSE ? (line) => console.error(`[code-server] ${line}`) : undefined,
});
const url = workbenchUrl(server, { folder: examples, extensionDevelopmentPath: repoRoot, openFile: join(examples, 'leaky-server.js') });

let stopping = false;
async function stop(code) {
  if (stopping) return;
  stopping = true;
  console.log('\ndemo: stopping VS Code');
  await server.stop();
  process.exit(code);
}
process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));
process.on('SIGHUP', () => stop(0));
server.process.on('exit', (code, signal) => {
  if (stopping) return;
  console.error(`demo: code-server exited (${code ?? signal}):\n${server.output()}`);
  stop(1);
});

console.log(`
Leak Watch demo: VS Code with the extension in development mode, examples/ open.

  Open: ${url}

Then: Run and Debug → "Leaky server" (F5), and "Leak Watch: Start Leak Watch" from the command
palette (F1). It listens on 127.0.0.1 only; from another machine forward the port first
(ssh -L ${server.port}:127.0.0.1:${server.port} …). Ctrl-C stops it.
`);
