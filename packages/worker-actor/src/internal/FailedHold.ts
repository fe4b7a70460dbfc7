import type { Clock } from '@portico/supervisor';
import { RetryFailedSchedule, type RetryFailed } from '../RetryFailed.ts';

/**
 * How long a failed pool stays down (`retryFailed`: 60 s, doubling to 600 s while it keeps
 * failing), and the timer, on the pool's clock, that starts it again at `retryAt`: a timer, not a
 * request (issue 16, "A failed app never comes back").
 */
export class FailedHold {
  readonly #clock: Clock;
  readonly #schedule: RetryFailedSchedule;
  #retryAt: number | undefined;
  #timer: unknown;

  constructor(clock: Clock, retryFailed: RetryFailed) {
    this.#clock = clock;
    this.#schedule = new RetryFailedSchedule(retryFailed);
  }

  /** While held: when (the clock's ms) the pool starts again by itself. */
  get retryAt(): number | undefined {
    return this.#retryAt;
  }

  /** The pool failed now: `retry` runs once its hold is over, unless `end()` comes first. */
  hold(retry: () => void): void {
    const now = this.#clock.now();
    const wait = this.#schedule.failed(now);
    this.#retryAt = now + wait;
    this.#timer = this.#clock.setTimeout(() => {
      this.#timer = undefined;
      retry();
    }, wait);
  }

  /** The pool starts again now, by the schedule or by an operator: the next hold counts from it. */
  retried(): void {
    this.#schedule.retried(this.#clock.now());
  }

  /** The hold is over or cut short: no timer, no `retryAt`. */
  end(): void {
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#retryAt = undefined;
  }
}
