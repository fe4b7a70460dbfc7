import { pino, type Logger } from 'pino';

/**
 * Writes every buffered line of `logger` (or of the logger it is a child of) before returning,
 * for the last lines before a fatal exit. With a Writable given as `destination` the Writable
 * owns its buffer and this does nothing. Never throws: at exit there is no one left to tell.
 */
export function flushLoggerSync(logger: Logger): void {
  const stream = (logger as unknown as Record<symbol, unknown>)[pino.symbols.streamSym] as { flushSync?: () => void } | undefined;
  try {
    stream?.flushSync?.();
  } catch {
    // A destination that is not open yet or already closed has nothing left to write.
  }
}
