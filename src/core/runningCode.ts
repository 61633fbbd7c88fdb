// Fetches the running code of scripts a loader transformed (see sources/runningSources.ts) over the
// watched program's inspector.
import type { CdpConnection } from './cdp/connection';
import type { RunningScript } from './sources/runningSources';

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
