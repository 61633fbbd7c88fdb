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
  const etype = g.edgeType;
  const ename = g.edgeNameOrIndex;
  const ids = g.nodeId;
  const k = edgeKinds(g);
  const tables = k.ephemeronTable;
  const { weak, shortcut, internal } = k;

  // 1. Iterative DFS over essential edges: preorder numbers. The same pass sees every edge once, so
  //    it also decides which edges are essential (isEssentialEdge, inlined) and counts each node's
  //    essential predecessors for the reverse CSR built next. A node's DFS number and its count sit
  //    side by side (info[2x], info[2x + 1]): one cache miss per edge instead of two.
  const essential = new Uint8Array(g.edgeCount);
  const info = new Int32Array(2 * n);
  for (let x = 0; x < 2 * n; x += 2) info[x] = -1;
  const vertex = new Uint32Array(n);
  const parent = new Int32Array(n);
  const fromRoot = new Uint8Array(n); // DFS trees started from unreachable nodes hang off the root
  const stackNode = new Uint32Array(n);
  const stackEdge = new Uint32Array(n);
  let count = 0;
  let m = 0; // essential edges
  for (let start = 0; start < n; start++) {
    if (info[2 * start] >= 0) continue;
    if (start !== 0) fromRoot[start] = 1;
    let sp = 0;
    info[2 * start] = count;
    vertex[count] = start;
    parent[count] = 0;
    count++;
    stackNode[0] = start;
    stackEdge[0] = fe[start];
    while (sp >= 0) {
      const v = stackNode[sp];
      let e = stackEdge[sp];
      const end = fe[v + 1];
      let w = -1;
      for (; e < end; e++) {
        const t = etype[e];
        const x = to[e];
        if (t === weak || x === v || (t === shortcut && v !== 0)) continue;
        if (t === internal) {
          let table = tables[ename[e]];
          if (table === -2) table = ephemeronTableId(g, k, ename[e]);
          if (table === ids[v]) continue; // the table half of a WeakMap entry: the key half is kept
        }
        essential[e] = 1;
        m++;
        info[2 * x + 1]++;
        if (info[2 * x] < 0) {
          w = x;
          e++;
          break;
        }
      }
      if (w < 0) {
        sp--;
        continue;
      }
      stackEdge[sp] = e;
      info[2 * w] = count;
      vertex[count] = w;
      parent[count] = info[2 * v];
      count++;
      sp++;
      stackNode[sp] = w;
      stackEdge[sp] = fe[w];
    }
  }

  // Reverse CSR over the essential edges, predecessors stored by their DFS number.
  const firstPred = new Uint32Array(n + 1);
  const fill = stackEdge; // reused: the DFS is done
  for (let i = 0, sum = 0; i < n; i++) {
    firstPred[i] = sum;
    fill[i] = sum;
    sum += info[2 * i + 1];
  }
  firstPred[n] = m;
  const pred = new Uint32Array(m);
  for (let v = 0; v < n; v++) {
    const dv = info[2 * v];
    for (let e = fe[v], end = fe[v + 1]; e < end; e++) if (essential[e] === 1) pred[fill[to[e]]++] = dv;
  }

  // 2. Semidominators (numbers are DFS preorder), eval with path compression. semi, label and
  //    ancestor of DFS number u sit together at st[3u], st[3u + 1], st[3u + 2].
  const st = new Int32Array(3 * n);
  for (let i = 0; i < n; i++) {
    st[3 * i] = i;
    st[3 * i + 1] = i;
    st[3 * i + 2] = -1;
  }
  const stack = stackNode; // reused for path compression
  for (let w = n - 1; w >= 1; w--) {
    const node = vertex[w];
    let s = fromRoot[node] === 1 ? 0 : w;
    for (let r = firstPred[node], end = firstPred[node + 1]; r < end; r++) {
      const u = pred[r];
      let c: number;
      if (st[3 * u + 2] < 0) c = st[3 * u];
      else {
        // eval(u) with path compression
        let sp = 0;
        let x = u;
        while (st[3 * st[3 * x + 2] + 2] >= 0) {
          stack[sp++] = x;
          x = st[3 * x + 2];
        }
        while (sp > 0) {
          const y = stack[--sp];
          const a = st[3 * y + 2];
          const la = st[3 * a + 1];
          if (st[3 * la] < st[3 * st[3 * y + 1]]) st[3 * y + 1] = la;
          st[3 * y + 2] = st[3 * a + 2];
        }
        c = st[3 * st[3 * u + 1]];
      }
      if (c < s) s = c;
    }
    st[3 * w] = s;
    st[3 * w + 2] = parent[w];
  }

  // 3. Immediate dominators: the nearest DFS ancestor not below the semidominator.
  const idom = parent; // reused: idom[w] is written after parent[w] is read, and only read for d < w
  for (let w = 1; w < n; w++) {
    let d = parent[w];
    const s = st[3 * w];
    while (d > s) d = idom[d];
    idom[w] = d;
  }
  idom[0] = 0;

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
