// Leak Watch, from the current sources (bundled by bench/leakwatch-bundle.mjs into
// bench/cache/leakwatch-bench.cjs): `parse` = the streaming parser into a HeapGraph; `full` = what
// the worker computes for a sample and its explanations: parse, distances from the roots,
// dominators and retained sizes (which build their own reverse edges, over the essential edges
// only), and the per-type aggregation, when those modules exist; on two threads, as the worker does
// them (its ThreadedEngine), when the snapshot worker script is built beside the CLI.
//   node bench/drivers/leakwatch.mjs <file.heapsnapshot> parse|full
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { report, since } from './result.mjs';

const require = createRequire(import.meta.url);
const [file, mode = 'full'] = process.argv.slice(2);
const t0 = performance.now();
const lw = require('../cache/leakwatch-bench.cjs');
const stages = {};
/** CPU ms (user + system) per stage: far steadier than wall time on a busy machine. */
const stagesCpu = {};
let t = performance.now();
let c = process.cpuUsage();
const lap = (name) => {
  stages[name] = since(t);
  const d = process.cpuUsage(c);
  stagesCpu[name] = Math.round((d.user + d.system) / 1000);
  t = performance.now();
  c = process.cpuUsage();
};
// Files are parsed on two threads, as the snapshot worker parses them: the edge helper is the
// helper bundle (or, from older sources, the snapshot worker script) that bench/leakwatch-bundle.mjs
// builds with the CLI (when it builds).
const helperBundle = new URL('../cache/cli/snapshotHelper.js', import.meta.url).pathname;
const edgeWorker = existsSync(helperBundle) ? helperBundle : new URL('../cache/cli/snapshotWorker.js', import.meta.url).pathname;
const graph = await (lw.parseFileOnTwoThreads ?? lw.parseSnapshotFile)(file, existsSync(edgeWorker) ? { edgeWorker } : {});
lap('parse');
const out = { tool: `leakwatch-${mode}`, nodes: graph.nodeCount, edges: graph.edgeCount, strings: graph.strings.length, modules: lw.modules };
if (mode === 'full' && lw.GraphAnalysis) {
  // As the snapshot worker explains a graph: on its engine (distances on a helper thread beside the dominators).
  const analysis = new lw.GraphAnalysis(graph, lw.ThreadedEngine && existsSync(edgeWorker) ? new lw.ThreadedEngine(edgeWorker) : undefined);
  analysis.distancesAndDominators();
  lap('distances+dominators');
  out.rootRetained = analysis.dominators().retained[0];
  if (lw.aggregateTypes) {
    out.types = lw.aggregateTypes(graph, [], 0).length;
    lap('aggregate');
  }
}
out.totalSize = graph.totalSize;
stages.total = since(t0);
report({ ...out, stages, stagesCpu });
