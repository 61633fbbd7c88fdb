// Which program a watch watched, in terms that hold from one checkout to another: the script the
// Node process ran, the folder paths are taken relative to (its git work tree, else its cwd), and
// the commit it was at. Two runs are of the same program when their scripts are the same file
// relative to that folder, so a baseline watched in another clone still compares.
import { execFile } from 'node:child_process';
import { dirname, isAbsolute, relative, sep } from 'node:path';
import type { WatchedProgram } from './watchedProgram';

export type { WatchedProgram };

/** How long a git command may take before the commit is left out. */
const GIT_TIMEOUT_MS = 5000;

/**
 * Describes the program of a watch: `argv` is the watched Node process's (`process.argv`: node,
 * script, args), `cwd` its folder. Looks up the git work tree of the script's folder (never throws;
 * without git, or outside a repository, there is no commit and the root is `cwd`).
 */
export async function describeProgram(command: string[], argv: readonly string[] | undefined, cwd: string | undefined): Promise<WatchedProgram> {
  const script = argv?.[1];
  const entry = script && isAbsolute(script) ? script : undefined;
  const folder = entry ? dirname(entry) : cwd;
  const git = folder ? await gitState(folder) : undefined;
  return {
    command: [...command],
    ...(entry ? { entry } : {}),
    ...(cwd ? { cwd } : {}),
    ...(git?.root || cwd ? { root: git?.root ?? cwd } : {}),
    ...(git?.commit ? { git: { commit: git.commit, ...(git.dirty === undefined ? {} : { dirty: git.dirty }) } } : {}),
  };
}

/** The work tree, commit and dirty flag of the git repository holding `folder`; undefined outside one or without git. */
async function gitState(folder: string): Promise<{ root: string; commit?: string; dirty?: boolean } | undefined> {
  const root = await git(folder, ['rev-parse', '--show-toplevel']);
  if (!root) return undefined;
  const commit = await git(root, ['rev-parse', '--verify', '--quiet', 'HEAD']);
  const status = commit ? await git(root, ['status', '--porcelain'], true) : undefined;
  return { root, ...(commit ? { commit } : {}), ...(status === undefined ? {} : { dirty: status.length > 0 }) };
}

/** One git command's trimmed output, or undefined when it fails (no git, not a repository, too slow). */
function git(cwd: string, args: string[], emptyIsAnswer = false): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile('git', args, { cwd, timeout: GIT_TIMEOUT_MS, maxBuffer: 16 << 20, windowsHide: true }, (error, stdout) => {
      const out = error ? undefined : String(stdout).trim();
      resolve(out || (emptyIsAnswer && out === '') ? out : undefined);
    });
  });
}

/** A file's path relative to the program's root (`/`-separated), or the path as it is when it lies elsewhere (`node:…`, another folder). */
export function relativeToRoot(file: string, root: string | undefined): string {
  if (!root || !isAbsolute(file)) return file;
  const rel = relative(root, file);
  if (!rel || rel.startsWith('..') || isAbsolute(rel)) return file;
  return rel.split(sep).join('/');
}

/** The program's script relative to its root, the words that make two runs the same program; undefined when not known. */
export function programKey(program: WatchedProgram | undefined): string | undefined {
  return program?.entry ? relativeToRoot(program.entry, program.root) : undefined;
}
