/**
 * Causes on hand-built heaps: a cause is a back-reference when most of its kept objects of its
 * first type are alive only through that edge (collected were every such edge weak), counted over
 * all of them; so neither the order of the snapshot's nodes nor the shortest paths decide it.
 */
import * as assert from 'node:assert/strict';
import { findCauses } from '../../../src/core/analysis/causes';
import { GraphBuilder } from '../why-programs/builder';

/**
 * Trees of 13 TreeNodes (children arrays, a `parent` on each but the root) in a long-lived Set
 * `liveTrees`; `held` picks the node the Set keeps, which may hold a `payload` of that many bytes.
 * `heldFirst`: the held nodes come first in the snapshot's node order (V8 lists an object when it
 * first meets it, so a Set's table visited early lists its entries before their trees).
 */
function forest(held: 'leaf' | 'root', { payload = 0, trees = 6, heldFirst = false } = {}) {
  const b = new GraphBuilder();
  const global = b.node('object', 'global / ', 32, 3);
  const set = b.obj('Set', 32, 5);
  const table = b.node('array', '', 64, 2001);
  b.edge(0, 'shortcut', 'global', global).prop(global, 'liveTrees', set).edge(set, 'internal', 'table', table);
  let id = 3001;
  const make = () => {
    const n = b.obj('TreeNode', 40, (id += 2));
    const children = b.obj('Array', 16, (id += 2));
    b.prop(n, 'children', children);
    return { n, children };
  };
  const heldNodes = heldFirst ? Array.from({ length: trees }, make) : [];
  const node = (parent: number | undefined, isHeld: boolean, t: number) => {
    const x = (isHeld && heldNodes[t]) || make();
    if (parent !== undefined) b.prop(x.n, 'parent', parent);
    return x;
  };
  for (let t = 0; t < trees; t++) {
    const root = node(undefined, held === 'root', t);
    let leaf = -1;
    for (let i = 0; i < 3; i++) {
      const child = node(root.n, false, t);
      b.edge(root.children, 'element', i, child.n);
      for (let j = 0; j < 3; j++) {
        const isLeaf = i === 1 && j === 0;
        const grand = node(child.n, held === 'leaf' && isLeaf, t);
        b.edge(child.children, 'element', j, grand.n);
        if (isLeaf) leaf = grand.n;
        if (isLeaf && payload) b.prop(grand.n, 'payload', b.node('array', '', payload, (id += 2)));
      }
    }
    b.edge(table, 'internal', String(t + 1), held === 'leaf' ? leaf : root.n);
  }
  return b.build();
}

const types = [
  { name: 'TreeNode', verdict: 'leak' as const, countPerMinute: 78 },
  { name: 'Array', verdict: 'leak' as const, countPerMinute: 78 },
];

describe('causes: back-references', () => {
  it('a kept leaf whose parent keeps its whole tree is a back-reference cause, every time', () => {
    for (let run = 0; run < 3; run++) {
      const [cause] = findCauses(forest('leaf'), types, { watermarks: [1000] });
      assert.deepEqual([cause.holder.kind, cause.holder.variable, cause.kept[0].type], ['back-reference', 'liveTrees', 'TreeNode']);
      assert.equal(cause.backReference?.edge, 'parent');
      assert.match(cause.fix, /WeakRef/);
    }
  });

  it('a kept leaf with a payload larger than its tree: still the back-reference (the bytes no longer decide)', () => {
    const [cause] = findCauses(forest('leaf', { payload: 20_000 }), types, { watermarks: [1000] });
    assert.deepEqual([cause.holder.kind, cause.backReference?.edge], ['back-reference', 'parent']);
  });

  it('kept leaves listed before their trees in the node order: still the back-reference (no sample of the first nodes decides)', () => {
    // 64 trees: the first 64 kept TreeNodes in node order are all held by the Set itself.
    const [cause] = findCauses(forest('leaf', { trees: 64, heldFirst: true }), types, { watermarks: [1000] });
    assert.deepEqual([cause.holder.kind, cause.holder.variable, cause.backReference?.edge], ['back-reference', 'liveTrees', 'parent']);
    assert.match(cause.evidence.join(' '), /12 of 13|92 %/);
  });

  it('kept roots whose children carry the trees: a container, though every child has a parent', () => {
    const [cause] = findCauses(forest('root'), types, { watermarks: [1000] });
    assert.deepEqual([cause.holder.kind, cause.holder.type, cause.holder.variable], ['container', 'Set', 'liveTrees']);
    assert.match(cause.fix, /Delete entries from the Set `liveTrees`/);
  });
});
