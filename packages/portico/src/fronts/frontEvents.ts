import type { PorticoEventName } from '@portico/log-sink';

/**
 * The events a front's own code logs, the only ones the control logs for a front (`log`
 * messages): what its forwarder reports (`forwarderEventLogger`), its error pages
 * (`errorPageLogger`), its apps' authenticators (`appAuthenticator`) and its log budget
 * (`runFront`). Any other, such as the `front.*` lines the control writes about its fronts, would
 * be a front speaking for the control: a `front.exited` of a front that is serving, a
 * `front.flooded` of one that sent nothing (review of issue 21). A front that logs a new event
 * needs it here, or the control refuses its lines (`front.message_refused`).
 */
export const frontEvents: ReadonlySet<PorticoEventName> = new Set<PorticoEventName>([
  'proxy.request_refused',
  'proxy.upstream_failed',
  'proxy.response_aborted',
  'proxy.internal_error',
  'proxy.error_page',
  'auth.succeeded',
  'auth.failed',
  'auth.service_error',
  'auth.internal_error',
  'auth.claims_dropped',
  'auth.htpasswd_reloaded',
  'auth.htpasswd_reload_failed',
  'auth.loop_detected',
  'front.logs_dropped',
]);
