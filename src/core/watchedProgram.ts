// What a saved watch records of the program it watched (a type alone: the panel's webview reads it
// too, and must not import program.ts, which runs git).

/** What a saved watch records of the program it watched. */
export interface WatchedProgram {
  /** The command as given (`node app.js`, `npm run start`), the endpoint attached to, or the session's name. */
  command: string[];
  /** The script the watched Node process ran (its `process.argv[1]`), absolute; absent when unknown. */
  entry?: string;
  /** The folder the program was started in. */
  cwd?: string;
  /** The folder that file paths are compared from: the git work tree holding the script, else `cwd`. */
  root?: string;
  /** The commit of that work tree, and whether it had changes not committed, when it is a git repository. */
  git?: { commit: string; dirty?: boolean };
}
