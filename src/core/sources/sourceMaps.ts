/**
 * Generated positions → original positions through source maps (the `source-map` package): inline
 * `data:` maps and `.map` files named by the last `//# sourceMappingURL=` comment of a script.
 */
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { SourceMapConsumer, type RawSourceMap } from 'source-map';
import type { Cause, CauseStep, Leak, SourcePosition } from '../report';
import { codeLineKey, moduleFoldLabel, moduleOfScope, moduleScopeOf, sourceText } from './references';
import { originalName } from './runningSources';
import { toLocalPath } from './scripts';

const MAPPING_URL = /\/\/[#@]\s*sourceMappingURL=(\S+)\s*$/gm;

/** Reads a script's source map (inline or file); undefined when it has none or it cannot be read. */
export function readSourceMap(file: string): { map: RawSourceMap; mapUrl: string } | undefined {
  const text = sourceText(file);
  if (text === null) return undefined;
  // The code a script ran as (see runningSources) sits beside its original: the same folder.
  file = originalName(file);
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
    if (!c) return { ...pos, file: originalName(pos.file) };
    const query = { line: pos.line, column: Math.max(0, pos.column - 1) };
    let o = c.originalPositionFor({ ...query, bias: SourceMapConsumer.GREATEST_LOWER_BOUND });
    if (o.source === null || o.line === null) o = c.originalPositionFor({ ...query, bias: SourceMapConsumer.LEAST_UPPER_BOUND });
    if (o.source === null || o.line === null) return { ...pos, file: originalName(pos.file) };
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
        leak.retainerPaths.map(async (r) => ({
          ...r,
          ...(r.suspectSite ? { suspectSite: await map(r.suspectSite) } : {}),
          ...(r.steps ? { steps: await mapSteps(r.steps, map) } : {}),
        })),
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
  const map = async <T extends SourcePosition>(p: T): Promise<T> => ({ ...p, ...(await maps.original(p)) });
  return Promise.all(
    causes.map(async (c) => {
      const addedAt = c.addedAt ? await map(c.addedAt) : undefined;
      // Each text names its own position: minified code puts many on one generated line.
      const words = (text: string) => (c.addedAt && addedAt ? renameAt(text, c.addedAt, addedAt) : text);
      const declaredAt = c.holder.declaredAt ? await map(c.holder.declaredAt) : undefined;
      const steps = await mapSteps(c.path.steps, map);
      return {
        ...c,
        // The id names the original line by its code, so neither a rebuild nor an edit above it changes it.
        id: c.addedAt && addedAt ? c.id.replace(`@${c.addedAt.file}:${c.addedAt.line}`, `@${addedAt.file}:${codeLineKey(addedAt.file, addedAt.line)}`) : c.id,
        title: words(c.title),
        holder: {
          ...c.holder,
          label: words(c.holder.label),
          ...(declaredAt ? { declaredAt: { ...declaredAt, ...(moduleOfScope(declaredAt.scope) !== undefined ? { scope: moduleScopeOf(declaredAt.file) } : {}) } } : {}),
        },
        ...(addedAt ? { addedAt } : {}),
        allocationSites: await Promise.all(c.allocationSites.map(map)),
        evidence: c.evidence.map(words),
        fix: words(c.fix),
        path: { ...c.path, steps },
        ...(c.backReference?.site ? { backReference: { ...c.backReference, site: await map(c.backReference.site) } } : {}),
      };
    }),
  );
}

/** A path's steps with their positions (a folded step's line, a variable's declaration) and the words that name them mapped. */
async function mapSteps(steps: CauseStep[], map: <T extends SourcePosition>(p: T) => Promise<T>): Promise<CauseStep[]> {
  const mapped = await Promise.all(
    steps.map(async (s) => {
      const step = { ...s };
      if (s.site) {
        step.site = await map(s.site);
        if (s.label) step.label = renameAt(s.label, s.site, step.site);
        step.edge = renameAt(s.edge, s.site, step.site);
      }
      const v = s.variable;
      if (v?.declaredAt) {
        const at = await map(v.declaredAt);
        const scope = moduleOfScope(v.scope) !== undefined ? moduleScopeOf(at.file) : v.scope;
        step.variable = { ...v, declaredAt: at, ...(scope ? { scope } : {}) };
        if (scope) step.label = `${v.name} (${scope}, declared at line ${at.line})`;
      }
      return step;
    }),
  );
  // A fold named for the module of the variable after it names the original module (main.ts, not main.js).
  for (let i = 0; i + 1 < mapped.length; i++) {
    const [generated, original] = [moduleOfScope(steps[i + 1].variable?.scope), moduleOfScope(mapped[i + 1].variable?.scope)];
    if (generated !== undefined && original !== undefined && steps[i].label === moduleFoldLabel(generated)) mapped[i].label = mapped[i].edge = moduleFoldLabel(original);
  }
  return mapped;
}

/** `text` with `file.js:12` (the generated position's words) said as the original's `file.ts:7`. */
function renameAt(text: string, from: SourcePosition, to: SourcePosition): string {
  if (from.file === to.file && from.line === to.line) return text;
  const name = `${baseName(from.file)}:${from.line}`.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return text.replace(new RegExp(`${name}(?!\\d)`, 'g'), `${baseName(to.file)}:${to.line}`);
}

function baseName(file: string): string {
  return file.split(/[\\/]/).pop() ?? file;
}
