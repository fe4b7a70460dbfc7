import type { RecycleReason } from '../Recycling.ts';

/**
 * The workers of a pool waiting to be replaced, carried out one at a time, as a rolling restart
 * does: each replacement starts a new worker beside the others and retires the old one once the
 * new one is ready, so the pool never has fewer ready workers than before, and at most one
 * process more than its count (issue 18, "Recycling, overlapped").
 */
export class ReplacementQueue {
  readonly #replace: (worker: string, reason: RecycleReason) => Promise<void>;
  readonly #waiting: { worker: string; reason: RecycleReason }[] = [];
  #current: string | undefined;
  #running: Promise<void> | undefined;

  /** `replace` starts the new worker and retires `worker`; it never rejects. */
  constructor(replace: (worker: string, reason: RecycleReason) => Promise<void>) {
    this.#replace = replace;
  }

  /** Whether a replacement is under way or waits. */
  get active(): boolean {
    return this.#running !== undefined;
  }

  /** Whether `worker` is being replaced or waits to be. */
  has(worker: string): boolean {
    return this.#current === worker || this.#waiting.some((w) => w.worker === worker);
  }

  /** Queues each of `workers` not queued already; starts the first now unless one runs. */
  add(workers: readonly string[], reason: RecycleReason): void {
    for (const worker of workers) if (!this.has(worker)) this.#waiting.push({ worker, reason });
    this.#running ??= this.#run().finally(() => (this.#running = undefined));
  }

  /** Drops what waits (the pool stops); the replacement under way ends with it. */
  clear(): void {
    this.#waiting.length = 0;
  }

  /** Resolves once nothing is queued or under way. */
  async settled(): Promise<void> {
    while (this.#running) await this.#running;
  }

  async #run(): Promise<void> {
    for (let next = this.#waiting.shift(); next; next = this.#waiting.shift()) {
      this.#current = next.worker;
      await this.#replace(next.worker, next.reason);
      this.#current = undefined;
    }
  }
}
