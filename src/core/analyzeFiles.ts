// Heap snapshot files of one process, in the order they were taken → samples → one report. The
// CLI's `analyze` and the extension's "Open Heap Snapshots…" both go through here.
import { constants as fsConstants, promises as fs, type Stats } from 'node:fs';
import { GROWTH_RULES, lastResetIndex } from './analysis/growth';
import { assembleReport } from './assemble';
import { describeFileError } from './fileProblems';
import { formatBytes } from './format';
import { analysisMemoryBudget, PARSE_BYTES_PER_JSON_BYTE } from './memoryGuard';
import type { Report, Sample } from './report';
import type { SnapshotAnalyzer } from './worker/analyzer';

export interface AnalyzeFilesOptions {
  /** Called before each file is read (0-based index). */
  onFile?(index: number, file: string): void;
  /** Checked between files; a set flag stops with an error naming the next file. */
  cancelled?(): boolean;
}

const KIND_OF_FILE: Array<[(s: Stats) => boolean, string]> = [
  [(s) => s.isFIFO(), 'a named pipe (FIFO)'],
  [(s) => s.isCharacterDevice(), 'a character device'],
  [(s) => s.isBlockDevice(), 'a block device'],
  [(s) => s.isSocket(), 'a socket'],
];

/**
 * Checks every file first (exists, is a file, fits in memory), then analyses them one at a time in
 * `analyzer`'s worker (which keeps the latest graph, so the report can explain its growing types).
 * Errors name the file and say what is wrong; nothing is read past a refused file.
 */
export async function analyzeSnapshotFiles(files: readonly string[], analyzer: SnapshotAnalyzer, options: AnalyzeFilesOptions = {}): Promise<Report> {
  if (files.length === 0) throw new Error('No heap snapshot file was given.');
  const stats: Stats[] = [];
  for (const f of files) {
    const stat = await fs.stat(f).catch((error: unknown) => {
      throw new Error(`${f}: ${describeFileError(error)}`);
    });
    if (stat.isDirectory()) throw new Error(`${f}: is a directory, not a .heapsnapshot file`);
    // A FIFO would wait for a writer for ever, a device never end: only files are read.
    if (!stat.isFile()) throw new Error(`${f}: is ${KIND_OF_FILE.find(([is]) => is(stat))?.[1] ?? 'not a regular file'}, not a .heapsnapshot file; save the snapshot to a file first.`);
    stats.push(stat);
  }
  for (const f of files) {
    await fs.access(f, fsConstants.R_OK).catch((error: unknown) => {
      throw new Error(`${f}: ${describeFileError(error)}`);
    });
  }
  const budget = analysisMemoryBudget(analyzer.memoryLimitBytes);
  for (const [k, f] of files.entries()) {
    const need = stats[k].size * PARSE_BYTES_PER_JSON_BYTE;
    if (need > budget) {
      throw new Error(
        `${f}: a snapshot of ${formatBytes(stats[k].size)} needs about ${formatBytes(need)} to analyse, ` +
          `more than the ${formatBytes(budget)} this machine can give now; free some memory or use a larger machine.`,
      );
    }
  }
  const samples: Sample[] = [];
  for (const [index, file] of files.entries()) {
    if (options.cancelled?.()) throw new Error(`Cancelled before ${file}.`);
    options.onFile?.(index, file);
    // The report asks for the last graph's retained sizes: its dominators start beside its sample.
    samples.push(await analyzer.analyzeFile(file, { index, time: stats[index].mtimeMs, retainedNext: index === files.length - 1 }));
  }
  const notes: string[] = [];
  for (let k = 1; k < samples.length; k++) {
    if (samples[k].otherProcess) {
      notes.push(`${files[k]} is not a snapshot of the same process as ${files[k - 1]} (the objects their ids name differ: another process, or V8's ids were reset between them); growth is measured from it on.`);
    } else if (samples[k].idsReset) {
      notes.push(`${files[k]} has smaller object ids than ${files[k - 1]}: not the same process, or not in the order taken. Growth is measured from it on.`);
    }
  }
  // Fewer snapshots of one process than a verdict needs: "too early to tell", never "no leak".
  const ofOne = samples.length - lastResetIndex(samples);
  const tooEarly = samples.length > 1 && ofOne < GROWTH_RULES.minSamplesForLeak
    ? `Too early to tell: ${ofOne} snapshot${ofOne === 1 ? '' : 's'} of one process; a verdict needs ${GROWTH_RULES.minSamplesForLeak}, taken in order a while apart.`
    : undefined;
  return assembleReport({
    target: { kind: 'files', description: files.join(' ') },
    startedAt: new Date(samples[0].time),
    samples,
    notes,
    tooEarly,
    explain: (types, alsoRetained) => analyzer.explain(types, { alsoRetained }),
    causes: (types) => analyzer.causes(types),
    retainedSizes: (types) => analyzer.retainedSizes(types),
  });
}
