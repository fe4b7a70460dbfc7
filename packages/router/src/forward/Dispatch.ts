import type net from 'node:net';
import type { RequestHead } from '../http1/RequestHead.ts';
import type { HeaderPair } from './ForwarderOptions.ts';
import type { RequestConnection } from './RequestConnection.ts';
import type { Upstream } from './Upstream.ts';

/** What the forwarder asks about each request before anything goes upstream. */
export interface DispatchRequest {
  readonly head: RequestHead;
  /** The client connection (a TLSSocket on HTTPS), for its address and certificate. */
  readonly socket: net.Socket;
  /**
   * What the request lives on: `socket` on HTTP/1.1, the request's stream on HTTP/2, where the
   * socket is the session's and outlives it. A WebSocket's tunnel ends with its close.
   */
  readonly connection: RequestConnection;
  /** This request's `x-request-id`, for error pages and logs. */
  readonly requestId: string;
  /**
   * When the request's head was complete, on the forwarder's clock (`ForwarderOptions.clock`),
   * where the engine read it anyway: a dispatcher on the same clock (Portico's router and socket
   * forwarders both run on the system clock) times the request from it instead of asking the
   * clock again. Given with the
   * outcome's `endedAt`; absent, the dispatcher reads its own clock.
   */
  readonly receivedAt?: number | undefined;
}

/**
 * Where a request goes: to an upstream (with the header changes to make, the time it may take,
 * how to pick another upstream for the one allowed retry, and what to call when it is over), or
 * answered by Portico itself. Every engine calls a forward's callbacks as methods of the dispatch,
 * so a dispatch may be a class instance (the router's `ForwardDecision`).
 */
export type Dispatch =
  | {
      readonly kind: 'forward';
      readonly upstream: Upstream;
      transformHeaders?(headers: HeaderPair[]): HeaderPair[];
      /** Send the client's own `x-request-id` upstream when it is well-formed (docs/proxy.md). Default false. */
      readonly trustRequestId?: boolean;
      /**
       * The app's mount path, to take off the front of the request-target and send as
       * `x-forwarded-prefix` (the app's `stripPrefix`). Undefined: the target goes as sent.
       */
      readonly pathPrefix?: string;
      /**
       * Response headers never relayed to the client, in any spelling a backend may fold, beside
       * Portico's own `x-portico-*` and `ms-aspnetcore-*`: what the app's authenticator forwards
       * to the backend (forward-auth's `copyHeaders`), so a backend that reflects request headers
       * cannot hand the identity back. Lower-case names. Default none.
       */
      readonly hiddenResponseHeaders?: readonly string[];
      /** Milliseconds to the response head before 504; default the forwarder's `requestTimeout`. */
      readonly requestTimeout?: number;
      /**
       * Another upstream for a retry, never the one that failed; or Portico's own answer instead
       * (the start-up failure page of an app held down); undefined for a bare 502. Told why the
       * last one failed and whether that was its failed start (docs/proxy.md); may answer later (a
       * promise), when it waits for a worker to (re)start.
       */
      retry?(error: Error, failedStart: boolean): RetryChoice | Promise<RetryChoice>;
      /**
       * Whether `upstream` has answered a request before (any byte of a response came back from
       * it). A failure before any response byte from one that has not is its failed start, not the
       * request's (docs/proxy.md, Failures and the retry rule). Undefined: every upstream has.
       */
      hasAnswered?(upstream: Upstream): boolean;
      /**
       * Portico's own answer instead of a bare `status` when the exchange fails before any byte
       * reached the client: `failedStart` for a request whose upstream failed to start and which
       * cannot be sent again (its bytes went out and it is not idempotent, or its body is no longer
       * held), 504 when the backend sent nothing within the request timeout. Behind the router: the
       * start-up failure page, or the 504 page naming the app, each with the correlation id.
       * Undefined: the bare status.
       */
      failureAnswer?(status: number, error: Error, failedStart: boolean): DispatchAnswer | undefined;
      /** Called once when the exchange is over, however it ended (the tunnel, for a WebSocket). */
      release?(outcome: ExchangeOutcome): void;
    }
  | DispatchAnswer;

/** A request answered by Portico itself (an error page, an auth challenge, app_offline.htm). */
export interface DispatchAnswer {
  readonly kind: 'respond';
  readonly status: number;
  readonly headers?: readonly HeaderPair[];
  readonly body?: string;
  /** Close the connection after the answer even when the request would allow keep-alive. */
  readonly close?: boolean;
}

/** What a dispatch's `retry` offers: another upstream, Portico's own answer, or nothing (a bare 502). */
export type RetryChoice = Upstream | DispatchAnswer | undefined;

/**
 * How an exchange ended, for metrics, as nginx's access log has it: the status the client got
 * (the head it was sent, even when the response was then cut: `incomplete`; 499, nginx's client
 * closed request, when the client left before any of the response reached it; 0 when Portico cut
 * the connection before any of it did: an invariant broke, or the head went in the same backend
 * read as the fault), and the body bytes relayed each way: the request's payload from the client
 * and the response's payload to it, without heads or chunk framing (issue 19: the head was counted).
 */
export interface ExchangeOutcome {
  readonly status: number;
  /** Any byte of a response (a 1xx included) came back from the backend: it has answered (`hasAnswered`). */
  readonly answered: boolean;
  /** Request body bytes received from the client (decoded payload). */
  readonly bytesIn: number;
  /** Response body bytes sent to the client (decoded payload; a WebSocket's after its 101 not counted). */
  readonly bytesOut: number;
  /**
   * The client left before any of the response reached it (the 499s). Its own flag, not the
   * status: a backend may answer 499 itself, and that is an answer the client got in full.
   */
  readonly clientClosed: boolean;
  /**
   * The response's head reached the client but the response did not end: the backend failed or
   * broke its framing mid-body, a deadline cut it (the client read nothing for `sendTimeout`), or
   * the client left. `status` is that head's; never with `clientClosed` (nginx's
   * `$request_completion`, empty).
   */
  readonly incomplete: boolean;
  /** When the exchange ended, on the forwarder's clock; given when the request came with `receivedAt`. */
  readonly endedAt?: number | undefined;
}
