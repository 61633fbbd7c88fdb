import * as assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SourceMapGenerator } from 'source-map';
import { ScriptResolver, toLocalPath } from '../../../src/core/sources/scripts';
import { SourceMaps, mapCauseSources, mapLeakSources } from '../../../src/core/sources/sourceMaps';
import { findCall, findCollectionAdd, findDeclaration, findListenerAdd, findNewExpression, findPropertyAssignment, moduleFoldLabel } from '../../../src/core/sources/references';
import type { Cause, Leak } from '../../../src/core/report';

describe('sources: script URLs to files', () => {
  it('turns file URLs, POSIX and Windows paths into absolute files, and leaves node: alone', () => {
    assert.equal(toLocalPath('file:///home/me/app/x.mjs'), '/home/me/app/x.mjs');
    assert.equal(toLocalPath('file:///home/me/my%20app/x.mjs'), '/home/me/my app/x.mjs');
    assert.equal(toLocalPath('file:///C:/Users/me/app/x.js'), 'C:\\Users\\me\\app\\x.js');
    assert.equal(toLocalPath('file:///c%3A/Users/me/x.js'), 'c:\\Users\\me\\x.js');
    assert.equal(toLocalPath('file://server/share/x.js'), '\\\\server\\share\\x.js');
    assert.equal(toLocalPath('C:\\app\\src\\..\\x.js'), 'C:\\app\\x.js');
    assert.equal(toLocalPath('D:/app/x.js'), 'D:\\app\\x.js');
    assert.equal(toLocalPath('/srv/app/./x.js'), '/srv/app/x.js');
    assert.equal(toLocalPath('node:internal/timers'), undefined);
    assert.equal(toLocalPath(''), undefined);
  });

  it('resolves script ids seen in Debugger.scriptParsed', () => {
    const r = new ScriptResolver();
    r.add('42', 'file:///srv/app/main.mjs');
    r.add(43, '/srv/app/lib.js');
    assert.equal(r.resolve(42), '/srv/app/main.mjs');
    assert.equal(r.resolve('43'), '/srv/app/lib.js');
    assert.equal(r.resolve(44), undefined);
    assert.equal(r.asFunction()('file:///x/y.js'), '/x/y.js');
  });
});

describe('sources: source maps', () => {
  const dir = mkdtempSync(join(tmpdir(), 'leak-watch-maps-'));
  function generated(name: string, inline: boolean): string {
    const gen = new SourceMapGenerator({ file: `${name}.js` });
    // generated line 3 col 0 ← original line 10 col 4 of the .ts
    gen.addMapping({ generated: { line: 3, column: 0 }, original: { line: 10, column: 4 }, source: `${name}.ts` });
    gen.addMapping({ generated: { line: 4, column: 2 }, original: { line: 12, column: 0 }, source: `${name}.ts` });
    const js = join(dir, `${name}.js`);
    const map = gen.toString();
    const comment = inline ? `data:application/json;charset=utf-8;base64,${Buffer.from(map).toString('base64')}` : `${name}.js.map`;
    if (!inline) writeFileSync(join(dir, `${name}.js.map`), map);
    writeFileSync(js, `'use strict';\n\nnew Session();\n  x();\n//# sourceMappingURL=${comment}\n`);
    return js;
  }

  it('maps through inline and file maps to the original file, 1-based', async () => {
    const maps = new SourceMaps();
    for (const inline of [true, false]) {
      const js = generated(inline ? 'inl' : 'ext', inline);
      const o = await maps.original({ file: js, line: 3, column: 1 });
      assert.deepEqual(o, { file: join(dir, `${inline ? 'inl' : 'ext'}.ts`), line: 10, column: 5 });
      const o2 = await maps.original({ file: js, line: 4, column: 5 });
      assert.equal(o2.line, 12);
    }
    const plain = join(dir, 'plain.js');
    writeFileSync(plain, 'x();\n');
    assert.deepEqual(await maps.original({ file: plain, line: 1, column: 1 }), { file: plain, line: 1, column: 1 });
    maps.dispose();
  });

  it('maps every position of a leak', async () => {
    const js = generated('leak', true);
    const leak: Leak = {
      type: 'Session', verdict: 'leak', newObjects: 1, newBytes: 1, retainedBytes: 1, evidence: [],
      allocationSites: [{ file: js, line: 3, column: 1, functionName: 'f', count: 1, bytes: 1, kind: 'allocation' }],
      retainerPaths: [{ count: 1, bytes: 1, edges: [], suspectEdgeIndex: -1, suspectSite: { file: js, line: 4, column: 3 } }],
      backReferences: [{ holder: 'A', edge: 'b', target: 'B', bytes: 1, count: 1, fix: '', site: { file: js, line: 3, column: 1 } }],
    };
    const [m] = await mapLeakSources([leak]);
    assert.equal(m.allocationSites[0].line, 10);
    assert.equal(m.allocationSites[0].count, 1);
    assert.equal(m.retainerPaths[0].suspectSite!.line, 12);
    assert.ok(m.backReferences[0].site!.file.endsWith('leak.ts'));
  });

  it('names the original module in a path folded before a module variable (store.ts, not store.js)', async () => {
    const js = generated('store', false);
    const raw = { from: 'Account', edge: '__proto__', edgeType: 'property', to: '{constructor}' };
    const fold = moduleFoldLabel('store.js');
    const cause = {
      id: 'c', verdict: 'leak', title: 'Session kept by the Map sessions', holder: { kind: 'container', label: 'the Map sessions', type: 'Map', inLibrary: false },
      kept: [], topObjects: 1, newObjects: 1, newBytes: 1, retainedBytes: 1, allocationSites: [], evidence: [], fix: '',
      path: {
        count: 1, bytes: 1, holderIndex: 1,
        steps: [
          { from: 'Account', edge: fold, edgeType: 'folded', to: '(closure)', label: fold, folded: [raw] },
          { from: '(closure)', edge: 'sessions', edgeType: 'context', to: 'Map', variable: { name: 'sessions', scope: 'module scope of store.js', declaredAt: { file: js, line: 3, column: 1 } } },
        ],
      },
    } as Cause;
    const [m] = await mapCauseSources([cause]);
    assert.equal(m.path.steps[1].variable?.scope, 'module scope of store.ts');
    assert.equal(m.path.steps[0].label, 'kept alive by the module store.ts');
    assert.equal(m.path.steps[0].edge, 'kept alive by the module store.ts');
    assert.deepEqual(m.path.steps[0].folded, [raw]);
  });
});

