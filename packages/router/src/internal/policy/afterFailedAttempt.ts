import { idempotentMethods } from './idempotentMethods.ts';

/** Tries one request gets: the first upstream and one other (nginx `proxy_next_upstream_tries 2`). */
export const MAX_ATTEMPTS = 2;

/**
 * Failed starts one request meets at most (upstreams that failed before they ever answered): the
 * last gets the start-up failure answer. The router's own bound comes first with its defaults
 * (an app held down after 10 restarts, or `startupTimeLimit`); this one holds whatever offers
 * fresh upstreams.
 */
export const MAX_FAILED_STARTS = 16;

/**
 * Upstreams one request may be sent to that then fail before answering, failed starts included:
 * a request that two processes died of may be what kills them (a query of death: a GET that hits
 * a crashing bug), so a third is not offered it. Without this bound such a GET took down a fresh
 * worker at each of its `MAX_FAILED_STARTS` waits.
 */
export const MAX_SENT_FAILURES = 2;

/** What an engine knows of a request whose backend just failed, stream or connection alike. */
export interface FailedAttempt {
  /** Tries made so far, the failed one and failed starts included. */
  readonly attempts: number;
  /** Of those, how many were failed starts (`isFailedStart`), this one included. Default 0. */
  readonly failedStarts?: number;
  /** This try was its upstream's failed start (`isFailedStart`). Default false. */
  readonly failedStart?: boolean;
  /** Of those, how many failed after some byte of the request may have reached their backend (`requestSent`), this one included. Default 0. */
  readonly sentFailures?: number;
  /** Any byte of a response (a 1xx included) came back, or went to the client. */
  readonly backendAnswered: boolean;
  /** Some byte of the request may have reached the backend (it was written to a connected transport). */
  readonly requestSent: boolean;
  /** Everything sent so far, head and body, can be sent again: nothing was dropped past `maxReplayBytes`. */
  readonly bodyHeld: boolean;
  readonly method: string;
}

/**
 * What follows a failed try: `retry` (ask the dispatch for another upstream; after a failed start
 * it waits for the next one to start), `fail` (502), or `start-failed` (the dispatch's start-up
 * failure answer: the page naming the app, never a bare 502).
 */
export type FailureVerdict = 'retry' | 'fail' | 'start-failed';

/**
 * Whether a failed try was its upstream's failed start rather than the request's own failure: the
 * upstream closed or died before any byte of a response, and it had never answered a request
 * before (`Dispatch.hasAnswered`). A server that binds before its app is loaded (gunicorn's
 * master, issue 20) passes a TCP readiness check and then fails like this.
 */
export function isFailedStart(backendAnswered: boolean, upstreamHasAnswered: boolean | undefined): boolean {
  return !backendAnswered && upstreamHasAnswered === false;
}

/**
 * The retry rule (docs/proxy.md, Failures and the retry rule), for every engine. A request's own
 * failure goes to another upstream at most once, only before the backend answered anything, only
 * with the whole request still in hand, and, once a byte may have reached the backend, only for an
 * idempotent method: nginx's `proxy_next_upstream error timeout` without `non_idempotent`, and
 * HAProxy's `retry-on conn-failure`. A failed start is not counted against that: a request that
 * can be sent again waits for the next upstream (up to `MAX_FAILED_STARTS`), and one that cannot
 * gets the start-up failure answer. Either way, a request is not sent again once
 * `MAX_SENT_FAILURES` upstreams failed with it in hand.
 */
export function afterFailedAttempt(attempt: FailedAttempt): FailureVerdict {
  if (attempt.backendAnswered) return 'fail';
  const replayable = attempt.bodyHeld && (!attempt.requestSent || idempotentMethods.has(attempt.method)) && (attempt.sentFailures ?? 0) < MAX_SENT_FAILURES;
  const failedStarts = attempt.failedStarts ?? 0;
  if (attempt.failedStart === true) return replayable && failedStarts < MAX_FAILED_STARTS ? 'retry' : 'start-failed';
  if (attempt.attempts - failedStarts >= MAX_ATTEMPTS) return 'fail';
  return replayable ? 'retry' : 'fail';
}

/** Whether a failed try is retried by `afterFailedAttempt`. */
export function mayRetry(attempt: FailedAttempt): boolean {
  return afterFailedAttempt(attempt) === 'retry';
}
