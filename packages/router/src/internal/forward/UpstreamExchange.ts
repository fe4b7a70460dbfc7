import type net from 'node:net';
import type { Dispatch, DispatchAnswer, RetryChoice } from '../../forward/Dispatch.ts';
import type { ResolvedForwarderOptions } from '../../forward/ForwarderOptions.ts';
import type { Upstream } from '../../forward/Upstream.ts';
import { ForwarderStateError } from '../../errors.ts';
import { ChunkedDecoder } from '../../http1/ChunkedDecoder.ts';
import type { RequestHead } from '../../http1/RequestHead.ts';
import type { ResponseHead } from '../../http1/ResponseHead.ts';
import { ResponseHeadParser } from '../../http1/ResponseHeadParser.ts';
import {
  afterFailedAttempt,
  exchangeWait,
  failureAnswer,
  followFailedAttempt,
  isAnswer,
  isFailedStart,
  NO_HIDDEN_HEADERS,
  requestIdFor,
  reusesAfterResponse,
  upstreamHasAnswered,
  type ExchangeWait,
} from '../policy/index.ts';
import { chunkHeader, CRLF, LAST_CHUNK } from './chunkFraming.ts';
import type { ClientOrigin } from './clientOrigin.ts';
import type { ExchangeClientSide } from './ExchangeClientSide.ts';
import { MAX_INFORMATIONAL_RESPONSES } from './connectionBounds.ts';
import { mayEnter, type ExchangePhase } from './ExchangePhase.ts';
import { outboundRequestHead } from './outboundRequestHead.ts';
import type { UpstreamConnection, UpstreamHandler } from './UpstreamConnection.ts';
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
 * The backend side of an exchange, the same for every engine that forwards to HTTP/1.1 backends
 * over the keep-alive pool (docs/proxy.md, One forwarding policy): the dispatch, the upstream
 * choice and the single allowed retry with its replay, the outbound head and the request body
 * framing, the response head (interim, final, 101) and body read through the framer, the
 * keep-alive hand-back, and the outcome given to the dispatch's `release`.
 *
 * Its progress is one `ExchangePhase`, changed only by `#enter`, which checks the transition and
 * the new phase's invariants (as undici asserts its parser state in every callback). An event the
 * phase rules out throws a `ForwarderStateError`; the entry points catch it and tear the exchange
 * down (`broken`): the backend connection is dropped, the error reported as `internal.error`, and
 * the client side told to cut its client. A bug then costs one request, never the process.
 */
export class UpstreamExchange implements UpstreamHandler {
  readonly #name: string;
  readonly #client: ExchangeClientSide;
  readonly #socket: net.Socket;
  readonly #origin: ClientOrigin;
  readonly #options: ResolvedForwarderOptions;
  readonly #pool: UpstreamPool;
  readonly #head: RequestHead;
  readonly #host: string | undefined;
  /** Portico's id for this request; the client's own once a dispatch that trusts it says so. */
  #requestId: string;
  #phase: ExchangePhase = 'choosing';
  #dispatch: (Dispatch & { kind: 'forward' }) | undefined;
  /** Response headers the app's authenticator forwards to the backend, never relayed back. */
  #hidden: readonly string[] = NO_HIDDEN_HEADERS;
  #upstream: Upstream | undefined;
  #connection: UpstreamConnection | undefined;
  #attempts = 0;
  /** Of those, the upstreams that failed before they ever answered (`isFailedStart`). */
  #failedStarts = 0;
  /** What waits for the connection: the request head, then body pieces; text is latin1. */
  #queue: Array<Buffer | string> = [];
  #replay: Array<Buffer | string> | undefined = [];
  #replayBytes = 0;
  #bodyBytes = 0;
  #bodyEnded: boolean;
  /** A fact, not a phase: once the response began (or a tunnel took it) it stays true. */
  #responseStarted = false;
  #responseBytes = 0;
  /** Response body bytes relayed to the client (payload), for the outcome. */
  #bodyBytesOut = 0;
  #parser: ResponseHeadParser | undefined;
  #response: ResponseHead | undefined;
  #remaining = 0;
  #decoder: ChunkedDecoder | undefined;
  #reusable = true;
  /** Interim (1xx) responses read so far (MAX_INFORMATIONAL_RESPONSES). */
  #informational = 0;
  /** Milliseconds the backend may go without progress (docs/proxy.md, Limits and timeouts). */
  #requestTimeout = 0;
  /** The backend holds the request body back: not connected yet, or its socket is full. */
  #upstreamFull = false;

