import { logEvent, type EventLogger } from '@portico/log-sink';
import type { ErrorPageShown } from '@portico/router';

/**
 * Logs each of the router's error pages with the correlation id it shows (`proxy.error_page`):
 * the page tells the visitor to search the Portico log for that id (issue 19).
 */
export function errorPageLogger(logger: EventLogger): (page: ErrorPageShown) => void {
  return (page) => logEvent(logger, 'proxy.error_page', { app: page.app ?? null, status: page.status, requestId: page.requestId, reason: page.reason });
}
