import * as assert from 'node:assert/strict';
import { readEdgeKinds } from '../../../src/core/analysis/edges';
import { distancesOf } from '../helpers/steps';
import { makeTypeNamer, markTypes } from '../../../src/core/analysis/naming';
import { clusterPaths, displayPath, type PathContext } from '../../../src/core/analysis/retainers';
import { backReferences, reachesBack } from '../../../src/core/analysis/backrefs';
import { allocationSites, isUserScript } from '../../../src/core/analysis/allocation';
import { explainTypes } from '../../../src/core/analysis/explain';
import { GraphAnalysis } from '../../../src/core/analysis/pipeline';
import { GraphBuilder } from '../why-programs/builder';

/** A heap like V8's: global → closure → context → Map → table → sessions, and an old/new id split at 1000. */
function mapCacheHeap(sessions: number) {
  const b = new GraphBuilder();
  const global = b.node('object', 'global / ', 32, 3);
  const fn = b.node('closure', 'handleRequest', 32, 5);
  const ctx = b.node('object', 'system / Context', 40, 7);
  const map = b.obj('Map', 32, 9);
  const table = b.node('array', '', 64, 2001); // the table is re-allocated as the Map grows: new
  b.edge(0, 'shortcut', 'global', global).prop(global, 'handleRequest', fn).edge(fn, 'internal', 'context', ctx);
  b.edge(ctx, 'context', 'cache', map).edge(map, 'internal', 'table', table);
  const made: number[] = [];
  for (let i = 0; i < sessions; i++) {
    const s = b.obj('Session', 48, 3001 + 2 * i);
    const user = b.obj('Object', 24, 9001 + 2 * i);
    b.edge(table, 'internal', String(3 + i * 3), s).prop(s, 'user', user).prop(user, 'name', b.node('string', 'x', 16));
    made.push(s);
  }
  return { g: b.build(), made, map };
}

describe('analysis: retainer paths', () => {
  it('folds a Map table into `<key>`, a closure context into the variable, and marks the old holder', () => {
    const { g, made } = mapCacheHeap(5);
    const ctx: PathContext = { graph: g, kinds: readEdgeKinds(g), distances: distancesOf(g), typeOf: makeTypeNamer(g), oldId: 1000 };
    const p = displayPath(ctx, made[2]);
    assert.deepEqual(
      p.edges.map((e) => `${e.from} -${e.edge}-> ${e.to}`),
      ['(root) -global-> global / ', 'global /  -handleRequest-> (closure)', '(closure) -cache-> Map', 'Map -<key>-> Session'],
    );
    const [c] = clusterPaths(ctx, made);
    assert.equal(c.count, 5);
    assert.equal(c.bytes, 5 * 48);
    assert.equal(c.suspectEdgeIndex, 3, 'the Map is old though its table is new');
  });

  it('clusters by shape: array indexes fold, different holders split, biggest first', () => {
    const b = new GraphBuilder();
    const list = b.obj('Array', 16, 5);
    const reg = b.obj('Set', 16, 7);
    const table = b.node('array', '', 16, 9);
    b.edge(0, 'shortcut', 'list', list).edge(0, 'shortcut', 'reg', reg).edge(reg, 'internal', 'table', table);
    const items: number[] = [];
    for (let i = 0; i < 7; i++) {
      const x = b.obj('Item', 10, 2001 + 2 * i);
      if (i < 4) b.edge(list, 'element', i, x);
      else b.edge(table, 'internal', String(i), x);
      items.push(x);
    }
    const g = b.build();
    const ctx: PathContext = { graph: g, kinds: readEdgeKinds(g), distances: distancesOf(g), typeOf: makeTypeNamer(g), oldId: 1000 };
    const clusters = clusterPaths(ctx, items);
    assert.deepEqual(clusters.map((c) => [c.count, c.edges.at(-1)!.from, c.edges.at(-1)!.edge]), [[4, 'Array', '[]'], [3, 'Set', '[]']]);
    assert.deepEqual(clusters.map((c) => c.suspectEdgeIndex), [1, 1]);
  });

  it('folds repeated steps so chains of any length make one shape', () => {
    const b = new GraphBuilder();
    const reg = b.obj('Set', 16, 5);
    const table = b.node('array', '', 16, 7);
    b.edge(0, 'shortcut', 'reg', reg).edge(reg, 'internal', 'table', table);
    const ends: number[] = [];
    for (const len of [2, 3, 5]) {
      let prev = b.obj('Node', 8, 2001 + len * 100);
      b.edge(table, 'internal', String(len), prev);
      for (let i = 1; i < len; i++) {
        const n = b.obj('Node', 8, 2001 + len * 100 + 2 * i);
        b.prop(prev, 'next', n);
        prev = n;
      }
      ends.push(prev);
    }
    const g = b.build();
    const ctx: PathContext = { graph: g, kinds: readEdgeKinds(g), distances: distancesOf(g), typeOf: makeTypeNamer(g), oldId: 1000 };
    const clusters = clusterPaths(ctx, ends);
    assert.equal(clusters.length, 1, JSON.stringify(clusters.map((c) => c.edges)));
    assert.equal(clusters[0].edges.at(-1)!.edge, 'next+');
  });

  it('names plain objects by their properties, like the Summary does', () => {
    const { g } = mapCacheHeap(2);
    const typeOf = makeTypeNamer(g);
    const m = markTypes(g, ['{name}', 'Session'], typeOf);
    let shapes = 0;
    let sessions = 0;
    for (let v = 0; v < g.nodeCount; v++) (m[v] === 1 && shapes++, m[v] === 2 && sessions++);
    assert.deepEqual([shapes, sessions], [2, 2]);
  });
});

