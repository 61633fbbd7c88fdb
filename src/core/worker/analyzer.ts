import { existsSync } from 'node:fs';
import { totalmem } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Cause, Leak, Sample } from '../report';
import { Requester, type Args, type Reply } from '../requests';
import type { DirectSnapshotOptions, FromWorker, ToWorker, WorkerMethods, WorkerNotice } from './rpc';
import { CdpClosedError, CdpTimeoutError } from '../cdp/connection';
import type { InspectorEndpoint } from '../cdp/transport';
import { SnapshotError } from '../heap/errors';
import type { RunningScript } from '../sources/runningSources';
import type { CauseRequest, ExplainRequest, SampleInfoIn } from './session';

export interface SnapshotAnalyzerOptions {
  /** The built worker bundle; default: `snapshotWorker.js` beside this bundle, or in `dist/` of the repo. */
  workerPath?: string;
  /** Old-generation limit of the worker (MB); default three quarters of the machine's memory, at most 16 GB. */
  maxHeapMb?: number;
  /**
   * Young-generation size of the worker (MB), default 6: nearly everything a parse allocates on the
   * JS heap is the string table, which lives as long as the graph, so a small new space whose pages
   * are reused beats V8's default, which grows it and copies the strings through fresh pages.
   */
  maxYoungGenerationMb?: number;
}

/**
 * The host side of the snapshot worker: streams chunks to it and awaits Samples, so parsing and
 * analysis never block the caller's event loop (the extension host, the CLI). Requests are served
 * in order; one snapshot is streamed at a time.
 */
export class SnapshotAnalyzer {
  private readonly worker: Worker;
  private readonly requests: Requester<WorkerMethods>;
  private dead: Error | null = null;
  private readonly streamingListeners = new Set<() => void>();
  /** The worker's old-generation limit in bytes (what a snapshot's parse may use at most). */
  readonly memoryLimitBytes: number;

  constructor(options: SnapshotAnalyzerOptions = {}) {
    const path = options.workerPath ?? findWorker();
    const maxHeapMb = options.maxHeapMb ?? Math.min(16384, Math.floor((totalmem() / 2 ** 20) * 0.75));
    this.memoryLimitBytes = maxHeapMb * 2 ** 20;
    this.worker = new Worker(path, { resourceLimits: { maxOldGenerationSizeMb: maxHeapMb, maxYoungGenerationSizeMb: options.maxYoungGenerationMb ?? 6 } });
    this.worker.unref();
    this.requests = new Requester<WorkerMethods>(
      (request) => this.worker.postMessage(request satisfies ToWorker),
      (message, name) => (name === 'SnapshotError' ? new SnapshotError(message) : new Error(message)),
    );
    this.worker.on('message', (m: FromWorker) => {
      if (m.type === 'streaming') {
        for (const listener of [...this.streamingListeners]) listener();
        return;
      }
      this.requests.settle(m);
      // While a request is pending the worker keeps the process alive; otherwise it does not.
      if (this.requests.waiting === 0) this.worker.unref();
    });
    const die = (e: Error) => {
      this.dead = e;
      this.requests.failAll(e);
      this.worker.unref();
    };
    this.worker.on('error', (e) =>
      die(
        /memory/i.test(e.message)
          ? new Error(`The snapshot analysis ran out of memory (${e.message}); the heap is too large for this machine.`)
          : new Error(`The snapshot analysis failed: ${e.message}`),
      ),
    );
    this.worker.on('exit', (code) => die(new Error(`The snapshot analysis worker exited (code ${code}).`)));
  }

  /** Starts streaming a new snapshot. */
  begin(): void {
    this.post({ type: 'begin' });
  }

  /** Streams one chunk (as `HeapProfiler.addHeapSnapshotChunk` delivers it). */
  push(chunk: string | Uint8Array): void {
    this.post({ type: 'chunk', data: chunk });
  }

  /** Drops the snapshot being streamed. */
  abort(): void {
    if (!this.dead) this.post({ type: 'abort' });
  }

  /** Forgets earlier id watermarks (V8's ids restarted): the next snapshot starts a new baseline. */
  resetBaseline(): void {
    if (!this.dead) this.post({ type: 'resetBaseline' });
  }

