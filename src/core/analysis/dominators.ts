/**
 * Dominator tree and retained sizes over the "essential" edges (see `isEssentialEdge`), by the
 * semi-NCA variant of Lengauer–Tarjan: an iterative DFS, semidominators by path-compressed eval,
 * immediate dominators by walking up the DFS tree. No recursion, so a chain of millions of nodes is fine.
 * Nodes the root cannot reach through essential edges hang off the root, as DevTools does with them.
 */
import type { HeapGraph } from '../snapshot/graph';
import { edgeKinds, ephemeronTableId } from './edges';

export interface Dominators {
  /** Per node: its immediate dominator (the root's is itself, 0). */
  readonly dominator: Uint32Array;
  /** Per node: bytes freed were it collected (own size plus everything it dominates). */
  readonly retained: Float64Array;
  /** All nodes, each after its dominator (DFS preorder): walk forward to go down the tree. */
  readonly order: Uint32Array;
}

/** The dominator tree and retained size of every node. */
export function computeDominators(g: HeapGraph): Dominators {
  const n = g.nodeCount;
  const fe = g.firstEdge;
  const to = g.edgeTo;
  const { firstPred, pred, essential } = essentialPredecessors(g);

  // 1. Iterative DFS over essential edges: preorder numbers.
  const dfn = new Int32Array(n).fill(-1);
  const vertex = new Uint32Array(n);
  const parent = new Int32Array(n);
  const fromRoot = new Uint8Array(n); // DFS trees started from unreachable nodes hang off the root
  const stackNode = new Uint32Array(n);
  const stackEdge = new Uint32Array(n);
  let count = 0;
  const dfs = (start: number, parentNum: number) => {
    let sp = 0;
    dfn[start] = count;
    vertex[count] = start;
    parent[count] = parentNum;
    count++;
    stackNode[0] = start;
    stackEdge[0] = fe[start];
    while (sp >= 0) {
      const v = stackNode[sp];
      const e = stackEdge[sp];
      if (e >= fe[v + 1]) {
        sp--;
        continue;
      }
      stackEdge[sp] = e + 1;
      const w = to[e];
      if (dfn[w] >= 0 || !essential[e]) continue;
      dfn[w] = count;
      vertex[count] = w;
      parent[count] = dfn[v];
      count++;
      sp++;
      stackNode[sp] = w;
      stackEdge[sp] = fe[w];
    }
  };
  dfs(0, 0);
  for (let v = 1; v < n; v++) {
    if (dfn[v] < 0) {
      fromRoot[v] = 1;
      dfs(v, 0);
    }
  }

  // 2. Semidominators (numbers are DFS preorder), eval with path compression.
  const semi = new Int32Array(n);
  const label = new Int32Array(n);
  const ancestor = new Int32Array(n).fill(-1);
  for (let i = 0; i < n; i++) {
    semi[i] = i;
    label[i] = i;
  }
  const stack = stackEdge; // reused for path compression
  const evaluate = (v: number): number => {
    if (ancestor[v] < 0) return v;
    let sp = 0;
    let x = v;
    while (ancestor[ancestor[x]] >= 0) {
      stack[sp++] = x;
      x = ancestor[x];
    }
    while (sp > 0) {
      const y = stack[--sp];
      const a = ancestor[y];
      if (semi[label[a]] < semi[label[y]]) label[y] = label[a];
      ancestor[y] = ancestor[a];
    }
    return label[v];
  };
  for (let w = n - 1; w >= 1; w--) {
    const node = vertex[w];
    let s = semi[w];
    if (fromRoot[node]) s = 0;
    for (let r = firstPred[node], end = firstPred[node + 1]; r < end; r++) {
      const u = dfn[pred[r]];
      const c = semi[evaluate(u)];
      if (c < s) s = c;
    }
    semi[w] = s;
    ancestor[w] = parent[w];
  }

  // 3. Immediate dominators: the nearest DFS ancestor not below the semidominator.
  const idom = ancestor; // reused
  idom[0] = 0;
  for (let w = 1; w < n; w++) {
    let d = parent[w];
    while (d > semi[w]) d = idom[d];
    idom[w] = d;
  }

  // 4. Retained sizes bottom-up in reverse preorder; dominators by node.
  const retained = new Float64Array(n);
  const self = g.nodeSelfSize;
  for (let v = 0; v < n; v++) retained[v] = self[v];
  const dominator = new Uint32Array(n);
  for (let w = n - 1; w >= 1; w--) {
    const node = vertex[w];
    const d = vertex[idom[w]];
    dominator[node] = d;
    retained[d] += retained[node];
  }
  return { dominator, retained, order: vertex };
}

/** Reverse CSR over the essential edges only: the predecessors of node i are pred[firstPred[i] .. firstPred[i + 1] - 1]. */
function essentialPredecessors(g: HeapGraph): { firstPred: Uint32Array; pred: Uint32Array; essential: Uint8Array } {
  const n = g.nodeCount;
  const k = edgeKinds(g);
  const fe = g.firstEdge;
  const to = g.edgeTo;
  // One flag per edge so the checks run once, in edge order (isEssentialEdge, inlined: this loop sees every edge).
  const essential = new Uint8Array(g.edgeCount);
  const firstPred = new Uint32Array(n + 1);
  const etype = g.edgeType;
  const ename = g.edgeNameOrIndex;
  const ids = g.nodeId;
  const tables = k.ephemeronTable;
  const { weak, shortcut, internal } = k;
  let m = 0;
  for (let v = 0; v < n; v++) {
    for (let e = fe[v], end = fe[v + 1]; e < end; e++) {
      const t = etype[e];
      const w = to[e];
      if (t === weak || w === v || (t === shortcut && v !== 0)) continue;
      if (t === internal) {
        let table = tables[ename[e]];
        if (table === -2) table = ephemeronTableId(g, k, ename[e]);
        if (table === ids[v]) continue; // the table half of a WeakMap entry: the key half is kept
      }
      essential[e] = 1;
      firstPred[w + 1]++;
      m++;
    }
  }
  for (let i = 0; i < n; i++) firstPred[i + 1] += firstPred[i];
  const fill = firstPred.slice(0, n);
  const pred = new Uint32Array(m);
  for (let v = 0; v < n; v++) {
    for (let e = fe[v], end = fe[v + 1]; e < end; e++) if (essential[e]) pred[fill[to[e]]++] = v;
  }
  return { firstPred, pred, essential };
}

/**
 * Retained bytes of a set of nodes (e.g. all objects of one type): the sum over members that no
 * other member dominates, so nested members are not counted twice (DevTools' class retained size).
 * Members are the nodes with `member[v] === value`.
 */
export function retainedBySet(dom: Dominators, member: Uint8Array, value = 1): number {
  const { order, dominator, retained } = dom;
  const covered = new Uint8Array(member.length);
  let total = 0;
  for (let i = 0; i < order.length; i++) {
    const v = order[i];
    const d = dominator[v];
    if (v !== d && (covered[d] || member[d] === value)) covered[v] = 1;
    else if (member[v] === value) total += retained[v];
  }
  return total;
}