describe('analysis: back-references', () => {
  /** A registry Set holding one leaf per tree; each node has `parent` and `children` (an Array). */
  function treeHeap(trees: number) {
    const b = new GraphBuilder();
    const reg = b.obj('Set', 16, 5);
    const table = b.node('array', '', 16, 7);
    b.edge(0, 'shortcut', 'registry', reg).edge(reg, 'internal', 'table', table);
    const all: number[] = [];
    let id = 2001;
    for (let t = 0; t < trees; t++) {
      const mk = (parent: number | null) => {
        const n = b.obj('TreeNode', 40, (id += 2));
        const kids = b.obj('Array', 16, (id += 2));
        b.prop(n, 'children', kids);
        if (parent !== null) {
          b.prop(n, 'parent', parent);
          const pk = b.edges.find((e) => e.from === parent && e.name === 'children')!.to;
          b.edge(pk, 'element', b.edges.filter((e) => e.from === pk).length, n);
        }
        all.push(n);
        return n;
      };
      const root = mk(null);
      const a = mk(root);
      mk(root);
      const leaf = mk(a);
      b.edge(table, 'internal', String(t), leaf);
    }
    return { g: b.build(), all };
  }

  it('finds child.parent beside parent.children and measures what it keeps alive', () => {
    const { g, all } = treeHeap(3);
    const d = distancesOf(g);
    const typeOf = makeTypeNamer(g);
    const ctx: PathContext = { graph: g, kinds: readEdgeKinds(g), distances: d, typeOf, oldId: 1000 };
    const clusters = clusterPaths(ctx, all);
    const refs = backReferences(g, d, typeOf, clusters.map((c) => c.example), clusters.map((c) => c.suspectEdgeIndex));
    assert.equal(refs.length, 1, JSON.stringify(refs));
    const [r] = refs;
    assert.deepEqual([r.holder, r.edge, r.target], ['TreeNode', 'parent', 'TreeNode']);
    assert.equal(r.count, 9, 'three non-root nodes a tree');
    // were `parent` weak, each tree keeps only its registered leaf (and its children array): 3 nodes + 3 arrays go a tree
    assert.equal(r.bytes, 3 * 3 * (40 + 16));
    assert.match(r.fix, /WeakRef/);
  });

  it('does not call a plain one-way reference a back-reference', () => {
    const b = new GraphBuilder();
    const a = b.obj('A');
    const c = b.obj('B');
    b.edge(0, 'shortcut', 'a', a).prop(a, 'b', c);
    const g = b.build();
    assert.equal(reachesBack(g, c, a), false);
    b.prop(c, 'a', a);
    assert.equal(reachesBack(b.build(), c, a), true);
  });
});

