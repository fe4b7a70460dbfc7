import { pino, type Logger } from 'pino';

/**
 * Writes every line `logger` (or the logger it is a child of) still keeps before returning, for
 * the last lines before a fatal exit: on stdout or a file, the lines kept while the destination
 * refused writes (each line is otherwise written before the log call returns). A full pipe is
 * waited for while its reader reads, at most 2 s once it stops and 10 s in all, this flush and
 * the one at exit together (each before waited 10 s of its own). With a Writable
 * given as `destination` the Writable owns its buffer and this does nothing. Never throws: at
 * exit there is no one left to tell; what it could not write, the flush at exit tries again and
 * reports.
 */
export function flushLoggerSync(logger: Logger): void {
  const stream = (logger as unknown as Record<symbol, unknown>)[pino.symbols.streamSym] as { flushSync?: () => void } | undefined;
  try {
    stream?.flushSync?.();
  } catch {
    // A destination that is closed, or still refuses writes: the flush at exit tries again.
  }
}
