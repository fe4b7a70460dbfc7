import type { Dispatch, DispatchAnswer, RetryChoice } from '../../forward/Dispatch.ts';
import type { Upstream } from '../../forward/Upstream.ts';

type Forward = Dispatch & { readonly kind: 'forward' };

/*
 * What every engine asks a forward dispatch after a failed try. The dispatcher's callbacks are
 * someone else's code: one that throws counts as saying nothing, and costs one request at most.
 */

/** `hasAnswered(upstream)`, or undefined when the dispatch does not say (every failure is then the request's). */
export function upstreamHasAnswered(dispatch: Forward | undefined, upstream: Upstream): boolean | undefined {
  try {
    return dispatch?.hasAnswered?.(upstream);
  } catch {
    return undefined;
  }
}

/** `retry(error, failedStart)`: another upstream, Portico's own answer, or undefined (a bare 502). */
export function retryChoice(dispatch: Forward | undefined, error: Error, failedStart: boolean): RetryChoice | Promise<RetryChoice> {
  try {
    return dispatch?.retry?.(error, failedStart);
  } catch {
    return undefined;
  }
}

/** `failureAnswer(status, error, failedStart)`: Portico's page instead of the bare status, or undefined. */
export function failureAnswer(dispatch: Forward | undefined, status: number, error: Error, failedStart: boolean): DispatchAnswer | undefined {
  try {
    return dispatch?.failureAnswer?.(status, error, failedStart);
  } catch {
    return undefined;
  }
}

/** Whether a retry's choice is Portico's own answer rather than an upstream. */
export function isAnswer(choice: RetryChoice): choice is DispatchAnswer {
  return choice !== undefined && 'kind' in choice;
}
