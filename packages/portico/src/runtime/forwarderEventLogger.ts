import { logEvent, type EventLogger } from '@portico/log-sink';
import type { ForwarderEvent } from '@portico/router';

/** Both forwarders (sockets and embedded) report refusals, backend failures and cut responses alike. */
export function forwarderEventLogger(logger: EventLogger): (event: ForwarderEvent) => void {
  return (event) => {
    if (event.type === 'request.refused') logEvent(logger, 'proxy.request_refused', { status: event.status, reason: event.reason });
    else if (event.type === 'upstream.failed') logEvent(logger, 'proxy.upstream_failed', { upstream: event.upstreamId, err: event.error.message, retried: event.retried });
    else if (event.type === 'internal.error') logEvent(logger, 'proxy.internal_error', { code: (event.error as { code?: string }).code ?? 'unknown', err: event.error.message });
    else logEvent(logger, 'proxy.response_aborted', { reason: event.reason });
  };
}
