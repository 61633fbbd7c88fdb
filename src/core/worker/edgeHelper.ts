/**
 * Parsing a snapshot file on two cores: while the parser reads "nodes" (and then everything after
 * "edges"), a helper thread finds the "edges" array in the same file and parses it into shared
 * memory. "edges" is about 60 % of a snapshot's bytes, so once the parser has read the rest it
 * parses the array's tail itself, block by block from the end, until the two meet.
 *
 * Who parses "edges" is settled once, through one shared word: the helper claims the array when it
 * has found it; the parser, on reaching the array itself, either sees the claim (and skips to the
 * array's `]`) or takes the array for itself (and the helper stops). A claim for another offset
 * than the parser's is refused. Inside the array, blocks of `blockBytes` are claimed through a
 * second word, the helper's from the front and the parser's from the back: a number belongs to the
 * block its first digit is in. The parser knows the edge count from the nodes, so the numbers of
 * each block it parses have their place counted from the end. Nothing is left to timing: either
 * way the graph is the same, and whatever the tail cannot read (a byte V8 never writes, counts
 * that do not add up) sends the file to one thread, which words the error.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { Worker } from 'node:worker_threads';
import { ColumnsFullError, GrowableColumns, sharedAlloc, type ArrayRecycler } from '../heap/columns';
import { DigitScanner } from '../heap/digits';
import { SnapshotError } from '../heap/errors';
import type { HeapGraph, SnapshotMeta } from '../heap/graph';
import { parseSnapshotFile, type FileEdgeHelper, type ParseFileOptions } from '../heap/file';
import { blockNumbers, findEdges, finishNumber, NUMBER_SLACK, placeNumbers } from '../heap/edgeBlocks';
import { convertEdgeRows, edgeColumnTypes, indexedEdgeTypes } from '../heap/numberTables';
import { sharedWords, type SharedWord } from './sharedState';
import { SnapshotParser, type SnapshotHeader } from '../heap/parser';

/** How long the parser waits at "edges" for the helper to claim them, by default (see EdgeHelperThread). */
const DEFAULT_WAIT_MS = 100;
/** The blocks "edges" is shared out in, by default: a few ms of parsing each, so neither thread waits long for the other at the meeting. */
const DEFAULT_BLOCK_BYTES = 1 << 20;
/** The blocks word: the helper's next block in the low 16 bits, the parser's lowest in the high ones; NO_TAIL until the parser claims one. */
const NO_TAIL = 0xffff;

/** Who parses "edges" (the `owner` word): settled once, by whichever thread moves it from `searching`. */
const OWNER = { searching: 0, helper: 1, parser: 2 } as const;
/** The words of the hand-offs: the owner, and the blocks word (see NO_TAIL). */
const WORDS = ['owner', 'blocks'] as const;

/** The control memory's words, and the offset of the `[` the helper claimed (a Float64 after them). */
function controlOf(control: SharedArrayBuffer): { words: ReturnType<typeof sharedWords<(typeof WORDS)[number]>>; offset: Float64Array } {
  return { words: sharedWords(WORDS, new Int32Array(control, 0, 2)), offset: new Float64Array(control, 8, 1) };
}

/** What the helper thread is given (`workerData.edgeScan`). */
export interface EdgeScanRequest {
  path: string;
  meta: SnapshotMeta;
  nodeCount: number;
  /** The edge table's columns, in field order, in shared memory, sized for the header's edge count. */
  columns: EdgeColumn[];
  /** The owner and blocks words, and the offset of the `[` the helper claimed (`controlOf`). */
  control: SharedArrayBuffer;
  /** The size of the blocks "edges" is shared out in. */
  blockBytes: number;
  /** Tests: after this many blocks the helper waits (up to 10 s) for the parser to claim its first, so that both take part. */
  meetAfterBlocks?: number;
}

type EdgeColumn = GrowableColumns['columns'][number];

type EdgeScanReply =
  | { kind: 'done'; length: number; col: number; maxEdgeName: number; met: boolean }
  | { kind: 'stopped' }
  | { kind: 'full' }
  | { kind: 'error'; message: string; snapshotError: boolean };

