// MemLab 2.0.5 "full": @memlab/heap-analysis' getFullHeapFromFile = @memlab/core's heap parser
// plus preparePathFinder (shortest paths from the roots, dominators and retained sizes of all nodes).
//   node bench/drivers/memlab.mjs <file.heapsnapshot>
import { createRequire } from 'node:module';
import { report, since } from './result.mjs';

const require = createRequire(import.meta.url);
const file = process.argv[2];
const t0 = performance.now();
const { getFullHeapFromFile } = require('@memlab/heap-analysis');
const loadMs = since(t0);
const heap = await getFullHeapFromFile(file);
report({ tool: 'memlab', nodes: heap.nodes.length, edges: heap.edges.length, stages: { require: loadMs, full: since(t0) } });
