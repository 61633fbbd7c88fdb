type Column = Uint8Array | Uint32Array | Int32Array;
type ColumnCtor = new (length: number) => Column;
/** Makes a zeroed column (see ArrayRecycler). */
export type ColumnAllocator = (T: ColumnCtor, length: number) => Column;

const NO_BYTES = new Uint8Array(0);
const NO_WORDS = new Uint32Array(0);

/**
 * A table of typed-array columns filled row by row, one number at a time, as a flat JSON array
 * (`[f0, f1, f2, f0, f1, f2, …]`) is read. Capacity doubles when full; `column()` trims to length (a view).
 */
export class GrowableColumns {
  /** The columns (the parser's hot loop writes them directly; see `grow`). */
  columns: Column[];
  /**
   * The same columns split by element type, so each store in the hot loop sees one kind of array:
   * `bytes[k]` is column k when it is a Uint8Array, `words[k]` when it is a Uint32Array (an empty
   * placeholder otherwise); `isByte[k]` says which.
   */
  bytes: Uint8Array[] = [];
  words: Uint32Array[] = [];
  readonly isByte: Uint8Array;
  private readonly index = new Map<string, number>();
  /** Rows the columns can hold before `grow`. */
  capacity: number;
  /** Numbers per row. */
  readonly width: number;
  /** Complete rows so far. */
  length = 0;
  /** The column the next number goes to. */
  col = 0;

  constructor(names: readonly string[], types: readonly ColumnCtor[], initialCapacity: number, alloc: ColumnAllocator = (T, n) => new T(n)) {
    this.width = names.length;
    this.capacity = Math.max(16, initialCapacity);
    this.columns = types.map((T) => alloc(T, this.capacity));
    this.isByte = Uint8Array.from(this.columns, (c) => (c instanceof Uint8Array ? 1 : 0));
    this.split();
    names.forEach((n, k) => this.index.set(n, k));
  }

  private split(): void {
    this.bytes = this.columns.map((c) => (c instanceof Uint8Array ? c : NO_BYTES));
    this.words = this.columns.map((c) => (c instanceof Uint32Array ? c : NO_WORDS));
  }

  /** Numbers pushed so far. */
  get total(): number {
    return this.length * this.width + this.col;
  }

  /** Appends the next number of the flat array. */
  push(value: number): void {
    if (this.length === this.capacity) this.grow();
    this.columns[this.col][this.length] = value;
    if (++this.col === this.width) {
      this.col = 0;
      this.length++;
    }
  }

  /** Appends a whole row of a three-column table. */
  pushRow3(a: number, b: number, c: number): void {
    if (this.length === this.capacity) this.grow();
    const r = this.length++;
    this.columns[0][r] = a;
    this.columns[1][r] = b;
    this.columns[2][r] = c;
  }

  /** Overwrites one cell. */
  set(col: number, row: number, value: number): void {
    this.columns[col][row] = value;
  }

  /** The position of the named column (-1 when the table has no such field). */
  indexOf(name: string): number {
    return this.index.get(name) ?? -1;
  }

  /** The named column, trimmed to the rows filled (shares memory when no trimming is needed). */
  column(name: string): Column {
    const c = this.columnOrNull(name);
    if (!c) throw new Error(`no column "${name}"`);
    return c;
  }

  /** The named column, or null when the table has no such field. */
  columnOrNull(name: string): Column | null {
    const k = this.index.get(name);
    if (k === undefined) return null;
    const c = this.columns[k];
    if (c.length === this.length) return c;
    // A view, not a copy: the capacity past the rows filled was never written, so its pages were
    // never touched and take no memory; a copy would fault in fresh pages for all the rows.
    const trimmed = c.subarray(0, this.length);
    this.columns[k] = trimmed;
    this.split();
    return trimmed;
  }

  /** When set, the columns are arrays someone else holds (shared memory): `grow` fails instead of replacing them. */
  fixed = false;

