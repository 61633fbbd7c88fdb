// A context's global, as the causes name a leak's unit: a vm context's global proxy and the global
// object behind it are one window (jsdom's `Window` and `Window / `), found by their edges in a real
// snapshot, with the context they stand for; other objects are not globals.
import * as assert from 'node:assert/strict';
import { globalOf } from '../../../src/core/analysis/origin';
import type { HeapGraph } from '../../../src/core/heap/graph';
import { snapshotGraphOf } from '../helpers/takeSnapshot';

describe('globalOf: a context\'s global proxy and global object', function () {
  this.timeout(60_000);
  let graph: HeapGraph;

  before(async () => {
    graph = await snapshotGraphOf(`
      const vm = require('node:vm');
      class Page {}
      globalThis.kept = [0, 1, 2].map((i) => vm.createContext(new Page()));
      globalThis.plain = new Page();
    `);
  });

  const named = (name: string) => {
    const out: number[] = [];
    for (let v = 0; v < graph.nodeCount; v++) if (graph.strings[graph.nodeName[v]] === name && graph.nodeTypeNames[graph.nodeType[v]] === 'object') out.push(v);
    return out;
  };

  it('finds each context\'s proxy from the proxy and from its global object, with the same native context', () => {
    const found = new Map<number, { object: number; context: number }>();
    for (let v = 0; v < graph.nodeCount; v++) {
      const global = globalOf(graph, v);
      if (!global || global.proxy === v) continue;
      assert.equal(global.object, v);
      const fromProxy = globalOf(graph, global.proxy);
      assert.deepEqual(fromProxy, { proxy: global.proxy, object: global.proxy, context: global.context });
      assert.equal(graph.strings[graph.nodeName[global.context]], 'system / NativeContext');
      found.set(global.proxy, global);
    }
    // The main context and the three vm contexts at least; the vm contexts' globals are named by their class.
    assert.ok(found.size >= 4, `${found.size} globals`);
    const pages = [...found.keys()].filter((p) => graph.strings[graph.nodeName[p]] === 'Page');
    assert.equal(pages.length, 3, `proxies named Page: ${pages.length}`);
  });

  it('an ordinary object of the same class is not a global', () => {
    const plain = named('Page').filter((v) => !globalOf(graph, v));
    assert.ok(plain.length >= 1);
  });
});
