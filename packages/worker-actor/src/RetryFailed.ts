import { InvalidWorkerOptionError } from './errors.ts';

/**
 * When a failed pool (past `rapidFailsPerMinute`) is started again, in seconds: `min` after it
 * failed, doubled for each failure that comes within `max` seconds of the previous retry, never
 * more than `max`. A failure later than that starts over at `min`.
 */
export interface RetryFailed {
  readonly min: number;
  readonly max: number;
}

export const defaultRetryFailed: RetryFailed = { min: 60, max: 600 };

export function validateRetryFailed(retry: RetryFailed): void {
  if (!Number.isFinite(retry.min) || retry.min <= 0 || retry.min > 86_400) {
    throw new InvalidWorkerOptionError('retryFailed.min', `must be seconds in (0, 86400], got ${retry.min}`);
  }
  if (!Number.isFinite(retry.max) || retry.max < retry.min || retry.max > 86_400) {
    throw new InvalidWorkerOptionError('retryFailed.max', `must be seconds from min (${retry.min}) to 86400, got ${retry.max}`);
  }
}

/** The hold of each failure in turn: the schedule's state is the streak of failures in a row. */
export class RetryFailedSchedule {
  readonly #retry: RetryFailed;
  #streak = 0;
  #lastRetryAt: number | undefined;

  constructor(retry: RetryFailed) {
    this.#retry = retry;
  }

  /** The pool failed at `now` (ms): how many ms it stays failed. */
  failed(now: number): number {
    const { min, max } = this.#retry;
    const inARow = this.#lastRetryAt !== undefined && now - this.#lastRetryAt <= max * 1000;
    this.#streak = inARow ? this.#streak + 1 : 1;
    return Math.min(max, min * 2 ** (this.#streak - 1)) * 1000;
  }

  /** The pool was started again at `now` (ms), by the schedule or by an operator. */
  retried(now: number): void {
    this.#lastRetryAt = now;
  }
}
