import type net from 'node:net';
import type { Dispatch, DispatchAnswer, RetryChoice } from '../../forward/Dispatch.ts';
import type { RequestConnection } from '../../forward/RequestConnection.ts';
import type { Upstream } from '../../forward/Upstream.ts';
import type { ResponseHead } from '../../http1/ResponseHead.ts';
import {
  afterFailedAttempt,
  CLIENT_CLOSED_REQUEST,
  CUT_BEFORE_RESPONSE,
  endedEarly,
  exchangeWait,
  failureAnswer,
  followFailedAttempt,
  isAnswer,
  isFailedStart,
  NO_HIDDEN_HEADERS,
  requestIdFor,
  upstreamHasAnswered,
  type ExchangeWait,
} from '../policy/index.ts';
import type { ClientOrigin } from './clientOrigin.ts';
import { outboundRequestHead } from './outboundRequestHead.ts';
import { ResponseRelay } from './ResponseRelay.ts';
import type { UpstreamConnection, UpstreamHandler } from './UpstreamConnection.ts';
import type { UpstreamExchangeInit } from './UpstreamExchangeState.ts';
import type { UpstreamPool } from './UpstreamPool.ts';

export type { UpstreamExchangeInit } from './UpstreamExchangeState.ts';

/**
 * The backend side of an exchange, the same for every engine that forwards to HTTP/1.1 backends
 * over the keep-alive pool (docs/proxy.md, One forwarding policy): the dispatch, the upstream
 * choice and the single allowed retry, the keep-alive hand-back, and the outcome given to the
 * dispatch's `release`. Its layers, one object: its phase and the facts its invariants check
 * (`UpstreamExchangeState`), the outbound request with its body framing and replay
 * (`OutboundRequest`), and the response head and body read through the framer (`ResponseRelay`);
 * each keeps its state private, and this one reaches theirs only through their named methods.
 *
 * An event the phase rules out throws a `ForwarderStateError`; the entry points catch it and tear
 * the exchange down (`broken`): the backend connection is dropped, the error reported as
 * `internal.error`, and the client side told to cut its client. A bug then costs one request,
 * never the process.
 */
export class UpstreamExchange extends ResponseRelay implements UpstreamHandler {
  readonly #socket: net.Socket;
  readonly #connection: RequestConnection;
  readonly #origin: ClientOrigin;
  readonly #pool: UpstreamPool;
  readonly #host: string | undefined;
  /** Portico's id for this request; the client's own once a dispatch that trusts it says so. */
  #requestId: string;
  /** Response headers the app's authenticator forwards to the backend, never relayed back. */
  #hidden: readonly string[] = NO_HIDDEN_HEADERS;
  /** Milliseconds the backend may go without progress (docs/proxy.md, Limits and timeouts). */
  #timeoutMs = 0;
  #upstream: Upstream | undefined;
  #attempts = 0;
  /** Of those, the upstreams that failed before they ever answered (`isFailedStart`). */
  #failedStarts = 0;
  #sentFailures = 0;
  /** The status the exchange settled with, for a dispatch that arrives after it did. */
  #settledStatus = 0;
  /** Settled because the client left before any of the response reached it (`ExchangeOutcome.clientClosed`). */
  #clientClosed = false;
  /** When the head was complete (`DispatchRequest.receivedAt`); the outcome then says when it ended. */
  readonly #receivedAt: number | undefined;

  constructor(init: UpstreamExchangeInit) {
    super(init);
    this.#socket = init.socket;
    this.#connection = init.connection;
    this.#origin = init.origin;
    this.#pool = init.pool;
    this.#host = init.host;
    this.#requestId = init.requestId;
    this.#receivedAt = init.receivedAt;
  }

  /** Response headers the client must not see (the dispatch's `hiddenResponseHeaders`). */
  get hiddenHeaders(): readonly string[] {
    return this.#hidden;
  }

  /** Milliseconds the backend may go without progress, once dispatched. */
  get requestTimeout(): number {
    return this.#timeoutMs;
  }

