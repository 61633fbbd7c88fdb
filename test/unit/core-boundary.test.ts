import * as assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Every .ts file under dir. */
function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : [];
  });
}

describe('core boundary', () => {
  it('src/core imports nothing from vscode, the extension or the webview', () => {
    const root = join(__dirname, '../../src/core');
    const offenders = sources(root).filter((file) =>
      /(from\s+|require\(\s*|import\(\s*)['"](vscode|\.\.?\/.*(extension|webview)\/)/.test(readFileSync(file, 'utf8')),
    );
    assert.ok(sources(root).length > 0, 'src/core has sources');
    assert.deepEqual(offenders, []);
  });
});