  constructor(init: UpstreamExchangeInit) {
    this.#name = init.name;
    this.#client = init.client;
    this.#socket = init.socket;
    this.#origin = init.origin;
    this.#options = init.options;
    this.#pool = init.pool;
    this.#head = init.head;
    this.#host = init.host;
    this.#requestId = init.requestId;
    this.#parser = init.parser;
    this.#bodyEnded = init.bodyEnded;
  }

  get phase(): ExchangePhase {
    return this.#phase;
  }

  /** Whether the final response head (or a 101) went to the client. */
  get responseStarted(): boolean {
    return this.#responseStarted;
  }

  /** Request body bytes received from the client so far (the outcome's `bytesIn`). */
  get bodyBytes(): number {
    return this.#bodyBytes;
  }

  get bodyEnded(): boolean {
    return this.#bodyEnded;
  }

  /** Response headers the client must not see (the dispatch's `hiddenResponseHeaders`). */
  get hiddenHeaders(): readonly string[] {
    return this.#hidden;
  }

  /** Milliseconds the backend may go without progress, once dispatched. */
  get requestTimeout(): number {
    return this.#requestTimeout;
  }

  /**
   * What the exchange waits for now, by the policy's rule (`exchangeWait`); undefined while it
   * keeps no deadline: settled, or waiting for the dispatch (the router's to time).
   */
  waitingFor(clientBehind: boolean, awaitingContinue: boolean): ExchangeWait | undefined {
    if (this.#phase === 'done' || this.#dispatch === undefined) return undefined;
    return exchangeWait({
      settled: false,
      clientBehind,
      responseStarted: this.#phase === 'relaying-body',
      requestBodyEnded: this.#bodyEnded,
      backendHoldsBody: this.#upstreamFull,
      awaitingContinue,
    });
  }

  /** Asks the dispatch where the request goes. */
  start(): void {
    let decided: Dispatch | Promise<Dispatch>;
    try {
      decided = this.#options.dispatch({ head: this.#head, socket: this.#socket, requestId: this.#requestId });
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
    if (this.#phase === 'done') {
      // The client left while the request waited for a backend.
      if (dispatch.kind === 'forward') dispatch.release?.({ status: 0, answered: false, bytesIn: 0, bytesOut: 0 });
      return;
    }
    try {
      if (this.#phase !== 'choosing' || this.#dispatch !== undefined) throw this.impossible('a dispatch');
      if (dispatch.kind === 'respond') {
        this.#enter('done');
        this.#client.onAnswer(dispatch, true);
        return;
      }
      this.#dispatch = dispatch;
      this.#hidden = dispatch.hiddenResponseHeaders ?? NO_HIDDEN_HEADERS;
      this.#requestId = requestIdFor(this.#head, dispatch.trustRequestId === true, this.#requestId);
      this.#requestTimeout = dispatch.requestTimeout ?? this.#options.requestTimeout;
      this.#connectNext(dispatch.upstream);
      this.#client.rearm();
    } catch (err) {
      this.broken(err);
    }
  }

  /** Counts request body bytes received from the client (the outcome's `bytesIn`). */
  countBody(length: number): void {
    this.#bodyBytes += length;
  }

  /** Sends request body bytes as the outbound head framed them; false: the backend holds them back. */
  sendBody(data: Buffer): boolean {
    const accepted = this.#head.body.kind === 'chunked' ? this.#send([chunkHeader(data.length), data, CRLF]) : this.#send([data]);
    if (!accepted) this.#upstreamFull = true;
    return accepted;
  }

  /** The client's request body is complete. */
  endBody(): void {
    this.#bodyEnded = true;
    if (this.#phase === 'done') return;
    if (this.#head.body.kind === 'chunked') this.#send([LAST_CHUNK]);
  }

  #connectNext(upstream: Upstream | undefined): void {
    if (upstream === undefined) return this.fail(502);
    this.#attempts++;
    this.#upstream = upstream;
    this.#parser ??= new ResponseHeadParser(this.#options.limits);
    this.#parser.reset();
    this.#responseBytes = 0;
    this.#upstreamFull = true;
    let head: string;
    try {
      head = outboundRequestHead({
        head: this.#head,
        upstream,
        transform: this.#dispatch?.transformHeaders,
        pathPrefix: this.#dispatch?.pathPrefix,
        options: this.#options,
        origin: this.#origin,
        host: this.#host,
        requestId: this.#requestId,
      });
    } catch {
      // A header transform produced something unsafe to write; refuse rather than crash.
      return this.fail(500);
    }
    this.#queue.unshift(head);
    const reused = this.#pool.take(upstream);
    let connection: UpstreamConnection;
    try {
      connection = reused ?? this.#pool.connect(upstream);
    } catch (err) {
      // net.connect throws synchronously on an impossible address (a bad port): a 502, not a crash.
      this.#options.onEvent({ type: 'upstream.failed', upstreamId: upstream.id, error: err as Error, retried: false });
      return this.fail(502);
    }
    this.#connection = connection;
    this.#enter('connecting');
    this.#client.attachBackend(connection.socket);
    connection.attach(this);
    if (reused !== undefined) this.#onConnect();
    else connection.socket.once('connect', () => this.#onConnect());
  }

  #onConnect(): void {
    // A connection dropped meanwhile (the exchange failed or moved to another) emits no 'connect'.
    if (this.#phase === 'done') return;
    try {
      this.#enter('awaiting-head');
      const queued = this.#queue;
      this.#queue = [];
      if (this.#write(queued)) this.onDrain();
    } catch (err) {
      this.broken(err);
    }
  }

  #send(pieces: Array<Buffer | string>): boolean {
    if (this.#replay !== undefined) {
      for (const p of pieces) this.#replayBytes += p.length;
      if (this.#replayBytes > this.#options.maxReplayBytes) this.#replay = undefined;
      else this.#replay.push(...pieces);
    }
    if (!this.#connected()) {
      this.#queue.push(...pieces);
      return false;
    }
    return this.#write(pieces);
  }

  /** Whether the backend connection is open and carries this request: its bytes are written, not queued. */
  #connected(): boolean {
    return this.#phase === 'awaiting-head' || this.#phase === 'relaying-body';
  }

  /** Writes pieces in one go; text (a head, a chunk size) is latin1, written by Node without a Buffer of its own. */
  #write(pieces: ReadonlyArray<Buffer | string>): boolean {
    const socket = this.#connection!.socket;
    if (pieces.length === 1) return socket.write(pieces[0]!, 'latin1');
    socket.cork();
    let ok = true;
    for (const p of pieces) ok = socket.write(p, 'latin1');
    socket.uncork();
    return ok;
  }

  onDrain(): void {
    if (this.#phase === 'done') return;
    this.#upstreamFull = false;
    this.#client.rearm();
    this.#client.onBackendDrain();
  }

  onData(chunk: Buffer): void {
    try {
      this.#responseBytes += chunk.length;
      // Only a connected backend has bytes to give, and a settled exchange has no connection to give them.
      if (!this.#connected()) throw this.impossible('response bytes');
      this.#client.beginRead();
      if (this.#phase === 'awaiting-head') this.#onHeadBytes(chunk);
      else this.#onBodyBytes(chunk);
      this.#client.endRead();
      // After the bytes are handled, so a response head just read counts: from here on the backend
      // is awaited even while the client is still sending its body. Bytes before the final head (a
      // 1xx, a head in pieces) are no progress: requestTimeout runs to the final head whatever they are.
      // Not once done: the connection may already run its next exchange on the shared deadline.
      if (this.#phase === 'relaying-body') this.#client.rearm();
    } catch (err) {
      this.broken(err);
    }
  }

  #onHeadBytes(input: Buffer): void {
    let chunk = input;
    for (;;) {
      const r = this.#parser!.push(chunk, this.#head.method);
      if (r.kind === 'incomplete') return;
      if (r.kind === 'error') {
        this.#reusable = false;
        return this.fail(502);
      }
      const res = r.head;
      if (res.status === 101) {
        if (this.#head.upgrade?.kind !== 'websocket') return this.fail(502);
        return this.#tunnel(res, r.rest);
      }
      if (res.status < 200) {
        // A backend may not keep a request waiting with interim answers for ever.
        if (++this.#informational > MAX_INFORMATIONAL_RESPONSES) {
          this.#reusable = false;
          return this.fail(502);
        }
        this.#client.relayInterim(res);
        chunk = r.rest;
        if (chunk.length === 0) return;
        continue;
      }
      return this.#onFinalHead(res, r.rest);
    }
  }

  #onFinalHead(res: ResponseHead, rest: Buffer): void {
    this.#response = res;
    if (res.body.kind === 'length') this.#remaining = res.body.length;
    else if (res.body.kind === 'chunked') this.#decoder = new ChunkedDecoder(this.#options.limits);
    if (!this.#client.relayFinalHead(res)) return;
    if (res.body.kind === 'none' || (res.body.kind === 'length' && this.#remaining === 0)) {
      if (rest.length > 0) this.#reusable = false;
      return this.#finish();
    }
    if (rest.length > 0) this.#onBodyBytes(rest);
  }

  /** The client side relays the final head now: from here on the response has begun. */
  startResponse(): void {
    this.#enter('relaying-body');
    this.#responseStarted = true;
  }

  /** The backend connection must not be reused after this response (its framing is in doubt). */
  spoilConnection(): void {
    this.#reusable = false;
  }

  #onBodyBytes(chunk: Buffer): void {
    const body = this.#response!.body;
    if (body.kind === 'length') {
      const take = Math.min(this.#remaining, chunk.length);
      this.#relay(take === chunk.length ? chunk : chunk.subarray(0, take));
      this.#remaining -= take;
      if (this.#remaining === 0) {
        // Bytes past Content-Length mean the backend's framing is off: never reuse it.
        if (take < chunk.length) this.#reusable = false;
        this.#finish();
      }
      return;
    }
    if (this.#decoder !== undefined) {
      const r = this.#decoder.push(chunk, (data) => this.#relay(data));
      if (r.kind === 'error') return this.abortClient(`backend sent a malformed chunked body: ${r.reason}`);
      if (r.kind === 'done') {
        if (r.rest.length > 0) this.#reusable = false;
        this.#finish();
      }
      return;
    }
    this.#relay(chunk);
  }

  #relay(data: Buffer): void {
    if (data.length === 0) return;
    this.#bodyBytesOut += data.length;
    this.#client.relayBody(data);
  }

  onEnd(): void {
    if (this.#phase === 'relaying-body' && this.#response?.body.kind === 'until-close') {
      try {
        this.#reusable = false;
        this.#finish();
      } catch (err) {
        this.broken(err);
      }
      return;
    }
    this.onFailure(new Error('backend closed the connection before the response was complete'));
  }

  onFailure(err: Error): void {
    if (this.#phase === 'done') return;
    try {
      // Backend events reach only the exchange that holds the connection: none while choosing.
      if (this.#phase === 'choosing') throw this.impossible('a backend failure');
      const wrote = this.#connected();
      const backendAnswered = this.#phase === 'relaying-body' || this.#responseBytes > 0;
      const upstream = this.#upstream!;
      const failedStart = isFailedStart(backendAnswered, upstreamHasAnswered(this.#dispatch, upstream));
      if (failedStart) this.#failedStarts++;
      const verdict = afterFailedAttempt({
        attempts: this.#attempts,
        failedStarts: this.#failedStarts,
        failedStart,
        backendAnswered,
        requestSent: wrote,
        // Before a byte went out, the queue still holds the whole request.
        bodyHeld: !wrote || this.#replay !== undefined,
        method: this.#head.method,
      });
      this.#dropConnection();
      followFailedAttempt({ verdict, dispatch: this.#dispatch, upstream, error: err, failedStart, onEvent: this.#options.onEvent }, {
        onRetryChoice: (choice) => this.#onRetryChoice(choice),
        onNoRetry: () => {
          if (this.#responseStarted) this.abortClient(`backend failed mid-response: ${err.message}`);
          else this.fail(502);
        },
        onRetrying: () => {
          this.#enter('choosing');
          // A connection that never carried a byte keeps its queue; otherwise replay what was sent.
          if (wrote) this.#queue = [...this.#replay!];
          else this.#queue.shift();
        },
      });
    } catch (thrown) {
      this.broken(thrown);
    }
  }

  /** Another upstream, Portico's own answer, or none (502), after a failed try. */
  #onRetryChoice(choice: RetryChoice): void {
    if (this.#phase === 'done') return;
    try {
      if (isAnswer(choice)) this.#answer(choice);
      else this.#connectNext(choice);
    } catch (err) {
      this.broken(err);
    }
  }

  /** Answers with what the dispatch decided instead of a backend's response (a start-up failure page). */
  #answer(answer: DispatchAnswer): void {
    this.#enter('done');
    this.#client.clearDeadline();
    this.#dropConnection();
    this.#release(answer.status);
    this.#client.onAnswer(answer, false);
  }

  /**
   * The deadline expired: `reason` says who made no progress. Before the response began, the
   * router's 504 page (naming the app and the correlation id), else the bare 504; after, the
   * client is cut.
   */
  timedOut(reason: string): void {
    if (this.#phase === 'done') return;
    try {
      // Choosing has no deadline (waitingFor: none without a dispatch).
      if (this.#phase === 'choosing' && this.#dispatch === undefined) throw this.impossible('a request timeout');
      if (this.#responseStarted) return this.abortClient(reason);
      const answer = failureAnswer(this.#dispatch, 504, new Error(reason), false);
      if (answer !== undefined) return this.#answer(answer);
      this.fail(504);
    } catch (err) {
      this.broken(err);
    }
  }

  #tunnel(res: ResponseHead, rest: Buffer): void {
    this.#enter('done');
    this.#client.clearDeadline();
    const connection = this.#connection!;
    this.#connection = undefined;
    this.#client.detachBackend();
    this.#responseStarted = true;
    // The exchange is over at the 101 (as the embedded forwarder's); the router keeps the worker
    // draining for the tunnel, which ends with the client's connection (up to shutdownTimeLimit).
    this.#release(101);
    this.#client.onTunnel(res, connection, rest);
  }

  #finish(): void {
    this.#enter('done');
    this.#client.clearDeadline();
    const connection = this.#connection;
    this.#connection = undefined;
    this.#client.detachBackend();
    if (connection !== undefined) {
      const response = this.#response;
      const reusable = this.#reusable && this.#bodyEnded && response?.keepAlive === true && reusesAfterResponse(this.#head.method, response.status);
      // The pool resumes a connection the client side had paused.
      if (reusable) this.#pool.put(connection);
      else connection.destroy();
    }
    this.#release(this.#response?.status ?? 0);
    this.#client.onResponseDone();
  }

  /** Nothing reached the client yet: settle, and the client side answers `status`. */
  fail(status: number): void {
    this.#settle(status);
    this.#client.onFailed(status);
  }

  /** The response had started (or cannot be relayed): settle, and the client side cuts its client. */
  abortClient(reason: string): void {
    this.#settle(0);
    this.#client.onAborted(reason);
  }

  /**
   * The client is gone, or its request turned out malformed: settle at once without a word to the
   * client side, dropping the backend connection (never pooled). False when already settled.
   */
  abandon(): boolean {
    if (this.#phase === 'done') return false;
    this.#settle(0);
    return true;
  }

  #settle(status: number): void {
    this.#enter('done');
    this.#client.clearDeadline();
    this.#dropConnection();
    this.#release(status);
  }

  #release(status: number): void {
    const dispatch = this.#dispatch;
    this.#dispatch = undefined;
    dispatch?.release?.({ status, answered: this.#responseBytes > 0, bytesIn: this.#bodyBytes, bytesOut: this.#bodyBytesOut });
  }

  /**
   * The one way the phase changes. Checks the transition and what the new phase promises; a
   * violation throws, and the entry point that led here tears the exchange down (`broken`).
   * Strings and a `switch`: nothing is allocated unless the check fails.
   */
  #enter(next: ExchangePhase): void {
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
        if (this.#connection === undefined || this.#response === undefined || this.#responseStarted) throw this.impossible('a second final response head');
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

  /** The error for an event the current phase rules out. */
  impossible(event: string): Error {
    return new ForwarderStateError(this.#name, this.#phase, event);
  }

  /**
   * An invariant failed: settle at once, whatever the phase, drop the backend connection (its
   * framing is in doubt), report the bug, and have the client side cut its client. Never
   * rethrows: the caller is an event handler, and a throw there would end the process.
   */
  broken(err: unknown): void {
    const error = err instanceof Error ? err : new Error(String(err));
    const wasDone = this.#phase === 'done';
    this.#phase = 'done';
    this.#client.clearDeadline();
    this.#dropConnection();
    if (!wasDone) this.#release(0);
    this.#options.onEvent({ type: 'internal.error', error });
    this.#client.onBroken(error);
  }

  #dropConnection(): void {
    const connection = this.#connection;
    this.#connection = undefined;
    this.#client.detachBackend();
    connection?.destroy();
  }
}
