import { backoffDelay, type Backoff, type Clock } from '@portico/supervisor';

/**
 * How long a pool waits before it starts another new worker beside the others (a recycle's
 * replacement, an elastic pool's growth) after such starts failed in a row: 1 s, doubling to a
 * minute. Without it a trigger that keeps asking (a worker above its memory limit at every
 * sample, a busy worker at every request) started a process each time an app broken on disk
 * refused to start; such a refused start counts towards nothing (c7a6eef), so nothing else held it.
 */
export const failedStartBackoff: Backoff = { min: 1, max: 60, factor: 2 };

/** A pool's run of failed new-worker starts, and when the next may be tried. */
export class StartBackoff {
  readonly #clock: Clock;
  #failures = 0;
  #retryAt: number | undefined;

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  /** Failed starts in a row since the last that worked. */
  get failures(): number {
    return this.#failures;
  }

  /** When (the clock's ms) the next new worker may start, while the pool waits after a failed start. */
  get retryAt(): number | undefined {
    return this.#retryAt !== undefined && this.#clock.now() < this.#retryAt ? this.#retryAt : undefined;
  }

  /** Whether a new worker may start now: no failed start, or its wait is over. */
  allows(): boolean {
    return this.retryAt === undefined;
  }

  /** A new worker failed to start: returns the wait, in ms, before the next may. */
  failed(): number {
    this.#failures++;
    const wait = backoffDelay(failedStartBackoff, this.#failures, Math.random);
    this.#retryAt = this.#clock.now() + wait;
    return wait;
  }

  /** A new worker became ready: the app starts, the next needs no wait. */
  succeeded(): void {
    this.#failures = 0;
    this.#retryAt = undefined;
  }
}
