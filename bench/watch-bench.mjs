// `npm run bench -- --watch`: the whole watch of a generated server-like program (bench/watch-server.mjs:
// a big live heap, churn, a slow leak), by the current design and by the previous one in the same
// run, alternating, each in its own processes: time to the first `suspect` and to the `leak` with
// its retainer paths, the program's total pause (its event loop's own view) and paused share, its
// peak RSS, the samples of each kind, and any other type called a leak. Writes
// bench/results/watch-<timestamp>.json and prints a markdown table.
//   --watch-heap-mb N   the program's live heap (default 150)
//   --watch-runs N      runs of each design (default 1; medians when more)
//   --previous REV      the previous design's revision (default f64b2b4, before censuses)
//   --designs a,b       which designs to run: previous, current (default both)
//   --watch-seconds S   give up on a run after S s (default 900)
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { buildWatchRun } from './leakwatch-bundle.mjs';
import { measureNode } from './measure.mjs';
import { median } from './report.mjs';

export async function watchBench({ heapMb = 150, runs = 1, previous = 'f64b2b4', designs: chosen = ['previous', 'current'], seconds = 900, resultsDir }) {
  const all = [
    { name: 'previous', label: `previous design (${previous})`, build: () => buildWatchRun('previous', previous) },
    { name: 'current', label: 'this design', build: () => buildWatchRun('current') },
  ].filter((d) => chosen.includes(d.name));
  for (const d of all) d.driver = await d.build();
  const designs = all.filter((d) => d.driver);
  const load = () => loadavg().map((l) => Math.round(l * 100) / 100);
  console.log(`bench --watch: a ${heapMb} MB server-like program, ${runs} run(s) of each design, alternating; load ${load().join(' ')}`);
  const results = Object.fromEntries(designs.map((d) => [d.name, []]));
  for (let r = 0; r < runs; r++) {
    for (const d of designs) {
      const m = await measureNode([d.driver, '--design', d.name, '--heap-mb', String(heapMb), '--max-seconds', String(seconds)], {
        useTime: false,
        timeoutMs: (seconds + 300) * 1000,
      });
      const x = m.ok ? m.result : { error: m.error };
      results[d.name].push({ ...x, loadAtStart: m.load });
      console.log(`bench --watch: ${d.name} run ${r + 1}: ${m.ok ? `suspect ${x.firstSuspectS} s, leak ${x.leakS} s, with why ${x.leakWithWhyS} s, with cause ${x.leakWithCauseS ?? 'none'}${x.leakWithCauseS != null ? ` s (${x.cause})` : ''}, paused ${x.programStallMs} ms (${x.pausedShare} %), ${x.snapshots} snapshots + ${x.censuses} censuses, peak RSS ${Math.round(x.programPeakRss / 1e6)} MB` : `FAILED: ${m.error}`} (load ${m.load.toFixed(2)})`);
    }
  }
  const row = (d) => {
    const ok = results[d.name].filter((x) => !x.error);
    const med = (f) => (ok.length && ok.every((x) => x[f] != null) ? median(ok.map((x) => x[f])) : null);
    const s = (v) => (v == null ? 'none' : `${v} s`);
    return `| ${d.label} | ${s(med('firstSuspectS'))} | ${s(med('leakWithWhyS'))} | ${s(med('leakWithCauseS'))} | ${med('snapshots') ?? '?'} + ${med('censuses') ?? 0} | ${med('programStallMs') == null ? '?' : `${(med('programStallMs') / 1000).toFixed(1)} s (${med('pausedShare')} %)`} | ${med('programPeakRss') == null ? '?' : `${Math.round(med('programPeakRss') / 1e6)} MB`} | ${ok.flatMap((x) => x.otherLeaks ?? []).join(', ') || 'none'} |`;
  };
  const table = [
    `Watch of the server-like program (${heapMb} MB live heap, churn, 200 leaked AuditEntry/s), default settings (10 % budget); load ${load().join(' ')} at the end`,
    '',
    '| design | first suspect | leak with why | leak with cause (at that report) | snapshots + censuses | program paused (share of wall time) | program peak RSS | other types called leak |',
    '|---|---|---|---|---|---|---|---|',
    ...designs.map(row),
  ].join('\n');
  mkdirSync(resultsDir, { recursive: true });
  const out = join(resultsDir, `watch-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(out, JSON.stringify({ heapMb, runs, previous, results, load: load() }, null, 2));
  console.log(`\n${table}\n\nbench --watch: JSON written to ${out}`);
  return { results, table };
}
