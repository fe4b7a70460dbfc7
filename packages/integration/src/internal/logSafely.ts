import type { PorticoLogger } from '../PorticoLogger.ts';

/** A throwing logger must not turn a rejected request into a crashed process. */
export function logSafely(logger: PorticoLogger, level: 'error' | 'info', message: string): void {
  try {
    if (level === 'info') (logger.info ?? logger.error).call(logger, message);
    else logger.error(message);
  } catch {
    // Nothing sensible is left to report the logger's own failure to.
  }
}
