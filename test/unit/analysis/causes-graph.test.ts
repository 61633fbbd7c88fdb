/**
 * Causes on hand-built heaps: the back-reference kind is read off the paths (most kept objects are
 * reached through `parent` below the holder), so it is the same on every run of the same heap.
 */
import * as assert from 'node:assert/strict';
import { findCauses } from '../../../src/core/analysis/causes';
import { GraphBuilder } from '../why-programs/builder';

/**
 * Trees of 13 TreeNodes (children arrays, a `parent` on each but the root) in a long-lived Set
 * `liveTrees`; `held` picks the node the Set keeps, which may hold a `payload` of that many bytes.
 */
function forest(held: 'leaf' | 'root', payload = 0, trees = 6) {
  const b = new GraphBuilder();
  const global = b.node('object', 'global / ', 32, 3);
  const set = b.obj('Set', 32, 5);
  const table = b.node('array', '', 64, 2001);
  b.edge(0, 'shortcut', 'global', global).prop(global, 'liveTrees', set).edge(set, 'internal', 'table', table);
  let id = 3001;
  const node = (parent: number | undefined) => {
    const n = b.obj('TreeNode', 40, (id += 2));
    const children = b.obj('Array', 16, (id += 2));
    b.prop(n, 'children', children);
    if (parent !== undefined) b.prop(n, 'parent', parent);
    return { n, children };
  };
  for (let t = 0; t < trees; t++) {
    const root = node(undefined);
    let leaf = -1;
    for (let i = 0; i < 3; i++) {
      const child = node(root.n);
      b.edge(root.children, 'element', i, child.n);
      for (let j = 0; j < 3; j++) {
        const grand = node(child.n);
        b.edge(child.children, 'element', j, grand.n);
        if (i === 1 && j === 0) leaf = grand.n;
        if (i === 1 && j === 0 && payload) b.prop(grand.n, 'payload', b.node('array', '', payload, (id += 2)));
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
    const [cause] = findCauses(forest('leaf', 20_000), types, { watermarks: [1000] });
    assert.deepEqual([cause.holder.kind, cause.backReference?.edge], ['back-reference', 'parent']);
  });

  it('kept roots whose children carry the trees: a container, though every child has a parent', () => {
    const [cause] = findCauses(forest('root'), types, { watermarks: [1000] });
    assert.deepEqual([cause.holder.kind, cause.holder.type, cause.holder.variable], ['container', 'Set', 'liveTrees']);
    assert.match(cause.fix, /Delete entries from the Set `liveTrees`/);
  });
});
