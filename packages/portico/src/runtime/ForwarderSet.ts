import { createEmbeddedForwarder, type EmbeddedForwarder } from '@portico/router';
import type { ConnectionHandler } from '@portico/listener';
import type { PorticoConfig } from '../config/PorticoConfigSchema.ts';
import type { SocketForwarderWiring } from './createSocketForwarder.ts';
import { SocketForwarders } from './SocketForwarders.ts';

type Limits = PorticoConfig['limits'];

/**
 * Portico's forwarders under the `limits` in force: the embedded one (for a host's `node:http`
 * server, and Portico's own `handler` and `upgrade`) and the socket forwarders of its listeners
 * (`SocketForwarders`). A reload that changes `limits` makes new forwarders for new connections
 * and requests. An old socket forwarder is closed and let go with its last connection; an old
 * embedded one is closed at once: its idle backend connections close, and its requests in flight
 * finish on theirs, which then close instead of going back to its pool.
 */
export class ForwarderSet {
  readonly #wiring: SocketForwarderWiring;
  readonly #socket: SocketForwarders;
  #embedded: EmbeddedForwarder;

  constructor(limits: Limits, wiring: SocketForwarderWiring) {
    this.#wiring = wiring;
    this.#socket = new SocketForwarders(limits, wiring);
    this.#embedded = this.#makeEmbedded(limits);
  }

  /** The embedded forwarder of the current limits. */
  get embedded(): EmbeddedForwarder {
    return this.#embedded;
  }

  /** What a listener of `proto` hands its connections to (`SocketForwarders.handler`). */
  handler(proto: 'http' | 'https'): Required<ConnectionHandler> {
    return this.#socket.handler(proto);
  }

  /** Socket forwarders held: those of the current limits, and older ones still serving a connection. */
  get held(): number {
    return this.#socket.held;
  }

  /** Client connections being served on Portico's listeners. */
  get connectionCount(): number {
    return this.#socket.connectionCount;
  }

  /** New connections and requests go to forwarders of `limits` from now on. */
  useLimits(limits: Limits): void {
    this.#socket.useLimits(limits);
    const old = this.#embedded;
    this.#embedded = this.#makeEmbedded(limits);
    old.close();
  }

  /** Portico is stopping: its own listeners' connections drain (`SocketForwarders.drain`); a host's server drains its own. */
  drain(): void {
    this.#socket.drain();
  }

  async close(): Promise<void> {
    await this.#socket.close();
    this.#embedded.close();
  }

  #makeEmbedded(limits: Limits): EmbeddedForwarder {
    return createEmbeddedForwarder({
      dispatch: this.#wiring.dispatch,
      limits: { maxHeaderBytes: limits.maxHeaderBytes, maxHeaderCount: limits.maxHeaderCount },
      servesHost: this.#wiring.servesHost,
      onEvent: this.#wiring.onEvent,
    });
  }
}
