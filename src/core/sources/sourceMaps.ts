/**
 * Generated positions → original positions through source maps (the `source-map` package): inline
 * `data:` maps and `.map` files named by the last `//# sourceMappingURL=` comment of a script.
 */
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { SourceMapConsumer, type RawSourceMap } from 'source-map';
import type { Leak, SourcePosition } from '../report';
import { toLocalPath } from './scripts';

const MAPPING_URL = /\/\/[#@]\s*sourceMappingURL=(\S+)\s*$/gm;

/** Reads a script's source map (inline or file); undefined when it has none or it cannot be read. */
export function readSourceMap(file: string): { map: RawSourceMap; mapUrl: string } | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  let url: string | undefined;
  for (const m of text.matchAll(MAPPING_URL)) url = m[1];
  try {
    if (!url) {
      if (!existsSync(`${file}.map`)) return undefined;
      return { map: JSON.parse(readFileSync(`${file}.map`, 'utf8')), mapUrl: pathToFileURL(`${file}.map`).href };
    }
    if (url.startsWith('data:')) {
      const comma = url.indexOf(',');
      const meta = url.slice(5, comma);
      const body = url.slice(comma + 1);
      const json = meta.includes(';base64') ? Buffer.from(body, 'base64').toString('utf8') : decodeURIComponent(body);
      return { map: JSON.parse(json), mapUrl: pathToFileURL(file).href };
    }
    const mapFile = toLocalPath(url) ?? path.resolve(path.dirname(file), decodeURIComponent(url));
    return { map: JSON.parse(readFileSync(mapFile, 'utf8')), mapUrl: pathToFileURL(mapFile).href };
  } catch {
    return undefined;
  }
}

/** Source maps of local scripts, loaded once each. */
export class SourceMaps {
  private readonly consumers = new Map<string, Promise<SourceMapConsumer | undefined>>();

  private consumer(file: string): Promise<SourceMapConsumer | undefined> {
    let c = this.consumers.get(file);
    if (!c) {
      const raw = readSourceMap(file);
      c = raw ? new SourceMapConsumer(raw.map, raw.mapUrl).catch(() => undefined) : Promise.resolve(undefined);
      this.consumers.set(file, c);
    }
    return c;
  }

  /** The original position of a 1-based generated position, or the position itself when unmapped. */
  async original(pos: SourcePosition): Promise<SourcePosition> {
    const c = await this.consumer(pos.file);
    if (!c) return pos;
    const query = { line: pos.line, column: Math.max(0, pos.column - 1) };
    let o = c.originalPositionFor({ ...query, bias: SourceMapConsumer.GREATEST_LOWER_BOUND });
    if (o.source === null || o.line === null) o = c.originalPositionFor({ ...query, bias: SourceMapConsumer.LEAST_UPPER_BOUND });
    if (o.source === null || o.line === null) return pos;
    const file = toLocalPath(o.source) ?? path.resolve(path.dirname(pos.file), o.source);
    return { file, line: o.line, column: (o.column ?? 0) + 1 };
  }

  /** Frees the WebAssembly memory the consumers hold. */
  dispose(): void {
    for (const c of this.consumers.values()) void c.then((x) => x?.destroy());
    this.consumers.clear();
  }
}

/** Maps every position in the leaks (allocation sites, suspect edges, back-references) to original sources. */
export async function mapLeakSources(leaks: Leak[], maps: SourceMaps = new SourceMaps()): Promise<Leak[]> {
  const map = async <T extends SourcePosition>(p: T): Promise<T> => ({ ...p, ...(await maps.original(p)) });
  return Promise.all(
    leaks.map(async (leak) => ({
      ...leak,
      allocationSites: await Promise.all(leak.allocationSites.map(map)),
      retainerPaths: await Promise.all(
        leak.retainerPaths.map(async (r) => (r.suspectSite ? { ...r, suspectSite: await map(r.suspectSite) } : r)),
      ),
      backReferences: await Promise.all(leak.backReferences.map(async (b) => (b.site ? { ...b, site: await map(b.site) } : b))),
    })),
  );
}
