// Where the CLI writes (the JSON report, saved snapshots), checked before anything is started, so a
// path that cannot be written ends the run at once, not after the sampling.
import * as fs from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describeFileError } from '../core/fileProblems';

/** Throws a clear error unless a file can be written at `file` (the folder exists and takes it; an existing file is left as it is). */
export function checkReportPath(file: string): void {
  const path = resolve(file);
  const existed = fs.existsSync(path);
  try {
    fs.closeSync(fs.openSync(path, 'a'));
    if (!existed) fs.unlinkSync(path);
  } catch (error) {
    throw new Error(`Cannot write the JSON report to ${path}: ${describeFileError(error)}. Give --json a path in a folder you can write to.`);
  }
}

/**
 * Makes the folder for saved snapshots, each missing parent in turn (a recursive mkdir spins for
 * ever where the kernel answers "no such file" for a parent that exists, as under /proc), and
 * checks that a file can be written in it. Returns its absolute path.
 */
export function prepareSnapshotFolder(dir: string): string {
  const path = resolve(dir);
  const fail = (why: string): never => {
    throw new Error(`Cannot save snapshots in ${path}: ${why}. Give --save-snapshots a folder you can write to.`);
  };
  const missing: string[] = [];
  for (let d = path; ; d = dirname(d)) {
    let stat: fs.Stats;
    try {
      stat = fs.statSync(d);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || dirname(d) === d) fail(describeFileError(error));
      missing.push(d);
      continue;
    }
    if (!stat.isDirectory()) fail(d === path ? 'it is a file, not a folder' : `${d} is a file, not a folder`);
    break;
  }
  for (const d of missing.reverse()) {
    try {
      fs.mkdirSync(d);
    } catch (error) {
      fail(`cannot make ${d}: ${describeFileError(error)}`);
    }
  }
  const probe = join(path, `.leak-watch-${process.pid}`);
  try {
    fs.writeFileSync(probe, '');
    fs.unlinkSync(probe);
  } catch (error) {
    fail(`cannot write in it: ${describeFileError(error)}`);
  }
  return path;
}

/** Writes the JSON report to `file`; a failure says where and why. */
export async function writeReportFile(file: string, json: string): Promise<void> {
  try {
    await fs.promises.writeFile(resolve(file), json);
  } catch (error) {
    throw new Error(`Could not write the JSON report to ${resolve(file)}: ${describeFileError(error)}.`);
  }
}
