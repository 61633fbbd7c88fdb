/**
 * Script ids and URLs → local files. V8 names CommonJS scripts by absolute path, ES modules by
 * `file://` URL, and Node's own by `node:…`; on Windows paths look like `C:\app\x.js` or
 * `file:///C:/app/x.js`. Files come back absolute, in the debuggee's own path style.
 */
import * as path from 'node:path';

const WINDOWS_DRIVE = /^[a-zA-Z]:[\\/]/;

/** A URL or path as V8 reports it → an absolute local file path, or undefined when it is not a local file. */
export function toLocalPath(urlOrPath: string): string | undefined {
  if (!urlOrPath) return undefined;
  if (/^file:\/\//i.test(urlOrPath)) {
    let rest = urlOrPath.replace(/^file:\/\/(localhost)?/i, '');
    rest = rest.split(/[?#]/)[0];
    let decoded: string;
    try {
      decoded = decodeURIComponent(rest);
    } catch {
      decoded = rest;
    }
    // file:///C:/x → C:\x ; file://server/share/x → \\server\share\x
    if (/^\/[a-zA-Z]:[\\/]/.test(decoded)) return path.win32.normalize(decoded.slice(1));
    if (!decoded.startsWith('/')) return path.win32.normalize(`\\\\${decoded}`);
    return path.posix.normalize(decoded);
  }
  if (WINDOWS_DRIVE.test(urlOrPath)) return path.win32.normalize(urlOrPath);
  if (urlOrPath.startsWith('\\\\')) return path.win32.normalize(urlOrPath);
  if (urlOrPath.startsWith('/')) return path.posix.normalize(urlOrPath);
  return undefined;
}

/** Remembers `Debugger.scriptParsed` (script id → URL) and resolves ids or URLs to local files. */
export class ScriptResolver {
  private readonly urls = new Map<string, string>();

  /** Records one parsed script. */
  add(scriptId: string | number, url: string): void {
    if (url) this.urls.set(String(scriptId), url);
  }

  /** The URL V8 gave a script id, if seen. */
  url(scriptId: string | number): string | undefined {
    return this.urls.get(String(scriptId));
  }

  /** A script id (number or numeric string) or a URL/path → the local file, when there is one. */
  resolve(scriptIdOrUrl: string | number): string | undefined {
    const key = String(scriptIdOrUrl);
    const url = /^\d+$/.test(key) ? this.urls.get(key) : key;
    return url === undefined ? undefined : toLocalPath(url);
  }

  /** The resolver as a plain function, the shape `ExplainContext.resolveScript` takes. */
  asFunction(): (scriptIdOrUrl: string | number) => string | undefined {
    return (s) => this.resolve(s);
  }
}
