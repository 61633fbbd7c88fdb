// `leak-watch attach`: watch a program that already runs with its inspector open, and leave it running.
import { connectWebSocket, type CdpConnection } from '../core/cdp/connection';
import { resolveEndpoint } from '../core/cdp/endpoints';
import { readProgramArgs } from '../core/cdp/programArgs';
import type { SnapshotAnalyzer } from '../core/worker/analyzer';
import type { HeapWatch } from '../core/watch';
import { EXIT, type CliOptions } from './args';
import { Interrupted, signalExitCode, type Interrupts } from './interrupts';
import type { Progress } from './progress';
import type { WatchKeys } from './keys';
import { listenToKeys, startWatch, stopWatch, watchReport, watchUntil, type WatchOutcome } from './watching';

/** Attaches to `options.operands[0]`, watches, detaches. */
export async function attachTo(options: CliOptions, analyzer: SnapshotAnalyzer, progress: Progress, interrupts: Interrupts, saveSnapshotsDir?: string): Promise<WatchOutcome> {
  const printed = new Set<string>();
  const outcome = (fields: Partial<WatchOutcome>): WatchOutcome => ({ printed, exitCode: EXIT.failure, ...fields });
  let connection: CdpConnection | undefined;
  let watch: HeapWatch | undefined;
  let keys: WatchKeys | undefined;
  let endedBy: string | undefined;
  let program: WatchOutcome['program'];
  try {
    const wsUrl = await Promise.race([
      resolveEndpoint(options.operands[0], { allowRemote: options.allowRemote }).catch((e: Error) => {
        throw /remote hosts explicitly/.test(e.message) ? new Error(`${e.message.replace(/\.?$/, '')} with --allow-remote.`) : e;
      }),
      interrupts.rejection(),
    ]);
    connection = await Promise.race([connectWebSocket(wsUrl, { loopbackOnly: !options.allowRemote }), interrupts.rejection()]);
    interrupts.beforeExitNow = (why) => progress.note(`leak-watch: ${why}: detached at once; no report.`);
    program = await Promise.race([readProgramArgs(connection), interrupts.rejection()]);
    keys = listenToKeys(() => watch, options, progress);
    watch = startWatch(connection, analyzer, options, progress, printed, saveSnapshotsDir, keys);
    endedBy = await watchUntil(watch, options, [interrupts.first]);
  } catch (error) {
    if (!(error instanceof Interrupted)) return outcome({ error: (error as Error)?.message ?? String(error) });
  } finally {
    interrupts.urgently();
    keys?.dispose();
    progress.done();
    await stopWatch(watch);
    connection?.close();
  }
  const signal = interrupts.signal;
  if (!watch?.samples.length) {
    if (signal) return outcome({ error: `Interrupted by ${signal} before the first snapshot.`, exitCode: signalExitCode(signal) });
    return outcome({ error: watch?.endedBecause && !/^Stopped/.test(watch.endedBecause) ? watch.endedBecause : 'No snapshot could be taken.' });
  }
  const n = watch.samples.length;
  const note = signal && endedBy === signal ? `Stopped by ${signal} after ${n} snapshot${n === 1 ? '' : 's'}.` : watch.endedBecause && !/^(Stopped;|Stopped before|Took)/i.test(watch.endedBecause) ? watch.endedBecause : undefined;
  return outcome({ report: await watchReport(watch, { kind: 'attach', description: options.operands[0] }, note), exitCode: EXIT.ok, program });
}
