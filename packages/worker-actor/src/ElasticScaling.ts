import type { Clock } from '@portico/supervisor';
import { InvalidWorkerOptionError } from './errors.ts';
import { lookTime } from './internal/lookTime.ts';

/** How an elastic pool grows and shrinks (`maxProcesses` above `processesPerApplication`). */
export interface Elasticity {
  /** The floor: processesPerApplication (Passenger's `passenger_min_instances`, Unit's `processes.spare`). */
  readonly min: number;
  /** The ceiling (IIS's `maxProcesses`, Passenger's `passenger_max_instances`, Unit's `processes.max`). */
  readonly max: number;
  /** Seconds the pool must have had a worker more than it needed before one is retired (Passenger's `passenger_pool_idle_time`, Unit's `processes.idle_timeout`). */
  readonly idleTime: number;
  /** Requests in flight at which a worker counts as busy (Passenger: a process with a session; Unit: with a request). */
  readonly busyRequests: number;
}

export const elasticityDefaults = { idleTime: 300, busyRequests: 1 } as const;

/** Throws `InvalidWorkerOptionError` naming the first wrong value. */
export function validateElasticity(e: Elasticity): void {
  if (!(Number.isInteger(e.max) && e.max >= e.min && e.max <= 100)) {
    throw new InvalidWorkerOptionError('maxProcesses', `must be a whole number from processesPerApplication (${e.min}) to 100, or 0 for a fixed count, got ${e.max}`);
  }
  if (!(Number.isFinite(e.idleTime) && e.idleTime >= 0.1 && e.idleTime <= 86_400)) throw new InvalidWorkerOptionError('processIdleTime', `must be seconds from 0.1 to 86400, got ${e.idleTime}`);
  if (!(Number.isInteger(e.busyRequests) && e.busyRequests >= 1 && e.busyRequests <= 10_000)) throw new InvalidWorkerOptionError('busyRequests', `must be a whole number from 1 to 10000, got ${e.busyRequests}`);
}

/** Looks per idleTime: how late, at most, a worker too many is seen (a tenth of idleTime). */
const looksPerIdleTime = 10;

export interface ElasticScalingOptions {
  readonly elasticity: Elasticity;
  readonly clock: Clock;
  /** Requests in flight on each ready worker now: whether every one is busy. */
  readonly inFlight: () => readonly number[];
  /**
   * The most requests in flight at once over the ready workers since the previous call (or now, if
   * more): what the pool needed. A look reads it, so a burst between two looks counts, and a
   * sample of a moment between requests does not make a needed worker look idle.
   */
  readonly demand: () => number;
  /** Workers the pool holds now, starting and draining ones included. */
  readonly count: () => number;
  /** Whether the pool may change its workers now (it serves, and replaces none). */
  readonly steady: () => boolean;
  /** Whether new workers wait after failed starts (the pool's StartBackoff): no growth meanwhile. */
  readonly held: () => boolean;
  /** Starts one more worker; resolves once it is ready or has failed. */
  readonly grow: () => Promise<void>;
  /** Retires one worker; resolves once it has stopped. */
  readonly shrink: () => Promise<void>;
}

/**
 * Decides when an elastic pool grows and shrinks. It grows by one worker when every ready worker
 * has `busyRequests` in flight (the router says so as a request takes a worker: `busy()`), up to
 * `max`; it shrinks by one, down to `min`, once the pool has not needed its last worker for
 * `idleTime` seconds (never more than `busyRequests` in flight per worker on one worker fewer, in
 * the `demand()` of every look, and no `busy()`). One change at a time; looks every tenth of `idleTime`.
 */
export class ElasticScaling {
  readonly #options: ElasticScalingOptions;
  #timer: unknown;
  #changing = false;
  /** When the pool last needed each number of workers (index: workers needed). */
  readonly #neededAt: number[] = [];

  constructor(options: ElasticScalingOptions) {
    this.#options = options;
  }

  /** Starts looking (the workers start now, which counts as needing all of them). Idempotent. */
  start(): void {
    if (this.#timer !== undefined) return;
    this.#needed(this.#options.count());
    this.#schedule();
  }

  stop(): void {
    if (this.#timer !== undefined) this.#options.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** A worker reached `busyRequests` in flight: grow if every ready one has. Cheap when nothing is to do. */
  busy(): void {
    const { elasticity, count, inFlight, steady, held } = this.#options;
    if (this.#timer === undefined || this.#changing || count() >= elasticity.max || held()) return;
    const loads = inFlight();
    if (loads.length === 0 || loads.some((n) => n < elasticity.busyRequests) || !steady()) return;
    this.#needed(count() + 1);
    void this.#change(this.#options.grow);
  }

  #needed(workers: number): void {
    const now = this.#options.clock.now();
    for (let k = 1; k <= workers; k++) this.#neededAt[k] = now;
  }

  async #change(change: () => Promise<void>): Promise<void> {
    this.#changing = true;
    try {
      await change();
    } finally {
      this.#changing = false;
    }
    // Requests that came while it started may have made every worker busy again.
    this.busy();
  }

  #schedule(): void {
    const { clock, elasticity } = this.#options;
    const interval = (elasticity.idleTime * 1000) / looksPerIdleTime;
    const scheduledAt = clock.now();
    this.#timer = clock.setTimeout(() => this.#look(scheduledAt, interval), interval);
  }

  #look(scheduledAt: number, interval: number): void {
    const { clock, elasticity, demand, count, steady } = this.#options;
    this.#timer = undefined;
    // A late look counts idleness only as far as its reads surely reach (`lookTime`).
    const { late, coveredUpTo } = lookTime(scheduledAt, interval, clock.now());
    this.#needed(Math.ceil(demand() / elasticity.busyRequests));
    const workers = count();
    const since = this.#neededAt[workers] ?? 0;
    if (!this.#changing && workers > elasticity.min && coveredUpTo - since >= elasticity.idleTime * 1000 && steady()) {
      void this.#change(this.#options.shrink);
    }
    this.#schedule();
    // Nor does it start a worker on the in-flight figures of before the hold-up: the reads that
    // follow it report what is in flight now, and call busy() themselves.
    if (!late) this.busy();
  }
}
