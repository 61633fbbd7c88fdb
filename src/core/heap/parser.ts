import { freemem } from 'node:os';
import { open, type FileHandle } from 'node:fs/promises';
import type { Worker } from 'node:worker_threads';
import type { AllocationTraces, HeapGraph, SnapshotLocations, SnapshotMeta } from './graph';
import { ArrayRecycler, GrowableColumns, sharedAlloc, sharedArray } from './columns';
import { DigitScanner, type DigitRun } from './digits';
import { EdgeHelperThread } from '../worker/edgeHelper';

/**
 * A streaming `.heapsnapshot` parser. Bytes (or string chunks, as `HeapProfiler.addHeapSnapshotChunk`
 * delivers them) go in as they arrive; a compact `HeapGraph` comes out. It never holds the whole JSON
 * text and never makes one JS object per node: numbers go straight into typed-array columns, the
 * string table into one array of strings, the small `snapshot.meta` object is the only part given to
 * `JSON.parse`.
 */
export class SnapshotParser {
  private state = State.BeforeTop;
  private key = '';
  private keyPieces: Buffer[] = [];
  // Generic value skipping / capturing (for `snapshot` and unknown keys).
  private skipDepth = 0;
  private skipInString = false;
  private skipEscape = false;
  private capture: Buffer[] | null = null;
  // Number arrays.
  private sink: GrowableColumns | null = null;
  private readonly run: DigitRun = { count: 0, num: 0, inNum: false, negative: false };
  /** The hot loop (WebAssembly) and its memory: the input region and the stage. */
  private readonly scanner: DigitScanner;
  /** The scanner went back to its pool at `finish`. */
  private released = false;
  /** Numbers in file order, before `flushStage` moves whole rows into the columns (a multiple of 3 and 7 fields). */
  private readonly stage: Uint32Array;
  private fraction = false;
  // Strings.
  private strPieces: Buffer[] = [];
  private strEscaped = false;
  private strHasEscape = false;
  private inString = false;
  private readonly strings: string[] = [];
  // trace_tree.
  private traceDepth = 0;
  private traceStackParent: number[] = [];
  private traceStackPos: number[] = [];
  private traceCurrent = -1;

  private meta: SnapshotMeta | null = null;
  private nodeCountHint = 0;
  private edgeCountHint = 0;
  private nodes: GrowableColumns | null = null;
  private edges: GrowableColumns | null = null;
  private locations: GrowableColumns | null = null;
  private functionInfos: GrowableColumns | null = null;
  private trace: GrowableColumns | null = null; // id, functionInfo, parent
  private bytesSeen = 0;
  /** Set when "nodes" ends (see nodesDone). */
  private nodeSummary: NodeSummary | null = null;
  /** Edges [0, edgesConverted) have ordinals for targets (see convertEdges). */
  private edgesConverted = 0;
  private maxEdgeName = -1;
  private indexed: Uint8Array | null = null;
  private pendingHighSurrogate = '';
  private readonly seenKeys = new Set<string>();
  /** Byte offset (in the whole input) of the buffer `consume` is reading. */
  private base = 0;
  /** Rows of "nodes", once they are known (from "nodesDone", or given to an edges-only parser); -1 before. */
  private nodeRows = -1;
  private edgeHelper: EdgeHelper | undefined;
  /** "edges" is being parsed by the helper: the parser skipped it and awaits `adoptEdges`. */
  private edgesAway = false;
  /** Offset (in the whole input) of the `]` that closes the "edges" the helper took; -1 before it is seen. */
  private edgesClose = -1;

  /**
   * `recycler`: buffers of an earlier graph the columns may reuse (see ArrayRecycler).
   * `edgeHelper`: called once the header is read; what it returns may take the "edges" array off
   * this parser (another thread parses it; see edgeHelper.ts).
   * `inputBytes`: the size of `readBuffer` (default 256 kB, about two of the inspector's chunks).
   * `totalBytes`: the size of the whole input, when known (a file): a header that claims more rows
   * than that can hold is refused.
   * `maxGraphBytes`: the most the graph may need; a header that declares more nodes and edges is
   * refused before anything is allocated (default: the machine's free memory when the header is read).
   */
  constructor(
    private readonly options: {
      recycler?: ArrayRecycler;
      edgeHelper?: (header: SnapshotHeader) => EdgeHelper | undefined;
      inputBytes?: number;
      totalBytes?: number;
      maxGraphBytes?: number;
    } = {},
  ) {
    this.scanner = DigitScanner.take(Math.max(1 << 16, options.inputBytes ?? 1 << 18), STAGE_SIZE);
    this.stage = this.scanner.stage;
  }

  /** Where to read the next piece of input: `push` reads bytes of this buffer where they are, without a copy. */
  get readBuffer(): Buffer {
    return this.scanner.input;
  }

  /**
   * A parser for the numbers of one "edges" array alone, from just after its `[`: targets become
   * node ordinals as rows arrive, as in a whole parse. Feed it with `pushEdges`.
   */
  static forEdges(meta: SnapshotMeta, nodeCount: number, columns: GrowableColumns, inputBytes?: number): SnapshotParser {
    const p = new SnapshotParser({ inputBytes });
    p.meta = meta;
    p.key = 'edges';
    p.sink = p.edges = columns;
    p.nodeRows = nodeCount;
    p.state = State.Numbers;
    return p;
  }

  /** Feeds an edges-only parser (`forEdges`); returns how many bytes of buf belong to the array (all of them until its `]`). */
  pushEdges(buf: Buffer): number {
    this.base = this.bytesSeen;
    const i = this.consume(buf, 0, buf.length, true);
    this.bytesSeen += i;
    return i;
  }

  /** Whether an edges-only parser has read the array's `]`. */
  get edgesEnded(): boolean {
    return this.state !== State.Numbers;
  }

  /**
   * Ends an edges-only parser that stops inside the array (another thread parses the rest): the
   * number in progress is complete, whole rows go to the columns (targets converted), and the
   * numbers of a last incomplete row are stored as they are (`col` of them, unconverted).
   */
  closeEdges(): void {
    const run = this.run;
    const sink = this.edges!;
    if (run.inNum) {
      if (run.count === this.stage.length) this.flush(sink);
      this.stage[run.count++] = run.negative ? 0 : run.num;
      run.num = 0;
      run.inNum = false;
      run.negative = false;
    }
    this.flush(sink);
    if (run.count > 0 && sink.length === sink.capacity) sink.grow(); // a fixed table refuses: more edges than its header said
    for (let c = 0; c < run.count; c++) sink.set(c, sink.length, this.stage[c]);
    sink.col = run.count;
    run.count = 0;
    this.state = State.TopKey;
  }

