/**
 * The code a script runs when it is not the file on disk: `tsx` (and other loaders) transform a
 * `.ts` file in memory, with an inline source map, and V8 names the script by the `.ts` path. The
 * heap's positions are in that transformed code, so it is fetched through the inspector
 * (`Debugger.getScriptSource`) and read under the file's "as run" name, whose source map leads back
 * to the `.ts` line.
 */
import type { CdpConnection } from '../cdp/connection';

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

/**
 * Fetches and remembers scripts' running code over one inspector connection. A direct connection
 * needs the Debugger domain on for `Debugger.getScriptSource`: it is turned on for the fetch and off
 * again (it would keep every script's source). Over js-debug's proxy the domain is on already.
 */
export class RunningSources {
  private readonly texts = new Map<number, string | null>();

  constructor(private readonly connection: CdpConnection) {}

  /** The running code of these scripts, by script id (those it could not get are left out: their files stand in). */
  async fetch(scripts: RunningScript[]): Promise<Record<string, string>> {
    let enabled = false;
    try {
      for (const s of scripts) {
        if (this.texts.has(s.scriptId) || this.connection.closed) continue;
        let text: string | null = null;
        try {
          text = await this.source(s.scriptId);
        } catch (error) {
          if (!enabled && /not enabled/i.test(String((error as Error)?.message))) {
            enabled = await this.connection.send('Debugger.enable', {}).then(() => true, () => false);
            if (enabled) text = await this.source(s.scriptId).catch(() => null);
          }
        }
        this.texts.set(s.scriptId, text);
      }
    } finally {
      if (enabled) await this.connection.send('Debugger.disable', {}).catch(() => undefined);
    }
    const out: Record<string, string> = {};
    for (const s of scripts) {
      const text = this.texts.get(s.scriptId);
      if (text) out[String(s.scriptId)] = text;
    }
    return out;
  }

  private async source(scriptId: number): Promise<string> {
    const reply = await this.connection.send('Debugger.getScriptSource', { scriptId: String(scriptId) }, { timeoutMs: 10_000 });
    return reply.scriptSource;
  }
}
