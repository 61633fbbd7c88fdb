// The host's messages that arrive while a mouse button is down in the panel wait for its release. A
// report re-renders the headlines and the cause's card; a click whose press lands on an element and
// whose release lands on its re-rendered twin is no click at all, and the user's click is lost.

/** Holds messages between a press and its release (at most `maxHoldMs`), then delivers them in order. */
export class PressHold<T> {
  private readonly held: T[] = [];
  /** Set while a button is down: the release at the latest. */
  private limit: ReturnType<typeof setTimeout> | undefined;

  constructor(target: Window, private readonly deliver: (message: T) => void, private readonly maxHoldMs = 1_000) {
    target.addEventListener('pointerdown', () => this.press(), true);
    // The click is dispatched right after the release, in the same task: deliver after it.
    const release = () => setTimeout(() => this.release(), 0);
    target.addEventListener('pointerup', release, true);
    target.addEventListener('pointercancel', release, true);
    // A release outside the panel never reaches it.
    target.addEventListener('blur', release);
  }

  /** Delivers `message` now, or at the release when a button is down. */
  push(message: T): void {
    if (this.limit !== undefined) this.held.push(message);
    else this.deliver(message);
  }

  private press(): void {
    clearTimeout(this.limit);
    this.limit = setTimeout(() => this.release(), this.maxHoldMs);
  }

  private release(): void {
    clearTimeout(this.limit);
    this.limit = undefined;
    for (const message of this.held.splice(0)) this.deliver(message);
  }
}
