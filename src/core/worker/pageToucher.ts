/**
 * Fresh memory is dear on first touch on the machines measured (the kernel zeroes each page, a VM's
 * host may have to back it), so the threads fault in the pages of arrays another thread is about
 * to fill while that thread does other work. A page is write-touched with a compare-exchange of 0
 * for 0: it changes no value, so it is safe beside a thread writing the same array, and it does
 * not read first (a read maps the shared zero page, whose copy on the later write flushes the TLB
 * of every core running the process). bench/README.md has the measurements.
 */
import { Worker } from 'node:worker_threads';
import { sharedArray } from '../heap/columns';

/**
 * Write-touches one word per 4 kB page of each array, in order: those marked in `downward` from
 * their end down (another thread fills them from the start up), the others from the start up;
 * `stop` is asked every 64 pages. Self-contained: a toucher thread runs this very function's source.
 */
export function touchPages(arrays: Int32Array[], downward: boolean[], stop: () => boolean): void {
  const PAGE = 1024;
  for (let k = 0; k < arrays.length; k++) {
    const a = arrays[k];
    for (let j = 0, p = 0; j < a.length; j += PAGE, p++) {
      if (p % 64 === 0 && stop()) return;
      Atomics.compareExchange(a, downward[k] ? a.length - 1 - j : j, 0, 0);
    }
  }
}

/** The arrays' memory as words (a page toucher's view). */
export function asWords(arrays: ArrayBufferView[]): Int32Array[] {
  return arrays.map((a) => new Int32Array(a.buffer, a.byteOffset, a.byteLength >>> 2));
}

/**
 * Starts a short-lived thread that runs `touchPages` over shared arrays until `stop()` is called.
 * `exited` settles when the thread is gone (or could not start: the pages are then touched by
 * whoever writes them, as they would be anyway).
 */
export function startPageToucher(arrays: ArrayBufferView[], downward: boolean[] = []): { stop(): void; exited: Promise<void> } {
  const stop = sharedArray<Int32Array>(Int32Array, 1);
  const source = `const { workerData: w } = require('node:worker_threads');
(${touchPages.toString()})(w.arrays.map((b, k) => new Int32Array(b, w.offsets[k], w.lengths[k])), w.downward, () => Atomics.load(w.stop, 0) !== 0);`;
  const words = asWords(arrays);
  let worker: Worker | undefined;
  let exited = Promise.resolve();
  try {
    worker = new Worker(source, {
      eval: true,
      workerData: { arrays: words.map((a) => a.buffer), offsets: words.map((a) => a.byteOffset), lengths: words.map((a) => a.length), downward, stop },
    });
    worker.on('error', () => undefined);
    exited = new Promise((resolve) => worker!.once('exit', () => resolve()));
    worker.unref();
  } catch {
    worker = undefined;
  }
  return {
    stop() {
      Atomics.store(stop, 0, 1);
      void worker?.terminate();
    },
    exited,
  };
}
