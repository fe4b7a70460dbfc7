import { writeSync } from 'node:fs';
import { pino } from 'pino';

/** What a logger could not write: failed writes by error code, and lines dropped meanwhile. */
export interface LogWriteFailureCounts {
  /** Failed writes to the destination, by `code` (`ENOSPC`, `EIO`, `EPIPE`, `EAGAIN`, …). */
  readonly failedWrites: Readonly<Record<string, number>>;
  /** Lines dropped because the buffer of unwritten lines was full (or the reader of a pipe had gone). */
  readonly droppedLines: number;
}

/**
 * The failures of one log destination that Portico owns (stdout or a file opened by
 * `createLogger`). A logger's own log cannot report that it cannot be written, so it is counted
 * here, served in `/metrics`, and said once per error code on stderr.
 */
export class LogWriteFailures {
  readonly #failedWrites = new Map<string, number>();
  #droppedLines = 0;
  readonly #describe: string;

  /** `describe` names the destination on stderr, e.g. `stdout`. */
  constructor(describe: string) {
    this.#describe = describe;
  }

  failed(error: NodeJS.ErrnoException): void {
    const code = error.code ?? 'UNKNOWN';
    const seen = this.#failedWrites.get(code) ?? 0;
    this.#failedWrites.set(code, seen + 1);
    if (seen === 0) {
      tellStderr(
        `portico: cannot write its log to ${this.#describe}: ${code} (${error.message}); it keeps serving, ` +
          'drops what it cannot write, and counts the failures in /metrics (portico_log_write_failures_total)\n',
      );
    }
  }

  dropped(lines: number): void {
    this.#droppedLines += lines;
  }

  /**
   * Says on stderr that the process exits with `lines` lines it could not write, after `error`;
   * `late`: lines logged after the flush at exit (by a later exit listener), said as more.
   */
  lostAtExit(lines: number, error: NodeJS.ErrnoException, late = false): void {
    const before = late || this.#droppedLines === 0 ? '' : `; ${this.#droppedLines} more were dropped before`;
    const more = late ? ` more line${lines === 1 ? '' : 's'}` : ' lines';
    tellStderrAtExit(`portico: exits with ${lines}${more} of its log not written to ${this.#describe}: ${error.code ?? 'UNKNOWN'} (${error.message})${before}\n`);
  }

  counts(): LogWriteFailureCounts {
    return { failedWrites: Object.fromEntries(this.#failedWrites), droppedLines: this.#droppedLines };
  }
}

/** Written with a plain system call: stderr may itself be a broken pipe or a full disk, and then there is no one left to tell. */
function tellStderr(text: string): void {
  try {
    writeSync(2, text);
  } catch {
    // Nowhere else to say it; /metrics still counts.
  }
}

/** EAGAINs in a row, 10 ms apart, before a full stderr pipe is given up at exit: 2 s of a reader that takes nothing. */
const stderrFullRetries = 200;
let stderrGivenUp = false;

/**
 * `tellStderr` for a process that exits: a full stderr pipe (EAGAIN; its reader is behind, and
 * an exit listener's late lines are said one by one) is waited for while its reader takes bytes,
 * as the flush at exit waits for stdout's, and given up for good after 2 s without progress, so
 * the exit is never held longer. Unlike `tellStderr` it blocks: the process serves nobody now.
 */
function tellStderrAtExit(text: string): void {
  let rest = Buffer.from(text);
  let full = 0;
  while (!stderrGivenUp && rest.length > 0) {
    try {
      rest = rest.subarray(writeSync(2, rest));
      full = 0;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EAGAIN' || ++full > stderrFullRetries) stderrGivenUp = true;
      else Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
    }
  }
}

const registry = new WeakMap<object, LogWriteFailures>();

/** Ties `failures` to the stream a logger writes to, for `logWriteFailures`. */
export function registerWriteFailures(stream: object, failures: LogWriteFailures): void {
  registry.set(stream, failures);
}

const none: LogWriteFailureCounts = Object.freeze({ failedWrites: Object.freeze({}), droppedLines: 0 });

/**
 * What `logger` (a pino logger made by `createLogger`, or a child of one) has failed to write since it was made. Zero for
 * a logger given a Writable as `destination`: that Writable reports its own errors.
 *
 * @example
 * const { failedWrites } = logWriteFailures(logger); // { ENOSPC: 412 }
 */
export function logWriteFailures(logger: object): LogWriteFailureCounts {
  const stream = (logger as unknown as Record<symbol, unknown>)[pino.symbols.streamSym];
  const failures = typeof stream === 'object' && stream !== null ? registry.get(stream) : undefined;
  return failures?.counts() ?? none;
}