describe('analysis: allocation sites', () => {
  it('takes the innermost user frame of the trace, skipping node:internal and node_modules', () => {
    const b = new GraphBuilder();
    const strs = ['', 'main', '/app/main.js', 'make', '/app/lib.js', 'inner', 'node:internal/x', 'dep', '/app/node_modules/dep/i.js'];
    const items = [b.node('object', 'Item', 10, 5, 4), b.node('object', 'Item', 10, 7, 4), b.node('object', 'Item', 30, 9, 3)];
    const g0 = b.build();
    const base = g0.strings.length;
    const g = { ...g0, strings: [...g0.strings, ...strs] };
    const s = (x: string) => base + strs.indexOf(x);
    // functions: 0 main (/app/main.js:1:1), 1 make (/app/lib.js:10:3), 2 inner (node:internal), 3 dep (node_modules)
    const traces = {
      functionCount: 4,
      functionName: Uint32Array.of(s('main'), s('make'), s('inner'), s('dep')),
      functionScriptName: Uint32Array.of(s('/app/main.js'), s('/app/lib.js'), s('node:internal/x'), s('/app/node_modules/dep/i.js')),
      functionScriptId: Uint32Array.of(1, 2, 3, 4),
      functionLine: Uint32Array.of(1, 10, 5, 7),
      functionColumn: Uint32Array.of(1, 3, 1, 1),
      // tree: 1 main → 2 make → 3 inner → 4 dep
      traceCount: 4,
      traceId: Uint32Array.of(1, 2, 3, 4),
      traceFunction: Uint32Array.of(0, 1, 2, 3),
      traceParent: Int32Array.of(-1, 0, 1, 2),
    };
    const sites = allocationSites({ ...g, traces }, items);
    assert.equal(sites.length, 1);
    assert.deepEqual([sites[0].functionName, sites[0].scriptName, sites[0].line, sites[0].count, sites[0].bytes, sites[0].kind], ['make', '/app/lib.js', 10, 3, 50, 'allocation']);
    assert.equal(isUserScript('node:events'), false);
    assert.equal(isUserScript('C:\\app\\node_modules\\x\\y.js'), false);
    assert.equal(isUserScript('file:///app/x.mjs'), true);
  });

  it('falls back to constructor locations, 1-based, marked `constructor`', () => {
    const b = new GraphBuilder();
    const x = b.obj('Item', 10);
    const y = b.obj('Item', 20);
    b.locations.push({ node: x, script: 7, line: 4, column: 2 }, { node: y, script: 7, line: 4, column: 2 });
    const [site] = allocationSites(b.build(), [x, y]);
    assert.deepEqual([site.scriptId, site.line, site.column, site.count, site.bytes, site.kind], [7, 5, 3, 2, 30, 'constructor']);
  });
});

/** A Map cache of four Sessions (two new since id 1000), each holding a Data. */
function sessionCache() {
  const b = new GraphBuilder();
  const map = b.obj('Map', 32, 9);
  const table = b.node('array', '', 64, 2001);
  b.edge(0, 'shortcut', 'cache', map).edge(map, 'internal', 'table', table);
  for (let i = 0; i < 4; i++) {
    const s = b.obj('Session', 48, i < 2 ? 11 + 2 * i : 3001 + 2 * i);
    const data = b.obj('Data', 100, 5001 + 2 * i);
    b.edge(table, 'internal', String(3 + 3 * i), s).prop(s, 'data', data);
  }
  return b.build();
}

