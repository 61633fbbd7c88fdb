import * as assert from 'node:assert/strict';
import { join } from 'node:path';
import { DigitScanner, type DigitRun } from '../../../src/core/heap/digits';
import { SnapshotParser } from '../../../src/core/heap/parser';

const run = (): DigitRun => ({ count: 0, num: 0, inNum: false, negative: false });

describe('the numbers scan (WebAssembly)', () => {
  it('is the module digits.wat compiles to', async () => {
    const { WASM_SOURCES, wasmModuleText } = (await import(join(__dirname, '../../../scripts/wasm.mjs'))) as {
      WASM_SOURCES: { ts: string }[];
      wasmModuleText(source: unknown): Promise<string>;
    };
    const { readFileSync } = await import('node:fs');
    for (const source of WASM_SOURCES) {
      assert.equal(readFileSync(join(__dirname, '../../..', source.ts), 'utf8'), await wasmModuleText(source), `${source.ts} is stale: run npm run build`);
    }
  });

  it('stores numbers in file order, carries a number cut by the end of a chunk, and stops at other bytes', () => {
    const s = new DigitScanner(1 << 16, 64);
    const r = run();
    const a = Buffer.from('12,3\n,45');
    assert.equal(s.scan(a, 0, a.length, r), a.length);
    assert.deepEqual([...s.stage.subarray(0, r.count)], [12, 3]);
    assert.equal(r.inNum, true, '45 may go on');
    const b = Buffer.from('67 ,\t8\r\n]');
    const stop = s.scan(b, 0, b.length, r);
    assert.equal(b[stop], 0x5d, 'stops at the bracket');
    assert.deepEqual([...s.stage.subarray(0, r.count)], [12, 3, 4567, 8]);
    assert.equal(r.inNum, false);
  });

  it('reads bytes in its own memory where they are, and others through it in pieces', () => {
    const s = new DigitScanner(1 << 16, 1 << 16);
    const text = Array.from({ length: 30_000 }, (_, i) => String(i * 7)).join(',') + ',';
    const inside = run();
    s.input.write(text.slice(0, 60_000), 0, 'latin1');
    const own = s.input.subarray(0, 60_000);
    assert.equal(s.scan(own, 0, own.length, inside), own.length);
    // A buffer three times the scanner's input region: read a piece at a time.
    const outside = run();
    const big = Buffer.from(text);
    assert.ok(big.length > 2 * s.input.length);
    const t = new DigitScanner(1 << 16, 1 << 16);
    assert.equal(t.scan(big, 0, big.length, outside), big.length);
    assert.equal(outside.count, 30_000);
    assert.deepEqual([...t.stage.subarray(0, 5)], [0, 7, 14, 21, 28]);
    assert.equal(t.stage[29_999], 29_999 * 7);
  });

  it('stops when the stage is full, past the separator of its last number or at the byte after it', () => {
    const s = new DigitScanner(1 << 16, 3);
    const r = run();
    const a = Buffer.from('1,2,3,4');
    const at = s.scan(a, 0, a.length, r);
    assert.equal(r.count, 3);
    assert.equal(at, 6, 'past the comma after 3');
    const t = new DigitScanner(1 << 16, 2);
    const q = run();
    const b = Buffer.from('1,2]');
    assert.equal(t.scan(b, 0, b.length, q), 3, 'at the bracket');
    assert.equal(q.count, 2);
  });

  it('hands a scanner given back to the next parser on the thread, never one still in use', () => {
    const a = DigitScanner.take(1 << 16, 100);
    const b = DigitScanner.take(1 << 16, 100);
    assert.notEqual(a, b, 'two at once are two');
    a.release();
    a.release();
    assert.equal(DigitScanner.take(1 << 16, 100), a, 'the one given back');
    assert.notEqual(DigitScanner.take(1 << 16, 100), a, 'given back once, taken once');
    assert.notEqual(DigitScanner.take(1 << 17, 100), b, 'another size is another scanner');
    // A parser gives its scanner back when it finishes, and the next parse reads the same graph with it.
    const text = JSON.stringify({
      snapshot: { meta: { node_fields: ['type', 'name', 'id', 'self_size', 'edge_count'], node_types: [['synthetic', 'object'], 'string', 'number', 'number', 'number'], edge_fields: ['type', 'name_or_index', 'to_node'], edge_types: [['property'], 'string_or_number', 'node'] }, node_count: 2, edge_count: 1 },
      nodes: [0, 0, 1, 0, 1, 1, 1, 3, 40, 0],
      edges: [0, 1, 5],
      strings: ['', 'Thing'],
    });
    const parse = () => {
      const p = new SnapshotParser();
      p.push(text);
      return p.finish();
    };
    const first = parse();
    const second = parse();
    assert.deepEqual([...second.edgeTo], [...first.edgeTo]);
    assert.deepEqual([...second.nodeSelfSize], [0, 40]);
  });

  it('stores a number marked negative as 0, and wraps numbers past 32 bits as a Uint32Array does', () => {
    const s = new DigitScanner(1 << 16, 8);
    const r = { ...run(), negative: true, inNum: true };
    const a = Buffer.from('5,6,4294967301,');
    s.scan(a, 0, a.length, r);
    assert.deepEqual([...s.stage.subarray(0, r.count)], [0, 6, 4294967301 % 2 ** 32]);
    assert.equal(r.negative, false);
  });
});