/**
 * The edge table, fixed in size: columns in shared memory (the parser's side; recycled ones where
 * an earlier graph left some), or the columns the parser's side made (the helper's side: the same
 * memory).
 */
function edgeColumns(meta: SnapshotMeta, capacity: number, given?: EdgeColumn[], recycler?: ArrayRecycler): GrowableColumns {
  let k = 0;
  const columns = new GrowableColumns(meta.edge_fields, edgeColumnTypes(meta), capacity, given ? () => given[k++] : (recycler?.allocShared ?? sharedAlloc));
  columns.fixed = true;
  return columns;
}

/** How a file is parsed on two threads. */
export interface TwoThreadParseOptions extends Omit<ParseFileOptions, 'edgeHelper' | 'keepHelper'> {
  /** A worker script that runs `runEdgeScan` for `workerData.edgeScan` (helperRoles.ts); without one, one thread. */
  edgeWorker?: string;
  /** How long the parser waits at "edges" for a helper still looking for them (default 100 ms; it wakes at the helper's claim). */
  helperWaitMs?: number;
  /** The blocks the two threads share "edges" out in (default 1 MB). */
  blockBytes?: number;
  /** Tests: the helper waits for this thread's first block after this many of its own, so that both take part. */
  meetAfterBlocks?: number;
  /**
   * Given the helper thread once the file is parsed, when it parsed "edges": it is idle and may
   * take one more job (dominatorsAhead.ts); the receiver ends it. Without this option the thread
   * is ended at once.
   */
  keepHelper?: (thread: Worker) => void;
}

/** Parses a `.heapsnapshot` file with its "edges" parsed by a helper thread too (files of 16 MB or more). */
export function parseFileOnTwoThreads(path: string, options: TwoThreadParseOptions = {}): Promise<HeapGraph> {
  const { edgeWorker: script, helperWaitMs, blockBytes, meetAfterBlocks, keepHelper, ...rest } = options;
  return parseSnapshotFile<EdgeHelperThread>(path, {
    ...rest,
    edgeHelper: script ? (header) => new EdgeHelperThread(script, path, header, helperWaitMs, rest.recycler, { blockBytes, meetAfterBlocks }) : undefined,
    keepHelper: keepHelper
      ? (helper) => {
          const idle = helper.handOver();
          if (idle) keepHelper(idle);
          else helper.stop();
        }
      : undefined,
  });
}

/** The parser's side: starts the helper thread and answers the parser's claim. */
export class EdgeHelperThread implements FileEdgeHelper {
  private readonly owner: SharedWord;
  private readonly blocks: SharedWord;
  private readonly offset: Float64Array;
  private readonly blockBytes: number;
  private readonly worker: Worker;
  private readonly reply: Promise<EdgeScanReply>;
  private readonly columns: GrowableColumns;
  private stopped = false;
  private finished = false;

  /**
   * `waitMs`: how long the parser, at "edges", waits for a helper that has not claimed them yet (it
   * wakes as soon as the helper does): a parser that is already warm (a later file in the same
   * process) can reach "edges" before a helper thread has started.
   * `recycler`: where the edge table's shared buffers may come from, and go back to if the helper
   * never claims them.
   */
  constructor(
    script: string,
    path: string,
    private readonly header: SnapshotHeader,
    private readonly waitMs = DEFAULT_WAIT_MS,
    private readonly recycler?: ArrayRecycler,
    options: { blockBytes?: number; meetAfterBlocks?: number } = {},
  ) {
    const control = new SharedArrayBuffer(16);
    ({ words: { owner: this.owner, blocks: this.blocks }, offset: this.offset } = controlOf(control));
    this.blocks.set(NO_TAIL << 16);
    this.blockBytes = Math.max(64, options.blockBytes ?? DEFAULT_BLOCK_BYTES);
    // Fresh memory is dear on first touch, and the edge table is a third of the file's size.
    this.columns = edgeColumns(header.meta, header.edgeCount, undefined, recycler);
    const request: EdgeScanRequest = {
      path,
      meta: header.meta,
      nodeCount: header.nodeCount,
      columns: this.columns.columns,
      control,
      blockBytes: this.blockBytes,
      meetAfterBlocks: options.meetAfterBlocks,
    };
    this.worker = new Worker(script, { workerData: { edgeScan: request } });
    this.reply = new Promise<EdgeScanReply>((resolve) => {
      this.worker.once('message', resolve);
      this.worker.once('error', (e) => resolve({ kind: 'error', message: e.message, snapshotError: false }));
      this.worker.once('exit', (code) => resolve({ kind: 'error', message: `the edge helper exited (code ${code})`, snapshotError: false }));
    });
  }

