import type { DestinationStream } from 'pino';
import sonicBoom, { type SonicBoom as SonicBoomStream } from 'sonic-boom';
import type { LogWriteFailures } from '../LogWriteFailures.ts';

// sonic-boom is CommonJS and its module.exports is the class itself; its type declarations
// describe an ES module instead, so the default import is cast to the class they declare.
const SonicBoom = sonicBoom as unknown as typeof SonicBoomStream;

/**
 * The most bytes of lines kept while the descriptor refuses writes (a full disk); later lines are
 * dropped and counted. Without a bound, a full disk would turn every log line into memory held.
 */
export const maxUnwrittenBytes = 4 * 1024 * 1024;

/** How long after a failed write the unwritten lines are tried again when no new line comes. */
const retryAfterMs = 1000;

/** How long lines wait while a pipe is full (EAGAIN: its reader is behind) before they are tried again. */
const pipeFullRetryMs = 10;

/** EAGAINs in a row, 2 s of a reader that takes nothing, before a full pipe counts as a failed write. */
const pipeFullRetries = 200;

/**
 * In a synchronous flush (at exit, or `flushLoggerSync`), EAGAINs in a row without the reader
 * taking a byte before the flush gives up. sonic-boom sleeps 100 ms after each, so the flush
 * waits for a reader that keeps reading, and at most 2 s for one that has stopped.
 */
const flushPipeFullRetries = 20;

/**
 * The most the synchronous flushes of a destination wait for a full pipe's reader in all, however
 * steadily it reads: one that trickles (a log shipper held back by its network) would otherwise
 * hold the exit for what is kept over its rate, up to `maxUnwrittenBytes` (at a byte every 100 ms,
 * days). All of them, not each: they come as the process ends (`flushLoggerSync` before its exit,
 * then the flush at exit), and a limit each held `portico start`'s stop twice as long.
 */
const flushPipeFullMs = 10_000;

/** The destinations still open, each with its flush at exit. */
const open = new Map<SonicBoomStream, () => void>();

function track(stream: SonicBoomStream, atExit: () => void): void {
  if (open.size === 0) process.on('exit', flushAtExit);
  open.set(stream, atExit);
}

function untrack(stream: SonicBoomStream): void {
  if (open.delete(stream) && open.size === 0) process.off('exit', flushAtExit);
}

function flushAtExit(): void {
  for (const atExit of open.values()) atExit();
}

/**
 * A writer on the file descriptor `fd` that writes each line on the calling thread, before
 * `write` returns, and writes the lines it keeps when the process exits, `process.exit()`
 * included.
 *
 * Never in libuv's thread pool (sonic-boom's `sync: false`, pino's asynchronous destination): a
 * write there is still in flight when the process exits, and node's exit lets the pool finish it
 * after the flush at exit has written the lines behind it, so the line lands out of order (CI,
 * Node 24: line 0 of 3000 came last), or never if the pool's write never ends. Nothing is ever
 * in flight here, so the flush at exit writes each kept line exactly once, in order. The cost is
 * a system call per line on the calling thread (docs/logging.md has the figures), and a disk
 * that stalls stalls the caller, as with pino's default destination and node's own stdout.
 *
 * A write the descriptor refuses never reaches the caller: Portico's log failing (a full disk,
 * an I/O error, a reader that has gone) must not stop Portico serving. Each failure is counted in
 * `failures`, which says it once on stderr. On a broken pipe logging ends there, since no reader
 * comes back. A full pipe (EAGAIN) is a reader that is behind: the lines wait and are tried again
 * every 10 ms, and count as a failure only after 2 s without progress. On any other error the
 * unwritten lines are kept, up to `maxUnwrittenBytes` (later ones are dropped and counted), and
 * written when the descriptor takes writes again: with the next line, or a second later. A
 * synchronous flush (at exit, `flushLoggerSync`) waits for a full pipe's reader while it reads,
 * for at most 2 s once it takes nothing and 10 s in all (every synchronous flush together), and
 * gives up on a write that fails; at exit it says on stderr how many lines it could not write. A
 * line logged after the flush at exit (by a later exit listener) is written at once or said lost,
 * never kept for a retry. So the process always exits, and no line is lost unsaid.
 */
