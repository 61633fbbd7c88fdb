/**
 * Dominator tree and retained sizes over the "essential" edges (see `isEssentialEdge`), by the
 * semi-NCA variant of Lengauer–Tarjan: an iterative DFS, semidominators by path-compressed eval,
 * immediate dominators by walking up the DFS tree. No recursion, so a chain of millions of nodes is fine.
 * Nodes the root cannot reach through essential edges hang off the root, as DevTools does with them.
 */
import { sharedArray } from '../heap/columns';
import type { HeapGraph } from '../heap/graph';
import { edgeSource } from './edges';

/** What the dominators read of a graph (besides its non-essential edge bits). */
export type DominatorGraph = Pick<HeapGraph, 'nodeCount' | 'edgeCount' | 'firstEdge' | 'edgeTo' | 'nodeSelfSize'>;

export interface Dominators {
  /** Per node: its immediate dominator (the root's is itself, 0). */
  readonly dominator: Uint32Array;
  /** Per node: bytes freed were it collected (own size plus everything it dominates). */
  readonly retained: Float64Array;
  /** All nodes, each after its dominator (DFS preorder): walk forward to go down the tree. */
  readonly order: Uint32Array;
  /** Per DFS number (an index into `order`): the number of its immediate dominator (the root's, 0, is itself). */
  readonly idom: Int32Array;
  /**
   * Two arrays of at least n words the computation is done with, for `retainedByMarks` to work in
   * (it overwrites them on every call): it would fault in fresh pages for them otherwise.
   */
  scratch?: [Uint32Array, Uint32Array];
  /** Per DFS number i: the retained size of `order[i]`, where the computation had room for it (read in order, where `retained` is read anywhere). */
  readonly retainedInOrder?: Float64Array;
}

/**
 * Half of the predecessor lists for a second thread: the arrays, in shared memory, and the nodes
 * from `mid` on (about half of the edges), whose edges' entries are its half
 * (`fillSecondPredecessors`).
 */
export interface PredecessorShare {
  /** 2n words (see `NodeSlots`). */
  readonly slots: Int32Array;
  /** n + 1 words each, zeroed: the predecessor offsets by number, and the second half's counts (then cursors) by number. */
  readonly firstPred: Uint32Array;
  readonly second: Uint32Array;
  /** Room for every edge. */
  readonly pred: Uint32Array;
  readonly mid: number;
}

/** The arrays of a `PredecessorShare` for this graph. */
export function predecessorShare(g: DominatorGraph): PredecessorShare {
  const n = g.nodeCount;
  return {
    slots: sharedArray<Int32Array>(Int32Array, 2 * n),
    firstPred: sharedArray<Uint32Array>(Uint32Array, n + 1),
    second: sharedArray<Uint32Array>(Uint32Array, n + 1),
    pred: sharedArray<Uint32Array>(Uint32Array, g.edgeCount),
    mid: g.edgeCount > 0 ? edgeSource(g, g.edgeCount >>> 1) : n,
  };
}

/** A `PredecessorShare` with the hand-offs to the thread that fills the second half. */
export interface PredecessorHelper extends PredecessorShare {
  /** The counts are offsets now: the other thread may fill its half. */
  begin(): void;
  /** Once this thread's half is in: true when the other thread filled its half (or there was none to fill); false if it failed. */
  end(): boolean;
}

/**
 * Two words per node, side by side so that one cache miss serves both: at 2w the DFS number of node
 * w (-1 before the DFS reaches it), at 2w + 1 the count of its predecessors (edges from the first
 * half of the nodes), then the cursor its entries are written below. The DFS and the predecessor
 * lists look both up for every edge's target, which is anywhere in memory. Afterwards the array is
 * the semidominators' forest: ancestors in the first n words, `best` in the last n.
 */
type NodeSlots = Int32Array;

/**
 * Arrays for the dominators to fill instead of fresh ones (`dominatorRoom`; another thread may
 * compute into them, or read them): 2n zeroed words for the slots, n words for the preorder, n + 1
 * zeroed words for the predecessor offsets, room for every edge's predecessor entry and for n
 * retained sizes (max(edges, 2n) words), 2n words for the DFS's stack and then the retained sizes
 * by DFS number.
 */
