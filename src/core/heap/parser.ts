import { freemem } from 'node:os';
import { assembleGraph, summarizeNodes, type NodeSummary } from './build';
import { ArrayRecycler, GrowableColumns, sharedAlloc } from './columns';
import { DigitScanner, type DigitRun } from './digits';
import { corrupt, describeByte, notASnapshot, SnapshotError, truncated } from './errors';
import type { HeapGraph, SnapshotMeta } from './graph';
import { BACKSLASH, CLOSE_BRACE, CLOSE_BRACKET, COLON, COMMA, DOT, isNumberTail, MINUS, OPEN_BRACE, OPEN_BRACKET, QUOTE, skipWhitespace } from './jsonBytes';
import { convertEdgeRows, EDGE_COLUMN_TYPES, flushStage, indexedEdgeTypes, NODE_COLUMN_TYPES, STAGE_SIZE, type ColumnCtor } from './numberTables';
import { isHighSurrogate, StringTable } from './strings';
import { TraceTree } from './traceTree';

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
  private readonly strings = new StringTable();
  private trace: TraceTree | null = null;

  private meta: SnapshotMeta | null = null;
  private nodeCountHint = 0;
  private edgeCountHint = 0;
  private nodes: GrowableColumns | null = null;
  private edges: GrowableColumns | null = null;
  private locations: GrowableColumns | null = null;
  private functionInfos: GrowableColumns | null = null;
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
          i = this.strings.scan(buf, i, end);
          if (this.strings.ended) this.state = State.TopKey;
          break;
        case State.TraceTree:
          i = this.trace!.scan(buf, i, end);
          if (this.trace!.ended) this.state = State.TopKey;
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
        this.trace = new TraceTree(this.meta?.trace_node_fields?.length ?? 5);
        this.state = State.TraceTree;
        break;
      case 'strings':
        this.strings.ended = false;
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

  /** Once "nodes" has ended (while the stream goes on; at finish when the sections came in another order). */
  private nodesDone(): NodeSummary {
    this.nodeSummary = summarizeNodes(this.nodes!, this.options.recycler);
    this.nodeRows = this.nodes!.length;
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
    return assembleGraph({
      meta,
      nodes,
      edges,
      strings: this.strings.strings,
      summary: () => this.nodeSummary ?? this.nodesDone(),
      convertedEdges: () => {
        // Edges not converted while streaming ("edges" before "nodes"): all of them now.
        if (this.edgesConverted < edges.length) {
          this.nodeRows = nodes.length;
          this.convertEdges(this.edgesConverted, edges.length);
        }
        return { maxEdgeName: this.maxEdgeName, indexed: this.indexedEdgeTypes() };
      },
      locations: this.locations,
      functionInfos: this.functionInfos,
      trace: this.trace?.columns ?? null,
    });
  }
}

/** Bytes a graph of that many nodes and edges needs: its columns (4 bytes a field) and the CSR offsets and targets. */
export function graphBytesFor(nodes: number, nodeFields: number, edges: number, edgeFields: number): number {
  return nodes * (nodeFields * 4 + 8) + edges * (edgeFields * 4 + 4);
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
