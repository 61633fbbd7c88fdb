/**
 * The code a script runs when it is not the file on disk: `tsx` (and other loaders) transform a
 * `.ts` file in memory, with an inline source map, and V8 names the script by the `.ts` path. The
 * heap's positions are in that transformed code, so it is fetched through the inspector
 * (`Debugger.getScriptSource`) and read under the file's "as run" name, whose source map leads back
 * to the `.ts` line.
 */
const AS_RUN = ' (as run)';

/** Files whose running code is not their text: loaders transform them (`tsx`, `ts-node`, Babel's register). */
export const TRANSFORMED_FILE = /\.(c|m)?tsx?$|\.jsx$/i;

/** The name a script's running code is read under, beside its file. */
export function asRunName(file: string): string {
  return `${file}${AS_RUN}`;
}

/** The file an "as run" name stands for (any other name unchanged). */
export function originalName(name: string): string {
  return name.endsWith(AS_RUN) ? name.slice(0, -AS_RUN.length) : name;
}

/** A script of the program whose running code is wanted: its inspector id and file. */
export interface RunningScript {
  scriptId: number;
  file: string;
}
