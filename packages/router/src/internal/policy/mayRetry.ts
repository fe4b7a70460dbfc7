import { idempotentMethods } from './idempotentMethods.ts';

/** Tries one request gets: the first upstream and one other (nginx `proxy_next_upstream_tries 2`). */
export const MAX_ATTEMPTS = 2;

/** What an engine knows of a request whose backend just failed, stream or connection alike. */
export interface FailedAttempt {
  /** Tries made so far, the failed one included. */
  readonly attempts: number;
  /** Any byte of a response (a 1xx included) came back, or went to the client. */
  readonly backendAnswered: boolean;
  /** Some byte of the request may have reached the backend (it was written to a connected transport). */
  readonly requestSent: boolean;
  /** Everything sent so far, head and body, can be sent again: nothing was dropped past `maxReplayBytes`. */
  readonly bodyHeld: boolean;
  readonly method: string;
}

/**
 * The retry rule (docs/proxy.md, Failures and the retry rule): another upstream, at most once,
 * only before the backend answered anything, only with the whole request still in hand, and, once
 * a byte may have reached the backend, only for an idempotent method. nginx's
 * `proxy_next_upstream error timeout` without `non_idempotent`, and HAProxy's `retry-on
 * conn-failure`. Every engine asks this one function.
 */
export function mayRetry(attempt: FailedAttempt): boolean {
  if (attempt.attempts >= MAX_ATTEMPTS || attempt.backendAnswered || !attempt.bodyHeld) return false;
  return !attempt.requestSent || idempotentMethods.has(attempt.method);
}
