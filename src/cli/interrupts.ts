// SIGINT, SIGTERM and SIGHUP while the CLI works: the first asks it to stop (end what it started,
// report what it has); a second one, or one once stopping has begun, ends it at once, and so does an
// error the CLI did not catch (after ending what it started).
import { constants } from 'node:os';
import { inertLines } from './format';

const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/** The exit code of a process ended by `signal` (128 + its number). */
export function signalExitCode(signal: NodeJS.Signals): number {
  return 128 + (constants.signals[signal] ?? 0);
}

/** A stop asked for by a signal. */
export class Interrupted extends Error {
  constructor(readonly signal: NodeJS.Signals) {
    super(`Interrupted by ${signal}.`);
  }
}

/** Signal handling for one command of the CLI. */
export class Interrupts {
  /** Resolves with the first signal. */
  readonly first: Promise<NodeJS.Signals>;
  private received: NodeJS.Signals | undefined;
  private urgent = false;
  private readonly handlers = new Map<NodeJS.Signals, () => void>();
  /** What must happen before the CLI exits at once (waited for at most a second); `why`: "SIGINT again", "an internal error", … */
  beforeExitNow: (why: string) => void | Promise<unknown> = () => {};

  constructor() {
    process.on('uncaughtException', this.fatal);
    let resolveFirst!: (signal: NodeJS.Signals) => void;
    this.first = new Promise((resolve) => (resolveFirst = resolve));
    for (const signal of SIGNALS) {
      const handler = () => {
        if (this.received === undefined && !this.urgent) {
          this.received = signal;
          resolveFirst(signal);
          return;
        }
        this.exitNow(this.received === undefined ? `${signal} while stopping` : `${signal} again`, signalExitCode(signal));
      };
      this.handlers.set(signal, handler);
      process.on(signal, handler);
    }
  }

  /** The first signal, once one came. */
  get signal(): NodeJS.Signals | undefined {
    return this.received;
  }

  /** From now on (stopping has begun), any signal ends the CLI at once. */
  urgently(): void {
    this.urgent = true;
  }

  /** Rejects with `Interrupted` once a signal comes (for racing a step against it). */
  async rejection(): Promise<never> {
    throw new Interrupted(await this.first);
  }

  /** Removes the handlers. */
  dispose(): void {
    for (const [signal, handler] of this.handlers) process.off(signal, handler);
    process.off('uncaughtException', this.fatal);
  }

  private readonly fatal = (error: unknown) => {
    process.stderr.write(`leak-watch: internal error: ${inertLines((error as Error)?.stack ?? String(error))}\n`);
    this.exitNow('an internal error', 1);
  };

  private exitNow(why: string, code: number): void {
    const exit = () => process.exit(code);
    setTimeout(exit, 1000);
    void Promise.resolve(this.beforeExitNow(why)).then(exit, exit);
  }
}