  /** Doubles the capacity (the columns are replaced). */
  grow(): void {
    if (this.fixed) throw new ColumnsFullError(`the table is full at ${this.capacity} rows`);
    this.capacity *= 2;
    for (let k = 0; k < this.columns.length; k++) {
      const old = this.columns[k];
      const T = old.constructor as RecycledCtor;
      const next = old.buffer instanceof SharedArrayBuffer ? sharedArray(T, this.capacity) : new T(this.capacity);
      next.set(old);
      this.columns[k] = next;
    }
    this.split();
  }
}

/** More rows than a fixed table holds. */
export class ColumnsFullError extends Error {
  override name = 'ColumnsFullError';
}

type RecycledCtor = { new (length: number): Column; new (buffer: ArrayBuffer, byteOffset: number, length: number): Column; readonly BYTES_PER_ELEMENT: number };

/**
 * A zeroed array in shared memory. A graph's columns live there so that other threads can read
 * them without a copy (the edge helper writes "edges", an analysis helper reads the graph).
 */
export function sharedArray<T extends Column>(T: RecycledCtor, length: number): T {
  return new T(new SharedArrayBuffer(Math.max(1, length) * T.BYTES_PER_ELEMENT) as unknown as ArrayBuffer, 0, length) as T;
}

/** The allocator GrowableColumns use for a graph's tables: shared memory. */
export const sharedAlloc: ColumnAllocator = (T, length) => sharedArray(T as RecycledCtor, length);

/**
 * Buffers of a graph that is no longer needed, for the next parse to fill again. On the machines
 * measured a fresh page costs far more than the numbers written into it (the kernel zeroes it, a
 * VM's host may have to back it), and a parse writes ~100 MB of columns per 150 MB
 * of snapshot. Whoever gives a buffer must never read or write its arrays again.
 */
export class ArrayRecycler {
  private free: (ArrayBuffer | SharedArrayBuffer)[] = [];

  /** `minBytes`: smaller buffers are not worth keeping. */
  constructor(private readonly minBytes = 1 << 20) {}

  /** Hands back the buffers of these arrays (only arrays that start their buffer; each buffer once). */
  give(arrays: Iterable<ArrayBufferView>): void {
    for (const a of arrays) {
      const b = a.buffer;
      if (a.byteOffset === 0 && (b instanceof ArrayBuffer || b instanceof SharedArrayBuffer) && b.byteLength >= this.minBytes && !this.free.includes(b)) this.free.push(b);
    }
  }

  /**
   * A zeroed array of `length` elements: in the smallest recycled buffer that holds it (and is at
   * most 1.5× its size), else new (shared memory). `sharedOnly`: only in shared memory (for columns
   * another thread writes).
   */
  take<T extends Column>(T: RecycledCtor, length: number, sharedOnly = false): T {
    const need = length * T.BYTES_PER_ELEMENT;
    let best = -1;
    for (let k = 0; k < this.free.length; k++) {
      const size = this.free[k].byteLength;
      if (sharedOnly && !(this.free[k] instanceof SharedArrayBuffer)) continue;
      if (size >= need && size <= need * 1.5 && (best < 0 || size < this.free[best].byteLength)) best = k;
    }
    if (best < 0 || need < this.minBytes) return sharedArray<T>(T, length);
    const [buffer] = this.free.splice(best, 1);
    return new T(buffer as ArrayBuffer, 0, length).fill(0) as T;
  }

  /** The allocator to give GrowableColumns. */
  readonly alloc: ColumnAllocator = (T, length) => this.take(T as RecycledCtor, length);

  /** The allocator for columns shared with another thread: recycled shared buffers, else new ones. */
  readonly allocShared: ColumnAllocator = (T, length) => this.take(T as RecycledCtor, length, true);

  /** Lets go of every buffer not taken. */
  clear(): void {
    this.free = [];
  }

  /** Bytes held. */
  get bytes(): number {
    return this.free.reduce((sum, b) => sum + b.byteLength, 0);
  }
}