export interface DominatorRoom {
  readonly slots: Int32Array;
  readonly vertex: Uint32Array;
  readonly firstPred: Uint32Array;
  readonly pred: Uint32Array;
  /** n words for the DFS parents (then the immediate dominators by number). */
  readonly parent: Int32Array;
  /** 2n words for the DFS's stack (nodes, then edges), then the retained sizes by DFS number (`Dominators.retainedInOrder`). */
  readonly stack: Int32Array;
}

/**
 * A room in shared memory for the dominators of a graph of `n` nodes and `edgeCount` edges: another
 * thread may compute into it, or read its results (`dominatorsInRoom`). `parent`: n words to use
 * for the DFS parents when they are shared.
 */
export function dominatorRoom(n: number, edgeCount: number, parent?: Int32Array): DominatorRoom {
  return {
    slots: sharedArray<Int32Array>(Int32Array, 2 * n),
    vertex: sharedArray(Uint32Array, n),
    firstPred: sharedArray(Uint32Array, n + 1),
    pred: sharedArray(Uint32Array, Math.max(edgeCount, 2 * n)),
    parent: parent && parent.length === n && parent.buffer instanceof SharedArrayBuffer ? parent : sharedArray<Int32Array>(Int32Array, n),
    stack: sharedArray<Int32Array>(Int32Array, 2 * n),
  };
}

/** The arrays of a room in the order they are first written (a thread that touches them ahead goes in this order). */
export function roomArrays(room: DominatorRoom): { written: Int32Array[]; last: Int32Array[] } {
  const words = (a: ArrayBufferView) => new Int32Array(a.buffer, a.byteOffset, a.byteLength >>> 2);
  return { written: [room.slots, room.parent, room.vertex, room.pred, room.firstPred].map(words), last: [words(room.stack)] };
}

/** How `computeDominators` may compute: into a room, with a helper, telling its steps; the DFS parents in `parent` (n words). */
export interface DominatorOptions {
  room?: DominatorRoom;
  helper?: PredecessorHelper;
  steps?: DominatorSteps;
  parent?: Int32Array;
}

/** Told as `computeDominators` goes (another thread may time its own work by them). */
export interface DominatorSteps {
  /** The DFS is done: the preorder is final, the random reads all over the slots are over. */
  preordered?(): void;
  /** The tree is known (`order`, `idom`), before the retained sizes: the first half of the slots and the predecessor offsets (`scratch`) are free from then on. */
  tree?(): void;
}

/**
 * The dominator tree and retained size of every node, over the edges whose bit is clear in
 * `nonEssential` (half of the predecessor lists on another thread when `helper` is given; the
 * arrays of `room` filled when given, without a helper).
 */
export function computeDominators(g: DominatorGraph, nonEssential: Uint32Array, options: DominatorOptions = {}): Dominators {
  const { room, helper, steps } = options;
  // Each phase is a function of its own over typed arrays: V8 optimises each hot loop once (one
  // big function deoptimised at every new phase), and no loop reads variables through a closure.
  // Arrays a phase is done with are reused by the next one: a fresh page costs far more than the
  // work done on it (the kernel zeroes it; in a VM the host may have to back it too).
  const n = g.nodeCount;
  const slots = helper?.slots ?? room?.slots ?? new Int32Array(2 * n);
  for (let i = 0; i < 2 * n; i += 2) slots[i] = -1; // the counts start at 0 (a fresh or zeroed array)
  const firstPred = helper?.firstPred ?? room?.firstPred ?? new Uint32Array(n + 1);
  const mid = helper ? helper.mid : n;
  const { vertex, parent, stack } = preorder(g, nonEssential, slots, helper?.second ?? firstPred, mid, room, options.parent);
  steps?.preordered?.();
  const pred = helper ? predecessorsOnTwo(g, nonEssential, slots, vertex, helper) : predecessors(g, nonEssential, slots, vertex, firstPred, room?.pred);
  // The slots are done with: they become the forest's links and `best`. The semidominators go in
  // place of the predecessor offsets, each once the loop is past it (semi[w] is firstPred[w + 1]).
  const semi = firstPred.subarray(1);
  const ancestor = slots.subarray(0, n).fill(-1);
  const best = slots.subarray(n, 2 * n);
  semidominators(n, parent, firstPred, pred, ancestor, best, stack);
  const idom = immediateDominators(n, parent, semi); // in place of `parent`
  steps?.tree?.(); // the preorder and idom are final; the first half of the slots and the offsets are free
  // The outputs take the buffers of `best` and `pred`, which nothing reads any more.
  const out: Dominators = room
    ? dominatorsInRoom(n, room)
    : {
        dominator: new Uint32Array(best.buffer, best.byteOffset, n),
        retained: pred.buffer.byteLength >= n * 8 ? new Float64Array(pred.buffer, 0, n) : new Float64Array(n),
        order: vertex,
        idom,
        scratch: [firstPred, new Uint32Array(ancestor.buffer, ancestor.byteOffset, n)],
      };
  retainedSizes(n, vertex, idom, g.nodeSelfSize, out.dominator, out.retained, out.retainedInOrder);
  return out;
}