  /** What an edges-only parser made: the columns and the largest string index of a named edge. */
  edgesResult(): { columns: GrowableColumns; maxEdgeName: number } {
    return { columns: this.edges!, maxEdgeName: this.maxEdgeName };
  }

  /**
   * Takes the "edges" the helper parsed (after the whole input was pushed, before `finish`). False
   * when the helper converted the targets for another node count than "nodes" holds (the header
   * was wrong): then the file must be parsed without it.
   */
  adoptEdges(columns: GrowableColumns, maxEdgeName: number, nodeCount: number): boolean {
    if (nodeCount !== this.nodeRows) return false;
    this.edges = columns;
    this.edgesConverted = columns.length;
    this.maxEdgeName = maxEdgeName;
    this.edgesAway = false;
    return true;
  }

  /** Where the "edges" the helper took end: the offset of their `]` in the whole input (-1 before it is read). */
  get edgesCloseOffset(): number {
    return this.edgesClose;
  }

  /** The number of edges the nodes declare (the sum of their edge_count) once "nodes" ended; undefined before, or when unusable. */
  get declaredEdgeCount(): number | undefined {
    return this.edgeCountFromNodes();
  }

  /**
   * The helper's front of "edges" (`front.numbers` numbers, whole rows converted) and this thread's
   * tail (the last `tail.numbers`) as one table of `edgeCount` rows; null when they do not make the
   * edges the nodes declare (the file is then parsed on one thread, which says what is wrong).
   */
  mergeTail(
    front: { columns: GrowableColumns; maxEdgeName: number; numbers: number },
    tail: { numbers: number; maxEdgeName: number },
    edgeCount: number,
  ): { columns: GrowableColumns; maxEdgeName: number } | null {
    const columns = front.columns;
    const width = columns.width;
    if (front.numbers + tail.numbers !== edgeCount * width) return null;
    columns.length = edgeCount;
    columns.col = 0;
    let maxEdgeName = Math.max(front.maxEdgeName, tail.maxEdgeName);
    // The row where they met, when it has fields from both: neither could convert it alone.
    const row = Math.floor(front.numbers / width);
    if (front.numbers % width !== 0) {
      try {
        maxEdgeName = convertEdgeRows(columns, this.meta!.node_fields.length, this.nodeRows, this.indexedEdgeTypes(), row, row + 1, maxEdgeName);
      } catch {
        return null;
      }
    }
    return { columns, maxEdgeName };
  }

  /** Rows of "nodes" once they ended (-1 before). */
  get nodeRowCount(): number {
    return this.nodeRows;
  }

  /** The header's node count (0 when it has none). */
  get headerNodeCount(): number {
    return this.nodeCountHint;
  }

  /** Whether "edges" was handed to the helper and is not adopted yet. */
  get awaitingEdges(): boolean {
    return this.edgesAway;
  }

  /** Bytes consumed so far. */
  get bytes(): number {
    return this.bytesSeen;
  }

  /** Feeds the next piece of the snapshot (a CDP chunk string or file bytes). */
  push(chunk: string | Uint8Array): void {
    if (typeof chunk === 'string') {
      // A surrogate pair split across two string chunks must be encoded whole.
      if (this.pendingHighSurrogate) {
        chunk = this.pendingHighSurrogate + chunk;
        this.pendingHighSurrogate = '';
      }
      if (isHighSurrogate(chunk.charCodeAt(chunk.length - 1))) {
        this.pendingHighSurrogate = chunk[chunk.length - 1];
        chunk = chunk.slice(0, -1);
      }
    }
    if (typeof chunk === 'string' && this.state === State.Numbers && !this.fraction) {
      // Inside "nodes" or "edges" (nearly all of a snapshot), which is ASCII: the chunk's chars are
      // its bytes, written into the scanner's own memory (latin1, no UTF-8 encoding, no new buffer
      // per chunk; a bigger chunk gets a buffer of its own). A char above U+00FF would lose its
      // high byte; one in a number table is corrupt anyway. Whatever follows the end of the table
      // is encoded as UTF-8 as usual.
      const room = this.scanner.input;
      const into = room.length >= chunk.length ? room : Buffer.allocUnsafe(chunk.length);
      const ascii = into.subarray(0, into.write(chunk, 0, chunk.length, 'latin1'));
      this.base = this.bytesSeen;
      const i = this.consume(ascii, 0, ascii.length, true);
      this.bytesSeen += i;
      if (i === ascii.length) return;
      chunk = chunk.slice(i);
    }
    const buf = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    this.base = this.bytesSeen;
    this.bytesSeen += buf.length;
    this.consume(buf, 0, buf.length, false);
  }