describe('sources: the line that makes a reference', () => {
  const dir = mkdtempSync(join(tmpdir(), 'leak-watch-refs-'));
  const file = join(dir, 'app.js');
  writeFileSync(
    file,
    [
      "'use strict';", // 1
      'class Node {', // 2
      '  constructor(parent) {', // 3
      '    this.children = [];', // 4
      '    this.parent = parent;', // 5
      '  }', // 6
      '}', // 7
      'const cache = new Map();', // 8
      'const registry = new Set();', // 9
      'function other() { const parent = 1; x.parent = 2; }', // 10
      'function handle(bus, id) {', // 11
      '  const s = new Node(null);', // 12
      '  cache.set(id, s);', // 13
      "  bus.on('close', () => s);", // 14
      '  registry.add(s);', // 15
      '  setInterval(() => s, 1000);', // 16
      '}', // 17
      'function again() { return new Node(null); }', // 18
    ].join('\n'),
  );

  it('finds assignments, collection adds, listeners, declarations, calls and new expressions', () => {
    assert.deepEqual(findPropertyAssignment(file, 'parent', { line: 3, column: 14 }), { file, line: 5, column: 5 });
    assert.equal(findCollectionAdd(file, 'cache', 'Map')?.line, 13);
    assert.equal(findCollectionAdd(file, 'registry', 'Set')?.line, 15);
    assert.equal(findCollectionAdd(file, 'nothing', 'Set'), undefined);
    assert.equal(findListenerAdd(file, 'close')?.line, 14);
    assert.equal(findListenerAdd(file, 'open'), undefined);
    assert.equal(findDeclaration(file, 'registry')?.line, 9);
    assert.equal(findCall(file, ['setInterval'])?.line, 16);
    assert.equal(findNewExpression(file, 'Node', { line: 18, column: 16 })?.line, 18, 'the one inside the allocating function');
    assert.equal(findNewExpression(file, 'Node', { line: 11, column: 16 })?.line, 12);
  });

  it('returns nothing for files that do not parse or do not exist', () => {
    const bad = join(dir, 'bad.js');
    writeFileSync(bad, 'this is not { javascript');
    assert.equal(findDeclaration(bad, 'x'), undefined);
    assert.equal(findDeclaration(join(dir, 'missing.js'), 'x'), undefined);
  });
});