/**
 * Where `computeDominators` given `room` leaves its results, so that another thread that shares
 * the room can read them: the dominators in the slots' second half, the retained sizes over the
 * predecessor entries (room for 2n words at least) and by DFS number over the stack (where the
 * room has one), the preorder in `vertex`; the slots' first half and the predecessor offsets are
 * the scratch.
 */
export function dominatorsInRoom(n: number, room: DominatorRoom): Dominators {
  if (room.pred.buffer.byteLength < n * 8 || room.slots.length < 2 * n) throw new Error('the dominators\' room is too small');
  return {
    dominator: new Uint32Array(room.slots.buffer, room.slots.byteOffset + n * 4, n),
    retained: new Float64Array(room.pred.buffer, 0, n),
    order: room.vertex.subarray(0, n),
    idom: room.parent.subarray(0, n),
    scratch: [room.firstPred, new Uint32Array(room.slots.buffer, room.slots.byteOffset, n)],
    ...(room.stack.length >= 2 * n ? { retainedInOrder: new Float64Array(room.stack.buffer, room.stack.byteOffset, n) } : {}),
  };
}

interface Preorder {
  /** Per preorder number: the node. */
  vertex: Uint32Array;
  /** Per preorder number: the DFS parent's number; -1 for the DFS trees started from nodes the root cannot reach (they hang off the root). */
  parent: Int32Array;
  /** n words, touched only as deep as the DFS went: the path compression's stack. */
  stack: Int32Array;
}

/**
 * 1. Iterative DFS over the essential edges: preorder numbers, from the root, then from every node
 * it left unvisited. It sees each essential edge once, so it also counts the predecessors of each
 * node: edges from nodes below `mid` in the node's slot, the others by number in `count2`.
 */
function preorder(g: DominatorGraph, nonEssential: Uint32Array, slots: NodeSlots, count2: Uint32Array, mid: number, room?: DominatorRoom, spare?: Int32Array): Preorder {
  const n = g.nodeCount;
  const vertex = room?.vertex ?? new Uint32Array(n);
  const parent = room?.parent ?? (spare?.length === n ? spare : new Int32Array(n));
  // The stack only grows as deep as the DFS goes; pages never reached are never touched.
  const shared = room && room.stack.length >= 2 * n ? room.stack : undefined;
  const stackNode = shared ? new Uint32Array(shared.buffer, shared.byteOffset, n) : new Uint32Array(n);
  const stackEdge = shared ? new Uint32Array(shared.buffer, shared.byteOffset + 4 * n, n) : new Uint32Array(n);
  let next = dfsFrom(g, nonEssential, 0, 0, slots, vertex, parent, count2, mid, stackNode, stackEdge);
  for (let v = 1; v < n; v++) {
    if (slots[2 * v] < 0) {
      parent[next] = -1;
      next = dfsFrom(g, nonEssential, v, next, slots, vertex, parent, count2, mid, stackNode, stackEdge);
    }
  }
  return { vertex, parent, stack: new Int32Array(stackNode.buffer, stackNode.byteOffset, n) };
}