  claim(offset: number): boolean {
    if (this.waitMs > 0) this.owner.waitWhile(OWNER.searching, this.waitMs);
    const was = this.owner.move(OWNER.searching, OWNER.parser);
    if (was === OWNER.helper && this.offset[0] === offset) return true;
    // A helper that never claimed never wrote: its columns can hold the parser's own edge table.
    if (was === OWNER.searching) this.recycler?.give(this.columns.columns);
    this.stop(); // not claimed, or claimed somewhere else: the parser reads "edges" itself
    return false;
  }

  /**
   * The edges the helper parsed, once it is done: the columns and the largest string index a named
   * edge holds; null when the header's edge count was too small for them or the thread failed
   * (then the file is parsed without the helper).
   * Rejects with the helper's error (a corrupt "edges" array words it as the parser would).
   */
  async result(): Promise<{ columns: GrowableColumns; maxEdgeName: number; numbers: number; met: boolean } | null> {
    const r = await this.reply;
    if (r.kind === 'done') {
      this.finished = true; // idle now, until `stop` or `handOver`
      this.columns.length = r.length;
      this.columns.col = r.col;
      return { columns: this.columns, maxEdgeName: r.maxEdgeName, numbers: r.length * this.columns.width + r.col, met: r.met };
    }
    this.stop();
    if (r.kind === 'error' && r.snapshotError) throw new SnapshotError(r.message);
    return null; // too many edges for the header's count, or the thread failed: parse on one thread
  }

  /**
   * The parser's part of "edges", once it has read the rest of the file: blocks from the array's
   * end (`close`, the offset of its `]`) down, until it meets the helper. `edgeCount`: what the
   * nodes declare. Returns the numbers parsed (the last `numbers` of the table, targets converted
   * for whole rows) and the largest string index they name; null when the tail cannot be read here
   * (then the file goes to one thread). Call before `result`.
   */
  async parseTail(file: FileHandle, close: number, edgeCount: number): Promise<{ numbers: number; maxEdgeName: number } | null> {
    const columns = this.columns;
    const width = columns.width;
    const total = edgeCount * width;
    if (close < 0 || edgeCount > columns.capacity) return null;
    const first = this.offset[0] + 1;
    const count = Math.ceil((close - first) / this.blockBytes);
    if (count <= 0) return { numbers: 0, maxEdgeName: -1 };
    if (count >= NO_TAIL) return { numbers: 0, maxEdgeName: -1 }; // more blocks than the word counts: the helper does them all
    // A block holds at most one number per two bytes.
    const scanner = DigitScanner.take(this.blockBytes + 2 + NUMBER_SLACK, (this.blockBytes >> 1) + 2);
    const buf = scanner.input;
    const stage = scanner.stage;
    const meta = this.header.meta;
    const indexed = indexedEdgeTypes(meta);
    let numbers = 0;
    let maxName = -1;
    for (;;) {
      const j = this.claimBack(count);
      if (j < 0) break;
      const start = first + j * this.blockBytes;
      const end = Math.min(start + this.blockBytes, close);
      // From the byte before the block (to tell whether the block starts inside a number) to a
      // little past it (its last number may end in the next block).
      const from = start - 1;
      const length = Math.min(end + NUMBER_SLACK, close) - from;
      const { bytesRead } = await file.read(buf, 0, length, from);
      if (bytesRead < length) return this.giveUpTail(); // the file changed under us
      const c = blockNumbers(scanner, length, end - from, from + length === close);
      if (c < 0) return this.giveUpTail();
      const p0 = total - numbers - c;
      if (p0 < 0) return this.giveUpTail();
      placeNumbers(stage, c, columns, p0);
      try {
        // Rows that begin in this block are whole now: the blocks after it are in already.
        maxName = convertEdgeRows(columns, meta.node_fields.length, this.header.nodeCount, indexed, Math.ceil(p0 / width), Math.ceil((p0 + c) / width), maxName);
      } catch {
        return this.giveUpTail();
      }
      numbers += c;
    }
    scanner.release();
    return { numbers, maxEdgeName: maxName };
  }

