/**
 * The shared-state protocol between a thread and its helpers: words in shared memory, each named
 * for what it says, that move between named states. Every hand-off of the analysis' threads is
 * one of these moves, so that whoever moves a word first decides (the other thread sees the move
 * and does the work itself, or skips it), and whoever waits is woken by the move.
 */

/** One word of shared memory. */
export class SharedWord {
  constructor(
    private readonly words: Int32Array,
    private readonly at: number,
  ) {}

  get value(): number {
    return Atomics.load(this.words, this.at);
  }

  /** Sets the word and wakes whoever waits on it. */
  set(value: number): void {
    Atomics.store(this.words, this.at, value);
    Atomics.notify(this.words, this.at);
  }

  /** Moves the word from `from` to `to` when it holds `from` (waking whoever waits on it); returns what it held. */
  move(from: number, to: number): number {
    const was = Atomics.compareExchange(this.words, this.at, from, to);
    if (was === from) Atomics.notify(this.words, this.at);
    return was;
  }

  /** Adds `n`, waking whoever waits; returns what it held. */
  add(n: number): number {
    const was = Atomics.add(this.words, this.at, n);
    Atomics.notify(this.words, this.at);
    return was;
  }

  /** Waits while the word holds `value`, at most `ms`; false when the time ran out first. */
  waitWhile(value: number, ms: number): boolean {
    return Atomics.wait(this.words, this.at, value, ms) !== 'timed-out';
  }
}

/**
 * Named words over one shared array: `sharedWords(['job', 'tree'])` makes the memory; the other
 * thread, given `memory`, calls `sharedWords(['job', 'tree'], memory)` for the same words.
 */
export function sharedWords<K extends string>(names: readonly K[], memory: Int32Array = new Int32Array(new SharedArrayBuffer(4 * names.length))): { memory: Int32Array } & Record<K, SharedWord> {
  const words = { memory } as { memory: Int32Array } & Record<K, SharedWord>;
  names.forEach((name, at) => ((words as Record<K, SharedWord>)[name] = new SharedWord(memory, at)));
  return words;
}

/** The states of a job handed to a helper thread. */
export const JOB = { idle: 0, running: 1, done: 2, failed: 3, cancelled: 4 } as const;

/**
 * A job handed to a helper: idle → running → done or failed, or idle → cancelled when the thread
 * that handed it over gives up first (then does the work itself).
 */
export class JobState {
  constructor(readonly word: SharedWord) {}

  /** The helper takes the job; false when it was cancelled first (or taken). */
  start(): boolean {
    return this.word.move(JOB.idle, JOB.running) === JOB.idle;
  }

  /** The helper is done (or failed). */
  end(ok: boolean): void {
    this.word.set(ok ? JOB.done : JOB.failed);
  }

  /** Fails a job that is running (a helper that threw). */
  failIfRunning(): void {
    this.word.move(JOB.running, JOB.failed);
  }

  /** The thread that handed the job over gives up on it; true when no helper had taken it (it never will). */
  cancelIfIdle(): boolean {
    return this.word.move(JOB.idle, JOB.cancelled) === JOB.idle;
  }

  get state(): number {
    return this.word.value;
  }

  get running(): boolean {
    return this.word.value === JOB.running;
  }

  get done(): boolean {
    return this.word.value === JOB.done;
  }

  /** Waits at most `ms` for a helper to take the job. */
  waitWhileIdle(ms: number): void {
    this.word.waitWhile(JOB.idle, ms);
  }

  /** Waits at most `ms` for a helper at work to end it. */
  waitWhileRunning(ms: number): void {
    this.word.waitWhile(JOB.running, ms);
  }
}

/** A point a thread's work has reached (0 before, 1 from then on), for another thread to time its own work by. */
export class Milestone {
  constructor(readonly word: SharedWord) {}

  reach(): void {
    this.word.set(1);
  }

  get reached(): boolean {
    return this.word.value === 1;
  }

  /** Waits at most `ms` for it; true once reached. */
  waitFor(ms: number): boolean {
    this.word.waitWhile(0, ms);
    return this.reached;
  }
}
