/**
 * Why it leaks, on real snapshots of the leak fixtures taken over the inspector: the top cluster
 * ends in the right holder and edge, the suspect edge's source line is the call that adds to the
 * holder, allocation sites are the `new` lines (the `.ts` line through the source map), and the
 * tree-with-a-registry fixture reports `parent` as a strong back-reference where it is assigned.
 */
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { explainTypes } from '../../../src/core/analysis/explain';
import { mapLeakSources } from '../../../src/core/sources/sourceMaps';
import type { Leak } from '../../../src/core/report';
import { fixture } from '../../fixtures/index';
import { watchProgram, type Watched } from '../why-programs/live';

/** Per fixture: the holder and edge the suspect edge must show, the holder's name, and the code that adds to it. */
const EXPECTED: { name: string; holder: string; edge: string; called: string; adds: string }[] = [
  { name: 'leak-map-cache', holder: 'Map', edge: '<key>', called: 'sessions', adds: 'sessions.set(' },
  { name: 'leak-array', holder: 'Array', edge: '[]', called: 'history', adds: 'history.push(' },
  { name: 'leak-tree-registry', holder: 'Set', edge: '[]', called: 'registry', adds: 'registry.add(' },
  { name: 'leak-listeners', holder: 'Array', edge: '[]', called: 'shutdown', adds: "shutdown.on('shutdown'" },
  { name: 'leak-closures', holder: 'Array', edge: '[]', called: 'callbacks', adds: 'callbacks.push(' },
  { name: 'leak-slow-churn', holder: 'Array', edge: '[]', called: 'audit', adds: 'audit.push(' },
  { name: 'leak-timers', holder: 'TimersList', edge: '_idleNext', called: '', adds: 'setInterval(() => state.poll()' },
];

function lineOf(file: string, snippet: string): number {
  const i = readFileSync(file, 'utf8').split('\n').findIndex((l) => l.includes(snippet));
  assert.ok(i >= 0, `${file} contains ${snippet}`);
  return i + 1;
}

async function explainFixture(name: string, trackAllocations = true): Promise<{ leak: Leak; w: Watched }> {
  const f = fixture(name);
  const w = await watchProgram(f.file, { samples: 2, intervalMs: 700, trackAllocations });
  const g = w.graphs[1];
  const [leak] = explainTypes(g, [f.leakType!], { watermarks: [w.maxIds[0]], previousMaxId: w.maxIds[0], scriptUrls: Object.fromEntries(w.scripts) });
  assert.ok(leak, `${f.leakType} explained`);
  return { leak, w };
}

