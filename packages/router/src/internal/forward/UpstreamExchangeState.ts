import type net from 'node:net';
import type { Dispatch } from '../../forward/Dispatch.ts';
import type { RequestConnection } from '../../forward/RequestConnection.ts';
import type { ResolvedForwarderOptions } from '../../forward/ForwarderOptions.ts';
import { ForwarderStateError } from '../../errors.ts';
import type { RequestHead } from '../../http1/RequestHead.ts';
import type { ResponseHeadParser } from '../../http1/ResponseHeadParser.ts';
import type { ClientOrigin } from './clientOrigin.ts';
import type { ExchangeClientSide } from './ExchangeClientSide.ts';
import { mayEnter, type ExchangePhase } from './ExchangePhase.ts';
import type { UpstreamConnection } from './UpstreamConnection.ts';
import type { UpstreamPool } from './UpstreamPool.ts';

/** What an `UpstreamExchange` is given by its client side. */
export interface UpstreamExchangeInit {
  /** Names the exchange in a `ForwarderStateError`. */
  readonly name: string;
  readonly client: ExchangeClientSide;
  /** The client's socket, for the dispatch. */
  readonly socket: net.Socket;
  /** What the request lives on, for the dispatch: the socket on HTTP/1.1, the stream on HTTP/2. */
  readonly connection: RequestConnection;
  readonly origin: ClientOrigin;
  readonly options: ResolvedForwarderOptions;
  readonly pool: UpstreamPool;
  readonly head: RequestHead;
  /** The host the outbound head names. */
  readonly host: string | undefined;
  readonly requestId: string;
  /** A parser to reuse (one per client connection, whose exchanges run one at a time); else one is made when needed. */
  readonly parser: ResponseHeadParser | undefined;
  /** The request has no body still to come. */
  readonly bodyEnded: boolean;
  /** When the head was complete, on the forwarder's clock, if the engine read it (`DispatchRequest.receivedAt`). */
  readonly receivedAt: number | undefined;
}

/** A dispatch that forwards: what an exchange holds from its dispatch until it releases it. */
type ForwardDispatch = Dispatch & { readonly kind: 'forward' };

/**
 * The base layer of an `UpstreamExchange` (its layers are one object, so that a request costs one
 * allocation and no indirection): the phase, changed only by `enter`, which checks the transition
 * and the new phase's invariants (as undici asserts its parser state in every callback), and the
 * facts those invariants are about: the dispatch, the backend connection, and whether the response
 * began. Each layer keeps its own state private; the layers above read these through getters and
 * change them only through the methods below, each of which keeps the phase and its facts in step.
 */
export abstract class UpstreamExchangeState {
  /** The client side, the forwarder's options and the request head: every layer reads them, none replaces them. */
  protected readonly client: ExchangeClientSide;
  protected readonly options: ResolvedForwarderOptions;
  protected readonly head: RequestHead;
  readonly #name: string;
  #phase: ExchangePhase = 'choosing';
  #dispatch: ForwardDispatch | undefined;
  #connection: UpstreamConnection | undefined;
  /** A fact, not a phase: once the response began (or a tunnel took it) it stays true. */
  #responseStarted = false;

  constructor(init: UpstreamExchangeInit) {
    this.client = init.client;
    this.options = init.options;
    this.head = init.head;
    this.#name = init.name;
  }

  get phase(): ExchangePhase {
    return this.#phase;
  }

  /** Whether the final response head (or a 101) went to the client. */
  get responseStarted(): boolean {
    return this.#responseStarted;
  }

  /** The dispatch that forwards this request, until it is released. */
  protected get dispatch(): ForwardDispatch | undefined {
    return this.#dispatch;
  }

  /** The backend connection the current attempt runs on. */
  protected get connection(): UpstreamConnection | undefined {
    return this.#connection;
  }

  /** Whether the backend connection is open and carries this request: its bytes are written, not queued. */
  protected connected(): boolean {
    return this.#phase === 'awaiting-head' || this.#phase === 'relaying-body';
  }

  /** The dispatch forwards the request: it is held until `takeDispatch` takes it to release it. Once, while choosing. */
  protected holdDispatch(dispatch: ForwardDispatch): void {
    if (this.#phase !== 'choosing' || this.#dispatch !== undefined) throw this.impossible('a dispatch');
    this.#dispatch = dispatch;
  }

  /** The dispatch, taken to be released; undefined when it was released already. */
  protected takeDispatch(): ForwardDispatch | undefined {
    const dispatch = this.#dispatch;
    this.#dispatch = undefined;
    return dispatch;
  }

  /** An attempt's backend connection is opening: it carries the request from here. */
  protected connectOn(connection: UpstreamConnection): void {
    this.#connection = connection;
    this.enter('connecting');
  }

  /** The backend connection leaves the exchange (to the pool, closed, or to a tunnel); undefined when none. */
  protected takeConnection(): UpstreamConnection | undefined {
    const connection = this.#connection;
    this.#connection = undefined;
    return connection;
  }

  /**
   * The one way the phase changes. Checks the transition and what the new phase promises; a
   * violation throws, and the entry point that led here tears the exchange down (`broken`).
   * Strings and a `switch`: nothing is allocated unless the check fails. Entering
   * `relaying-body` is the response beginning.
   */
  protected enter(next: ExchangePhase): void {
    const from = this.#phase;
    if (!mayEnter(from, next)) throw this.impossible(`a move to ${next}`);
    switch (next) {
      case 'connecting':
      case 'awaiting-head':
        // A request goes out only on a connection, for a request the dispatch forwarded.
        if (this.#connection === undefined || this.#dispatch === undefined) throw this.impossible(`a move to ${next} without a backend connection`);
        break;
      case 'relaying-body':
        // The final head is relayed once, after the request went out.
        if (this.#connection === undefined || this.#responseStarted) throw this.impossible('a second final response head');
        this.#responseStarted = true;
        break;
      case 'choosing':
        // A retry starts from no connection, within the policy's attempts.
        if (this.#connection !== undefined || this.#responseStarted) throw this.impossible('a retry with a connection or a started response');
        break;
      case 'done':
        break;
    }
    this.#phase = next;
  }

  /** The backend switched protocols: settled, and the response counts as begun (its 101 goes with the tunnel). */
  protected enterTunnel(): void {
    this.enter('done');
    this.#responseStarted = true;
  }

  /** Settles whatever the phase, without the checks: for `broken`, when an invariant already failed. */
  protected forceDone(): void {
    this.#phase = 'done';
  }

  /** The error for an event the current phase rules out. */
  impossible(event: string): Error {
    return new ForwarderStateError(this.#name, this.#phase, event);
  }
}
