import type { Clock } from '@portico/supervisor';
import type { PoolHistory } from './PoolHistory.ts';
import { untilNextScheduled, type RecycleReason, type Recycling } from './Recycling.ts';

/** A memory recycle this soon after the last one is the limit "exceeded again", not a leak that took its time. */
export const memoryAgainWindowMs = 60_000;

export interface RecycleWatchOptions {
  readonly recycling: Recycling;
  readonly clock: Clock;
  readonly history: PoolHistory;
  /**
   * Replace `worker`, or every worker when `undefined` (time, schedule), overlapped and one at a
   * time (a rolling restart). `detail` says what was seen.
   */
  readonly recycle: (reason: RecycleReason, detail: string, worker: string | undefined) => void;
  /** The memory limit was passed again within a minute of a memory recycle: restart `worker` in its slot, counted. */
  readonly memoryAgain: (worker: string, memoryBytes: number) => void;
  /** Whether `worker` is already asked to be replaced: its samples no longer count. */
  readonly replacing: (worker: string) => boolean;
  /**
   * While new workers wait after failed starts (the pool's StartBackoff): when (the clock's ms)
   * the next may start. What is seen meanwhile asks for nothing.
   */
  readonly waitUntil: () => number | undefined;
  /** The process `worker` runs now, if any: a requests recycle owed to an earlier one is void. */
  readonly processOf: (worker: string) => number | undefined;
}

/**
 * Decides when a pool's workers are recycled (`Recycling`), on the pool's clock: the time and
 * schedule timers from `arm()` (each fires again after it), the memory limit from each sample
 * (`sampled`), and the request count from the router's counter (the worker's `served`). The pool
 * carries out what it asks, one worker at a time.
 */
export class RecycleWatch {
  readonly #options: RecycleWatchOptions;
  readonly #timers = new Set<unknown>();
  /** Consecutive samples above the memory limit, per worker and process. */
  readonly #above = new Map<string, { pid: number; count: number }>();
  /** When each worker that replaced one for memory became ready: its own excess soon after is "again". */
  readonly #memoryReplacements = new Map<string, number>();
  /**
   * Workers whose process answered its `requests` and is not replaced yet, with that process. A
   * request count is seen once (the router asks at the limit, not at every request after), so
   * what failed or waited is asked again by a timer at the end of the wait, not by a request.
   */
  readonly #requestsOwed = new Map<string, number>();
  #owedTimer: unknown;

  constructor(options: RecycleWatchOptions) {
    this.#options = options;
  }

  /** Starts the time and schedule timers (the workers start now). */
  arm(): void {
    this.disarm();
    const { recycling } = this.#options;
    if (recycling.time > 0) this.#every(() => recycling.time * 1000, 'time', `${recycling.time} s after the workers started`);
    if (recycling.schedule.length > 0) this.#every(() => untilNextScheduled(this.#options.clock.now(), recycling.schedule)!, 'schedule', `the schedule (${recycling.schedule.join(', ')})`);
  }

  disarm(): void {
    for (const timer of this.#timers) this.#options.clock.clearTimeout(timer);
    this.#timers.clear();
    this.#above.clear();
    this.#requestsOwed.clear();
    this.#cancelOwed();
  }

  /** `worker`'s process `pid` answered its last allowed request: it is owed a recycle until it is replaced. */
  servedLimit(worker: string, pid: number): void {
    this.#requestsOwed.set(worker, pid);
    if (this.#options.replacing(worker)) return;
    this.#askOwed(worker);
  }

  /**
   * `worker`'s replacement failed to start, or waited out a failed start: a requests recycle it is
   * owed is asked again once the wait is over.
   */
  notReplaced(worker: string): void {
    if (this.#requestsOwed.has(worker)) this.#retryOwed();
  }

  /** `replacement` took the place of a worker recycled for memory: its own excess within a minute is the limit passed again. */
  replacedForMemory(replacement: string): void {
    this.#memoryReplacements.set(replacement, this.#options.clock.now());
  }

  /** `worker` is gone for good (replaced, or its pool scaled down): what was kept about it goes. */
  forget(worker: string): void {
    this.#above.delete(worker);
    this.#memoryReplacements.delete(worker);
    this.#requestsOwed.delete(worker);
  }

  /** A sample of `worker`'s process `pid`: the memory limit counts only when held `memorySamples` times in a row. */
  sampled(worker: string, pid: number, memoryBytes: number): void {
    const { recycling, clock } = this.#options;
    // A worker asked to be replaced serves on until its replacement is ready, untouched.
    if (recycling.memory <= 0 || this.#options.replacing(worker)) return;
    const limit = recycling.memory * 1024 * 1024;
    const previous = this.#above.get(worker);
    const count = memoryBytes > limit ? (previous?.pid === pid ? previous.count : 0) + 1 : 0;
    this.#above.set(worker, { pid, count });
    if (count < recycling.memorySamples) return;
    this.#above.set(worker, { pid, count: 0 });
    const last = this.#memoryReplacements.get(worker);
    if (last !== undefined && clock.now() - last < memoryAgainWindowMs) {
      // The new worker is over the limit at once: another overlapped recycle would loop.
      this.#options.memoryAgain(worker, memoryBytes);
      return;
    }
    this.#ask('memory', `${worker} held ${mib(memoryBytes)} MiB, above ${recycling.memory} MiB, for ${recycling.memorySamples} samples`, worker);
  }

  /** Asks for a recycle of every worker `wait()` ms from now, and again as often after. */
  #every(wait: () => number, reason: RecycleReason, detail: string): void {
    const { clock } = this.#options;
    const timer = clock.setTimeout(() => {
      this.#timers.delete(timer);
      this.#ask(reason, detail, undefined);
      this.#every(wait, reason, detail);
    }, wait());
    this.#timers.add(timer);
  }

  /** Asks for the requests recycle `worker` is owed, or, while new workers wait, once the wait is over. */
  #askOwed(worker: string): void {
    if (!this.#ask('requests', `${worker} answered ${this.#options.recycling.requests} requests`, worker)) this.#retryOwed();
  }

  /** One timer at the end of the wait asks again for every requests recycle still owed. */
  #retryOwed(): void {
    if (this.#owedTimer !== undefined) return;
    const { clock } = this.#options;
    const wait = Math.max(0, (this.#options.waitUntil() ?? clock.now()) - clock.now());
    this.#owedTimer = clock.setTimeout(() => {
      this.#owedTimer = undefined;
      for (const [worker, pid] of this.#requestsOwed) {
        // The process that answered its requests ended (a crash, a stop): its successor counts afresh.
        if (this.#options.processOf(worker) !== pid) this.#requestsOwed.delete(worker);
        else if (!this.#options.replacing(worker)) this.#askOwed(worker);
      }
    }, wait);
  }

  #cancelOwed(): void {
    if (this.#owedTimer !== undefined) this.#options.clock.clearTimeout(this.#owedTimer);
    this.#owedTimer = undefined;
  }

  /** Asks the pool for a recycle, unless new workers wait after a failed start; says whether it asked. */
  #ask(reason: RecycleReason, detail: string, worker: string | undefined): boolean {
    // A memory excess is seen again at a later sample, a time or schedule at its next firing; a
    // request count past its limit is not seen again: it is owed (`#requestsOwed`).
    if (this.#options.waitUntil() !== undefined) return false;
    this.#options.history.recycled(reason, this.#options.clock.now());
    this.#options.recycle(reason, detail, worker);
    return true;
  }
}

const mib = (bytes: number) => Math.round(bytes / 1024 / 1024);
