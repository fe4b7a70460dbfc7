import type net from 'node:net';
import type { ConnectionHandler } from '@portico/listener';
import type { Forwarder } from '@portico/router';
import type { PorticoConfig } from '../config/PorticoConfigSchema.ts';
import { createSocketForwarder, type SocketForwarderWiring } from './createSocketForwarder.ts';

type Limits = PorticoConfig['limits'];
type Proto = 'http' | 'https';

/** One forwarder and the connections handed to it that have not closed. */
interface Made {
  readonly forwarder: Forwarder;
  open: number;
  /** Its limits are no longer in force: it is closed and let go with its last connection. */
  retired: boolean;
}

/**
 * The socket forwarders under the `limits` in force, one per listener protocol, made on its first
 * connection; each connection is served to its end by the forwarder that took it. A reload that
 * changes `limits` makes new forwarders for new connections, and each old one is closed and let
 * go once the last connection it took has closed (at once if it has none): before, a process kept
 * every forwarder of every such reload for as long as it ran (docs/architecture.md, What is kept).
 * The connections are counted here, on their sockets' `close`, not read from the forwarder, whose
 * count of an HTTP/2 connection drops only after its session has closed, later.
 */
export class SocketForwarders {
  readonly #wiring: SocketForwarderWiring;
  #limits: Limits;
  /** The forwarders of the current limits, by protocol. */
  readonly #current = new Map<Proto, Made>();
  /** Forwarders of earlier limits that still serve a connection. */
  readonly #retired = new Set<Made>();
  /** Portico is stopping: every forwarder, and any made from now on, drains (`Forwarder.drain`). */
  #draining = false;
  /**
   * Closed (`close`): a connection handed over after (one whose TLS handshake or h2c sniff ended
   * after the listeners stopped) is closed, as a closed forwarder does, not given a new forwarder
   * that nothing would close.
   */
  #closed = false;

  constructor(limits: Limits, wiring: SocketForwarderWiring) {
    this.#limits = limits;
    this.#wiring = wiring;
  }

  /** What a listener of `proto` hands its connections to: the current limits' forwarder of the moment. */
  handler(proto: Proto): Required<ConnectionHandler> {
    return {
      handleConnection: (socket, initial) => this.#take(proto, socket)?.handleConnection(socket, initial),
      handleHttp2Connection: (socket, initial) => this.#take(proto, socket)?.handleHttp2Connection(socket, initial),
    };
  }

  /** New connections go to forwarders of `limits` from now on. */
  useLimits(limits: Limits): void {
    this.#limits = limits;
    for (const made of this.#current.values()) {
      made.retired = true;
      if (made.open === 0) void made.forwarder.close();
      else this.#retired.add(made);
    }
    this.#current.clear();
  }

  /**
   * Portico is stopping and its listeners no longer accept: idle keep-alive connections close,
   * the others after the response in flight, HTTP/2 sessions after GOAWAY (`Forwarder.drain`).
   */
  drain(): void {
    this.#draining = true;
    for (const made of this.#current.values()) made.forwarder.drain();
    for (const made of this.#retired) made.forwarder.drain();
  }

  /** Forwarders held: those of the current limits, and the older ones that still serve a connection. */
  get held(): number {
    return this.#current.size + this.#retired.size;
  }

  /** Client connections being served, by every forwarder held. */
  get connectionCount(): number {
    let sum = 0;
    for (const made of this.#current.values()) sum += made.forwarder.connectionCount;
    for (const made of this.#retired) sum += made.forwarder.connectionCount;
    return sum;
  }

  /** Closes every forwarder held, and the connections they serve; one handed over after is closed too. */
  async close(): Promise<void> {
    this.#closed = true;
    const all = [...this.#current.values(), ...this.#retired];
    this.#current.clear();
    this.#retired.clear();
    await Promise.all(all.map((made) => made.forwarder.close()));
  }

  #take(proto: Proto, socket: net.Socket): Forwarder | undefined {
    if (this.#closed) {
      socket.destroy();
      return undefined;
    }
    let made = this.#current.get(proto);
    if (!made) {
      this.#current.set(proto, (made = { forwarder: createSocketForwarder(proto, this.#limits, this.#wiring), open: 0, retired: false }));
      if (this.#draining) made.forwarder.drain();
    }
    // A socket closed before it came here has no `close` to come: it is not counted.
    if (socket.closed) return made.forwarder;
    made.open++;
    const taken = made;
    socket.once('close', () => {
      if (--taken.open > 0 || !taken.retired || !this.#retired.delete(taken)) return;
      void taken.forwarder.close();
    });
    return made.forwarder;
  }
}
