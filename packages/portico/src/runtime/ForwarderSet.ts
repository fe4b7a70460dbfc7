import { createEmbeddedForwarder, type EmbeddedForwarder, type Forwarder } from '@portico/router';
import type { PorticoConfig } from '../config/PorticoConfigSchema.ts';
import { createSocketForwarder, type SocketForwarderWiring } from './createSocketForwarder.ts';

type Limits = PorticoConfig['limits'];

/**
 * Portico's forwarders under the `limits` in force: the embedded one (for a host's `node:http`
 * server, and Portico's own `handler` and `upgrade`) and one socket forwarder per listener
 * protocol, made on its first connection. A reload that changes `limits` makes new forwarders for
 * new connections and requests; the old ones finish what they have and are closed with Portico.
 */
export class ForwarderSet {
  readonly #wiring: SocketForwarderWiring;
  #limits: Limits;
  #embedded: EmbeddedForwarder;
  /** Every forwarder made, to close with Portico. */
  readonly #embeddedMade: EmbeddedForwarder[] = [];
  readonly #socketMade: Forwarder[] = [];
  /** The socket forwarders of the current limits, by protocol. */
  readonly #socket = new Map<'http' | 'https', Forwarder>();

  constructor(limits: Limits, wiring: SocketForwarderWiring) {
    this.#wiring = wiring;
    this.#limits = limits;
    this.#embedded = this.#makeEmbedded(limits);
  }

  /** The embedded forwarder of the current limits. */
  get embedded(): EmbeddedForwarder {
    return this.#embedded;
  }

  /** The socket forwarder of the current limits for a connection accepted on a `proto` listener. */
  forProtocol(proto: 'http' | 'https'): Forwarder {
    let forwarder = this.#socket.get(proto);
    if (!forwarder) {
      forwarder = createSocketForwarder(proto, this.#limits, this.#wiring);
      this.#socketMade.push(forwarder);
      this.#socket.set(proto, forwarder);
    }
    return forwarder;
  }

  /** New connections and requests go to forwarders of `limits` from now on. */
  useLimits(limits: Limits): void {
    this.#limits = limits;
    this.#socket.clear();
    this.#embedded = this.#makeEmbedded(limits);
  }

  async close(): Promise<void> {
    await Promise.all(this.#socketMade.map((f) => f.close()));
    for (const forwarder of this.#embeddedMade) forwarder.close();
  }

  #makeEmbedded(limits: Limits): EmbeddedForwarder {
    const embedded = createEmbeddedForwarder({
      dispatch: this.#wiring.dispatch,
      limits: { maxHeaderBytes: limits.maxHeaderBytes, maxHeaderCount: limits.maxHeaderCount },
      servesHost: this.#wiring.servesHost,
      onEvent: this.#wiring.onEvent,
    });
    this.#embeddedMade.push(embedded);
    return embedded;
  }
}
