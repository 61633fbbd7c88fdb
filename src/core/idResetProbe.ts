// Whether V8's heap object ids were reset between two of our snapshots (someone called
// HeapProfiler.disable, as js-debug's own "Take Heap Snapshot" does), judged by the global object.
import { CdpProtocolError, type CdpConnection } from './cdp/connection';

/** The object group of the probe's remote handle, released at the end. */
const PROBE_GROUP = 'leak-watch';

/**
 * V8 keeps an object's id for its lifetime and forgets all ids on a reset; the renumbering that
 * follows often hands out the very same numbers, so comparing ids after a snapshot cannot tell.
 * Instead: the global object's id just before our snapshot must equal its id just after our last
 * one; if it is unknown ('0') or different, the ids were reset in between.
 */
export class IdResetProbe {
  private objectId: string | undefined;
  private idAfterLastSnapshot: string | undefined;

  /** `guard` races each request against the watch's cancellation. */
  constructor(
    private readonly connection: CdpConnection,
    private readonly guard: <T>(step: Promise<T>) => Promise<T>,
  ) {}

  /** Takes a handle on the global object; without one (protocol refused) the probe stays silent. */
  async prepare(timeoutMs: number): Promise<void> {
    try {
      const { result } = await this.guard(
        this.connection.send('Runtime.evaluate', { expression: 'globalThis', objectGroup: PROBE_GROUP, silent: true }, { timeoutMs }),
      );
      this.objectId = result.objectId;
    } catch (error) {
      if (!(error instanceof CdpProtocolError)) throw error;
    }
  }

  /** Call just before a snapshot: true when the ids were reset since the last `afterSnapshot`. */
  async beforeSnapshot(timeoutMs: number): Promise<boolean> {
    const id = await this.globalId(timeoutMs);
    return this.idAfterLastSnapshot !== undefined && id !== undefined && id !== this.idAfterLastSnapshot;
  }

  /** Call just after a snapshot, which gave the global object an id. */
  async afterSnapshot(timeoutMs: number): Promise<void> {
    const id = await this.globalId(timeoutMs);
    this.idAfterLastSnapshot = id && id !== '0' ? id : undefined;
  }

  /** Releases the handle (best effort). */
  release(): void {
    if (!this.objectId || this.connection.closed) return;
    this.objectId = undefined;
    this.connection.send('Runtime.releaseObjectGroup', { objectGroup: PROBE_GROUP }, { timeoutMs: 5000 }).catch(() => {});
  }

  /** The global object's heap id, '0' while V8 has none for it, undefined when the probe is off. */
  private async globalId(timeoutMs: number): Promise<string | undefined> {
    if (!this.objectId) return undefined;
    try {
      const { heapSnapshotObjectId } = await this.guard(
        this.connection.send('HeapProfiler.getHeapObjectId', { objectId: this.objectId }, { timeoutMs }),
      );
      return heapSnapshotObjectId;
    } catch (error) {
      if (!(error instanceof CdpProtocolError)) throw error;
      // The handle was released (e.g. by the debugger): stop probing.
      this.objectId = undefined;
      this.idAfterLastSnapshot = undefined;
      return undefined;
    }
  }
}
