import type { Clock } from './Clock.ts';

interface Timer {
  readonly id: number;
  readonly due: number;
  readonly fn: () => void;
}

/**
 * A clock that moves only when told. `advance(ms)` fires every timer due in that span in due
 * order, and each timer sees `now()` equal to its own due time, so restart windows and backoffs
 * behave exactly as they would in real time. `holdUp(ms)` is the same span with the process held
 * up: the timers fire late, all at once, at its end.
 *
 * @example
 * const clock = new SimulatedClock();
 * const supervisor = createActor(createSupervisor({ children }), { clock }).start();
 * clock.advance(5_000);
 */
export class SimulatedClock implements Clock {
  #now = 0;
  #nextId = 1;
  #timers = new Map<number, Timer>();

  now(): number {
    return this.#now;
  }

  setTimeout(fn: () => void, ms: number): number {
    const id = this.#nextId++;
    this.#timers.set(id, { id, due: this.#now + Math.max(0, ms), fn });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.#timers.delete(handle as number);
  }

  /** Moves time forward by `ms`, firing due timers one at a time in order. */
  advance(ms: number): void {
    if (!(ms >= 0)) throw new RangeError(`advance(ms) takes a duration ≥ 0, got ${ms}`);
    const target = this.#now + ms;
    for (let timer = this.#earliest(target); timer; timer = this.#earliest(target)) {
      this.#timers.delete(timer.id);
      this.#now = timer.due;
      timer.fn();
    }
    this.#now = target;
  }

  /**
   * The process was held up for `ms` (a long synchronous task, a GC pause, a debugger, a stopped
   * process): time jumps by `ms` first, then every timer that came due meanwhile fires, late and
   * all at once, in due order, each seeing `now()` at the end of the hold-up. A timer cleared by
   * one fired before it does not fire; timers they set are due from the end of the hold-up and
   * wait for the next `advance`, as a real event loop runs them on a later turn. `advance(ms)`
   * is the same span of time with every timer on time.
   */
  holdUp(ms: number): void {
    if (!(ms >= 0)) throw new RangeError(`holdUp(ms) takes a duration ≥ 0, got ${ms}`);
    this.#now += ms;
    // Sorted by due time; Map order (when each was set) breaks ties, as `advance` does.
    const due = [...this.#timers.values()].filter((timer) => timer.due <= this.#now).sort((a, b) => a.due - b.due);
    for (const timer of due) if (this.#timers.delete(timer.id)) timer.fn();
  }

  /** Fires every pending timer, including ones they schedule, up to `limit` timers. */
  runAll(limit = 10_000): void {
    for (let fired = 0; this.#timers.size > 0; fired++) {
      if (fired >= limit) throw new Error(`runAll fired ${limit} timers and more remain: a timer loop?`);
      const next = this.#earliest(Number.POSITIVE_INFINITY);
      if (next) this.advance(next.due - this.#now);
    }
  }

  /** How many timers are waiting to fire. */
  get pendingTimers(): number {
    return this.#timers.size;
  }

  #earliest(limit: number): Timer | undefined {
    let earliest: Timer | undefined;
    for (const timer of this.#timers.values()) {
      if (timer.due <= limit && (!earliest || timer.due < earliest.due)) earliest = timer;
    }
    return earliest;
  }
}