describe('analysis: why it leaks, on live fixtures', function () {
  this.timeout(120_000);

  for (const x of EXPECTED) {
    it(`${x.name}: top cluster ends at ${[x.holder, x.called].filter(Boolean).join(" ")} → ${x.edge}, at the line that adds to it, and the site is the new line`, async () => {
      const f = fixture(x.name);
      const { leak } = await explainFixture(x.name);
      assert.ok(leak.newObjects > 10, `new ${f.leakType} objects: ${leak.newObjects}`);
      const top = leak.retainerPaths[0];
      assert.ok(top.count >= leak.newObjects * 0.3, `top cluster holds ${top.count} of ${leak.newObjects}`);
      assert.ok(top.suspectEdgeIndex >= 0, 'a suspect edge');
      const s = top.edges[top.suspectEdgeIndex];
      assert.equal(s.from, x.holder, JSON.stringify(top.edges.slice(-4)));
      assert.equal(s.edge, x.edge);
      if (x.called) assert.ok(top.edges[top.suspectEdgeIndex - 1].edge.endsWith(x.called), JSON.stringify(top.edges[top.suspectEdgeIndex - 1]));
      assert.equal(top.edges[top.edges.length - 1].to, f.leakType);
      assert.equal(top.suspectSite?.file, f.file);
      assert.equal(top.suspectSite?.line, lineOf(f.file, x.adds));
      const site = leak.allocationSites[0];
      assert.equal(site.kind, 'allocation');
      assert.equal(site.file, f.file);
      assert.equal(site.line, f.allocLine);
      assert.ok(site.count > 0 && site.bytes > 0);
      assert.ok(leak.retainedBytes >= leak.newBytes);
      assert.ok(leak.evidence[0].includes(x.holder), leak.evidence[0]);
    });
  }

  it('leak-tree-registry: parent is a strong back-reference, at the line that assigns it, keeping the trees alive', async () => {
    const f = fixture('leak-tree-registry');
    const { leak, w } = await explainFixture('leak-tree-registry');
    const b = leak.backReferences.find((r) => r.edge === 'parent');
    assert.ok(b, JSON.stringify(leak.backReferences));
    assert.equal(b.holder, 'TreeNode');
    assert.equal(b.target, 'TreeNode');
    assert.deepEqual([b.site?.file, b.site?.line], [f.file, f.backRefLine]);
    assert.match(b.fix, /WeakRef/);
    // 13 nodes a tree, one registered leaf each: the other 12 (and their children arrays) are kept only through `parent`
    const g = w.graphs[1];
    assert.ok(b.count > 100, `count ${b.count}`);
    assert.ok(b.bytes > leak.newBytes * 0.5 && b.bytes < g.totalSize, `bytes ${b.bytes} vs new ${leak.newBytes}`);
    // The per-type path speaks as a cause's: Node's timer plumbing is one labelled step before the program's `registry`.
    const top = leak.retainerPaths[0];
    assert.ok(top.steps?.[0].folded && /^kept alive by a timer/.test(top.steps[0].label ?? ''), JSON.stringify(top.steps));
    assert.ok(top.steps.some((s) => s.variable?.name === 'registry'), JSON.stringify(top.steps.map((s) => s.label ?? s.edge)));
    assert.ok(top.suspectStepIndex! >= 0 && top.steps[top.suspectStepIndex!].from === 'Set', JSON.stringify(top));
    const shapes = leak.retainerPaths.map((r) => JSON.stringify(r.steps!.map((s) => (s.folded ? s.label : [s.from, s.edge, s.to]))));
    assert.equal(new Set(shapes).size, shapes.length, 'clusters that differ only inside folded plumbing are one');
    // The evidence's numbers are grouped where the sentences are made (the CLI printed "were it weak, 156800 bytes").
    const backRefSentence = leak.evidence.find((e) => e.includes('points back at'));
    assert.match(backRefSentence ?? '', /were it weak, \d{1,3}(,\d{3})+ bytes/, `${backRefSentence}`);
    for (const e of leak.evidence) assert.doesNotMatch(e.replace(/\/\S+:\d+/g, ''), /(^|[\s(])\d{4,}(?![\d:])/, e);
    // no back-reference on the fixtures without one
    const { leak: map } = await explainFixture('leak-map-cache');
    assert.deepEqual(map.backReferences, []);
  });

  it('leak-session-ts: the allocation site and suspect line map to the .ts source', async () => {
    const f = fixture('leak-session-ts');
    const { leak } = await explainFixture('leak-session-ts');
    const [mapped] = await mapLeakSources([leak]);
    const site = mapped.allocationSites[0];
    assert.equal(site.file, f.original!.file);
    assert.equal(site.line, f.original!.allocLine);
    const top = mapped.retainerPaths[0];
    assert.equal(top.suspectSite?.file, f.original!.file);
    assert.equal(top.suspectSite?.line, lineOf(f.original!.file, 'openSessions.push('));
  });

  it('without allocation tracking, the site is the `new` found in the source, then the constructor, marked so', async () => {
    const f = fixture('leak-map-cache');
    const { leak } = await explainFixture('leak-map-cache', false);
    const [found, ctor] = leak.allocationSites;
    assert.equal(found.kind, 'source');
    assert.equal(found.file, f.file);
    assert.equal(found.line, f.allocLine, 'the `new Session(` line');
    assert.equal(ctor.kind, 'constructor');
    assert.equal(ctor.file, f.file);
    assert.equal(ctor.line, lineOf(f.file, 'constructor(id)'), 'the constructor of Session');
    assert.equal(ctor.count, leak.newObjects);
    assert.ok(leak.evidence.some((e) => e.includes(`${f.file}:${f.allocLine} `)), 'the new line found in the source is named');
  });
});
