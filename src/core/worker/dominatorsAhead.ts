/**
 * Dominators computed ahead: when a file's retained sizes will be asked for next (the last file of
 * an analysis), its dominators start on the parse's edge helper, which is booted and idle by then,
 * while this thread sums and answers the sample; the graph's analysis joins them when they are
 * asked for. Every hand-off is a move of a shared word (sharedState.ts); whatever fails, the
 * dominators are computed here instead, with the same result.
 */
import type { Worker } from 'node:worker_threads';
import { computeDominators, dominatorRoom, dominatorsInRoom, markedTopsInRoom, roomArrays, sumMarkedTopsInRoom, type DominatorGraph, type DominatorRoom } from '../analysis/dominators';
import { markNonEssentialRange, nonEssentialArray, type EdgeKinds, type EssentialGraph } from '../analysis/edges';
import type { DominatorsInFlight, GraphSteps } from '../analysis/engine';
import { asWords, touchPages } from './pageToucher';
import { JobState, Milestone, sharedWords, type SharedWord } from './sharedState';

/**
 * The words of the hand-offs: the job; the helper's milestones, `tree` (the preorder and immediate
 * dominators are in the room; only the retained sizes are left) and `preordered` (the DFS is done);
 * the ranges of the non-essential bits claimed and done.
 */
const WORDS = ['job', 'tree', 'bitsClaimed', 'bitsDone', 'preordered'] as const;

/** What the helper is given (`dominatorsAhead` in its message); every array is in shared memory. */
export interface DominatorsAheadRequest {
  graph: DominatorGraph & EssentialGraph;
  room: DominatorRoom;
  /** Zeroed: the two threads fill the graph's non-essential edge bits here first. */
  nonEssential: Uint32Array;
  kinds: EdgeKinds;
  /** The words of `WORDS`. */
  control: Int32Array;
}

/** The non-essential bits are shared out in this many ranges of edges, claimed by whichever thread is free. */
const BIT_RANGES = 32;
/** How long a join waits for the helper to take its job before doing the work itself. */
const START_MS = 5_000;

/**
 * Starts the graph's dominators on `thread`, an idle helper (the file parse's edge helper, see
 * `ParseFileOptions.keepHelper`), and gives the analysis their join. This thread takes its share
 * of the non-essential bits, touches the pages the helper writes, waits out the DFS (the DFS reads
 * the slots at random: this thread's own passes over the graph beside it would push them out of
 * the cache the cores share), then returns. False (and the thread ended) when they cannot start.
 */
export function startDominatorsAhead(a: GraphSteps, thread: Worker): boolean {
  const g = a.graph;
  const n = g.nodeCount;
  const { firstEdge, edgeTo, edgeType, edgeNameOrIndex, nodeId, nodeSelfSize, nodeCount, edgeCount } = g;
  if (a.nonEssentialKnown || a.dominatorsPending || ![firstEdge, edgeTo, edgeType, edgeNameOrIndex, nodeId, nodeSelfSize].every((x) => x.buffer instanceof SharedArrayBuffer)) {
    void thread.terminate();
    return false;
  }
  const words = sharedWords(WORDS);
  const request: DominatorsAheadRequest = {
    graph: { nodeCount, edgeCount, firstEdge, edgeTo, edgeType, edgeNameOrIndex, nodeId, nodeSelfSize },
    room: dominatorRoom(n, edgeCount, a.takeSpareWords()),
    nonEssential: nonEssentialArray(edgeCount),
    kinds: a.edgeKinds(),
    control: words.memory,
  };
  try {
    thread.postMessage({ dominatorsAhead: request });
  } catch {
    void thread.terminate();
    return false;
  }
  thread.on('error', () => undefined);
  thread.unref();
  const job = new JobState(words.job);
  const tree = new Milestone(words.tree);
  const { room } = request;
  const { written, last } = roomArrays(room);
  shareNonEssential(request, words.bitsClaimed, words.bitsDone);
  const helperAtWork = () => job.state > 1 || tree.reached;
  touchPages(written, written.map(() => true), helperAtWork);
  if (job.running) new Milestone(words.preordered).waitFor(Math.max(1_000, n / 2_000));
  a.dominatorsOnTheirWay({
    join(marks) {
      touchPages(last, [true], helperAtWork); // the rest was touched above
      // An idle thread takes its message at once; one that has not by now never will (it died).
      job.waitWhileIdle(START_MS);
      if (job.cancelIfIdle()) {
        void thread.terminate();
        return undefined;
      }
      const longest = Math.max(60_000, n / 50);
      let walked = false;
      if (marks) {
        tree.waitFor(longest);
        if (tree.reached && (job.running || job.done)) {
          markedTopsInRoom(n, room, marks.marks, marks.count);
          walked = true;
        }
      }
      job.waitWhileRunning(longest);
      void thread.terminate();
      if (!job.done) return undefined;
      a.adoptNonEssentialEdges(request.nonEssential);
      const dominators = dominatorsInRoom(n, room);
      return walked && marks ? { dominators, sums: sumMarkedTopsInRoom(dominators, room, marks.marks, marks.count) } : { dominators };
    },
    cancel() {
      job.cancelIfIdle();
      void thread.terminate();
    },
  } satisfies DominatorsInFlight);
  return true;
}

/**
 * Fills ranges of the non-essential bits for as long as some are unclaimed: the helper and the
 * thread that started it both call it, so the bits take half the time when both are free. Each
 * range is a multiple of 32 edges, so no word of the bits is shared.
 */
function shareNonEssential(request: DominatorsAheadRequest, claimed: SharedWord, done: SharedWord): void {
  const { graph: g, kinds, nonEssential } = request;
  const size = Math.ceil(g.edgeCount / BIT_RANGES / 32) * 32;
  for (;;) {
    const c = claimed.add(1);
    if (c >= BIT_RANGES) return;
    markNonEssentialRange(g, kinds, nonEssential, Math.min(c * size, g.edgeCount), Math.min((c + 1) * size, g.edgeCount));
    done.add(1);
  }
}

/** The helper's side: its share of the bits, then the dominators into the shared room (milestones on the way); done or failed. */
export function runDominatorsAhead(request: DominatorsAheadRequest): void {
  const words = sharedWords(WORDS, request.control);
  const job = new JobState(words.job);
  if (!job.start()) return;
  const preordered = new Milestone(words.preordered);
  const tree = new Milestone(words.tree);
  let ok = false;
  try {
    shareNonEssential(request, words.bitsClaimed, words.bitsDone);
    // Ranges the other thread claimed may still be under way (a few ms each).
    for (let done = words.bitsDone.value; done < BIT_RANGES; done = words.bitsDone.value) {
      if (!words.bitsDone.waitWhile(done, 10_000)) throw new Error('the non-essential bits were never finished');
    }
    computeDominators(request.graph, request.nonEssential, { room: request.room, steps: { preordered: () => preordered.reach(), tree: () => tree.reach() } });
    ok = true;
  } catch {
    ok = false;
  }
  job.end(ok);
  // Whoever waits for a milestone wakes, whatever the end.
  preordered.reach();
  tree.reach();
}
