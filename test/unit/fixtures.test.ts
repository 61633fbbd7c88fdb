import * as assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SourceMapConsumer } from 'source-map';
import * as ts from 'typescript';
import { FIXTURES, fixture, markerLine } from '../fixtures/index';

describe('fixtures index', () => {
  it('lists runnable programs whose leaking class and marked lines are where the index says', () => {
    assert.ok(FIXTURES.filter((f) => f.kind === 'leak').length >= 7);
    assert.ok(FIXTURES.filter((f) => f.kind === 'control').length >= 4);
    for (const f of FIXTURES) {
      assert.ok(existsSync(f.file), f.file);
      const lines = readFileSync(f.file, 'utf8').split('\n');
      assert.ok(!/console\.|process\.std(out|err)/.test(lines.join('\n')), `${f.name} prints nothing`);
      if (f.kind === 'control') continue;
      assert.ok(lines.some((l) => new RegExp(`^\\s*class ${f.leakType}\\b`).test(l)), `${f.name} declares class ${f.leakType}`);
      assert.match(lines[f.allocLine! - 1], new RegExp(`new ${f.leakType}\\(`), `${f.name}: line ${f.allocLine} is the new expression`);
    }
  });

  it('marks the tree fixture’s parent back-reference', () => {
    const f = fixture('leak-tree-registry');
    assert.match(readFileSync(f.file, 'utf8').split('\n')[f.backRefLine! - 1], /this\.parent = parent;/);
  });

  it('says where a marker is missing', () => {
    assert.throws(() => markerLine(fixture('ok-lru').file, '// leak-watch: alloc Nothing'), /has no "\/\/ leak-watch: alloc Nothing" marker/);
  });

  it('ships the TypeScript fixture compiled from its current source, with a map back to the new Session line', async () => {
    const f = fixture('leak-session-ts');
    const source = readFileSync(f.original!.file, 'utf8');
    const compiled = ts.transpileModule(source, {
      compilerOptions: { target: ts.ScriptTarget.ES2020, module: ts.ModuleKind.CommonJS, sourceMap: true },
      fileName: 'leak-session-ts.ts',
    });
    const strip = (js: string) => js.replace(/\/\/# sourceMappingURL=.*$/m, '').trim();
    assert.equal(strip(readFileSync(f.file, 'utf8')), strip(compiled.outputText), 'recompile: npx tsc --sourceMap --target es2020 --module commonjs test/fixtures/leak-session-ts.ts');
    const map = JSON.parse(readFileSync(`${f.file}.map`, 'utf8'));
    const column = readFileSync(f.file, 'utf8').split('\n')[f.allocLine! - 1].indexOf('new Session');
    const original = await SourceMapConsumer.with(map, null, (c) => c.originalPositionFor({ line: f.allocLine!, column }));
    assert.equal(join(__dirname, '../fixtures', original.source!), f.original!.file);
    assert.equal(original.line, f.original!.allocLine);
  });
});
