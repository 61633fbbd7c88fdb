import { inert } from './format';

/** A progress line on a TTY (rewritten in place), plain lines otherwise; always on stderr, always escaped. */
export class Progress {
  private readonly tty = !!process.stderr.isTTY;
  private shown = false;

  constructor(private readonly quiet: boolean) {}

  /** Shows the current step; `ttyOnly` steps are not worth a line of their own in a log. */
  update(text: string, ttyOnly = false): void {
    if (this.quiet || (ttyOnly && !this.tty)) return;
    if (this.tty) {
      const width = process.stderr.columns || 100;
      process.stderr.write(`\r\x1b[2K${inert(text, width - 1)}`);
      this.shown = true;
    } else {
      process.stderr.write(`${inert(text, Infinity)}\n`);
    }
  }

  /** Prints a line that stays (a note or an error), keeping the progress line below it; quiet or not. */
  note(text: string): void {
    this.clear();
    process.stderr.write(`${inert(text, Infinity)}\n`);
  }

  /** Passes the watched program's own output on as it is (the program would write it to this terminal itself). */
  passThrough(output: Buffer | string): void {
    this.clear();
    process.stderr.write(output);
  }

  /** Removes the progress line. */
  done(): void {
    this.clear();
  }

  private clear(): void {
    if (this.tty && this.shown) {
      process.stderr.write('\r\x1b[2K');
      this.shown = false;
    }
  }
}
