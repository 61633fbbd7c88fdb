// `leak-watch compare` and `run --baseline`: read saved watches, compare them, print the verdicts
// and say which exit code they deserve.
import * as fs from 'node:fs';
import { resolve } from 'node:path';
import { compareWatches, failingChanges } from '../core/compare/compareWatches';
import type { Comparison } from '../core/compare/comparison';
import { describeFileError } from '../core/fileProblems';
import { parseSavedWatch, SavedWatchError, type SavedWatch } from '../core/savedWatch';
import { EXIT, type CliOptions } from './args';
import { inertJson } from './format';
import { formatComparison } from './formatComparison';
import { writeReportFile } from './outputs';

/** Reads a saved watch (or a JSON report) from `file`; a clear error when it cannot be read or is not one. */
export function readSavedWatchFile(file: string): SavedWatch {
  const path = resolve(file);
  let text: string;
  try {
    // Regular files only: a FIFO would wait for a writer for ever.
    if (!fs.statSync(path).isFile()) throw new Error(`${path} is not a regular file; give a saved watch (leak-watch run --json FILE).`);
    text = fs.readFileSync(path, 'utf8');
  } catch (error) {
    if (error instanceof Error && !(error as NodeJS.ErrnoException).code) throw error;
    throw new Error(`Cannot read the saved watch ${path}: ${describeFileError(error)}.`);
  }
  try {
    return parseSavedWatch(text);
  } catch (error) {
    if (error instanceof SavedWatchError) throw new Error(`${path} is ${error.message}. Give a file that leak-watch run --json (or the panel) saved.`);
    throw error;
  }
}

/** The exit code a comparison deserves: 3 when a change fails the gate, 1 when there are no verdicts, else 0. */
export function comparisonExitCode(comparison: Comparison, failOn: CliOptions['failOn']): number {
  if (comparison.outcome !== 'compared') return EXIT.failure;
  return failingChanges(comparison, failOn).length ? EXIT.leak : EXIT.ok;
}

/** `leak-watch compare before after`: prints the comparison (text, or JSON with --json) and resolves with the exit code. */
export async function compareCommand(options: CliOptions): Promise<number> {
  const [beforeFile, afterFile] = options.operands;
  const comparison = compareWatches(readSavedWatchFile(beforeFile), readSavedWatchFile(afterFile));
  const text = `${formatComparison(comparison, { before: resolve(beforeFile), after: resolve(afterFile), failOn: options.failOn })}\n`;
  await printComparison(comparison, text, options.json);
  return comparisonExitCode(comparison, options.failOn);
}

/** The text on stdout (on stderr when the JSON goes to stdout), the JSON where asked. */
export async function printComparison(comparison: Comparison, text: string, json: string | undefined): Promise<void> {
  const data = inertJson(`${JSON.stringify(comparison, null, 2)}\n`);
  if (json === '-') {
    process.stderr.write(text);
    await new Promise<void>((r, j) => process.stdout.write(data, (e) => (e ? j(e) : r())));
    return;
  }
  process.stdout.write(text);
  if (json) await writeReportFile(json, data);
}
