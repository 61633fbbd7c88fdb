/**
 * The number tables' hot loop (digits.wat) and the memory it reads: an input region that file reads
 * go straight into (no copy) and the staging array the numbers go to, both in one WebAssembly
 * memory of the parser's own.
 */
import { DIGITS_WASM } from './digitsWasm';

/** Where the numbers scan is between calls: numbers staged, and a number that may go on in the next chunk. */
export interface DigitRun {
  count: number;
  num: number;
  inNum: boolean;
  negative: boolean;
}

/** What this file uses of the WebAssembly API (the project's TypeScript libraries do not declare it). */
interface Wasm {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: unknown };
}
interface WasmGlobal {
  value: number;
}
interface DigitsExports {
  memory: { buffer: ArrayBuffer; grow(pages: number): number };
  stage: WasmGlobal;
  stageSize: WasmGlobal;
  k: WasmGlobal;
  num: WasmGlobal;
  inNum: WasmGlobal;
  negative: WasmGlobal;
  digits(i: number, end: number): number;
}

const wasm = (globalThis as unknown as { WebAssembly: Wasm }).WebAssembly;
let compiled: object | undefined;

/** Scanners given back, by size, for the next parser on this thread (a watch parses a snapshot every few seconds). */
const spare = new Map<string, DigitScanner[]>();

/** One parser's scanner: its own memory (a few MB), so parsers never share state. */
export class DigitScanner {
  /** A scanner of these sizes: one given back on this thread if there is one, else new. */
  static take(inputBytes: number, stageSize: number): DigitScanner {
    return spare.get(`${inputBytes}/${stageSize}`)?.pop() ?? new DigitScanner(inputBytes, stageSize);
  }

  /** Gives this scanner back for `take` (up to two of a size are kept); its owner must not use it again. */
  release(): void {
    const key = `${this.input.length}/${this.stage.length}`;
    const free = spare.get(key) ?? [];
    if (free.length < 2 && !free.includes(this)) free.push(this);
    spare.set(key, free);
  }

  /** Bytes in the module's memory: read a file into it and `scan` reads them where they are. */
  readonly input: Buffer;
  /** The staging array, in the module's memory. */
  readonly stage: Uint32Array;
  private readonly x: DigitsExports;

  constructor(inputBytes: number, stageSize: number) {
    compiled ??= new wasm.Module(DIGITS_WASM);
    this.x = new wasm.Instance(compiled).exports as DigitsExports;
    const stageAt = align(inputBytes, 16);
    const bytes = stageAt + stageSize * 4;
    const memory = this.x.memory;
    const pages = Math.ceil(bytes / 65536) - memory.buffer.byteLength / 65536;
    if (pages > 0) memory.grow(pages);
    // The memory never grows again, so these views stay attached.
    this.input = Buffer.from(memory.buffer, 0, inputBytes);
    this.stage = new Uint32Array(memory.buffer, stageAt, stageSize);
    this.x.stage.value = stageAt;
    this.x.stageSize.value = stageSize;
  }

  /**
   * Digits, commas and whitespace of buf[i, end) into the stage, in order. Stops at `end`, at any
   * other byte (returns its offset; the caller handles it), or when the stage is full (just past
   * the separator of its last number). `run` carries the state between calls.
   */
  scan(buf: Uint8Array, i: number, end: number, run: DigitRun): number {
    const x = this.x;
    x.k.value = run.count;
    x.num.value = run.num;
    x.inNum.value = run.inNum ? 1 : 0;
    x.negative.value = run.negative ? 1 : 0;
    const size = this.stage.length;
    if (buf.buffer === this.input.buffer) {
      const base = buf.byteOffset;
      i = x.digits(base + i, base + end) - base;
    } else {
      // Bytes from elsewhere (a chunk of another buffer): through the input region, a piece at a time.
      const room = this.input.length;
      while (i < end) {
        const n = Math.min(end - i, room);
        this.input.set(buf.subarray(i, i + n), 0);
        const r = x.digits(0, n);
        i += r;
        if (r < n || x.k.value === size) break;
      }
    }
    run.count = x.k.value;
    run.num = x.num.value >>> 0;
    run.inNum = x.inNum.value !== 0;
    run.negative = x.negative.value !== 0;
    return i;
  }
}

function align(n: number, to: number): number {
  return Math.ceil(n / to) * to;
}
