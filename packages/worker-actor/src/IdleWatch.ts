import type { Clock } from '@portico/supervisor';
import { lookTime } from './internal/lookTime.ts';

/** Checks per idleTimeout: how late, at most, an idle pool is seen as idle (a tenth of the timeout). */
const checksPerTimeout = 10;

export interface IdleWatchOptions {
  readonly clock: Clock;
  /** Seconds without a request after which `onIdle` runs; 0: never. */
  readonly idleTimeout: number;
  /** A number that changes whenever a request ends (requests answered so far). */
  readonly answered: () => number;
  /** Whether a request is in flight or a WebSocket open now. */
  readonly busy: () => boolean;
  readonly onIdle: () => void;
}

/**
 * Tells a pool that no request has arrived for `idleTimeout` seconds (IIS's
 * `processModel@idleTimeout`, Passenger's `passenger_pool_idle_time`). It looks every tenth of the
 * timeout, on the injected clock, rather than on every request, so the data path pays nothing: a
 * request that ended or is in flight since the last look counts as activity now. A look that comes
 * late counts idleness only as far as its reads surely reach (`lookTime`): the fronts' reports of a
 * hold-up are read after it.
 */
export class IdleWatch {
  readonly #options: IdleWatchOptions;
  #timer: unknown;
  #lastAnswered = 0;
  #activeAt = 0;
  /** Activity reported from elsewhere (front processes) since the last look. */
  #noted = false;

  constructor(options: IdleWatchOptions) {
    this.#options = options;
  }

  /** Starts watching: the workers just started, which counts as activity. Idempotent. */
  start(): void {
    const { idleTimeout, clock } = this.#options;
    if (idleTimeout <= 0 || this.#timer !== undefined) return;
    this.#lastAnswered = this.#options.answered();
    this.#activeAt = clock.now();
    this.#schedule();
  }

  stop(): void {
    if (this.#timer !== undefined) this.#options.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** A request was seen where this pool cannot count it (a front process). */
  noteActivity(): void {
    this.#noted = true;
  }

  #schedule(): void {
    const { idleTimeout, clock } = this.#options;
    const interval = (idleTimeout * 1000) / checksPerTimeout;
    const scheduledAt = clock.now();
    this.#timer = clock.setTimeout(() => this.#look(scheduledAt, interval), interval);
  }

  #look(scheduledAt: number, interval: number): void {
    const { clock, idleTimeout, answered, busy, onIdle } = this.#options;
    this.#timer = undefined;
    const now = clock.now();
    const count = answered();
    if (count !== this.#lastAnswered || busy() || this.#noted) this.#activeAt = now;
    this.#lastAnswered = count;
    this.#noted = false;
    if (lookTime(scheduledAt, interval, now).coveredUpTo - this.#activeAt >= idleTimeout * 1000) return onIdle();
    this.#schedule();
  }
}
