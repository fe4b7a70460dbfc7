import { systemClock, type Clock } from '@portico/supervisor';
import type { Upstream } from '../../forward/Upstream.ts';
import { UpstreamConnection } from './UpstreamConnection.ts';

export interface UpstreamPoolOptions {
  /** Idle keep-alive connections kept per upstream; more are closed. */
  readonly maxIdlePerUpstream: number;
  /** Milliseconds an idle connection is kept. Below Node's 5 s keepAliveTimeout so we close first. */
  readonly idleTimeout: number;
  /** Time for idle expiry; default the real clock. */
  readonly clock?: Clock;
}

/**
 * Keep-alive connections to backends, per upstream id, newest first (a recently used connection
 * is the least likely to have been closed by the backend). Expiry is one sweep timer per pool,
 * not a timer per connection.
 */
export class UpstreamPool {
  readonly #options: UpstreamPoolOptions;
  readonly #clock: Clock;
  readonly #idle = new Map<string, UpstreamConnection[]>();
  #sweeper: unknown;
  #closed = false;

  constructor(options: UpstreamPoolOptions) {
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
  }

  /** An idle connection to `upstream`, or undefined when none is left. */
  take(upstream: Upstream): UpstreamConnection | undefined {
    const list = this.#idle.get(upstream.id);
    while (list !== undefined && list.length > 0) {
      const connection = list.pop()!;
      if (connection.usable) return connection;
      connection.destroy();
    }
    return undefined;
  }

  /** Opens a new connection; the caller waits for the socket's `connect`. */
  connect(upstream: Upstream): UpstreamConnection {
    return new UpstreamConnection(upstream);
  }

  /** Takes a connection back after a complete exchange (`now`: the clock's time, when the caller has just read it); closes it when the pool is full or closed. */
  put(connection: UpstreamConnection, now?: number): void {
    const id = connection.upstream.id;
    let list = this.#idle.get(id);
    if (this.#closed || !connection.usable || (list !== undefined && list.length >= this.#options.maxIdlePerUpstream)) {
      connection.destroy();
      return;
    }
    if (list === undefined) {
      list = [];
      this.#idle.set(id, list);
    }
    // The list it waits in, not a callback made per request: it leaves the list if it is closed.
    connection.idle(now ?? this.#clock.now(), list);
    list.push(connection);
    if (this.#sweeper === undefined) this.#scheduleSweep();
  }

  /**
   * Upstream ids the pool keeps a list for: those with idle connections, and those whose last one
   * left since the last sweep. Each worker has its own id and a restart, recycle or rollout gives
   * its successor a new one, so lists are dropped once empty (at the sweep: a connection taken
   * and put back on every request does not remove and add its list each time).
   */
  get upstreamsHeld(): number {
    return this.#idle.size;
  }

  /** Idle connections per upstream id, for tests and metrics. */
  idleCount(upstreamId: string): number {
    return this.#idle.get(upstreamId)?.length ?? 0;
  }

  /** Closes every idle connection; later `put`s close theirs at once. */
  close(): void {
    this.#closed = true;
    if (this.#sweeper !== undefined) this.#clock.clearTimeout(this.#sweeper);
    this.#sweeper = undefined;
    for (const list of this.#idle.values()) for (const c of list.splice(0)) c.destroy();
  }

  #scheduleSweep(): void {
    const sweeper = this.#clock.setTimeout(this.#sweep, Math.max(50, this.#options.idleTimeout / 2));
    // Idle connections never keep the process alive on their own (Node timers only).
    (sweeper as { unref?: () => void } | undefined)?.unref?.();
    this.#sweeper = sweeper;
  }

  readonly #sweep = (): void => {
    this.#sweeper = undefined;
    const cutoff = this.#clock.now() - this.#options.idleTimeout;
    let left = 0;
    for (const [id, list] of this.#idle) {
      // Oldest first: stop at the first connection still young enough.
      let expired = 0;
      while (expired < list.length && list[expired]!.idleSince <= cutoff) expired++;
      for (const c of list.splice(0, expired)) c.destroy();
      left += list.length;
      if (list.length === 0) this.#idle.delete(id);
    }
    if (left > 0 && !this.#closed) this.#scheduleSweep();
  };
}