/** Numbers the nodes `start` reaches (not yet numbered) from `next` on; returns the next number. */
function dfsFrom(
  g: DominatorGraph,
  nonEssential: Uint32Array,
  start: number,
  next: number,
  slots: NodeSlots,
  vertex: Uint32Array,
  parent: Int32Array,
  count2: Uint32Array,
  mid: number,
  stackNode: Uint32Array,
  stackEdge: Uint32Array,
): number {
  const fe = g.firstEdge;
  const to = g.edgeTo;
  let sp = 0;
  slots[2 * start] = next;
  vertex[next] = start;
  next++;
  stackNode[0] = start;
  stackEdge[0] = fe[start];
  while (sp >= 0) {
    const v = stackNode[sp];
    let e = stackEdge[sp];
    const end = fe[v + 1];
    const first = v < mid; // whose half the edges out of v are in
    // Skip the edges that lead nowhere new without going back to the stack.
    let w = 0;
    for (; e < end; e++) {
      if (!essential(nonEssential, e)) continue;
      w = to[e];
      const d = slots[2 * w];
      if (d < 0) break;
      if (first) slots[2 * w + 1]++;
      else count2[d]++;
    }
    if (e >= end) {
      sp--;
      continue;
    }
    stackEdge[sp] = e + 1;
    const pv = slots[2 * v];
    slots[2 * w] = next;
    if (first) slots[2 * w + 1]++;
    else count2[next]++;
    vertex[next] = w;
    parent[next] = pv;
    next++;
    sp++;
    stackNode[sp] = w;
    stackEdge[sp] = fe[w];
  }
  return next;
}

/**
 * 2. Reverse CSR over the essential edges, by preorder number: the predecessors of number d are
 * the numbers pred[firstPred[d] .. firstPred[d + 1] - 1]. The offsets are summed in number order
 * from the counts in the slots, whose cursors then start at each range's end and move down.
 */
function predecessors(g: DominatorGraph, nonEssential: Uint32Array, slots: NodeSlots, vertex: Uint32Array, firstPred: Uint32Array, room?: Uint32Array): Uint32Array {
  const n = g.nodeCount;
  let sum = 0;
  for (let d = 0; d < n; d++) {
    const c = 2 * vertex[d] + 1;
    firstPred[d] = sum;
    sum += slots[c];
    slots[c] = sum;
  }
  firstPred[n] = sum;
  const pred = room ? room.subarray(0, sum) : new Uint32Array(sum);
  fillPredecessors(g, nonEssential, slots, pred, 0, n);
  return pred;
}

/**
 * The predecessor entries of the edges out of nodes [from, to), each written just below its
 * target's cursor (in its slot). In node order, so the edge columns are read straight through.
 */
function fillPredecessors(g: DominatorGraph, nonEssential: Uint32Array, slots: NodeSlots, pred: Uint32Array, from: number, to: number): void {
  const fe = g.firstEdge;
  const target = g.edgeTo;
  for (let v = from; v < to; v++) {
    const dv = slots[2 * v];
    for (let e = fe[v], end = fe[v + 1]; e < end; e++) {
      if (essential(nonEssential, e)) pred[--slots[2 * target[e] + 1]] = dv;
    }
  }
}

/**
 * `fillPredecessors` for the second half of a `PredecessorShare`, on the other thread once told to
 * (`PredecessorHelper.begin`): through cursors by number (`second[number]` moves down), so that no
 * write is shared with the first half's.
 */
export function fillSecondPredecessors(g: DominatorGraph, nonEssential: Uint32Array, share: PredecessorShare): void {
  const fe = g.firstEdge;
  const target = g.edgeTo;
  const { slots, second: cursor, pred } = share;
  for (let v = share.mid, to = g.nodeCount; v < to; v++) {
    const dv = slots[2 * v];
    for (let e = fe[v], end = fe[v + 1]; e < end; e++) {
      if (essential(nonEssential, e)) pred[--cursor[slots[2 * target[e]]]] = dv;
    }
  }
}

/**
 * `predecessors` on two threads: the counts came in two places, by the half of the graph the edge
 * leaves from. Each number's range holds the first half's entries, then the second's; this thread
 * fills the first half while the helper fills the second, each through its own cursors, so no
 * write is shared. Returns the entries; `firstPred` ends as the offsets, as with one thread.
 */
