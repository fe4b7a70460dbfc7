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
 * `worker_connections`: a new connection that would pass a limit closes the oldest one that has
 * had no request admitted (nginx drains its oldest connections still waiting for a request), or,
 * when every open one has been admitted, is itself closed at once. A flood of connections that
 * send nothing so only ever pushes out its own, and a probe or an operator that sends its head
 * at once is admitted before it is the oldest. `admit` marks a connection whose request passed
 * the access check.
 */
export class AdminConnectionGate {
  readonly #limits: AdminConnectionLimits;
  readonly #onClosed: (counts: GateCounts) => void;
  readonly #open = new Set<Socket>();
  /** In accept order: the first is the oldest. */
  readonly #unadmitted = new Set<Socket>();
  #closed = 0;

  constructor(limits: AdminConnectionLimits, onClosed: (counts: GateCounts) => void) {
    this.#limits = limits;
    this.#onClosed = onClosed;
  }

  readonly onConnection = (socket: Socket): void => {
    if (this.#open.size >= this.#limits.connections || this.#unadmitted.size >= this.#limits.unadmitted) {
      const oldest = this.#unadmitted.values().next().value;
      if (oldest === undefined) return this.#close(socket);
      // Counted out now, not at its close event: the new connection takes its place at once.
      this.#forget(oldest);
      this.#take(socket);
      return this.#close(oldest);
    }
    this.#take(socket);
  };

  #take(socket: Socket): void {
    this.#open.add(socket);
    this.#unadmitted.add(socket);
    socket.once('close', () => this.#forget(socket));
  }

  admit(socket: Socket): void {
    this.#unadmitted.delete(socket);
  }

  #forget(socket: Socket): void {
    this.#open.delete(socket);
    this.#unadmitted.delete(socket);
  }

  #close(socket: Socket): void {
    socket.destroy();
    this.#closed++;
    this.#onClosed({ open: this.#open.size, unadmitted: this.#unadmitted.size, closed: this.#closed });
  }
}
