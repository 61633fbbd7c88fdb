type Column = Uint8Array | Uint32Array | Int32Array;
type ColumnCtor = new (length: number) => Column;

const NO_BYTES = new Uint8Array(0);
const NO_WORDS = new Uint32Array(0);

/**
 * A table of typed-array columns filled row by row, one number at a time, as a flat JSON array
 * (`[f0, f1, f2, f0, f1, f2, …]`) is read. Capacity doubles when full; `column()` trims to length.
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

  constructor(names: readonly string[], types: readonly ColumnCtor[], initialCapacity: number) {
    this.width = names.length;
    this.capacity = Math.max(16, initialCapacity);
    this.columns = types.map((T) => new T(this.capacity));
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
    // Copy rather than subarray so the unused capacity can be freed.
    const trimmed = new (c.constructor as ColumnCtor)(this.length);
    trimmed.set(c.subarray(0, this.length));
    this.columns[k] = trimmed;
    this.split();
    return trimmed;
  }

  /** Doubles the capacity (the columns are replaced). */
  grow(): void {
    this.capacity *= 2;
    for (let k = 0; k < this.columns.length; k++) {
      const old = this.columns[k];
      const next = new (old.constructor as ColumnCtor)(this.capacity);
      next.set(old);
      this.columns[k] = next;
    }
    this.split();
  }
}