  /** Parses buf[i, end); with `numbersOnly`, stops where a number table ends. Returns the offset reached. */
  private consume(buf: Buffer, i: number, end: number, numbersOnly: boolean): number {
    while (i < end) {
      if (numbersOnly && this.state !== State.Numbers) break;
      switch (this.state) {
        case State.BeforeTop:
          i = skipWhitespace(buf, i, end);
          if (i >= end) break;
          if (buf[i] !== OPEN_BRACE) throw notASnapshot(`it starts with ${describeByte(buf[i])}, not a JSON object`);
          this.state = State.TopKey;
          i++;
          break;
        case State.TopKey: {
          i = skipWhitespace(buf, i, end);
          if (i >= end) break;
          const c = buf[i];
          if (c === COMMA) {
            i++;
          } else if (c === QUOTE) {
            this.state = State.KeyString;
            this.keyPieces = [];
            i++;
          } else if (c === CLOSE_BRACE) {
            this.state = State.Done;
            i++;
          } else {
            throw corrupt(`unexpected ${describeByte(c)} between top-level keys at byte ${this.bytesSeen - end + i}`);
          }
          break;
        }
        case State.KeyString: {
          const q = buf.indexOf(QUOTE, i);
          if (q < 0 || q >= end) {
            this.keyPieces.push(Buffer.from(buf.subarray(i, end))); // copy: the caller may reuse its buffer
            i = end;
          } else {
            this.keyPieces.push(buf.subarray(i, q));
            this.key = Buffer.concat(this.keyPieces).toString('utf8');
            this.keyPieces = [];
            this.state = State.Colon;
            i = q + 1;
          }
          break;
        }
        case State.Colon:
          i = skipWhitespace(buf, i, end);
          if (i >= end) break;
          if (buf[i] !== COLON) throw corrupt(`expected ':' after "${this.key}"`);
          i++;
          this.state = State.ValueStart;
          break;
        case State.ValueStart:
          i = skipWhitespace(buf, i, end);
          if (i >= end) break;
          this.startValue(buf[i], this.base + i);
          if ((this.state as State) !== State.Skip) i++; // the opening bracket is consumed; Skip re-reads it
          break;
        case State.Numbers:
          i = this.scanNumbers(buf, i, end);
          break;
        case State.SkipNumbers: {
          // A number table holds no other bracket: its end is the next `]`.
          const close = buf.indexOf(CLOSE_BRACKET, i);
          if (close < 0 || close >= end) i = end;
          else {
            this.edgesClose = this.base + close;
            i = close + 1;
            this.state = State.TopKey;
          }
          break;
        }
        case State.Strings:
          i = this.scanStrings(buf, i, end);
          break;
        case State.TraceTree:
          i = this.scanTraceTree(buf, i, end);
          break;
        case State.Skip:
          i = this.scanSkip(buf, i, end);
          break;
        case State.Done:
          i = skipWhitespace(buf, i, end);
          if (i < end) throw corrupt(`unexpected data after the end of the snapshot`);
          break;
      }
    }
    return i;
  }

  /** Ends the input and returns the graph; throws a clear error if the snapshot is truncated or inconsistent. */
  finish(): HeapGraph {
    this.checkEnded();
    if (this.edgesAway) throw new Error('the "edges" the helper parsed were never adopted');
    const graph = this.buildGraph();
    // Nothing of the graph lives in the scanner's memory: the next parser on this thread may have it (once).
    if (!this.released) this.scanner.release();
    this.released = true;
    return graph;
  }

  /** Throws when the input so far is not a whole snapshot (empty, truncated, a section missing). */
  checkEnded(): void {
    if (this.state === State.BeforeTop) throw notASnapshot('it is empty');
    if (this.state !== State.Done) {
      throw truncated(`it ends inside ${this.key ? `"${this.key}"` : 'the top-level object'} after ${this.bytesSeen} bytes`);
    }
    for (const k of ['snapshot', 'nodes', 'edges', 'strings']) {
      if (!this.seenKeys.has(k)) throw notASnapshot(`it has no "${k}" section`);
    }
  }

  /** `offset`: where the value starts in the whole input. */
  private startValue(c: number, offset: number): void {
    const key = this.key;
    this.seenKeys.add(key);
    if (key === 'snapshot') {
      this.beginSkip(true);
      return;
    }
    const isArray = c === OPEN_BRACKET;
    if (!isArray) {
      this.beginSkip(false);
      return;
    }
    switch (key) {
      case 'nodes':
        // One row more than the header says: room for the CSR offsets to replace edge_count in place (nodesDone).
        this.sink = this.nodes = this.columnsFor('node_fields', this.nodeCountHint + 1, NODE_COLUMN_TYPES);
        this.state = State.Numbers;
        break;
      case 'edges':
        if (this.edgeHelper?.claim(offset)) {
          this.edgesAway = true;
          this.state = State.SkipNumbers;
          break;
        }
        this.sink = this.edges = this.columnsFor('edge_fields', this.edgeCountFromNodes() ?? this.edgeCountHint, EDGE_COLUMN_TYPES);
        this.state = State.Numbers;
        break;
      case 'locations':
        // About one location per four nodes in the heaps measured; room for one per two costs
        // nothing until written (pages never touched are never there), and saves growing by doubling.
        this.sink = this.locations = this.columnsFor('location_fields', this.nodeCountHint >> 1, {}, ['object_index', 'script_id', 'line', 'column']);
        this.state = State.Numbers;
        break;
      case 'trace_function_infos':
        this.sink = this.functionInfos = this.columnsFor('trace_function_info_fields', 0, {}, ['function_id', 'name', 'script_name', 'script_id', 'line', 'column']);
        this.state = State.Numbers;
        break;
      case 'trace_tree':
        this.trace = new GrowableColumns(['id', 'function_info_index', 'parent'], [Uint32Array, Uint32Array, Int32Array], 1024);
        this.traceDepth = 1;
        this.traceStackParent = [-1];
        this.traceStackPos = [0];
        this.traceCurrent = -1;
        this.state = State.TraceTree;
        break;
      case 'strings':
        this.state = State.Strings;
        break;
      default:
        this.beginSkip(false);
    }
  }

  /**
   * The exact number of edges when "nodes" came first (as V8 writes it): the sum of their
   * edge_count. The header's edge_count matched it in the snapshots measured; this guards against a
   * header without it or off from it, where the edge columns would double and then be trimmed
   * (copied twice).
   */
  private edgeCountFromNodes(): number | undefined {
    const offsets = this.nodeSummary?.firstEdge;
    const sum = offsets?.[offsets.length - 1];
    return sum !== undefined && sum > 0 && sum < 2 ** 31 ? sum : undefined;
  }

  private columnsFor(
    metaKey: keyof SnapshotMeta,
    hint: number,
    types: Record<string, ColumnCtor>,
    fallback?: string[],
  ): GrowableColumns {
    const fields = (this.meta?.[metaKey] as string[] | undefined) ?? fallback;
    if (!fields) throw corrupt(`"snapshot.meta.${String(metaKey)}" must come before "${this.key}"`);
    return new GrowableColumns(fields, fields.map((f) => types[f] ?? Uint32Array), Math.max(hint, 1024), this.options.recycler?.alloc ?? sharedAlloc);
  }

  private beginSkip(capture: boolean): void {
    this.state = State.Skip;
    this.skipDepth = 0;
    this.skipInString = false;
    this.skipEscape = false;
    this.capture = capture ? [] : null;
  }