function predecessorsOnTwo(g: DominatorGraph, nonEssential: Uint32Array, slots: NodeSlots, vertex: Uint32Array, helper: PredecessorHelper): Uint32Array {
  const n = g.nodeCount;
  const { firstPred, second, mid } = helper;
  let sum = 0;
  for (let d = 0; d < n; d++) {
    const c = 2 * vertex[d] + 1;
    const a = slots[c];
    firstPred[d] = sum;
    slots[c] = sum + a; // moves down to the range's start
    sum += a + second[d];
    second[d] = sum; // moves down to the start of the second half's entries
  }
  firstPred[n] = sum;
  const pred = helper.pred.subarray(0, sum);
  helper.begin();
  fillPredecessors(g, nonEssential, slots, pred, 0, mid);
  if (!helper.end()) throw new Error('the helper thread failed to fill its half of the predecessor lists');
  return pred;
}

/** isEssentialEdge for edge e, from the graph's bits (markNonEssentialEdges): small enough for V8 to inline into the two loops that call it for every edge. */
function essential(nonEssential: Uint32Array, e: number): boolean {
  return ((nonEssential[e >>> 5] >>> (e & 31)) & 1) === 0;
}

/**
 * 3. Semidominators, by DFS number, with path-compressed eval over a forest linked in reverse
 * preorder. Semi-NCA needs only the least semidominator on a forest path, never the vertex that
 * has it, so the forest keeps that value itself (`best`) instead of a label to look up in `semi`:
 * one random access fewer per step of every compressed path. Predecessors are numbers already,
 * so the loop reads its ranges straight through. Writes semi[w] into firstPred[w + 1] and makes
 * the parents of the DFS trees' starts 0.
 */
function semidominators(n: number, parent: Int32Array, firstPred: Uint32Array, pred: Uint32Array, ancestor: Int32Array, best: Int32Array, stack: Int32Array): void {
  // best: per linked number, the least semidominator on its compressed forest path
  let end = firstPred[n];
  for (let w = n - 1; w >= 1; w--) {
    const start = firstPred[w];
    let p = parent[w];
    let s = w;
    if (p < 0) {
      s = 0; // hangs off the root
      p = parent[w] = 0;
    }
    for (let r = start; r < end; r++) {
      const u = pred[r];
      // Numbers below w are not linked yet: their semidominator is still themselves.
      const c = u < w ? u : leastSemiAbove(u, ancestor, best, stack);
      if (c < s) s = c;
    }
    firstPred[w + 1] = s;
    best[w] = s;
    ancestor[w] = p;
    end = start;
  }
}
/** Path-compressed eval for linked v: the least semidominator on the forest path from v up (its root excluded). */
function leastSemiAbove(v: number, ancestor: Int32Array, best: Int32Array, stack: Int32Array): number {
  let sp = 0;
  let x = v;
  while (ancestor[ancestor[x]] >= 0) {
    stack[sp++] = x;
    x = ancestor[x];
  }
  while (sp > 0) {
    const y = stack[--sp];
    const a = ancestor[y];
    if (best[a] < best[y]) best[y] = best[a];
    ancestor[y] = ancestor[a];
  }
  return best[v];
}

/** 4. Immediate dominators (semi-NCA): the nearest DFS ancestor not below the semidominator; overwrites `parent`. */
function immediateDominators(n: number, parent: Int32Array, semi: Uint32Array): Int32Array {
  const idom = parent;
  idom[0] = 0;
  for (let w = 1; w < n; w++) {
    let d = idom[w];
    const s = semi[w];
    while (d > s) d = idom[d];
    idom[w] = d;
  }
  return idom;
}

/**
 * 5. Retained sizes bottom-up in reverse preorder; dominators by node (both arrays are
 * overwritten); by DFS number too where `inOrder` is given (the sums of marked nodes read them in
 * order, see `sumMarkedTops`): a node's size is final, and in hand, once the loop is at its number.
 */
function retainedSizes(n: number, vertex: Uint32Array, idom: Int32Array, self: Uint32Array, dominator: Uint32Array, retained: Float64Array, inOrder?: Float64Array): void {
  for (let v = 0; v < n; v++) retained[v] = self[v];
  dominator[0] = 0;
  for (let w = n - 1; w >= 1; w--) {
    const node = vertex[w];
    const d = vertex[idom[w]];
    dominator[node] = d;
    const size = retained[node];
    if (inOrder) inOrder[w] = size;
    retained[d] += size;
  }
  if (inOrder && n > 0) inOrder[0] = retained[vertex[0]];
}