describe('analysis: explainTypes on a hand-built heap', () => {
  it('explains a Map cache: one cluster, the Map as suspect, retained bytes per type', () => {
    const g = sessionCache();
    const [leak] = explainTypes(g, ['Session', 'Nothing'], { watermarks: [1000], previousMaxId: 1000 });
    assert.equal(leak.type, 'Session');
    assert.deepEqual([leak.newObjects, leak.newBytes, leak.retainedBytes], [2, 96, 4 * 148]);
    assert.equal(leak.retainerPaths.length, 1);
    assert.equal(leak.retainerPaths[0].count, 2, 'only the new ones are clustered');
    const p = leak.retainerPaths[0];
    assert.deepEqual(p.edges[p.suspectEdgeIndex], { from: 'Map', edge: '<key>', edgeType: 'internal', to: 'Session' });
    assert.match(leak.evidence[0], /Map cache → <key>/);
    assert.deepEqual([...new GraphAnalysis(g).retainedByType(['Session', 'Map', 'Data'])], [['Session', 592], ['Map', 32 + 64 + 592], ['Data', 400]]);
  });

  it('sums the retained sizes asked for next in the same pass (alsoRetained), with the same answers', () => {
    const context = { watermarks: [1000], previousMaxId: 1000 };
    const plain = new GraphAnalysis(sessionCache());
    const withMore = new GraphAnalysis(sessionCache());
    const alone = explainTypes(plain.graph, ['Session'], { ...context, analysis: plain });
    const together = explainTypes(withMore.graph, ['Session'], { ...context, alsoRetained: ['Map', 'Data', 'Session'], analysis: withMore });
    assert.deepEqual(together, alone, 'the explanation does not change');
    assert.deepEqual(withMore.keptRetained?.names, ['Session', 'Map', 'Data']);
    assert.equal(plain.keptRetained, undefined, 'nothing kept when nothing more was asked for');
    const sums = withMore.keptRetained!.sums;
    sums[2] = -1; // a Map sum only the kept marking could give
    assert.deepEqual([...withMore.retainedByType(['Data', 'Map'])], [['Data', 400], ['Map', -1]], 'the kept sums are reused');
    assert.deepEqual([...withMore.retainedByType(['Data', 'Nothing'])], [['Data', 400], ['Nothing', 0]], 'a type not kept: marked again');
    assert.deepEqual([...plain.retainedByType(['Session', 'Map', 'Data'])], [['Session', 592], ['Map', 32 + 64 + 592], ['Data', 400]]);
  });

  it('tells a path in the code\'s words: timer plumbing folded, clusters that differ only inside it merged', () => {
    // Two timers (setTimeout and setImmediate), each calling a closure of the program that captures a `registry` Set.
    const b = new GraphBuilder();
    const global = b.node('object', 'global / ', 32, 3);
    b.edge(0, 'shortcut', 'global', global);
    const script = b.node('code', '/app/jobs.js', 16, 5);
    const items: number[] = [];
    const route = (starter: string, list: string, entry: string, callback: string, base: number) => {
      const fn = b.node('closure', starter, 32, base);
      const lists = b.obj(list, 32, base + 2);
      const timer = b.obj(entry, 32, base + 4);
      const user = b.node('closure', 'tick', 32, base + 6);
      const shared = b.node('code', 'tick', 32, base + 8);
      const ctx = b.node('object', 'system / Context', 32, base + 10);
      const set = b.obj('Set', 32, base + 12);
      const table = b.node('array', '', 64, base + 2001);
      b.prop(global, starter, fn).prop(fn, list === 'Object' ? 'timerListMap' : 'immediateQueue', lists).edge(lists, 'element', 0, timer).prop(timer, callback, user);
      b.edge(user, 'internal', 'shared', shared).edge(shared, 'internal', 'script_or_debug_info', script).edge(user, 'internal', 'context', ctx);
      b.locations.push({ node: user, script: 7, line: 11, column: 2 });
      b.edge(ctx, 'context', 'registry', set).edge(set, 'internal', 'table', table);
      for (let i = 0; i < 3; i++) {
        const x = b.obj('Item', 40, base + 3001 + 2 * i);
        b.edge(table, 'internal', String(i + 1), x);
        items.push(x);
      }
    };
    route('setTimeout', 'Object', 'Timeout', '_onTimeout', 101);
    route('setImmediate', 'ImmediateList', 'Immediate', '_onImmediate', 201);
    const [leak] = explainTypes(b.build(), ['Item'], { watermarks: [1000], previousMaxId: 1000 });
    assert.equal(leak.retainerPaths.length, 1, JSON.stringify(leak.retainerPaths.map((r) => r.edges.map((e) => e.edge))));
    const [p] = leak.retainerPaths;
    assert.equal(p.count, 6);
    assert.deepEqual(
      p.steps!.map((s) => s.label ?? `${s.from} .${s.edge}`),
      ['kept alive by a timer', '(closure) .registry', 'Set .[]'],
    );
    assert.equal(p.steps![0].folded!.length, 5, 'the root, global, the starter, its list, the timer');
    assert.equal(p.steps![p.suspectStepIndex!].from, 'Set');
  });
});
