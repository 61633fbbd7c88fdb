/**
 * Generated positions → original positions through source maps (the `source-map` package): inline
 * `data:` maps and `.map` files named by the last `//# sourceMappingURL=` comment of a script.
 */
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { SourceMapConsumer, type RawSourceMap } from 'source-map';
import type { Cause, Leak, SourcePosition } from '../report';
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

/**
 * Maps every position of the causes (allocation sites, the adding line, declarations, a folded
 * step's line, the back-reference's site) to original sources, and the `file.js:12` they are
 * named by in the causes' words to the original's `file.ts:7`.
 */
export async function mapCauseSources(causes: Cause[], maps: SourceMaps = new SourceMaps()): Promise<Cause[]> {
  const renamed = new Map<string, string>();
  const map = async <T extends SourcePosition>(p: T): Promise<T> => {
    const o = await maps.original(p);
    if (o.file !== p.file || o.line !== p.line) renamed.set(`${baseName(p.file)}:${p.line}`, `${baseName(o.file)}:${o.line}`);
    return { ...p, ...o };
  };
  const mapped = await Promise.all(
    causes.map(async (c) => ({
      ...c,
      holder: c.holder.declaredAt ? { ...c.holder, declaredAt: await map(c.holder.declaredAt) } : c.holder,
      ...(c.addedAt ? { addedAt: await map(c.addedAt) } : {}),
      // The id names the original line too, so a rebuild does not change it.
      id: c.addedAt ? c.id.replace(`@${c.addedAt.file}:${c.addedAt.line}`, await maps.original(c.addedAt).then((o) => `@${o.file}:${o.line}`)) : c.id,
      allocationSites: await Promise.all(c.allocationSites.map(map)),
      path: {
        ...c.path,
        steps: await Promise.all(
          c.path.steps.map(async (s) => ({
            ...s,
            ...(s.site ? { site: await map(s.site) } : {}),
            ...(s.variable?.declaredAt ? { variable: { ...s.variable, declaredAt: await map(s.variable.declaredAt) } } : {}),
          })),
        ),
      },
      ...(c.backReference?.site ? { backReference: { ...c.backReference, site: await map(c.backReference.site) } } : {}),
    })),
  );
  if (!renamed.size) return mapped;
  const pattern = new RegExp(`(${[...renamed.keys()].map((k) => k.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')})(?!\\d)`, 'g');
  const words = (text: string) => text.replace(pattern, (m) => renamed.get(m) ?? m);
  for (const c of mapped) {
    c.title = words(c.title);
    c.holder.label = words(c.holder.label);
    const d = c.holder.declaredAt;
    if (d?.scope?.startsWith('module scope of ')) d.scope = `module scope of ${baseName(d.file)}`;
    c.evidence = c.evidence.map(words);
    for (const s of c.path.steps) {
      const v = s.variable;
      if (v?.declaredAt && v.scope) {
        v.scope = words(v.scope.replace(/^module scope of (.*)$/, (_, f: string) => `module scope of ${baseName(v.declaredAt!.file)}`));
        s.label = `${v.name} (${v.scope}, declared at line ${v.declaredAt.line})`;
      } else if (s.label) s.label = words(s.label);
      if (s.edgeType === 'folded') s.edge = words(s.edge);
    }
  }
  return mapped;
}

function baseName(file: string): string {
  return file.split(/[\\/]/).pop() ?? file;
}
