import { pino } from 'pino';
import type { EventLogger } from './logEvent.ts';

/**
 * Writes `line` (one whole line, newline included) to `logger`'s destination as it is, past the
 * terminal formatting: for lines that are not Portico's own, such as the apps' output copied to
 * stdout as JSON. Going through the logger's destination rather than a second writer on the same
 * descriptor keeps its lines and Portico's whole and in order, under the same write-failure rules
 * (docs/logging.md). A logger that is not one of `createLogger`'s does nothing.
 */
export function writeLogLine(logger: EventLogger, line: string): void {
  const stream = (logger as unknown as Record<symbol, unknown>)[pino.symbols.streamSym] as { write?: (text: string) => unknown; writeRaw?: (text: string) => unknown } | undefined;
  if (stream?.writeRaw) stream.writeRaw(line);
  else stream?.write?.(line);
}