  /** Skips (and optionally captures) one JSON value of any shape. */
  private scanSkip(buf: Buffer, i: number, end: number): number {
    const start = i;
    let depth = this.skipDepth;
    let inStr = this.skipInString;
    let esc = this.skipEscape;
    let done = false;
    for (; i < end; i++) {
      const c = buf[i];
      if (inStr) {
        if (esc) esc = false;
        else if (c === BACKSLASH) esc = true;
        else if (c === QUOTE) inStr = false;
        continue;
      }
      if (depth === 0 && (c === COMMA || c === CLOSE_BRACE)) {
        // A scalar value ended.
        done = true;
        break;
      }
      if (c === QUOTE) inStr = true;
      else if (c === OPEN_BRACE || c === OPEN_BRACKET) depth++;
      else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
        depth--;
        if (depth === 0) {
          i++;
          done = true;
          break;
        }
        if (depth < 0) throw corrupt(`unbalanced brackets in "${this.key}"`);
      }
    }
    if (this.capture) this.capture.push(Buffer.from(buf.subarray(start, i))); // copy: the caller may reuse its buffer
    this.skipDepth = depth;
    this.skipInString = inStr;
    this.skipEscape = esc;
    if (done) {
      if (this.capture && this.key === 'snapshot') this.readSnapshotHeader(Buffer.concat(this.capture).toString('utf8'));
      this.capture = null;
      this.state = State.TopKey;
    }
    return i;
  }

  private readSnapshotHeader(text: string): void {
    let header: { meta?: SnapshotMeta; node_count?: number; edge_count?: number };
    try {
      header = JSON.parse(text);
    } catch (e) {
      throw corrupt(`"snapshot" is not valid JSON (${(e as Error).message})`);
    }
    const meta = header?.meta;
    if (!meta || !Array.isArray(meta.node_fields) || !Array.isArray(meta.edge_fields) || !Array.isArray(meta.node_types) || !Array.isArray(meta.edge_types)) {
      throw notASnapshot('"snapshot.meta" lacks node_fields, edge_fields, node_types or edge_types');
    }
    for (const f of ['type', 'name', 'id', 'self_size', 'edge_count']) {
      if (!meta.node_fields.includes(f)) throw notASnapshot(`"snapshot.meta.node_fields" has no "${f}"`);
    }
    for (const f of ['type', 'name_or_index', 'to_node']) {
      if (!meta.edge_fields.includes(f)) throw notASnapshot(`"snapshot.meta.edge_fields" has no "${f}"`);
    }
    this.meta = meta;
    this.nodeCountHint = countHint(header.node_count, 'nodes', meta.node_fields.length, this.options.totalBytes);
    this.edgeCountHint = countHint(header.edge_count, 'edges', meta.edge_fields.length, this.options.totalBytes);
    // The columns are sized from these hints up front: check that against the memory there is before allocating.
    const nodes = Number(header.node_count) > 0 ? Number(header.node_count) : 0;
    const edges = Number(header.edge_count) > 0 ? Number(header.edge_count) : 0;
    const need = graphBytesFor(this.nodeCountHint, meta.node_fields.length, this.edgeCountHint, meta.edge_fields.length);
    const room = this.options.maxGraphBytes ?? freemem();
    if (need > room) {
      throw new SnapshotError(
        `the snapshot declares ${nodes.toLocaleString('en-US')} nodes and ${edges.toLocaleString('en-US')} edges: ` +
          `its graph would need about ${(need / 1e9).toFixed(1)} GB, more than the ${(room / 1e9).toFixed(1)} GB free for the analysis. ` +
          'Free some memory, or analyse it on a machine with more.',
      );
    }
    if (this.options.edgeHelper && this.nodeCountHint > 0 && this.edgeCountHint > 0) {
      this.edgeHelper = this.options.edgeHelper({ meta, nodeCount: this.nodeCountHint, edgeCount: this.edgeCountHint });
    }
  }

  /**
   * Unsigned integers separated by commas and whitespace, into columns. The hot loop `scanDigits`
   * (a small function of its own, so V8 optimises it once and keeps it) writes them in file order
   * into a small staging array that stays in cache; `flushStage` spreads full rows into the columns.
   * This method handles what stops the loop: a full stage, `]`, and the signs, fractions and
   * exponents V8 never writes.
   */
  private scanNumbers(buf: Buffer, i: number, end: number): number {
    const sink = this.sink!;
    const run = this.run;
    if (this.fraction) {
      // Still inside the fraction or exponent of a number split across chunks: skip it.
      while (i < end && isNumberTail(buf[i])) i++;
      if (i < end) this.fraction = false;
    }
    while (i < end) {
      i = this.scanner.scan(buf, i, end, run);
      if (run.count === this.stage.length) {
        this.flush(sink);
        continue;
      }
      if (i === end) break;
      const c = buf[i];
      if (c === CLOSE_BRACKET) {
        i++;
        this.flush(sink);
        sink.col = run.count; // numbers of an incomplete last row (buildGraph refuses them)
        run.count = 0;
        this.state = State.TopKey;
        this.sink = null;
        if (sink === this.nodes) this.nodesDone();
        break;
      }
      if (c === MINUS) {
        run.negative = true;
        run.inNum = true;
        i++;
        continue;
      }
      if (c === DOT || c === 101 /* e */ || c === 69 /* E */) {
        // Fractions and exponents do not occur in V8's integer tables; keep the integer part.
        run.inNum = true;
        while (i + 1 < end && isNumberTail(buf[i + 1])) i++;
        if (i + 1 === end) this.fraction = true;
        i++;
        continue;
      }
      throw corrupt(`unexpected ${describeByte(c)} in the "${this.key}" numbers`);
    }
    return i;
  }

  /** Moves the staged whole rows into the sink's columns; new edges are converted at once when the nodes are known. */
  private flush(sink: GrowableColumns): void {
    const from = sink.length;
    this.run.count = flushStage(this.stage, this.run.count, sink);
    if (sink === this.edges && this.nodeRows >= 0 && this.edgesConverted === from) this.convertEdges(from, sink.length);
  }

  /** The string table: JSON strings, escapes decoded, UTF-8 and chunk boundaries handled. */
  private scanStrings(buf: Buffer, i: number, end: number): number {
    while (i < end) {
      if (!this.inString) {
        // Fast path: decode everything up to the chunk's last quote in one call and cut the
        // strings out of that text (a quote is ASCII, so the cut never splits a UTF-8 sequence).
        const last = buf.lastIndexOf(QUOTE, end - 1);
        if (last > i) {
          const next = this.scanStringsText(buf, i, last + 1);
          if (next > i) {
            i = next;
            if (this.state !== State.Strings) return i;
            continue;
          }
        }
        const c = buf[i];
        if (c === QUOTE) {
          this.inString = true;
          this.strHasEscape = false;
          this.strEscaped = false;
          this.strPieces = [];
          i++;
          continue;
        }
        if (c === COMMA || c === SPACE || c === NEWLINE || c === CR || c === TAB) {
          i++;
          continue;
        }
        if (c === CLOSE_BRACKET) {
          this.state = State.TopKey;
          return i + 1;
        }
        throw corrupt(`unexpected ${describeByte(c)} in the "strings" table`);
      }
      // Inside a string: find the closing quote that is not escaped.
      const start = i;
      let escaped = this.strEscaped;
      let closed = -1;
      for (; i < end; i++) {
        const c = buf[i];
        if (escaped) {
          escaped = false;
        } else if (c === BACKSLASH) {
          escaped = true;
          this.strHasEscape = true;
        } else if (c === QUOTE) {
          closed = i;
          break;
        }
      }
      this.strEscaped = escaped;
      if (closed < 0) {
        this.strPieces.push(Buffer.from(buf.subarray(start, end))); // copy: the caller may reuse its buffer
        return end;
      }
      let text: string;
      if (this.strPieces.length === 0) text = buf.toString('utf8', start, closed);
      else {
        this.strPieces.push(buf.subarray(start, closed));
        text = Buffer.concat(this.strPieces).toString('utf8');
        this.strPieces = [];
      }
      this.strings.push(tableString(this.strHasEscape ? decodeEscaped(text) : text));
      this.inString = false;
      i = closed + 1;
    }
    return i;
  }

  /**
   * The strings of buf[i, stop), where stop - 1 is a quote and i is outside any string. Returns the
   * byte offset reached: after the section's `]`, after the last string closed before stop, or
   * at an opening quote whose string goes on past stop (the byte loop then takes it).
   */
  private scanStringsText(buf: Buffer, i: number, stop: number): number {
    const text = buf.toString('utf8', i, stop);
    const n = text.length;
    const strings = this.strings;
    let j = 0;
    let done = 0; // chars fully consumed
    let backslash = text.indexOf('\\');
    if (backslash < 0) backslash = n;
    while (j < n) {
      const c = text.charCodeAt(j);
      if (c === QUOTE) {
        let q = text.indexOf('"', j + 1);
        if (q < 0) break;
        if (backslash < q) {
          // An escape inside (or before) this string: find the real closing quote.
          let escaped = false;
          q = -1;
          for (let x = j + 1; x < n; x++) {
            const d = text.charCodeAt(x);
            if (escaped) escaped = false;
            else if (d === BACKSLASH) escaped = true;
            else if (d === QUOTE) {
              q = x;
              break;
            }
          }
          if (q < 0) break;
          const raw = text.slice(j + 1, q);
          strings.push(tableString(raw.indexOf('\\') >= 0 ? decodeEscaped(raw) : raw));
          backslash = text.indexOf('\\', q + 1);
          if (backslash < 0) backslash = n;
        } else {
          strings.push(tableString(text.slice(j + 1, q)));
        }
        j = q + 1;
        done = j;
        continue;
      }
      if (c === COMMA || c === SPACE || c === NEWLINE || c === CR || c === TAB) {
        j++;
        done = j;
        continue;
      }
      if (c === CLOSE_BRACKET) {
        this.state = State.TopKey;
        return i + Buffer.byteLength(text.slice(0, j + 1), 'utf8');
      }
      throw corrupt(`unexpected ${describeByte(c)} in the "strings" table`);
    }
    if (done === n) return stop;
    return i + (done === 0 ? 0 : Buffer.byteLength(text.slice(0, done), 'utf8'));
  }

  /** `trace_tree`: nested `[id, function_info_index, count, size, [children…], …]`, flattened in pre-order. */
  private scanTraceTree(buf: Buffer, i: number, end: number): number {
    const trace = this.trace!;
    const width = this.meta?.trace_node_fields?.length ?? 5; // the last field is the children array
    const run = this.run;
    let num = run.num;
    let inNum = run.inNum;
    for (; i < end; i++) {
      const c = buf[i];
      const d = c - 48;
      if (d >= 0 && d <= 9) {
        num = num * 10 + d;
        inNum = true;
        continue;
      }
      if (inNum) {
        const depth = this.traceDepth - 1;
        const pos = this.traceStackPos[depth]++ % width;
        if (pos === 0) {
          this.traceCurrent = trace.length;
          trace.pushRow3(num, 0, this.traceStackParent[depth]);
        } else if (pos === 1) {
          trace.set(1, this.traceCurrent, num);
        }
        num = 0;
        inNum = false;
      }
      if (c === OPEN_BRACKET) {
        // A children array of the current node.
        this.traceStackPos[this.traceDepth - 1]++;
        this.traceStackParent.push(this.traceCurrent);
        this.traceStackPos.push(0);
        this.traceDepth++;
      } else if (c === CLOSE_BRACKET) {
        this.traceDepth--;
        this.traceStackParent.pop();
        this.traceStackPos.pop();
        if (this.traceDepth === 0) {
          i++;
          this.state = State.TopKey;
          break;
        }
      } else if (c !== COMMA && c !== SPACE && c !== NEWLINE && c !== CR && c !== TAB) {
        throw corrupt(`unexpected ${describeByte(c)} in "trace_tree"`);
      }
    }
    run.num = num;
    run.inNum = inNum;
    return i;
  }

  /**
   * Once "nodes" has ended (while the stream goes on): the CSR offsets, the total size and the
   * largest string index a node names (checked against the strings at the end). Also at finish when
   * the sections came in another order.
   */
  private nodesDone(): NodeSummary {
    const nodes = this.nodes!;
    const n = nodes.length;
    const counts = nodes.column('edge_count') as Uint32Array;
    const names = nodes.column('name') as Uint32Array;
    const self = nodes.column('self_size') as Uint32Array;
    // The offsets overwrite the counts in place when the column has room for one more row (it is
    // sized so): no fresh n + 1 words. edge_count is read nowhere else.
    const raw = nodes.words[nodes.indexOf('edge_count')];
    const firstEdge =
      raw.length > n ? raw.subarray(0, n + 1) : this.options.recycler ? this.options.recycler.take<Uint32Array>(Uint32Array, n + 1) : sharedArray<Uint32Array>(Uint32Array, n + 1);
    let sum = 0;
    let maxName = -1;
    let totalSize = 0;
    for (let i = 0; i < n; i++) {
      const count = counts[i];
      firstEdge[i] = sum;
      sum += count;
      if (names[i] > maxName) maxName = names[i];
      totalSize += self[i];
    }
    firstEdge[n] = sum;
    this.nodeRows = n;
    this.nodeSummary = { firstEdge, maxName, totalSize };
    return this.nodeSummary;
  }

  /**
   * Edges [from, to): node index -> ordinal (checked), and the largest string index a named edge
   * holds. Runs on each batch of rows as they are parsed when "nodes" came first (as V8 writes
   * them), so finish has little left to do once the last chunk is in.
   */
  private convertEdges(from: number, to: number): void {
    this.maxEdgeName = convertEdgeRows(this.edges!, this.meta!.node_fields.length, this.nodeRows, this.indexedEdgeTypes(), from, to, this.maxEdgeName);
    this.edgesConverted = to;
  }

  private indexedEdgeTypes(): Uint8Array {
    return (this.indexed ??= indexedEdgeTypes(this.meta!));
  }

  private buildGraph(): HeapGraph {
    const meta = this.meta!;
    const nodes = this.nodes;
    const edges = this.edges;
    if (!nodes || !edges) throw notASnapshot('"nodes" or "edges" is not an array');
    if (nodes.col !== 0) throw corrupt(`"nodes" holds ${nodes.total} numbers, not a multiple of ${meta.node_fields.length} fields`);
    if (edges.col !== 0) throw corrupt(`"edges" holds ${edges.total} numbers, not a multiple of ${meta.edge_fields.length} fields`);
    const nodeCount = nodes.length;
    const edgeCount = edges.length;
    const nodeFieldCount = meta.node_fields.length;
    const strings = this.strings;
    const stringCount = strings.length;

    const { firstEdge, maxName, totalSize } = this.nodeSummary ?? this.nodesDone();
    if (firstEdge[nodeCount] !== edgeCount) throw corrupt(`the nodes declare ${firstEdge[nodeCount]} edges but "edges" holds ${edgeCount}`);
    const nodeName = nodes.column('name') as Uint32Array;
    if (maxName >= stringCount) {
      const n = nodeName.findIndex((name) => name >= stringCount);
      throw corrupt(`node ${n} names string ${nodeName[n]}, but there are ${stringCount} strings`);
    }
    // Edges not converted while streaming ("edges" before "nodes"): all of them now.
    if (this.edgesConverted < edgeCount) {
      this.nodeRows = nodeCount;
      this.convertEdges(this.edgesConverted, edgeCount);
    }
    const edgeTo = edges.column('to_node') as Uint32Array;
    const edgeType = edges.column('type') as Uint8Array;
    const edgeNameOrIndex = edges.column('name_or_index') as Uint32Array;
    if (this.maxEdgeName >= stringCount) {
      const indexed = this.indexedEdgeTypes();
      const e = edgeNameOrIndex.findIndex((name, k) => indexed[edgeType[k]] === 0 && name >= stringCount);
      throw corrupt(`edge ${e} names string ${edgeNameOrIndex[e]}, but there are ${stringCount} strings`);
    }

    const detachedness = nodes.columnOrNull('detachedness');
    const graph: HeapGraph = {
      nodeCount,
      edgeCount,
      nodeType: nodes.column('type') as Uint8Array,
      nodeName,
      nodeId: nodes.column('id') as Uint32Array,
      nodeSelfSize: nodes.column('self_size') as Uint32Array,
      nodeTraceId: (nodes.columnOrNull('trace_node_id') as Uint32Array | null) ?? new Uint32Array(nodeCount),
      nodeDetachedness: (detachedness as Uint8Array | null) ?? new Uint8Array(nodeCount),
      firstEdge,
      edgeType,
      edgeNameOrIndex,
      edgeTo,
      strings,
      nodeTypeNames: (meta.node_types[0] as string[]) ?? [],
      edgeTypeNames: (meta.edge_types[0] as string[]) ?? [],
      locations: this.buildLocations(nodeFieldCount, nodeCount),
      traces: this.buildTraces(),
      totalSize,
    };
    return graph;
  }

  private buildLocations(nodeFieldCount: number, nodeCount: number): SnapshotLocations {
    const loc = this.locations;
    if (!loc) {
      const empty = new Uint32Array(0);
      return { count: 0, node: empty, scriptId: empty, line: empty, column: empty };
    }
    const node = loc.column('object_index') as Uint32Array;
    for (let k = 0; k < loc.length; k++) {
      node[k] = node[k] / nodeFieldCount;
      if (node[k] >= nodeCount) throw corrupt(`location ${k} points outside "nodes"`);
    }
    return {
      count: loc.length,
      node,
      scriptId: loc.column('script_id') as Uint32Array,
      line: loc.column('line') as Uint32Array,
      column: loc.column('column') as Uint32Array,
    };
  }

  private buildTraces(): AllocationTraces | undefined {
    const fi = this.functionInfos;
    const tr = this.trace;
    if (!fi || !tr || fi.length === 0 || tr.length === 0) return undefined;
    return {
      functionCount: fi.length,
      functionName: fi.column('name') as Uint32Array,
      functionScriptName: fi.column('script_name') as Uint32Array,
      functionScriptId: fi.column('script_id') as Uint32Array,
      functionLine: fi.column('line') as Uint32Array,
      functionColumn: fi.column('column') as Uint32Array,
      traceCount: tr.length,
      traceId: tr.column('id') as Uint32Array,
      traceFunction: tr.column('function_info_index') as Uint32Array,
      traceParent: tr.column('parent') as Int32Array,
    };
  }
}

