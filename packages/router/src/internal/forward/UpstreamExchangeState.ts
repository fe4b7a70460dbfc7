import type net from 'node:net';
import type { Dispatch } from '../../forward/Dispatch.ts';
import type { ResolvedForwarderOptions } from '../../forward/ForwarderOptions.ts';
import { ForwarderStateError } from '../../errors.ts';
import type { RequestHead } from '../../http1/RequestHead.ts';
import type { ResponseHead } from '../../http1/ResponseHead.ts';
import type { ResponseHeadParser } from '../../http1/ResponseHeadParser.ts';
import { exchangeWait, NO_HIDDEN_HEADERS, type ExchangeWait } from '../policy/index.ts';
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
}

/**
 * An `UpstreamExchange`'s state, shared by its parts (the outbound request, the response relay,
 * the exchange itself), which are layers of one object so that a request costs one allocation and
 * no indirection: its phase, changed only by `enter`, which checks the transition and the new
 * phase's invariants (as undici asserts its parser state in every callback), and the facts the
 * phases do not hold.
 */
export abstract class UpstreamExchangeState {
  protected readonly name: string;
  protected readonly client: ExchangeClientSide;
  protected readonly socket: net.Socket;
  protected readonly origin: ClientOrigin;
  protected readonly options: ResolvedForwarderOptions;
  protected readonly pool: UpstreamPool;
  protected readonly head: RequestHead;
  protected readonly host: string | undefined;
  /** Portico's id for this request; the client's own once a dispatch that trusts it says so. */
  protected requestId: string;
  #phase: ExchangePhase = 'choosing';
  protected dispatch: (Dispatch & { kind: 'forward' }) | undefined;
  /** Response headers the app's authenticator forwards to the backend, never relayed back. */
  protected hidden: readonly string[] = NO_HIDDEN_HEADERS;
  protected connection: UpstreamConnection | undefined;
  protected requestBodyBytes = 0;
  protected requestBodyEnded: boolean;
  /** A fact, not a phase: once the response began (or a tunnel took it) it stays true. */
  protected hasResponseStarted = false;
  protected responseBytes = 0;
  /** Response body bytes relayed to the client (payload), for the outcome. */
  protected bodyBytesOut = 0;
  protected parser: ResponseHeadParser | undefined;
  protected response: ResponseHead | undefined;
  protected reusable = true;
  /** Milliseconds the backend may go without progress (docs/proxy.md, Limits and timeouts). */
  protected timeoutMs = 0;
  /** The backend holds the request body back: not connected yet, or its socket is full. */
  protected upstreamFull = false;

  constructor(init: UpstreamExchangeInit) {
    this.name = init.name;
    this.client = init.client;
    this.socket = init.socket;
    this.origin = init.origin;
    this.options = init.options;
    this.pool = init.pool;
    this.head = init.head;
    this.host = init.host;
    this.requestId = init.requestId;
    this.parser = init.parser;
    this.requestBodyEnded = init.bodyEnded;
  }

  get phase(): ExchangePhase {
    return this.#phase;
  }

  /** Whether the final response head (or a 101) went to the client. */
  get responseStarted(): boolean {
    return this.hasResponseStarted;
  }

  /** Request body bytes received from the client so far (the outcome's `bytesIn`). */
  get bodyBytes(): number {
    return this.requestBodyBytes;
  }

  get bodyEnded(): boolean {
    return this.requestBodyEnded;
  }

  /** Response headers the client must not see (the dispatch's `hiddenResponseHeaders`). */
  get hiddenHeaders(): readonly string[] {
    return this.hidden;
  }

  /** Milliseconds the backend may go without progress, once dispatched. */
  get requestTimeout(): number {
    return this.timeoutMs;
  }

  /**
   * What the exchange waits for now, by the policy's rule (`exchangeWait`); undefined while it
   * keeps no deadline: settled, or waiting for the dispatch (the router's to time).
   */
  waitingFor(clientBehind: boolean, awaitingContinue: boolean): ExchangeWait | undefined {
    if (this.#phase === 'done' || this.dispatch === undefined) return undefined;
    return exchangeWait({
      settled: false,
      clientBehind,
      responseStarted: this.#phase === 'relaying-body',
      requestBodyEnded: this.requestBodyEnded,
      backendHoldsBody: this.upstreamFull,
      awaitingContinue,
    });
  }

  /** Whether the backend connection is open and carries this request: its bytes are written, not queued. */
  protected connected(): boolean {
    return this.#phase === 'awaiting-head' || this.#phase === 'relaying-body';
  }

  /**
   * The one way the phase changes. Checks the transition and what the new phase promises; a
   * violation throws, and the entry point that led here tears the exchange down (`broken`).
   * Strings and a `switch`: nothing is allocated unless the check fails.
   */
  protected enter(next: ExchangePhase): void {
    const from = this.#phase;
    if (!mayEnter(from, next)) throw this.impossible(`a move to ${next}`);
    switch (next) {
      case 'connecting':
      case 'awaiting-head':
        // A request goes out only on a connection, for a request the dispatch forwarded.
        if (this.connection === undefined || this.dispatch === undefined) throw this.impossible(`a move to ${next} without a backend connection`);
        break;
      case 'relaying-body':
        // The final head is relayed once, after the request went out.
        if (this.connection === undefined || this.response === undefined || this.hasResponseStarted) throw this.impossible('a second final response head');
        break;
      case 'choosing':
        // A retry starts from no connection, within the policy's attempts.
        if (this.connection !== undefined || this.hasResponseStarted) throw this.impossible('a retry with a connection or a started response');
        break;
      case 'done':
        break;
    }
    this.#phase = next;
  }

  /** Settles whatever the phase, without the checks: for `broken`, when an invariant already failed. */
  protected forceDone(): void {
    this.#phase = 'done';
  }

  /** The error for an event the current phase rules out. */
  impossible(event: string): Error {
    return new ForwarderStateError(this.name, this.#phase, event);
  }
}
