/**
 * Parsing a snapshot file on two cores: while the parser reads "nodes" (and then everything after
 * "edges"), a helper thread finds the "edges" array in the same file and parses it into shared
 * memory. "edges" is about half of a snapshot's numbers, so the parse of a big file takes about half
 * as long on a machine with a core to spare.
 *
 * Who parses "edges" is settled once, through one shared word: the helper claims the array when it
 * has found it; the parser, on reaching the array itself, either sees the claim (and skips to the
 * array's `]`) or takes the array for itself (and the helper stops). A claim for another offset
 * than the parser's is refused. Nothing is left to timing: either way the graph is the same.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { Worker } from 'node:worker_threads';
import { ColumnsFullError, GrowableColumns, sharedAlloc, type ArrayRecycler } from './columns';
import type { SnapshotMeta } from './graph';
import { edgeColumnTypes, SnapshotError, SnapshotParser, type EdgeHelper, type SnapshotHeader } from './parser';

/** How long the parser waits at "edges" for the helper to claim them, by default (see EdgeHelperThread). */
const DEFAULT_WAIT_MS = 100;

const SEARCHING = 0;
const HELPER = 1;
const PARSER = 2;

/** What the helper thread is given (`workerData.edgeScan`). */
export interface EdgeScanRequest {
  path: string;
  meta: SnapshotMeta;
  nodeCount: number;
  /** The edge table's columns, in field order, in shared memory, sized for the header's edge count. */
  columns: EdgeColumn[];
  /** Int32 [0]: SEARCHING, HELPER or PARSER; Float64 [1]: the offset of the `[` the helper claimed. */
  control: SharedArrayBuffer;
}

type EdgeColumn = GrowableColumns['columns'][number];

type EdgeScanReply =
  | { kind: 'done'; length: number; col: number; maxEdgeName: number }
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

/** The parser's side: starts the helper thread and answers the parser's claim. */
export class EdgeHelperThread implements EdgeHelper {
  private readonly state: Int32Array;
  private readonly offset: Float64Array;
  private readonly worker: Worker;
  private readonly reply: Promise<EdgeScanReply>;
  private readonly columns: GrowableColumns;
  private stopped = false;

  /**
   * `waitMs`: how long the parser, at "edges", waits for a helper that has not claimed them yet (it
   * wakes as soon as the helper does). A helper thread takes ~60 ms to start, and a parser that is
   * already warm (a later file in the same process) can reach "edges" of a 150 MB file first.
   * `recycler`: where the edge table's shared buffers may come from, and go back to if the helper
   * never claims them.
   */
  constructor(script: string, path: string, header: SnapshotHeader, private readonly waitMs = DEFAULT_WAIT_MS, private readonly recycler?: ArrayRecycler) {
    const control = new SharedArrayBuffer(16);
    this.state = new Int32Array(control, 0, 1);
    this.offset = new Float64Array(control, 8, 1);
    // Fresh memory costs ~3.5 ms per MB on first touch: the edge table of a 150 MB file is ~70 MB.
    this.columns = edgeColumns(header.meta, header.edgeCount, undefined, recycler);
    const request: EdgeScanRequest = { path, meta: header.meta, nodeCount: header.nodeCount, columns: this.columns.columns, control };
    this.worker = new Worker(script, { workerData: { edgeScan: request } });
    this.reply = new Promise<EdgeScanReply>((resolve) => {
      this.worker.once('message', resolve);
      this.worker.once('error', (e) => resolve({ kind: 'error', message: e.message, snapshotError: false }));
      this.worker.once('exit', (code) => resolve({ kind: 'error', message: `the edge helper exited (code ${code})`, snapshotError: false }));
    });
  }

  claim(offset: number): boolean {
    if (this.waitMs > 0) Atomics.wait(this.state, 0, SEARCHING, this.waitMs);
    const was = Atomics.compareExchange(this.state, 0, SEARCHING, PARSER);
    if (was === HELPER && this.offset[0] === offset) return true;
    // A helper that never claimed never wrote: its columns can hold the parser's own edge table.
    if (was === SEARCHING) this.recycler?.give(this.columns.columns);
    this.stop(); // not claimed, or claimed somewhere else: the parser reads "edges" itself
    return false;
  }

