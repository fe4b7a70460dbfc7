import type { Clock } from '@portico/supervisor';

/**
 * A restartable timeout that costs no timer work when it is pushed later, which is what a
 * keep-alive connection does on every request: `set` only records the due time, and the one
 * underlying timer, when it fires early, re-arms itself for what is left. A timer is created only
 * when the due time moves earlier than the pending one (or none is pending).
 */
export class Deadline {
  readonly #clock: Clock;
  readonly #onExpire: () => void;
  #timer: unknown;
  /** Clock time at which it expires; undefined when cleared. */
  #due: number | undefined;
  /** Clock time at which the pending timer fires. */
  #firesAt = 0;
  /** The due time was set by `hold` and stays until something else sets or clears it. */
  #held = false;

  constructor(clock: Clock, onExpire: () => void) {
    this.#clock = clock;
    this.#onExpire = onExpire;
  }

  /** Expires `ms` from now (`now`: the clock's time, when the caller has just read it), replacing any earlier setting. */
  set(ms: number, now = this.#clock.now()): void {
    this.#held = false;
    const due = now + ms;
    this.#due = due;
    if (this.#timer !== undefined) {
      if (this.#firesAt <= due) return;
      this.#clock.clearTimeout(this.#timer);
    }
    this.#schedule(ms, now);
  }

  /**
   * Expires `ms` after the first of consecutive holds: a wait timed from when it began, which a
   * repeated hold does not push later (a client that stopped reading, however much else happens
   * meanwhile). `set` and `clear` end the hold. `now`, as for `set`: the clock's time when the
   * caller has just read it, used only by the first hold.
   */
  hold(ms: number, now?: number): void {
    if (this.#held && this.#due !== undefined) return;
    this.set(ms, now);
    this.#held = true;
  }

  /** Stops it expiring; the pending timer, if any, finds nothing due and lapses. */
  clear(): void {
    this.#due = undefined;
    this.#held = false;
  }

  /** Clears it and drops the pending timer, so nothing is held after its owner is gone. */
  dispose(): void {
    this.#due = undefined;
    this.#held = false;
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #schedule(ms: number, now: number): void {
    this.#firesAt = now + ms;
    const timer = this.#clock.setTimeout(this.#fire, ms);
    // A pending deadline never keeps the process alive on its own (Node timers only).
    (timer as { unref?: () => void } | undefined)?.unref?.();
    this.#timer = timer;
  }

  readonly #fire = (): void => {
    this.#timer = undefined;
    const due = this.#due;
    if (due === undefined) return;
    const now = this.#clock.now();
    // Node timers may fire a fraction of a millisecond early against the monotonic clock.
    if (due - now >= 1) return this.#schedule(due - now, now);
    this.#due = undefined;
    this.#onExpire();
  };
}
