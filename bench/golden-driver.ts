// The worker's own paths, driven through its host-side client the way the watch and the panel drive
// them, for bench/golden.mjs: a file parsed without the dominators started ahead (retained sizes
// alone, then explanations), the same file explained with its retained sizes asked for together,
// and snapshots streamed in as the inspector's string chunks. Prints one JSON document on stdout.
//   node bench/cache/golden/build/golden-driver.js files|stream <a.heapsnapshot> [b …]
import { createReadStream, statSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import type { Leak, Sample } from '../src/core/report';
import { SnapshotAnalyzer } from '../src/core/worker/analyzer';

const [mode, ...files] = process.argv.slice(2);
/** How many types are explained, and how many get a retained size. */
const EXPLAINED = 5;
const RETAINED = 20;

/** The types to ask about: the most numerous (one sample), or those that grew the most (several). */
function typesOf(samples: Sample[]): { explained: string[]; retained: string[] } {
  const last = samples[samples.length - 1].types;
  const first = new Map(samples[0].types.map((t) => [t.name, t.count]));
  const growth = (name: string, count: number) => (samples.length > 1 ? count - (first.get(name) ?? 0) : count);
  const byGrowth = [...last].sort((a, b) => growth(b.name, b.count) - growth(a.name, a.count) || (a.name < b.name ? -1 : 1));
  const byBytes = [...last].sort((a, b) => b.bytes - a.bytes || (a.name < b.name ? -1 : 1));
  return { explained: byGrowth.slice(0, EXPLAINED).map((t) => t.name), retained: byBytes.slice(0, RETAINED).map((t) => t.name) };
}

/** A snapshot file pushed as the inspector sends it: strings of about 100 kB. */
async function stream(analyzer: SnapshotAnalyzer, file: string, index: number): Promise<Sample> {
  analyzer.begin();
  const decoder = new StringDecoder('utf8');
  for await (const bytes of createReadStream(file, { highWaterMark: 100 << 10 })) {
    const text = decoder.write(bytes as Buffer);
    if (text) analyzer.push(text);
  }
  const rest = decoder.end();
  if (rest) analyzer.push(rest);
  return analyzer.finish({ index, time: statSync(file).mtimeMs, pauseMs: 0, heapUsed: 0, heapTotal: 0 });
}

async function main(): Promise<Record<string, unknown>> {
  const analyzer = new SnapshotAnalyzer();
  try {
    if (mode === 'stream') {
      const samples: Sample[] = [];
      for (const [index, file] of files.entries()) samples.push(await stream(analyzer, file, index));
      const { explained, retained } = typesOf(samples);
      const leaks: Leak[] = await analyzer.explain(explained, { alsoRetained: retained });
      return { samples, leaks, retained: await analyzer.retainedSizes(retained) };
    }
    if (mode === 'files') {
      const samples: Sample[] = [];
      for (const [index, file] of files.entries()) samples.push(await analyzer.analyzeFile(file, { index, time: statSync(file).mtimeMs }));
      const { explained, retained } = typesOf(samples);
      // Retained sizes first: the dominators alone, then the distances for the explanations.
      const alone = await analyzer.retainedSizes(retained);
      const aloneLeaks = await analyzer.explain(explained);
      // The last file again: explained with its retained sizes asked for in the same pass.
      const again = await analyzer.analyzeFile(files[files.length - 1], { index: files.length, time: statSync(files[files.length - 1]).mtimeMs });
      const together = await analyzer.explain(explained, { alsoRetained: retained });
      return { samples, alone, aloneLeaks, again, together, togetherRetained: await analyzer.retainedSizes(retained) };
    }
    throw new Error(`unknown mode "${mode}": files or stream`);
  } finally {
    await analyzer.dispose();
  }
}

main().then(
  (out) => {
    // Exit once the pipe has taken it all: an exit right after write() cut large answers short.
    process.stdout.write(`${JSON.stringify(out)}\n`, () => process.exit(0));
  },
  (e) => {
    process.stderr.write(`golden-driver: ${(e as Error)?.stack ?? e}\n`);
    process.exit(1);
  },
);