  /**
   * The edges the helper parsed, once it is done: the columns and the largest string index a named
   * edge holds; null when the header's edge count was too small for them or the thread failed
   * (then the file is parsed without the helper).
   * Rejects with the helper's error (a corrupt "edges" array words it as the parser would).
   */
  async result(): Promise<{ columns: GrowableColumns; maxEdgeName: number } | null> {
    const r = await this.reply;
    this.stop();
    if (r.kind === 'done') {
      this.columns.length = r.length;
      this.columns.col = r.col;
      return { columns: this.columns, maxEdgeName: r.maxEdgeName };
    }
    if (r.kind === 'error' && r.snapshotError) throw new SnapshotError(r.message);
    return null; // too many edges for the header's count, or the thread failed: parse on one thread
  }

  /** Stops the helper (idempotent). */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    Atomics.store(this.state, 0, PARSER);
    void this.worker.terminate();
  }
}

/** The helper thread's side: find "edges" in the file, claim it, parse it into the shared columns. */
export async function runEdgeScan(request: EdgeScanRequest, post: (reply: EdgeScanReply) => void): Promise<void> {
  const state = new Int32Array(request.control, 0, 1);
  const offset = new Float64Array(request.control, 8, 1);
  const parserTookIt = () => Atomics.load(state, 0) === PARSER;
  let file: FileHandle | undefined;
  try {
    file = await open(request.path, 'r');
    const buf = Buffer.allocUnsafe(4 << 20);
    const at = await findEdges(file, buf, parserTookIt);
    if (at < 0) return post({ kind: 'stopped' });
    offset[0] = at;
    if (Atomics.compareExchange(state, 0, SEARCHING, HELPER) !== SEARCHING) return post({ kind: 'stopped' });
    Atomics.notify(state, 0);
    const columns = edgeColumns(request.meta, request.columns[0].length, request.columns);
    const parser = SnapshotParser.forEdges(request.meta, request.nodeCount, columns);
    let pos = at + 1;
    for (;;) {
      const { bytesRead } = await file.read(buf, 0, buf.length, pos);
      if (bytesRead === 0) return post({ kind: 'stopped' }); // truncated: the parser says so in its own words
      pos += parser.pushEdges(bytesRead === buf.length ? buf : buf.subarray(0, bytesRead));
      if (parser.edgesEnded) break;
      if (parserTookIt()) return post({ kind: 'stopped' });
    }
    const { maxEdgeName } = parser.edgesResult();
    post({ kind: 'done', length: columns.length, col: columns.col, maxEdgeName });
  } catch (e) {
    if (e instanceof ColumnsFullError) post({ kind: 'full' });
    else post({ kind: 'error', message: (e as Error)?.message ?? String(e), snapshotError: e instanceof SnapshotError });
  } finally {
    await file?.close();
  }
}

const KEY = Buffer.from('"edges"');

/**
 * The offset of the `[` that opens the top-level "edges" array, or -1. Looks for the key itself,
 * preceded by what may precede a key; the parser checks the offset against its own anyway.
 */
async function findEdges(file: FileHandle, buf: Buffer, stop: () => boolean): Promise<number> {
  let pos = 0;
  for (;;) {
    const { bytesRead } = await file.read(buf, 0, buf.length, pos);
    if (bytesRead < KEY.length) return -1;
    const chunk = buf.subarray(0, bytesRead);
    for (let j = chunk.indexOf(KEY); j >= 0; j = chunk.indexOf(KEY, j + 1)) {
      const before = j > 0 ? chunk[j - 1] : (await readAt(file, pos - 1, 1))[0];
      if (!(before === 0x2c || before === 0x7b || before === 0x20 || before === 0x0a || before === 0x0d || before === 0x09)) continue;
      const after = (await readAt(file, pos + j + KEY.length, 64)).toString('latin1');
      const m = /^\s*:\s*\[/.exec(after);
      if (m) return pos + j + KEY.length + m[0].length - 1;
    }
    if (bytesRead < buf.length || stop()) return -1;
    pos += bytesRead - (KEY.length - 1);
  }
}

async function readAt(file: FileHandle, pos: number, length: number): Promise<Buffer> {
  if (pos < 0) return Buffer.alloc(0);
  const b = Buffer.alloc(length);
  const { bytesRead } = await file.read(b, 0, length, pos);
  return b.subarray(0, bytesRead);
}
