// Where Leak Watch's analysis spends its time: runs the bench driver under `node --cpu-prof` on a
// cached synthetic heap and prints the functions with the most self time.
//   node bench/profile.mjs [--size 150] [--mode parse|full] [--top 20]
// (run `npm run bench -- --sizes <size>` first so the heap and the bundle exist). The .cpuprofile
// is kept under bench/results/profiles/ (open it in VS Code or DevTools).
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const root = new URL('..', import.meta.url).pathname;
const { values: opt } = parseArgs({
  options: { size: { type: 'string', default: '150' }, mode: { type: 'string', default: 'full' }, top: { type: 'string', default: '20' } },
});
const cache = join(root, 'bench/cache');
const heap = readdirSync(cache).find((f) => f.startsWith(`synthetic-${opt.size}mb-`) && f.endsWith('.heapsnapshot'));
if (!heap) {
  console.error(`no cached ${opt.size} MB heap; run \`npm run bench -- --sizes ${opt.size} --runs 1\` first`);
  process.exit(2);
}
const dir = join(root, 'bench/results/profiles');
mkdirSync(dir, { recursive: true });
const name = `leakwatch-${opt.mode}-${opt.size}mb-${Date.now()}.cpuprofile`;
const run = spawnSync(
  process.execPath,
  ['--max-old-space-size=16384', '--cpu-prof', '--cpu-prof-interval=500', `--cpu-prof-dir=${dir}`, `--cpu-prof-name=${name}`, join(root, 'bench/drivers/leakwatch.mjs'), join(cache, heap), opt.mode],
  { encoding: 'utf8' },
);
if (run.status !== 0) {
  console.error(run.stderr);
  process.exit(1);
}
const line = run.stdout.split('\n').find((l) => l.startsWith('BENCH_RESULT '));
const result = JSON.parse(line.slice('BENCH_RESULT '.length));
console.log(`${heap}: ${result.nodes} nodes, ${result.edges} edges; stages (ms, under the profiler): ${JSON.stringify(result.stages)}`);

const profile = JSON.parse(readFileSync(join(dir, name), 'utf8'));
const self = new Map();
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const dt = profile.timeDeltas;
let total = 0;
for (let i = 0; i < profile.samples.length; i++) {
  const n = byId.get(profile.samples[i]);
  const ms = (dt[i] ?? 0) / 1000;
  total += ms;
  const f = n.callFrame;
  const where = f.url ? `${f.url.split('/').slice(-2).join('/')}:${f.lineNumber + 1}` : '';
  const key = `${f.functionName || '(anonymous)'} ${where}`.trim();
  self.set(key, (self.get(key) ?? 0) + ms);
}
const top = [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, Number(opt.top));
console.log(`\n| self ms | % | function (bundle line) |\n|---:|---:|---|`);
for (const [k, ms] of top) console.log(`| ${Math.round(ms)} | ${((ms / total) * 100).toFixed(1)} | ${k} |`);
console.log(`\nprofile: ${join(dir, name).slice(root.length)} (${(statSync(join(dir, name)).size / 1e6).toFixed(1)} MB)`);