export interface ParseFileOptions {
  highWaterMark?: number;
  recycler?: ArrayRecycler;
  /**
   * A worker script that runs `runEdgeScan` for `workerData.edgeScan` (the snapshot worker does):
   * with it, files of at least `parallelMinBytes` (default 16 MB) have their "edges" parsed by a
   * second thread while this one parses the rest (edgeHelper.ts).
   */
  edgeWorker?: string;
  parallelMinBytes?: number;
  /** How long the parser waits at "edges" for a helper still looking for them (default 100 ms; it wakes at the helper's claim). */
  helperWaitMs?: number;
  /** The blocks the two threads share "edges" out in (default 1 MB; see edgeHelper.ts). */
  blockBytes?: number;
  /** Tests: the helper waits for this thread's first block after this many of its own, so that both take part. */
  meetAfterBlocks?: number;
  /**
   * Told who parsed "edges" in the end: the helper thread alone, the helper and then this thread
   * from the end ("both"; `tail` numbers of `total` here), or this one alone.
   */
  onEdges?: (by: 'helper' | 'both' | 'parser', tail?: { numbers: number; total: number }) => void;
  /**
   * Given the helper thread once the file is parsed, when it parsed "edges": it is idle and may
   * take one more job (`startDominatorsAhead`); the receiver ends it. Without this option the
   * thread is ended at once.
   */
  keepHelper?: (thread: Worker) => void;
}

