import type { WorkerExit } from './WorkerExit.ts';

/** A state the pool entered, when (the clock's ms), and why when it is `failed` or a rollout's. */
export interface PoolStateChange {
  readonly state: string;
  readonly at: number;
  readonly reason?: string;
}

/** A process that ended unasked: which worker slot, when, and how. */
export interface RecordedExit extends WorkerExit {
  readonly worker: string;
  readonly at: number;
}

/** How many state changes and exits a pool keeps: enough to see a crash loop, bounded for status. */
export const historyLimits = { states: 20, exits: 10 } as const;

/**
 * What happened to one app, kept across restarts, failures and reloads that do not change it, so
 * status can say why an app is down after its workers are gone. Oldest first, bounded.
 */
export class PoolHistory {
  readonly #states: PoolStateChange[] = [];
  readonly #exits: RecordedExit[] = [];
  /** Restarts per worker slot, summed over the supervisors the pool has had. */
  readonly #restarts = new Map<string, number>();
  readonly #lastExit = new Map<string, WorkerExit>();
  /** When the app was last recycled, per reason (the clock's ms). */
  readonly #recycles = new Map<string, number>();

  /** A fresh history, or a copy of `from` (a rollout's new pool goes on from the old one's). */
  constructor(from?: PoolHistory) {
    if (!from) return;
    this.#states.push(...from.#states);
    this.#exits.push(...from.#exits);
    for (const [k, v] of from.#restarts) this.#restarts.set(k, v);
    for (const [k, v] of from.#lastExit) this.#lastExit.set(k, v);
    for (const [k, v] of from.#recycles) this.#recycles.set(k, v);
  }

  get states(): readonly PoolStateChange[] {
    return this.#states;
  }

  get exits(): readonly RecordedExit[] {
    return this.#exits;
  }

  entered(state: string, at: number, reason?: string): void {
    const last = this.#states.at(-1);
    if (last?.state === state && last.reason === reason) return;
    this.#states.push(reason === undefined ? { state, at } : { state, at, reason });
    if (this.#states.length > historyLimits.states) this.#states.shift();
  }

  exited(worker: string, exit: WorkerExit, at: number): void {
    this.#exits.push({ ...exit, worker, at });
    if (this.#exits.length > historyLimits.exits) this.#exits.shift();
    this.#lastExit.set(worker, exit);
  }

  /** A supervisor is gone: its restart counts join those of the slots' earlier supervisors. */
  addRestarts(worker: string, restarts: number): void {
    if (restarts > 0) this.#restarts.set(worker, this.restarts(worker) + restarts);
  }

  restarts(worker: string): number {
    return this.#restarts.get(worker) ?? 0;
  }

  /** A recycle of the app was asked for `reason` at `at`. */
  recycled(reason: string, at: number): void {
    this.#recycles.set(reason, at);
  }

  /** When the app was last recycled for `reason`. */
  lastRecycle(reason: string): number | undefined {
    return this.#recycles.get(reason);
  }

  lastExit(worker: string): WorkerExit | undefined {
    return this.#lastExit.get(worker);
  }
}