  /** Ends the streamed snapshot; resolves with its Sample. */
  finish(info: SampleInfoIn): Promise<Sample> {
    return this.request('finish', info);
  }

  /** Parses and summarises a `.heapsnapshot` file in the worker. */
  analyzeFile(path: string, info?: Partial<SampleInfoIn>): Promise<Sample> {
    const full: SampleInfoIn = { index: 0, time: Date.now(), pauseMs: 0, heapUsed: 0, heapTotal: 0, ...info };
    return this.request('analyzeFile', path, full);
  }

  /** Explains why the given types grow (retainer clusters, sites, back-references) on the latest snapshot. */
  explain(types: string[], options: Omit<ExplainRequest, 'types'> = {}): Promise<Leak[]> {
    return this.request('explain', { ...options, types });
  }

  /** The causes of the growing types (one per holder) on the latest snapshot. */
  causes(types: CauseRequest['types'], options: Omit<CauseRequest, 'types'> = {}): Promise<Cause[]> {
    return this.request('causes', { ...options, types });
  }

  /** The program's scripts on the latest snapshot whose running code is not their file (transformed `.ts`). */
  runningScripts(): Promise<RunningScript[]> {
    return this.request('runningScripts');
  }

  /** Retained bytes of each named type on the latest snapshot. */
  retainedSizes(types: string[]): Promise<Record<string, number>> {
    return this.request('retainedSizes', types);
  }

  /**
   * Opens the worker's own inspector session to the debuggee (Node's inspector, or js-debug's CDP
   * proxy, both of which take several clients), for `takeSnapshot`; rejects when it cannot.
   */
  openInspector(endpoint: InspectorEndpoint, timeoutMs: number): Promise<{ jsDebug: boolean }> {
    return this.request('openInspector', endpoint, timeoutMs);
  }

  /**
   * Takes a snapshot on the worker's own session: its chunks stream into the worker, none through
   * this thread. Resolves once V8 has sent it all (its chunks and characters; then `finish`); rejects as the connection would
   * (CdpClosedError, CdpTimeoutError).
   */
  async takeSnapshot(options: DirectSnapshotOptions): Promise<{ chunks: number; chars: number }> {
    const result = await this.request('takeSnapshot', options);
    if (result.ok) return { chunks: result.chunks, chars: result.chars };
    const method = 'HeapProfiler.takeHeapSnapshot';
    if (result.failure === 'closed') throw new CdpClosedError(method, result.reason, true);
    if (result.failure === 'timeout') throw new CdpTimeoutError(method, result.timeoutMs);
    throw new Error(result.message);
  }

  /** Closes the worker's own session (V8 then forgets the isolate's object ids: at the end of a watch only). */
  closeInspector(): void {
    if (!this.dead) this.post({ type: 'closeInspector' });
  }

  /** Calls `listener` whenever a snapshot's chunks start to arrive on the worker's own session; returns an unsubscribe. */
  onSnapshotStreaming(listener: () => void): () => void {
    this.streamingListeners.add(listener);
    return () => this.streamingListeners.delete(listener);
  }

  /** Stops the worker; pending requests fail. */
  async dispose(): Promise<void> {
    if (this.dead) return;
    this.dead = new Error('The snapshot analyzer was disposed.');
    this.requests.failAll(this.dead);
    // terminate() can wait on a worker busy in native code; never let it hold up the caller.
    await Promise.race([this.worker.terminate(), new Promise((r) => setTimeout(r, 2000).unref())]);
  }

  /** One request to the worker, which keeps the process alive until it is answered. */
  private request<K extends keyof WorkerMethods & string>(method: K, ...args: Args<WorkerMethods, K>): Promise<Reply<WorkerMethods, K>> {
    if (this.dead) return Promise.reject(this.dead);
    this.worker.ref();
    return this.requests.request(method, ...args);
  }

  private post(m: WorkerNotice): void {
    if (this.dead) throw this.dead;
    this.worker.postMessage(m);
  }
}

/** Finds the built worker bundle next to this bundle (dist/) or, from sources, in the repo's dist/. */
function findWorker(): string {
  const candidates = [join(__dirname, 'snapshotWorker.js'), join(__dirname, '../../../dist/snapshotWorker.js')];
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new Error(`The snapshot worker bundle is missing (looked in ${candidates.join(', ')}); run \`npm run build\`.`);
  return found;
}