/** Parses a `.heapsnapshot` file as a stream, through one reused read buffer (and on two threads, see `edgeWorker`). */
export async function parseSnapshotFile(path: string, options: ParseFileOptions = {}): Promise<HeapGraph> {
  try {
    // null: the helper could not give the edges (the header's counts were off, or its thread failed): parse again, on this thread alone.
    return (await parseFile(path, options)) ?? (await parseFile(path, { ...options, edgeWorker: undefined }))!;
  } catch (e) {
    throw withFile(e, path);
  }
}

async function parseFile(path: string, options: ParseFileOptions): Promise<HeapGraph | null> {
  let file: FileHandle | undefined;
  let helper: EdgeHelperThread | undefined;
  try {
    file = await open(path, 'r');
    const script = options.edgeWorker;
    const size = (await file.stat()).size;
    const parallel = !!script && size >= (options.parallelMinBytes ?? 16 << 20);
    const parser = new SnapshotParser({
      recycler: options.recycler,
      inputBytes: options.highWaterMark ?? 4 << 20,
      totalBytes: size,
      edgeHelper: parallel
        ? (header) => (helper = new EdgeHelperThread(script, path, header, options.helperWaitMs, options.recycler, { blockBytes: options.blockBytes, meetAfterBlocks: options.meetAfterBlocks }))
        : undefined,
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
    const idle = options.keepHelper && helper?.handOver();
    if (idle) options.keepHelper!(idle);
    return graph;
  } finally {
    helper?.stop();
    await file?.close();
  }
}

/** Per edge type: 1 when its name_or_index is an index (element, hidden, and types the meta does not name), 0 for a string. */
export function indexedEdgeTypes(meta: SnapshotMeta): Uint8Array {
  const indexed = new Uint8Array(256).fill(1);
  ((meta.edge_types[0] as string[]) ?? []).forEach((t, k) => (indexed[k] = t === 'element' || t === 'hidden' ? 1 : 0));
  return indexed;
}

/**
 * Edge rows [from, to) of `edges`: each target turns from a node index into a node ordinal
 * (checked against the `nodeRows` there are). Returns the largest string index a named edge
 * holds (`maxName` or more).
 */
export function convertEdgeRows(edges: GrowableColumns, nodeFieldCount: number, nodeRows: number, indexed: Uint8Array, from: number, to: number, maxName: number): number {
  const limit = nodeRows * nodeFieldCount;
  const edgeTo = edges.words[edges.indexOf('to_node')];
  const names = edges.words[edges.indexOf('name_or_index')];
  const types = edges.bytes[edges.indexOf('type')];
  for (let e = from; e < to; e++) {
    const target = edgeTo[e];
    const ordinal = (target / nodeFieldCount) >>> 0;
    if (target >= limit || ordinal * nodeFieldCount !== target) throw corrupt(`edge ${e} points at node index ${target}, outside "nodes"`);
    edgeTo[e] = ordinal;
    if (indexed[types[e]] === 0 && names[e] > maxName) maxName = names[e];
  }
  return maxName;
}

/** The column types of the "edges" table: bytes for the edge type, words for the rest. */
export function edgeColumnTypes(meta: SnapshotMeta): (typeof Uint8Array | typeof Uint32Array)[] {
  return meta.edge_fields.map((f) => (EDGE_COLUMN_TYPES[f] ?? Uint32Array) as typeof Uint8Array | typeof Uint32Array);
}

/** Prefixes a parse error with the file it came from. */
export function withFile(e: unknown, path: string): Error {
  const err = e as NodeJS.ErrnoException;
  if (err?.code === 'ENOENT') return new SnapshotError(`${path}: no such file`);
  if (err?.code === 'EISDIR') return new SnapshotError(`${path}: is a directory, not a .heapsnapshot file`);
  if (e instanceof SnapshotError) return new SnapshotError(`${path}: ${e.message}`);
  return new SnapshotError(`${path}: ${err?.message ?? String(e)}`);
}

/** A snapshot that cannot be read, with a message saying why. */
/** Bytes a graph of that many nodes and edges needs: its columns (4 bytes a field) and the CSR offsets and targets. */
export function graphBytesFor(nodes: number, nodeFields: number, edges: number, edgeFields: number): number {
  return nodes * (nodeFields * 4 + 8) + edges * (edgeFields * 4 + 4);
}

export class SnapshotError extends Error {
  override name = 'SnapshotError';
}

function notASnapshot(why: string): SnapshotError {
  return new SnapshotError(`not a V8 heap snapshot: ${why}`);
}
function corrupt(why: string): SnapshotError {
  return new SnapshotError(`corrupt heap snapshot: ${why}`);
}
function truncated(why: string): SnapshotError {
  return new SnapshotError(`truncated heap snapshot: ${why}`);
}

function describeByte(c: number): string {
  return c >= 32 && c < 127 ? `'${String.fromCharCode(c)}'` : `byte 0x${c.toString(16).padStart(2, '0')}`;
}

/** What the `snapshot` header says, for an edge helper. */
export interface SnapshotHeader {
  meta: SnapshotMeta;
  nodeCount: number;
  edgeCount: number;
}

/** Parses the "edges" array elsewhere when it can (see edgeHelper.ts). */
export interface EdgeHelper {
  /** At the `[` of "edges" (`offset` in the whole input): true when the helper parses the array, and the parser skips it. */
  claim(offset: number): boolean;
}

/** What `nodesDone` learns from the nodes. */
interface NodeSummary {
  firstEdge: Uint32Array;
  maxName: number;
  totalSize: number;
}

const STAGE_SIZE = 3 * 7 * 8192;

/** Moves the whole rows of `stage[0, count)` into the table's columns; returns how many numbers are left (the start of a row). */
function flushStage(stage: Uint32Array, count: number, table: GrowableColumns): number {
  const width = table.width;
  const rows = (count / width) | 0;
  while (table.length + rows > table.capacity) table.grow();
  spreadRows(stage, 0, rows, table, table.length);
  table.length += rows;
  const used = rows * width;
  stage.copyWithin(0, used, count);
  return count - used;
}

/** `rows` whole rows of a flat table, from `stage[from]` on, into the table's columns from row `row0` on (zeros not written). */
export function spreadRows(stage: Uint32Array, from: number, rows: number, table: GrowableColumns, row0: number): void {
  const width = table.width;
  for (let c = 0; c < width; c++) {
    if (table.isByte[c] === 1) spreadBytes(stage, from + c, width, rows, table.bytes[c], row0);
    else spreadWords(stage, from + c, width, rows, table.words[c], row0);
  }
}

// Zeros are not stored: new typed arrays are zeroed already, and a page only ever written zeros is
// never touched, so all-zero columns (trace_node_id without allocation tracking, detachedness) cost
// no memory. Every column is fresh (`GrowableColumns` copies into new arrays when it grows).
function spreadBytes(stage: Uint32Array, first: number, width: number, rows: number, column: Uint8Array, row0: number): void {
  for (let r = 0, x = first; r < rows; r++, x += width) {
    const v = stage[x];
    if (v !== 0) column[row0 + r] = v;
  }
}

function spreadWords(stage: Uint32Array, first: number, width: number, rows: number, column: Uint32Array, row0: number): void {
  for (let r = 0, x = first; r < rows; r++, x += width) {
    const v = stage[x];
    if (v !== 0) column[row0 + r] = v;
  }
}

/** Characters that may follow the integer part of a JSON number. */
function isNumberTail(c: number): boolean {
  return (c >= 48 && c <= 57) || c === DOT || c === 101 || c === 69 || c === 43 || c === MINUS;
}

function skipWhitespace(buf: Buffer, i: number, end: number): number {
  while (i < end) {
    const c = buf[i];
    if (c !== SPACE && c !== NEWLINE && c !== CR && c !== TAB) break;
    i++;
  }
  return i;
}

/** The most rows a header's count may make the parser allocate at once (more are grown into as they come). */
const MAX_COUNT_HINT = 1 << 26;

/**
 * A header's node_count or edge_count, a hint for the first allocation (0 when absent or not a
 * count). With the input's size known, a count it cannot hold (each number takes a digit and a
 * separator at least) is an error that says so, not an allocation that fails.
 */
function countHint(value: unknown, rows: string, fields: number, totalBytes: number | undefined): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n <= 0) return 0;
  if (totalBytes !== undefined && n * fields * 2 - 1 > totalBytes) {
    throw corrupt(`its header says ${n.toLocaleString('en-US')} ${rows}, more than a file of ${totalBytes} bytes can hold`);
  }
  return Math.min(n, MAX_COUNT_HINT);
}

