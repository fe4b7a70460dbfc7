import type { DestinationStream } from 'pino';
import sonicBoom, { type SonicBoom as SonicBoomStream } from 'sonic-boom';

// sonic-boom is CommonJS and its module.exports is the class itself; its type declarations
// describe an ES module instead, so the default import is cast to the class they declare.
const SonicBoom = sonicBoom as unknown as typeof SonicBoomStream;

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
 * flushed when the process exits, `process.exit()` included. Where the descriptor stops taking
 * writes, it stops too: on a broken pipe (the reader of stdout has gone) logging ends there, and
 * the flush at exit gives up on a write that fails instead of retrying it forever, so the
 * process can always exit. Any other write error is the stream's `'error'`, as with pino's.
 */
export function fdDestination(fd: number, sync: boolean): DestinationStream {
  const stream = new SonicBoom({ fd, sync });
  const onError = (error: NodeJS.ErrnoException): void => {
    if (error.code === 'EPIPE') {
      untrack(stream);
      stream.write = () => true;
      stream.flushSync = () => {};
      return;
    }
    stream.off('error', onError);
    stream.emit('error', error);
  };
  stream.on('error', onError);
  if (!sync) {
    track(stream);
    stream.on('close', () => untrack(stream));
  }
  return stream;
}