/**
 * Retained bytes of a set of nodes (e.g. all objects of one type): the sum over members that no
 * other member dominates, so nested members are not counted twice (DevTools' class retained size).
 * Members are the nodes with `member[v] === value`. For many sets at once, `retainedByMarks`.
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

/**
 * `retainedBySet` for many sets at once: the retained bytes of the nodes marked k, for every k in
 * 1..count (`out[k]`; nodes marked 0 or above count belong to none). One pass down the preorder
 * (each node after its dominator) that keeps, per DFS number, a chain of the members that count
 * among its dominators, one per mark at most: the nearest (`head`), then each one's next (`next`).
 * A member counts, adding its retained size, when its mark is not on its dominator's chain; then it
 * heads the chain below it. A chain holds at most `count` members, so the pass is linear whatever
 * the tree's shape, and real chains are a few members long. By number, the dominator's chain is
 * `head[idom[i]]`: read in order, and mostly near i (by node it would be anywhere in memory).
 */
export function retainedByMarks(dom: Dominators, marks: Uint8Array, count: number): Float64Array {
  const n = dom.order.length;
  // In the computation's spare arrays when it left them: fresh pages cost more than the pass.
  const spare = dom.scratch && dom.scratch[0].length >= n && dom.scratch[1].length >= n;
  const head = spare ? dom.scratch![0] : new Uint32Array(n);
  const next = spare ? dom.scratch![1] : new Uint32Array(n);
  markedTops(dom.order, dom.idom, marks, count, head, next);
  return sumMarkedTops(dom, marks, count, head);
}

/**
 * The walk of `retainedByMarks`, which needs the tree only (not the retained sizes): leaves
 * `head[i] === i` at the DFS numbers i of the members that count (`head` and `next`: n words each,
 * overwritten).
 */
function markedTops(order: Uint32Array, idom: Int32Array, marks: Uint8Array, count: number, head: Uint32Array, next: Uint32Array): void {
  const n = order.length;
  if (n === 0) return;
  head[0] = NONE; // the root (number 0) is its own dominator: nothing above it
  for (let i = 0; i < n; i++) {
    const v = order[i];
    const above = head[idom[i]];
    const mark = marks[v];
    if (mark !== 0 && mark <= count) {
      let u = above;
      while (u !== NONE && marks[order[u]] !== mark) u = next[u];
      if (u === NONE) {
        head[i] = i;
        next[i] = above;
        continue;
      }
      // else a dominator of its own mark holds it: counted there
    }
    head[i] = above;
  }
}

/**
 * `retainedByMarks` in two parts for dominators computed into a room on another thread: the walk,
 * once that thread has the tree (`DominatorSteps.tree`), in the room's free scratch beside its
 * last step; then, once the dominators are done, the sums.
 */
export function markedTopsInRoom(n: number, room: DominatorRoom, marks: Uint8Array, count: number): void {
  markedTops(room.vertex.subarray(0, n), room.parent.subarray(0, n), marks, count, room.firstPred, new Uint32Array(room.slots.buffer, room.slots.byteOffset, n));
}

/** The second part of `markedTopsInRoom`: the sums, from the room's dominators. */
export function sumMarkedTopsInRoom(dom: Dominators, room: DominatorRoom, marks: Uint8Array, count: number): Float64Array {
  return sumMarkedTops(dom, marks, count, room.firstPred);
}

/** The sums of `retainedByMarks` once `markedTops` has left `head`: out[k], the retained bytes of the members marked k that count. */
function sumMarkedTops(dom: Dominators, marks: Uint8Array, count: number, head: Uint32Array): Float64Array {
  const out = new Float64Array(count + 1);
  const { order, retained, retainedInOrder } = dom;
  const n = order.length;
  if (retainedInOrder) {
    for (let i = 0; i < n; i++) if (head[i] === i) out[marks[order[i]]] += retainedInOrder[i];
    return out;
  }
  for (let i = 0; i < n; i++) {
    if (head[i] !== i) continue;
    const v = order[i];
    out[marks[v]] += retained[v];
  }
  return out;
}

/** No member (a chain's end). */
const NONE = 0xffffffff;
