import type { Socket } from 'node:net';
import type { AdminConnectionLimits } from '../AdminConnectionLimits.ts';

/** The counts when a connection was closed to keep the limits, for the log. */
export interface GateCounts {
  /** Connections open once the new one is taken or refused. */
  readonly open: number;
  /** Of them, those with no request admitted yet. */
  readonly unadmitted: number;
  /** Connections closed to keep the limits since the gate was made. */
  readonly closed: number;
}

/**
 * Counts the TCP port's connections from their accept (`onConnection`, the server's
 * `connection` listener) to their close, and keeps them within `limits` as nginx keeps
 * `worker_connections`, by draining the oldest connections still waiting for a request:
 *
 * - past `unadmitted` waiting ones, a new connection closes the oldest that has waited
 *   `graceMs` or more; when none has (a burst of clients that each send a head at once, all
 *   accepted in one turn of the event loop before any head is read), it is taken all the same;
 * - at `connections`, it closes the oldest waiting one, however young, and when every open one
 *   has been admitted it is itself closed at once: this is the bound on descriptors.
 *
 * A connection is waiting only between its requests: one whose reply is under way (`replying`
 * until `replied`: a probe's answer to a client that reads slowly) is passed over, so the reply
 * is never cut, unless it has been under way for `headTimeoutMs`, as long as a head may take: a
 * client that takes nothing of its reply holds a place no longer than one that sends nothing.
 * At `connections` with no connection to close, the new one is closed at accept.
 *
 * A flood of connections that send nothing so pushes out its own, and a probe that sends its
 * head at once is answered before the flood's newer connections make it the oldest. `admit`
 * marks a connection whose request carried the token (`admits`): a probe's admits nothing, or
 * kept-alive probes without the token would hold every place.
 */
export class AdminConnectionGate {
  readonly #limits: AdminConnectionLimits;
  readonly #graceMs: number;
  readonly #now: () => number;
  readonly #onClosed: (counts: GateCounts) => void;
  readonly #open = new Set<Socket>();
  /** When each was accepted, in accept order: the first is the oldest. */
  readonly #unadmitted = new Map<Socket, number>();
  /** Connections with replies under way: since when, and how many (pipelined requests). */
  readonly #replying = new Map<Socket, { since: number; count: number }>();
  #closed = 0;

  constructor(limits: AdminConnectionLimits, onClosed: (counts: GateCounts) => void, now: () => number = () => performance.now()) {
    this.#limits = limits;
    // A tenth of the head deadline, at most a second: far longer than a client takes to send its head.
    this.#graceMs = Math.min(1000, limits.headTimeoutMs / 10);
    this.#now = now;
    this.#onClosed = onClosed;
  }

  readonly onConnection = (socket: Socket): void => {
    const full = this.#open.size >= this.#limits.connections;
    if (full || this.#unadmitted.size >= this.#limits.unadmitted) {
      const oldest = this.#oldestWaiting();
      if (oldest !== undefined && (full || this.#now() - oldest.since >= this.#graceMs)) return this.#replace(oldest.socket, socket);
      if (full) return this.#close(socket);
    }
    this.#take(socket);
  };

  admit(socket: Socket): void {
    this.#unadmitted.delete(socket);
  }

  /** A request of `socket` is being answered; `replied` once its reply is written or cut. */
  replying(socket: Socket): void {
    const reply = this.#replying.get(socket);
    if (reply === undefined) this.#replying.set(socket, { since: this.#now(), count: 1 });
    else reply.count++;
  }

  replied(socket: Socket): void {
    const reply = this.#replying.get(socket);
    if (reply !== undefined && --reply.count === 0) this.#replying.delete(socket);
  }

  /** The oldest unadmitted connection between its requests or whose reply is stuck, and when it was accepted. */
  #oldestWaiting(): { socket: Socket; since: number } | undefined {
    const now = this.#now();
    for (const [socket, since] of this.#unadmitted) {
      const reply = this.#replying.get(socket);
      if (reply === undefined || now - reply.since >= this.#limits.headTimeoutMs) return { socket, since };
    }
    return undefined;
  }

  #replace(oldest: Socket, socket: Socket): void {
    // Counted out now, not at its close event: the new connection takes its place at once.
    this.#forget(oldest);
    this.#take(socket);
    this.#close(oldest);
  }

  #take(socket: Socket): void {
    this.#open.add(socket);
    this.#unadmitted.set(socket, this.#now());
    socket.once('close', () => this.#forget(socket));
  }

  #forget(socket: Socket): void {
    this.#open.delete(socket);
    this.#unadmitted.delete(socket);
    this.#replying.delete(socket);
  }

  #close(socket: Socket): void {
    socket.destroy();
    this.#closed++;
    this.#onClosed({ open: this.#open.size, unadmitted: this.#unadmitted.size, closed: this.#closed });
  }
}
