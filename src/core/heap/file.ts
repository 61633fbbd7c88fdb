// A `.heapsnapshot` file parsed as a stream through one reused read buffer; on two threads where a
// helper takes its "edges" (the helper itself is worker/edgeHelper.ts).
import { open, type FileHandle } from 'node:fs/promises';
import type { ArrayRecycler, GrowableColumns } from './columns';
import { withFile } from './errors';
import type { HeapGraph } from './graph';
import { SnapshotParser, type EdgeHelper, type SnapshotHeader } from './parser';

export interface ParseFileOptions<H extends FileEdgeHelper = FileEdgeHelper> {
  highWaterMark?: number;
  recycler?: ArrayRecycler;
  /**
   * Starts a helper for a file of at least `parallelMinBytes` (default 16 MB) once its header is
   * read: another thread that parses the "edges" array while this one parses the rest, then meets
   * this one, which parses the array from its end (worker/edgeHelper.ts).
   */
  edgeHelper?: (header: SnapshotHeader) => H;
  parallelMinBytes?: number;
  /**
   * Told who parsed "edges" in the end: the helper thread alone, the helper and then this thread
   * from the end ("both"; `tail` numbers of `total` here), or this one alone.
   */
  onEdges?: (by: 'helper' | 'both' | 'parser', tail?: { numbers: number; total: number }) => void;
  /** Given the helper once the file is parsed with it, instead of stopping it: the receiver ends it. */
  keepHelper?: (helper: H) => void;
}

/** The part of "edges" another thread parses for a file (see `ParseFileOptions.edgeHelper`). */
export interface FileEdgeHelper extends EdgeHelper {
  /**
   * This thread's part, once it has read the rest of the file: "edges" from the end (`close`, the
   * offset of its `]`) down until it meets the helper; `edgeCount`: what the nodes declare. Null
   * when the tail cannot be read here (the file then goes to one thread).
   */
  parseTail(file: FileHandle, close: number, edgeCount: number): Promise<{ numbers: number; maxEdgeName: number } | null>;
  /** The helper's part once it is done; null when the file must be parsed without it. */
  result(): Promise<{ columns: GrowableColumns; maxEdgeName: number; numbers: number; met: boolean } | null>;
  /** Ends the helper (idempotent). */
  stop(): void;
}

/** Parses a `.heapsnapshot` file as a stream, through one reused read buffer (and on two threads, see `edgeHelper`). */
export async function parseSnapshotFile<H extends FileEdgeHelper>(path: string, options: ParseFileOptions<H> = {}): Promise<HeapGraph> {
  try {
    // null: the helper could not give the edges (the header's counts were off, or its thread failed): parse again, on this thread alone.
    return (await parseFile(path, options)) ?? (await parseFile(path, { ...options, edgeHelper: undefined }))!;
  } catch (e) {
    throw withFile(e, path);
  }
}

async function parseFile<H extends FileEdgeHelper>(path: string, options: ParseFileOptions<H>): Promise<HeapGraph | null> {
  let file: FileHandle | undefined;
  let helper: H | undefined;
  let kept = false;
  try {
    file = await open(path, 'r');
    const size = (await file.stat()).size;
    const startHelper = options.edgeHelper;
    const parser = new SnapshotParser({
      recycler: options.recycler,
      inputBytes: options.highWaterMark ?? 4 << 20,
      totalBytes: size,
      edgeHelper: startHelper && size >= (options.parallelMinBytes ?? 16 << 20) ? (header) => (helper = startHelper(header)) : undefined,
    });
    const buf = parser.readBuffer;
    for (;;) {
      const { bytesRead } = await file.read(buf, 0, buf.length, null);
      if (bytesRead === 0) break;
      parser.push(bytesRead === buf.length ? buf : buf.subarray(0, bytesRead));
    }
    if (helper && parser.awaitingEdges) {
      parser.checkEnded(); // a truncated file is reported as without the helper
      // The helper converted edge targets for the header's node count: were it wrong, its errors would be too.
      if (parser.nodeRowCount !== parser.headerNodeCount) return null;
      const declared = parser.declaredEdgeCount;
      // While the helper goes on from the front, this thread parses "edges" from the back.
      const tail = declared === undefined ? { numbers: 0, maxEdgeName: -1 } : await helper.parseTail(file, parser.edgesCloseOffset, declared);
      if (!tail) return null;
      const edges = await helper.result();
      if (!edges) return null;
      const merged = tail.numbers > 0 || edges.met ? parser.mergeTail(edges, tail, declared!) : edges;
      if (!merged || !parser.adoptEdges(merged.columns, merged.maxEdgeName, parser.headerNodeCount)) return null;
      options.onEdges?.(tail.numbers > 0 ? 'both' : 'helper', { numbers: tail.numbers, total: edges.numbers + tail.numbers });
    } else options.onEdges?.('parser');
    const graph = parser.finish();
    if (helper && options.keepHelper) {
      options.keepHelper(helper);
      kept = true;
    }
    return graph;
  } finally {
    if (!kept) (helper as H | undefined)?.stop();
    await file?.close();
  }
}