/**
 * The longest string the table keeps whole. V8 cuts the names it writes at 1024 characters (its
 * `heap_snapshot_string_limit`) and builds few longer ones (WeakMap entries name two of them), so
 * only a crafted file has longer ones; what the analysis builds from names (plain-object shapes,
 * paths, the report) then stays proportional to the file.
 */
export const MAX_STRING_CHARS = 4096;

/** A string as the table keeps it: one longer than MAX_STRING_CHARS loses its middle (marked `…`), never half a surrogate pair. */
function tableString(s: string): string {
  if (s.length <= MAX_STRING_CHARS) return s;
  let head = (MAX_STRING_CHARS >> 1) - 1;
  let tail = s.length - (MAX_STRING_CHARS >> 1);
  if (isHighSurrogate(s.charCodeAt(head - 1))) head--;
  if (isLowSurrogate(s.charCodeAt(tail))) tail++;
  // A copy of its own: a slice would keep the whole string alive.
  return Buffer.from(`${s.slice(0, head)}…${s.slice(tail)}`, 'utf16le').toString('utf16le');
}

function isHighSurrogate(c: number): boolean {
  return c >= 0xd800 && c <= 0xdbff;
}

function isLowSurrogate(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}

function decodeEscaped(raw: string): string {
  try {
    return JSON.parse(`"${raw}"`) as string;
  } catch {
    throw corrupt(`a string in the "strings" table has an invalid escape`);
  }
}

type ColumnCtor = typeof Uint8Array | typeof Uint32Array | typeof Int32Array;

// The small columns are bytes from the start (no wide copy to narrow later, fewer fresh pages to
// fault in); the rest are Uint32Array. The hot loop stores through `bytes`/`words`, one kind each.
const NODE_COLUMN_TYPES: Record<string, ColumnCtor> = { type: Uint8Array, detachedness: Uint8Array };
const EDGE_COLUMN_TYPES: Record<string, ColumnCtor> = { type: Uint8Array };

const enum State {
  BeforeTop,
  TopKey,
  KeyString,
  Colon,
  ValueStart,
  Numbers,
  /** A number table another thread parses (see EdgeHelper). */
  SkipNumbers,
  Strings,
  TraceTree,
  Skip,
  Done,
}

const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const COMMA = 0x2c;
const SPACE = 0x20;
const NEWLINE = 0x0a;
const CR = 0x0d;
const TAB = 0x09;
const MINUS = 0x2d;
const DOT = 0x2e;
