// The attached program's command line and folder, asked of the program itself through the inspector
// (one `Runtime.evaluate` of `process.argv` and `process.cwd()`, no `Runtime.enable`), so a saved
// watch says which program it watched.
import type { CdpConnection } from './connection';

const EXPRESSION = '(() => { try { return JSON.stringify({ argv: process.argv, cwd: process.cwd() }); } catch { return null; } })()';

/** The program's `process.argv` and `process.cwd()`; undefined for a target without `process` (a browser), or one that does not answer within `timeoutMs`. */
export async function readProgramArgs(connection: CdpConnection, timeoutMs = 2000): Promise<{ argv: string[]; cwd: string } | undefined> {
  try {
    const { result } = await connection.send('Runtime.evaluate', { expression: EXPRESSION, returnByValue: true, silent: true }, { timeoutMs });
    if (typeof result.value !== 'string') return undefined;
    const parsed = JSON.parse(result.value) as { argv?: unknown; cwd?: unknown };
    const argv = Array.isArray(parsed.argv) && parsed.argv.every((a) => typeof a === 'string') ? (parsed.argv as string[]) : undefined;
    return argv && typeof parsed.cwd === 'string' ? { argv, cwd: parsed.cwd } : undefined;
  } catch {
    return undefined;
  }
}
