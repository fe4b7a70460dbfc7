import { SimulatedClock } from '@portico/supervisor';

/**
 * A SimulatedClock that can fire its due timers one at a time. The base clock fires every timer
 * of an instant in one synchronous loop; code that awaits between timers (a probe, an output
 * capture closing) would then see its continuation run after timers it should precede. While
 * stepping, a fired timer is queued instead of run, and `Simulation` runs the queue itself with
 * the event loop flushed between entries. Outside stepping it behaves exactly like its base.
 */
export class SteppedClock extends SimulatedClock {
  #due = new Map<number, number>();
  #queue: { id: number; fn: () => void }[] = [];
  #stepping = false;

  override setTimeout(fn: () => void, ms: number): number {
    let id = 0;
    id = super.setTimeout(() => {
      this.#due.delete(id);
      if (this.#stepping) this.#queue.push({ id, fn });
      else fn();
    }, ms);
    this.#due.set(id, this.now() + Math.max(0, ms));
    return id;
  }

  override clearTimeout(handle: unknown): void {
    this.#due.delete(handle as number);
    this.#queue = this.#queue.filter((entry) => entry.id !== handle);
    super.clearTimeout(handle);
  }

  /** The due time of the earliest pending timer, if any. */
  nextDue(): number | undefined {
    let next: number | undefined;
    for (const due of this.#due.values()) if (next === undefined || due < next) next = due;
    return next;
  }

  /** Moves to `time`, collecting (not running) the timers due then, in due order. */
  collectTo(time: number): void {
    this.#stepping = true;
    try {
      this.advance(Math.max(0, time - this.now()));
    } finally {
      this.#stepping = false;
    }
  }

  /** The next collected timer, removed from the queue. */
  takeQueued(): (() => void) | undefined {
    return this.#queue.shift()?.fn;
  }

  override get pendingTimers(): number {
    return super.pendingTimers + this.#queue.length;
  }
}
