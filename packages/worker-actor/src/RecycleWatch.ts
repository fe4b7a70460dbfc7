import type { Clock } from '@portico/supervisor';
import type { PoolHistory } from './PoolHistory.ts';
import { untilNextScheduled, type RecycleReason, type Recycling } from './Recycling.ts';

/** A memory recycle this soon after the last one is the limit "exceeded again", not a leak that took its time. */
export const memoryAgainWindowMs = 60_000;

export interface RecycleWatchOptions {
  readonly recycling: Recycling;
  readonly clock: Clock;
  readonly history: PoolHistory;
  /** Replace the app's workers, overlapped (a rolling restart). `detail` says what was seen. */
  readonly recycle: (reason: RecycleReason, detail: string, worker: string | undefined) => void;
  /** The memory limit was passed again within a minute of a memory recycle: restart `worker` in its slot, counted. */
  readonly memoryAgain: (worker: string, memoryBytes: number) => void;
}

/**
 * Decides when a pool's workers are recycled (`Recycling`), on the pool's clock: the time and
 * schedule timers from `arm()`, the memory limit from each sample (`sampled`), and the request
 * count from the router's counter (the pool's `served`). A recycle is asked once per pool: the
 * pool that replaces this one watches for itself.
 */
export class RecycleWatch {
  readonly #options: RecycleWatchOptions;
  readonly #timers: unknown[] = [];
  /** Consecutive samples above the memory limit, per worker slot and process. */
  readonly #above = new Map<string, { pid: number; count: number }>();
  #asked = false;

  constructor(options: RecycleWatchOptions) {
    this.#options = options;
  }

  /** Starts the time and schedule timers (the workers start now). */
  arm(): void {
    this.disarm();
    this.#asked = false;
    const { recycling, clock } = this.#options;
    if (recycling.time > 0) this.#timers.push(clock.setTimeout(() => this.#ask('time', `${recycling.time} s after the workers started`, undefined), recycling.time * 1000));
    const wait = untilNextScheduled(clock.now(), recycling.schedule);
    if (wait !== undefined) this.#timers.push(clock.setTimeout(() => this.#ask('schedule', `the schedule (${recycling.schedule.join(', ')})`, undefined), wait));
  }

  disarm(): void {
    for (const timer of this.#timers) this.#options.clock.clearTimeout(timer);
    this.#timers.length = 0;
    this.#above.clear();
  }

  /** A worker's process answered its last allowed request. */
  servedLimit(worker: string): void {
    this.#ask('requests', `${worker} answered ${this.#options.recycling.requests} requests`, worker);
  }

  /** A sample of `worker`'s process `pid`: the memory limit counts only when held `memorySamples` times in a row. */
  sampled(worker: string, pid: number, memoryBytes: number): void {
    const { recycling, history, clock } = this.#options;
    // A pool that asked for its recycle is being replaced: its workers serve on until then, untouched.
    if (recycling.memory <= 0 || this.#asked) return;
    const limit = recycling.memory * 1024 * 1024;
    const previous = this.#above.get(worker);
    const count = memoryBytes > limit ? (previous?.pid === pid ? previous.count : 0) + 1 : 0;
    this.#above.set(worker, { pid, count });
    if (count < recycling.memorySamples) return;
    this.#above.set(worker, { pid, count: 0 });
    const last = history.lastRecycle('memory');
    if (last !== undefined && clock.now() - last < memoryAgainWindowMs) {
      // The new workers are over the limit at once: another overlapped recycle would loop.
      this.#options.memoryAgain(worker, memoryBytes);
      return;
    }
    this.#ask('memory', `${worker} held ${mib(memoryBytes)} MiB, above ${recycling.memory} MiB, for ${recycling.memorySamples} samples`, worker);
  }

  #ask(reason: RecycleReason, detail: string, worker: string | undefined): void {
    if (this.#asked) return;
    this.#asked = true;
    this.#options.history.recycled(reason, this.#options.clock.now());
    this.#options.recycle(reason, detail, worker);
  }

  /** The recycle asked for did not happen (its new workers did not start): the next trigger may ask again. */
  failed(): void {
    this.#asked = false;
  }
}

const mib = (bytes: number) => Math.round(bytes / 1024 / 1024);
