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

/** The buffered destinations still open, flushed when the process exits. */
const open = new Set<SonicBoomStream>();

function track(stream: SonicBoomStream): void {
  if (open.size === 0) process.on('exit', flushAtExit);
  open.add(stream);
}

function untrack(stream: SonicBoomStream): void {
  if (open.delete(stream) && open.size === 0) process.off('exit', flushAtExit);
}

function flushAtExit(): void {
  for (const stream of open) {
    try {
      stream.flushSync();
    } catch {
      // A descriptor that refuses the write (a broken pipe, a full disk) has nothing left to give.
    }
  }
}

/**
 * A writer on the file descriptor `fd`, as pino's own destination: buffered unless `sync`, and
 * flushed when the process exits, `process.exit()` included.
 *
 * A write the descriptor refuses never reaches the caller: Portico's log failing (a full disk,
 * an I/O error, a reader that has gone) must not stop Portico serving. Each failure is counted in
 * `failures`, which says it once on stderr. On a broken pipe logging ends there, since no reader
 * comes back. On any other error the unwritten lines are kept, up to `maxUnwrittenBytes` (later
 * ones are dropped and counted), and written when the descriptor takes writes again: with the
 * next line, or a second later. The flush at exit gives up on a write that fails instead of
 * retrying it, so the process can always exit.
 */
export function fdDestination(fd: number, sync: boolean, failures: LogWriteFailures): DestinationStream {
  const options: ConstructorParameters<typeof SonicBoom>[0] & { maxWriteRetries: number } = {
    fd,
    sync,
    maxLength: maxUnwrittenBytes,
    // sonic-boom retries EAGAIN in place, and in sync mode by sleeping the thread; a descriptor
    // that stays full would then stall every request. Bounded here; the retry below takes over.
    retryEAGAIN: () => !sync,
    // In sonic-boom 5 but not in its type declarations.
    maxWriteRetries: 20,
  };
  // `minLength` is an option sonic-boom reads on every write; its declarations make it private.
  const stream = new SonicBoom(options) as SonicBoomStream & { minLength: number };
  let retry: NodeJS.Timeout | undefined;
  stream.on('drop', (data: string | Buffer) => failures.dropped(countLines(data)));
  // While the descriptor refuses writes, a new line only joins the buffer (sonic-boom writes once
  // `minLength` bytes wait) instead of costing a failed write each; the timer tries again, and the
  // first write that succeeds resumes writing at once.
  stream.on('write', () => {
    stream.minLength = 0;
  });
  stream.on('error', (error: NodeJS.ErrnoException) => {
    failures.failed(error);
    stream.minLength = Number.MAX_SAFE_INTEGER;
    if (error.code === 'EPIPE') {
      untrack(stream);
      stream.write = (data: string) => {
        failures.dropped(countLines(data));
        return true;
      };
      stream.flushSync = () => {};
      return;
    }
    retry ??= setTimeout(() => {
      retry = undefined;
      try {
        stream.flush();
      } catch {
        // A stream closed meanwhile has nothing to retry.
      }
    }, retryAfterMs).unref();
  });
  if (!sync) {
    track(stream);
    stream.on('close', () => untrack(stream));
  }
  return stream;
}

function countLines(data: string | Buffer): number {
  let lines = 0;
  const text = typeof data === 'string' ? data : data.toString('latin1');
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) lines++;
  return Math.max(lines, 1);
}
