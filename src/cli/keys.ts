// Keys while `run` and `attach` watch in a terminal: `s` takes a snapshot now, `f` samples faster for
// a minute, and `y` / `n` answer whether to take a snapshot that may not fit the program's memory.
// Only when stdin is the terminal of the foreground job. Single keys need raw mode, in which the
// terminal sends no signals: Ctrl+C, Ctrl+\ and Ctrl+Z are passed on as the signals the terminal
// would have sent (to this process group), so they act exactly as without the keys. The terminal's
// mode is put back when the watch ends, on Ctrl+Z, and on any exit.
import { readFileSync } from 'node:fs';

/** What the keys do; each returns the sentence to show. */
export interface WatchKeyActions {
  /** `s`: a snapshot now. */
  sampleNow(): string;
  /** `f`: sample faster for a while. */
  sampleFaster(): string;
}

/** The terminal as the keys need it (process.stdin when it is a TTY). */
export interface KeyInput {
  isTTY?: boolean;
  isRaw?: boolean;
  setRawMode?(raw: boolean): unknown;
  on(event: 'data', listener: (data: Buffer) => void): unknown;
  off(event: 'data', listener: (data: Buffer) => void): unknown;
  resume(): unknown;
  pause(): unknown;
}

const CTRL_C = 0x03;
const CTRL_BACKSLASH = 0x1c;
const CTRL_Z = 0x1a;

/** An open question (`ask`): its answer, and the timer that answers no. */
interface Question {
  answer(yes: boolean): void;
  timer: NodeJS.Timeout;
}

export class WatchKeys {
  private question: Question | undefined;
  private listening = false;

  /**
   * Listens for the keys on `input` when it is the terminal of the foreground job; undefined
   * otherwise (a pipe, a file, /dev/null, a job in the background): then nothing changes.
   */
  static listen(actions: WatchKeyActions, say: (text: string) => void, input: KeyInput = process.stdin): WatchKeys | undefined {
    if (!input.isTTY || typeof input.setRawMode !== 'function' || !inForeground()) return undefined;
    const keys = new WatchKeys(input, actions, say);
    keys.start();
    return keys;
  }

  private constructor(
    private readonly input: KeyInput,
    private readonly actions: WatchKeyActions,
    private readonly say: (text: string) => void,
  ) {}

  /**
   * Asks a yes-or-no question (`y` takes it); no answer within `timeoutMs` is no. Resolves false at
   * once when the keys are no longer listened to.
   */
  ask(question: string, timeoutMs = 60_000): Promise<boolean> {
    if (!this.listening) return Promise.resolve(false);
    this.question?.answer(false);
    return new Promise((resolve) => {
      const asked: Question = {
        answer: (yes) => {
          clearTimeout(asked.timer);
          if (this.question === asked) this.question = undefined;
          resolve(yes);
        },
        timer: setTimeout(() => {
          this.say(`no answer in ${Math.round(timeoutMs / 1000)} s: not taken.`);
          asked.answer(false);
        }, timeoutMs),
      };
      this.question = asked;
      this.say(`${question} Take it anyway? Press y to take it, n not to (no answer in ${Math.round(timeoutMs / 1000)} s is no).`);
    });
  }

  /** Stops listening and puts the terminal back as it was; an open question is answered no. */
  dispose(): void {
    if (!this.listening) return;
    this.listening = false;
    this.question?.answer(false);
    this.input.off('data', this.onData);
    process.off('exit', this.restore);
    process.off('SIGCONT', this.resumed);
    this.restore();
    this.input.pause();
  }

  private start(): void {
    this.listening = true;
    this.input.setRawMode!(true);
    this.input.on('data', this.onData);
    this.input.resume();
    process.on('exit', this.restore);
    process.on('SIGCONT', this.resumed);
  }

  /** Puts the terminal back in its usual (cooked) mode; synchronous, so it also runs on `exit`. */
  private readonly restore = () => {
    if (this.input.isRaw) this.input.setRawMode!(false);
  };

  /** Back in the foreground after Ctrl+Z: single keys again. */
  private readonly resumed = () => {
    if (this.listening && inForeground()) this.input.setRawMode!(true);
  };

  private readonly onData = (data: Buffer) => {
    for (const byte of data) {
      if (byte === CTRL_C) signalJob('SIGINT');
      else if (byte === CTRL_BACKSLASH) {
        this.restore(); // SIGQUIT ends the process without an exit event
        signalJob('SIGQUIT');
      } else if (byte === CTRL_Z) {
        // Suspended with the terminal as the shell expects it; `resumed` takes it back on SIGCONT.
        this.restore();
        signalJob('SIGTSTP');
      } else this.key(String.fromCharCode(byte).toLowerCase());
    }
  };

  private key(key: string): void {
    if (this.question) {
      if (key === 'y') {
        this.say('taking it anyway (y).');
        this.question.answer(true);
      }
      else if (key === 'n' || key === '\r' || key === '\x1b') this.question.answer(false);
      return;
    }
    if (key === 's') this.say(this.actions.sampleNow());
    else if (key === 'f') this.say(this.actions.sampleFaster());
  }
}

/** Sends `signal` to this process group, as the terminal does for its keys (to this process alone when that fails). */
function signalJob(signal: NodeJS.Signals): void {
  try {
    process.kill(0, signal);
  } catch {
    process.kill(process.pid, signal);
  }
}

/**
 * Whether this process is in its terminal's foreground job (its process group is the terminal's):
 * a background job that set the terminal's mode would be stopped (SIGTTOU). Read from /proc on
 * Linux; elsewhere assumed.
 */
export function inForeground(): boolean {
  if (process.platform !== 'linux') return true;
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    // After "pid (comm) ": state ppid pgrp session tty_nr tpgid …
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const pgrp = Number(fields[2]);
    const tpgid = Number(fields[5]);
    return pgrp > 0 && pgrp === tpgid;
  } catch {
    return false;
  }
}
