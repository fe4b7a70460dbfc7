/**
 * A restartable timeout that costs no timer work when it is pushed later, which is what a
 * keep-alive connection does on every request: `set` only records the due time, and the one
 * underlying timer, when it fires early, re-arms itself for what is left. A timer is created only
 * when the due time moves earlier than the pending one (or none is pending).
 */
export class Deadline {
  readonly #onExpire: () => void;
  #timer: NodeJS.Timeout | undefined;
  /** performance.now() at which it expires; 0 when cleared. */
  #due = 0;
  /** performance.now() at which the pending timer fires. */
  #firesAt = 0;

  constructor(onExpire: () => void) {
    this.#onExpire = onExpire;
  }

  /** Expires `ms` from now, replacing any earlier setting. */
  set(ms: number): void {
    const now = performance.now();
    this.#due = now + ms;
    if (this.#timer !== undefined) {
      if (this.#firesAt <= this.#due) return;
      clearTimeout(this.#timer);
    }
    this.#schedule(ms, now);
  }

  /** Stops it expiring; the pending timer, if any, finds nothing due and lapses. */
  clear(): void {
    this.#due = 0;
  }

  /** Clears it and drops the pending timer, so nothing is held after its owner is gone. */
  dispose(): void {
    this.#due = 0;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #schedule(ms: number, now: number): void {
    this.#firesAt = now + ms;
    this.#timer = setTimeout(this.#fire, ms);
    this.#timer.unref();
  }

  readonly #fire = (): void => {
    this.#timer = undefined;
    if (this.#due === 0) return;
    const now = performance.now();
    // Node timers may fire a fraction of a millisecond early against performance.now().
    if (this.#due - now >= 1) return this.#schedule(this.#due - now, now);
    this.#due = 0;
    this.#onExpire();
  };
}