  /**
   * What the exchange waits for now, by the policy's rule (`exchangeWait`); undefined while it
   * keeps no deadline: settled, or waiting for the dispatch (the router's to time).
   */
  waitingFor(clientBehind: boolean, awaitingContinue: boolean): ExchangeWait | undefined {
    if (this.phase === 'done' || this.dispatch === undefined) return undefined;
    return exchangeWait({
      settled: false,
      clientBehind,
      responseStarted: this.phase === 'relaying-body',
      requestBodyEnded: this.bodyEnded,
      backendHoldsBody: this.backendHoldsBody,
      awaitingContinue,
    });
  }

  /** Asks the dispatch where the request goes. */
  start(): void {
    let decided: Dispatch | Promise<Dispatch>;
    try {
      decided = this.options.dispatch({ head: this.head, socket: this.#socket, connection: this.#connection, requestId: this.#requestId, receivedAt: this.#receivedAt });
    } catch {
      // The router's callback failing must cost one request, not the process.
      decided = { kind: 'respond', status: 502 };
    }
    // Methods, not arrow fields: an exchange per request then allocates no closures of its own
    // unless it waits (a dispatch promise, a new backend connection).
    if (decided instanceof Promise) decided.then((d) => this.#onDispatch(d), () => this.#onDispatch({ kind: 'respond', status: 502 }));
    else this.#onDispatch(decided);
  }

  #onDispatch(dispatch: Dispatch): void {
    if (this.phase === 'done') {
      // The client left while the request waited for a backend (499), or its body was refused.
      if (dispatch.kind === 'forward') dispatch.release?.({ status: this.#settledStatus, answered: false, bytesIn: 0, bytesOut: 0, clientClosed: this.#clientClosed, incomplete: false, endedAt: this.#endedAt() });
      return;
    }
    try {
      if (this.phase !== 'choosing' || this.dispatch !== undefined) throw this.impossible('a dispatch');
      if (dispatch.kind === 'respond') {
        this.enter('done');
        this.client.onAnswer(dispatch, true);
        return;
      }
      this.holdDispatch(dispatch);
      this.#hidden = dispatch.hiddenResponseHeaders ?? NO_HIDDEN_HEADERS;
      this.#requestId = requestIdFor(this.head, dispatch.trustRequestId === true, this.#requestId);
      this.#timeoutMs = dispatch.requestTimeout ?? this.options.requestTimeout;
      this.#connectNext(dispatch.upstream);
      this.client.rearm();
    } catch (err) {
      this.broken(err);
    }
  }

  #connectNext(upstream: Upstream | undefined): void {
    if (upstream === undefined) return this.fail(502);
    this.#attempts++;
    this.#upstream = upstream;
    this.beginAttempt();
    let head: string;
    try {
      head = outboundRequestHead({
        head: this.head,
        upstream,
        dispatch: this.dispatch,
        pathPrefix: this.dispatch?.pathPrefix,
        options: this.options,
        origin: this.#origin,
        host: this.#host,
        requestId: this.#requestId,
      });
    } catch {
      // A header transform produced something unsafe to write; refuse rather than crash.
      return this.fail(500);
    }
    this.queueHead(head);
    const reused = this.#pool.take(upstream);
    let connection: UpstreamConnection;
    try {
      connection = reused ?? this.#pool.connect(upstream);
    } catch (err) {
      // net.connect throws synchronously on an impossible address (a bad port): a 502, not a crash.
      this.options.onEvent({ type: 'upstream.failed', upstreamId: upstream.id, error: err as Error, retried: false });
      return this.fail(502);
    }
    this.connectOn(connection);
    this.client.attachBackend(connection.socket);
    connection.attach(this);
    if (reused !== undefined) this.#onConnect();
    else connection.socket.once('connect', () => this.#onConnect());
  }

  #onConnect(): void {
    // A connection dropped meanwhile (the exchange failed or moved to another) emits no 'connect'.
    if (this.phase === 'done') return;
    try {
      this.enter('awaiting-head');
      if (this.writeQueued()) this.onDrain();
    } catch (err) {
      this.broken(err);
    }
  }

  onEnd(): void {
    if (this.endsAtClose()) {
      try {
        this.spoilConnection();
        this.finish();
      } catch (err) {
        this.broken(err);
      }
      return;
    }
    this.onFailure(new Error('backend closed the connection before the response was complete'));
  }

  onFailure(err: Error): void {
    if (this.phase === 'done') return;
    try {
      // Backend events reach only the exchange that holds the connection: none while choosing.
      if (this.phase === 'choosing') throw this.impossible('a backend failure');
      const wrote = this.connected();
      const backendAnswered = this.phase === 'relaying-body' || this.backendAnswered;
      const upstream = this.#upstream!;
      const failedStart = isFailedStart(backendAnswered, upstreamHasAnswered(this.dispatch, upstream));
      if (failedStart) this.#failedStarts++;
      if (wrote) this.#sentFailures++;
      const verdict = afterFailedAttempt({
        attempts: this.#attempts,
        failedStarts: this.#failedStarts,
        sentFailures: this.#sentFailures,
        failedStart,
        backendAnswered,
        requestSent: wrote,
        // Before a byte went out, the queue still holds the whole request.
        bodyHeld: !wrote || this.replayHeld,
        method: this.head.method,
      });
      this.#dropConnection();
      followFailedAttempt({ verdict, dispatch: this.dispatch, upstream, error: err, failedStart, onEvent: this.options.onEvent }, {
        onRetryChoice: (choice) => this.#onRetryChoice(choice),
        onNoRetry: () => {
          if (this.responseStarted) this.abortClient(`backend failed mid-response: ${err.message}`);
          else this.#failForBackend(502, err.message);
        },
        onRetrying: () => {
          this.enter('choosing');
          this.requeueForRetry(wrote);
        },
      });
    } catch (thrown) {
      this.broken(thrown);
    }
  }

  /** Another upstream, Portico's own answer, or none (502), after a failed try. */
  #onRetryChoice(choice: RetryChoice): void {
    if (this.phase === 'done') return;
    try {
      if (isAnswer(choice)) this.#answer(choice);
      else this.#connectNext(choice);
    } catch (err) {
      this.broken(err);
    }
  }

  /** Answers with what the dispatch decided instead of a backend's response (a start-up failure page). */
  #answer(answer: DispatchAnswer): void {
    this.enter('done');
    this.client.clearDeadline();
    this.#dropConnection();
    this.#release(answer.status, false);
    this.client.onAnswer(answer, false);
  }

  /**
   * The deadline expired: `reason` says who made no progress. Before the response began, the
   * router's 504 page (naming the app and the correlation id), else the bare 504; after, the
   * client is cut.
   */
  timedOut(reason: string): void {
    if (this.phase === 'done') return;
    try {
      // Choosing has no deadline (waitingFor: none without a dispatch).
      if (this.phase === 'choosing' && this.dispatch === undefined) throw this.impossible('a request timeout');
      if (this.responseStarted) return this.abortClient(reason);
      this.#failForBackend(504, reason);
    } catch (err) {
      this.broken(err);
    }
  }

  protected tunnel(res: ResponseHead, rest: Buffer): void {
    this.enterTunnel();
    this.client.clearDeadline();
    const connection = this.takeConnection()!;
    this.client.detachBackend();
    // The exchange is over at the 101 (as the embedded forwarder's); the router keeps the worker
    // draining for the tunnel, which ends with the client's connection (up to shutdownTimeLimit).
    this.#release(101, false);
    this.client.onTunnel(res, connection, rest);
  }

  protected finish(): void {
    this.enter('done');
    this.client.clearDeadline();
    const connection = this.takeConnection();
    this.client.detachBackend();
    // One reading of the clock for the whole end: the pool's idle time, the outcome, the client's next wait.
    const endedAt = this.#endedAt();
    if (connection !== undefined) {
      // The pool resumes a connection the client side had paused.
      if (this.bodyEnded && this.leavesConnectionReusable()) this.#pool.put(connection, endedAt);
      else connection.destroy();
    }
    this.#release(this.responseStatus, false, endedAt);
    this.client.onResponseDone(endedAt);
  }

  fail(status: number): void {
    this.#settle(status, false);
    this.client.onFailed(status);
  }

  rejectResponse(reason: string): void {
    this.spoilConnection();
    this.options.onEvent({ type: 'upstream.failed', upstreamId: this.#upstream!.id, error: new Error(reason), retried: false });
    this.#failForBackend(502, reason);
  }

  /**
   * Nothing reached the client yet, and the backend is why (`reason`: it broke the protocol, went
   * silent, or closed before answering a request that cannot be sent again): the dispatch's
   * failure answer (behind the router, the page naming the app and the correlation id, logged as
   * `proxy.error_page` with the reason), else the bare status.
   */
  #failForBackend(status: number, reason: string): void {
    const answer = failureAnswer(this.dispatch, status, new Error(reason), false);
    if (answer !== undefined) return this.#answer(answer);
    this.fail(status);
  }

  /**
   * Counted with the status of the head the client got, incomplete (`endedEarly`). A head
   * that waits with the rest of the backend read that broke (`headDelivered` false: a malformed
   * chunk in the head's read) goes nowhere: the response is a malformed one, answered 502 as one
   * whose head is malformed, since none of it reached the client. 0 when no head was read.
   */
  abortClient(reason: string): void {
    if (this.responseStarted && !this.client.headDelivered) return this.rejectResponse(reason);
    this.#settleEarly(CUT_BEFORE_RESPONSE);
    this.client.onAborted(reason);
  }

  /** The status of the final head once it left for the client (`headDelivered`), else undefined. */
  #statusSent(): number | undefined {
    return this.responseStarted && this.client.headDelivered ? this.responseStatus : undefined;
  }

  /**
   * The client is gone (`clientGone`), or its request was refused (`refuse`): settle at once
   * without a word to the client side, dropping the backend connection (never pooled), counted
   * with the status of the head the client got, incomplete, or with `unsent` while none reached
   * it (`endedEarly`). False when already settled.
   */
  #abandon(unsent: number): boolean {
    if (this.phase === 'done') return false;
    this.#settleEarly(unsent);
    return true;
  }

