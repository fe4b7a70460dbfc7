import { admitRestart, type RestartIntensity } from '../RestartIntensity.ts';

/**
 * The restarts one supervisor made within its intensity's window (OTP's `restarts` list): each
 * new restart is admitted or refused against the limit, and the snapshot reads how many fall in
 * the current window. Times are the clock's ms, in ascending order.
 */
export class RestartHistory {
  readonly limit: RestartIntensity;
  readonly #times: number[] = [];

  constructor(limit: RestartIntensity) {
    this.limit = limit;
  }

  /** Restarts recorded (those older than the window are dropped at each `admit`). */
  get count(): number {
    return this.#times.length;
  }

  /** Records a restart at `at` (when its child exited) and says whether it stays within the limit. */
  admit(at: number): boolean {
    return admitRestart(this.limit, this.#times, at);
  }

  /** Restarts within the window that ends at `now`, its start included (`admitRestart`): the times are in order, so a binary search finds it. */
  inPeriod(now: number): number {
    const times = this.#times;
    const windowStart = now - this.limit.period * 1000;
    let low = 0;
    let high = times.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if ((times[middle] as number) >= windowStart) high = middle;
      else low = middle + 1;
    }
    return times.length - low;
  }
}