  /** The tail cannot be read here: the helper stops (where it is) and the file is parsed again on one thread. */
  private giveUpTail(): null {
    this.stop();
    return null;
  }

  /** Claims the highest block not taken yet, below `count`; -1 once the helper has reached the parser's blocks. */
  private claimBack(count: number): number {
    for (;;) {
      const word = this.blocks.value;
      const lo = word & 0xffff;
      const hi = Math.min(word >>> 16, count);
      if (hi - 1 < lo) return -1;
      if (this.blocks.move(word, lo | ((hi - 1) << 16)) === word) return hi - 1;
    }
  }

  /**
   * The thread, once it has parsed all of its "edges" (`result`), for one more job (see
   * `startDominatorsAhead`): whoever takes it ends it. Undefined when it did not finish, or was stopped.
   */
  handOver(): Worker | undefined {
    if (!this.finished || this.stopped) return undefined;
    this.stopped = true;
    return this.worker;
  }

  /** Stops the helper (idempotent); a thread handed over is left alone. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.owner.set(OWNER.parser);
    void this.worker.terminate();
  }
}

/** The helper thread's side: find "edges" in the file, claim it, parse it into the shared columns, block by block from the front. */
export async function runEdgeScan(request: EdgeScanRequest, post: (reply: EdgeScanReply) => void): Promise<void> {
  const { words, offset } = controlOf(request.control);
  const { owner, blocks } = words;
  const parserTookIt = () => owner.value === OWNER.parser;
  let file: FileHandle | undefined;
  try {
    file = await open(request.path, 'r');
    const columns = edgeColumns(request.meta, request.columns[0].length, request.columns);
    const parser = SnapshotParser.forEdges(request.meta, request.nodeCount, columns, 4 << 20);
    // Reads go straight into the scanner's memory, the search's too (no second buffer to fault in).
    const input = parser.readBuffer;
    const at = await findEdges(file, input, parserTookIt);
    if (at < 0) return post({ kind: 'stopped' });
    offset[0] = at;
    if (owner.move(OWNER.searching, OWNER.helper) !== OWNER.searching) return post({ kind: 'stopped' });
    const first = at + 1;
    const size = request.blockBytes;
    let pos = first;
    let next = 0; // the next block to claim
    let met = false;
    reading: for (;;) {
      const { bytesRead } = await file.read(input, 0, input.length, pos);
      if (bytesRead === 0) return post({ kind: 'stopped' }); // truncated: the parser says so in its own words
      let i = 0;
      while (i < bytesRead) {
        if (pos + i === first + next * size) {
          if (next === request.meetAfterBlocks) {
            const word = blocks.value;
            if (word >>> 16 === NO_TAIL) blocks.waitWhile(word, 10_000);
          }
          if (!claimFront(blocks, next)) {
            met = true;
            await finishNumber(file, parser, pos + i);
            break reading;
          }
          next++;
        }
        const stop = Math.min(bytesRead, first + next * size - pos);
        i += parser.pushEdges(input.subarray(i, stop));
        if (parser.edgesEnded) break reading;
      }
      pos += bytesRead;
      if (parserTookIt()) return post({ kind: 'stopped' });
    }
    if (met) parser.closeEdges();
    const { maxEdgeName } = parser.edgesResult();
    post({ kind: 'done', length: columns.length, col: columns.col, maxEdgeName, met });
  } catch (e) {
    if (e instanceof ColumnsFullError) post({ kind: 'full' });
    else post({ kind: 'error', message: (e as Error)?.message ?? String(e), snapshotError: e instanceof SnapshotError });
  } finally {
    await file?.close();
  }
}

/** Claims block `j` for the helper (the next from the front); false when the parser holds it already. */
function claimFront(blocks: SharedWord, j: number): boolean {
  for (;;) {
    const word = blocks.value;
    if (j >= word >>> 16) return false;
    if (blocks.move(word, ((word >>> 16) << 16) | (j + 1)) === word) return true;
  }
}
