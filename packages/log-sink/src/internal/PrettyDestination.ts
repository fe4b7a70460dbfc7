import { compactLine } from './compactLine.ts';

interface Target {
  write(text: string): unknown;
  flush?(cb: (err?: Error | null) => void): void;
  flushSync?(): void;
}

/**
 * The terminal format (`compactLine`) applied synchronously on the logging thread. pino-pretty's
 * transport runs in a worker thread or behind a stream pipeline, and lines still in flight there
 * are lost when the process exits; formatting inline means a line is handed to the target before
 * `logger.x()` returns. (pino-pretty's own layout took 5 to 8 lines per event: one per field.)
 */
export class PrettyDestination {
  readonly #format: (line: string) => string;
  readonly #target: Target;

  constructor(target: Target, colorize: boolean) {
    this.#target = target;
    this.#format = (line) => compactLine(line, colorize);
  }

  write(line: string): void {
    this.#target.write(this.#format(line));
  }

  /** A line that is not a pino record (`writeLogLine`), written as it is. */
  writeRaw(line: string): void {
    this.#target.write(line);
  }

  flush(cb: (err?: Error | null) => void): void {
    if (this.#target.flush) this.#target.flush(cb);
    else process.nextTick(cb);
  }

  flushSync(): void {
    this.#target.flushSync?.();
  }
}
