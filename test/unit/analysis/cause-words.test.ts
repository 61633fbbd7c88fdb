/**
 * The pieces a cause is told with: the program's call that hands objects to a library, a line named
 * by its code (the cause's id survives edits above it), the packages a script belongs to, and a
 * cause's growth by birth.
 */
import * as assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BirthCounter, causeGrowth, isOneBurst } from '../../../src/core/analysis/causeGrowth';
import { packagesOf } from '../../../src/core/analysis/origin';
import { codeLineKey, findHandOver, findPackageCall } from '../../../src/core/sources/references';

const dir = mkdtempSync(join(tmpdir(), 'leak-watch-cause-words-'));
function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe('causes: the program\'s words', () => {
  it('finds the call a new object is handed to, after its new or around it', () => {
    const f = file(
      'handover.js',
      [
        'function login(cache) {',
        '  const session = new Session(1);',
        '  session.touch(session);',
        '  log(`made ${session.id}`);',
        '  cache.set(session.id, { session });',
        '}',
        'function other(registry) {',
        '  registry.register(new Widget());',
        '}',
      ].join('\n'),
    );
    const set = findHandOver(f, { line: 2, column: 19 });
    assert.deepEqual([set?.at.line, set?.callee, set?.call], [5, 'set', 'cache.set']);
    const reg = findHandOver(f, { line: 8, column: 21 });
    assert.deepEqual([reg?.at.line, reg?.call], [8, 'registry.register']);
    assert.equal(findHandOver(f, { line: 1, column: 1 }), undefined);
  });

  it('finds the call a function returning the new object is handed to (a memoizer, a pool), and nothing for a named factory', () => {
    const f = file(
      'factories.js',
      [
        "const priceOf = _.memoize((req) => new Quote(req.sku), (req) => req.id);",
        'const pool = createPool(function () {',
        '  if (closed) throw new Error();',
        '  return new Connection();',
        '});',
        'const make = () => new Widget();',
        'function factory() {',
        '  return new Widget();',
        '}',
      ].join('\n'),
    );
    const memo = findHandOver(f, { line: 1, column: 36 });
    assert.deepEqual([memo?.at.line, memo?.call], [1, '_.memoize']);
    const pooled = findHandOver(f, { line: 4, column: 10 });
    assert.deepEqual([pooled?.at.line, pooled?.call], [2, 'createPool']);
    assert.equal(findHandOver(f, { line: 6, column: 20 }), undefined);
    assert.equal(findHandOver(f, { line: 8, column: 10 }), undefined);
  });

  it('finds the program\'s call into a package, a `new` inside a function first', () => {
    const cjs = file('dom.js', "const { JSDOM } = require('jsdom');\nconst other = require('x');\nconst probe = JSDOM.fragment('<p>');\nfunction render() {\n  other.go();\n  const dom = new JSDOM('<p>');\n  return dom;\n}\n");
    const hit = findPackageCall(cjs, ['jsdom']);
    assert.deepEqual([hit?.at.line, hit?.call], [6, 'new JSDOM']);
    const esm = file('dom.mjs', "import * as jsdom from 'jsdom/lib/api.js';\nexport function render() {\n  return new jsdom.JSDOM('<p>');\n}\n");
    assert.deepEqual(findPackageCall(esm, ['jsdom'])?.call, 'new jsdom.JSDOM');
    assert.equal(findPackageCall(cjs, ['jsdom-global']), undefined);
  });

  it('names a line by its code, so lines inserted above it do not change the name', () => {
    const before = file('a.js', "bus.on('x', f); // adds\nfoo();\n  bus.on('x',   f)\n");
    assert.equal(codeLineKey(before, 1), "bus.on('x', f)");
    assert.equal(codeLineKey(before, 3), "bus.on('x', f)#2");
    const after = file('b.js', "const fix = 1;\nbus.on('x', f);\n");
    assert.equal(codeLineKey(after, 2), codeLineKey(before, 1));
    assert.equal(codeLineKey(join(dir, 'missing.js'), 7), '7');
  });

  it('tells the packages of a script in node_modules', () => {
    assert.deepEqual(packagesOf('/app/node_modules/jsdom/lib/jsdom/browser/Window.js'), ['jsdom']);
    assert.deepEqual(packagesOf('/app/node_modules/.pnpm/jsdom@26.1.0/node_modules/jsdom/lib/api.js'), ['jsdom']);
    assert.deepEqual(packagesOf('C:\\app\\node_modules\\@scope\\pkg\\node_modules\\dep\\x.js'), ['@scope/pkg', 'dep']);
    assert.deepEqual(packagesOf('/app/src/main.js'), []);
  });

  it('counts a cause\'s kept objects by birth and gives the slope per minute', () => {
    // Ids 11..27 odd, 100 bytes retained each; watermarks 10 (the first sample), 16, 22; the last sample after them.
    const count = (ids: number[]) => {
      const c = new BirthCounter([10, 16, 22]);
      for (const id of ids) c.add(id, 100);
      return c.series();
    };
    const series = count([27, 11, 13, 15, 17, 19, 21, 23, 25]);
    assert.deepEqual(series.objects, [0, 3, 6, 9]);
    assert.deepEqual(series.retainedBytes, [0, 300, 600, 900]);
    const growth = causeGrowth(series, 'Session', [0, 60_000, 120_000, 180_000]);
    assert.equal(growth.objectsPerMinute, 3);
    assert.equal(growth.retainedBytesPerMinute, 300);
    assert.deepEqual([growth.type, growth.intervals, growth.intervalsGrowing], ['Session', 3, 3]);
    assert.equal(isOneBurst(growth), false);
    const burst = causeGrowth(count([23, 25, 27]), 'Session');
    assert.deepEqual([burst.objects, burst.objectsPerMinute, isOneBurst(burst)], [[0, 0, 0, 3], 0, true]);
  });
});
