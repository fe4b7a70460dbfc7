import type { Dispatch, RetryChoice } from '../../forward/Dispatch.ts';
import type { ForwarderEvent } from '../../forward/ForwarderOptions.ts';
import type { Upstream } from '../../forward/Upstream.ts';
import type { FailureVerdict } from './afterFailedAttempt.ts';
import { failureAnswer, retryChoice } from './dispatchCallbacks.ts';

/** A failed attempt whose verdict (`afterFailedAttempt`) is in. */
export interface JudgedAttempt {
  readonly verdict: FailureVerdict;
  readonly dispatch: (Dispatch & { readonly kind: 'forward' }) | undefined;
  readonly upstream: Upstream;
  readonly error: Error;
  /** The upstream failed before it ever answered (`isFailedStart`). */
  readonly failedStart: boolean;
  readonly onEvent: (event: ForwarderEvent) => void;
}

/** What an exchange does with the verdict; its backend connection is already dropped. */
export interface FailedAttemptFollower {
  /** Another upstream, Portico's own answer (a start-up failure page), or none: a bare 502. */
  onRetryChoice(choice: RetryChoice): void;
  /** No retry: a bare 502, or a cut client once the response began. */
  onNoRetry(): void;
  /** A retry is coming: ready the request to go again, before the dispatch is asked where. */
  onRetrying?(): void;
}

/**
 * The tail every engine runs after a failed attempt: reports `upstream.failed`, then gives a
 * failed start the dispatch's failure answer, gives up on `fail`, or asks the dispatch's `retry`
 * for the next upstream. Its choice may be a promise (the router waits for a worker, the dead
 * one's restart); a rejected one is no choice (a bare 502), and the exchange must check that its
 * client is still there when the choice arrives.
 */
export function followFailedAttempt(attempt: JudgedAttempt, exchange: FailedAttemptFollower): void {
  const { verdict, dispatch, error, failedStart } = attempt;
  attempt.onEvent({ type: 'upstream.failed', upstreamId: attempt.upstream.id, error, retried: verdict === 'retry' });
  if (verdict === 'start-failed') return exchange.onRetryChoice(failureAnswer(dispatch, 502, error, true));
  if (verdict === 'fail') return exchange.onNoRetry();
  exchange.onRetrying?.();
  const next = retryChoice(dispatch, error, failedStart);
  if (next instanceof Promise) next.then((choice) => exchange.onRetryChoice(choice), () => exchange.onRetryChoice(undefined));
  else exchange.onRetryChoice(next);
}