export function fdDestination(fd: number, failures: LogWriteFailures): DestinationStream {
  let flushing = false;
  /** When the synchronous flushes give up on a full pipe (`performance.now()`): set by the first wait for one. */
  let flushEndsAt: number | undefined;
  let stuck = 0;
  let unwritten = -1;
  const options: ConstructorParameters<typeof SonicBoom>[0] = {
    fd,
    sync: true,
    maxLength: maxUnwrittenBytes,
    // sonic-boom retries EAGAIN in place by sleeping the thread, which would stall every request
    // while a pipe stays full; the retry below takes over instead. Only a synchronous flush, whose
    // caller asked for every line before it goes on (at exit, or before a fatal exit), waits in
    // place, and only while the reader makes progress, within `flushPipeFullMs`.
    retryEAGAIN: (_error, writing, behind) => {
      if (!flushing) return false;
      const now = performance.now();
      flushEndsAt ??= now + flushPipeFullMs;
      if (now >= flushEndsAt) return false;
      stuck = writing + behind === unwritten ? stuck + 1 : 0;
      unwritten = writing + behind;
      return stuck < flushPipeFullRetries;
    },
  };
  // `minLength` is an option sonic-boom reads on every write; its declarations make it private.
  const stream = new SonicBoom(options) as SonicBoomStream & { minLength: number };
  const flushSync = stream.flushSync.bind(stream);
  stream.flushSync = () => {
    flushing = true;
    stuck = 0;
    unwritten = -1;
    try {
      flushSync();
    } finally {
      flushing = false;
    }
  };
  let retry: NodeJS.Timeout | undefined;
  let pipeFull = 0;
  const retryIn = (ms: number): void => {
    retry ??= setTimeout(() => {
      retry = undefined;
      try {
        stream.flush();
      } catch {
        // A stream closed meanwhile has nothing to retry.
      }
    }, ms).unref();
  };
  stream.on('drop', (data: string | Buffer) => failures.dropped(Math.max(countNewlines(data), 1)));
  // While the descriptor refuses writes, a new line only joins the buffer (sonic-boom writes once
  // `minLength` bytes wait) instead of costing a failed write each; the timer tries again, and the
  // first write that succeeds resumes writing at once.
  stream.on('write', () => {
    stream.minLength = 0;
    pipeFull = 0;
  });
  stream.on('error', (error: NodeJS.ErrnoException) => {
    stream.minLength = Number.MAX_SAFE_INTEGER;
    if (error.code === 'EAGAIN' && ++pipeFull <= pipeFullRetries) {
      retryIn(pipeFullRetryMs);
      return;
    }
    failures.failed(error);
    if (error.code === 'EPIPE') {
      untrack(stream);
      stream.write = (data: string) => {
        failures.dropped(Math.max(countNewlines(data), 1));
        return true;
      };
      stream.flushSync = () => {};
      return;
    }
    retryIn(retryAfterMs);
  });
  /** The error the flush at exit, or a write after it, gave up on: from then on each line is lost. */
  let gaveUp: NodeJS.ErrnoException | undefined;
  /**
   * Writes what is held, at exit: a descriptor that refuses the write (a full disk, a reader
   * that stopped reading) has nothing left to give, and what it did not take is said on stderr,
   * the only place left.
   */
  const flushOrTell = (late: boolean): void => {
    try {
      stream.flushSync();
    } catch (error) {
      gaveUp = error as NodeJS.ErrnoException;
      const lines = unwrittenLines(stream);
      if (lines > 0) failures.lostAtExit(lines, gaveUp, late);
    }
  };
  track(stream, () => {
    flushOrTell(false);
    // An exit listener that runs after this one may still log. The retries a refused line waits
    // for never come in an exiting process, so such a line is written at once, as the flush
    // was, or said lost; once the descriptor has refused, each is said lost without a try
    // (another 2 s for a full pipe's reader, a line at a time, would hold the exit).
    const write = stream.write.bind(stream);
    stream.write = (data: string) => {
      if (gaveUp !== undefined) {
        failures.lostAtExit(Math.max(countNewlines(data), 1), gaveUp, true);
        return true;
      }
      const taken = write(data);
      // Held: refused just now. Not flushed when written: the flush would fsync a file each line.
      if (heldBytes(stream) > 0) flushOrTell(true);
      return taken;
    };
  });
  stream.on('close', () => untrack(stream));
  return stream;
}

/**
 * The lines `stream` holds and has not written: the newlines in its last unwritten bytes. Read
 * from sonic-boom's fields, which its declarations do not show: `_len` counts the bytes not yet
 * written, and they are the tail of `_writingBuf` followed by `_bufs`.
 */
function unwrittenLines(stream: SonicBoomStream): number {
  const { _len, _writingBuf, _bufs } = stream as unknown as { _len: number; _writingBuf: string | Buffer; _bufs: (string | Buffer)[] };
  const held = Buffer.concat([_writingBuf, ..._bufs].map((data) => (typeof data === 'string' ? Buffer.from(data) : data)));
  return countNewlines(held.subarray(Math.max(held.length - _len, 0)));
}

/** The bytes `stream` holds and has not written (sonic-boom's `_len`, as in `unwrittenLines`). */
function heldBytes(stream: SonicBoomStream): number {
  return (stream as unknown as { _len: number })._len;
}

function countNewlines(data: string | Buffer): number {
  let lines = 0;
  const text = typeof data === 'string' ? data : data.toString('latin1');
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) lines++;
  return lines;
}