  /** The client left before its response was complete: abandoned, and counted as `endedEarly` says (499 before any head). */
  clientGone(): boolean {
    return this.#abandon(CLIENT_CLOSED_REQUEST);
  }

  /**
   * The client's request turned out malformed or its body stalled: abandoned, and counted with
   * `status` (400, 408) while the client got none of the response, else with the status of the
   * head it got, incomplete, as `endedEarly` counts a client that left: the client saw that
   * head and a cut, never the refusal.
   */
  refuse(status: number): boolean {
    return this.#abandon(status);
  }

  /** Settles an exchange that ended before its response was complete, counted as `endedEarly` says (`unsent`: while no head reached the client). */
  #settleEarly(unsent: number): void {
    const { status, clientClosed, incomplete } = endedEarly(this.#statusSent(), unsent);
    this.#clientClosed = clientClosed;
    this.#settle(status, incomplete);
  }

  #settle(status: number, incomplete: boolean): void {
    this.#settledStatus = status;
    this.enter('done');
    this.client.clearDeadline();
    this.#dropConnection();
    this.#release(status, incomplete);
  }

  /** Gives the dispatch its outcome, with when it ended (`endedAt`, read here unless the caller did). */
  #release(status: number, incomplete: boolean, endedAt?: number): void {
    const dispatch = this.takeDispatch();
    if (dispatch?.release === undefined) return;
    dispatch.release({ status, answered: this.backendAnswered, bytesIn: this.bodyBytes, bytesOut: this.bodyBytesOut, clientClosed: this.#clientClosed, incomplete, endedAt: endedAt ?? this.#endedAt() });
  }

  /** The clock's time now, for an exchange timed from its `receivedAt`; otherwise the dispatcher reads its own. */
  #endedAt(): number | undefined {
    return this.#receivedAt === undefined ? undefined : this.options.clock.now();
  }

  /**
   * An invariant failed: settle at once, whatever the phase, drop the backend connection (its
   * framing is in doubt), report the bug, and have the client side cut its client. Never
   * rethrows: the caller is an event handler, and a throw there would end the process.
   */
  broken(err: unknown): void {
    const error = err instanceof Error ? err : new Error(String(err));
    const ended = this.phase === 'done' ? undefined : endedEarly(this.#statusSent(), CUT_BEFORE_RESPONSE);
    this.forceDone();
    this.client.clearDeadline();
    this.#dropConnection();
    if (ended) {
      this.#clientClosed = ended.clientClosed;
      this.#release(ended.status, ended.incomplete);
    }
    this.options.onEvent({ type: 'internal.error', error });
    this.client.onBroken(error);
  }

  #dropConnection(): void {
    const connection = this.takeConnection();
    this.client.detachBackend();
    connection?.destroy();
  }
}
