/**
 * RFC 9110 §9.2.2. Only these may be replayed on another upstream after bytes went out (nginx's
 * proxy_next_upstream rule); `afterFailedAttempt` reads it for every engine.
 */
export const idempotentMethods: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE']);
