import type net from 'node:net';
import type { Dispatch, DispatchAnswer, RetryChoice } from '../../forward/Dispatch.ts';
import type { HeaderPair, ResolvedForwarderOptions } from '../../forward/ForwarderOptions.ts';
import type { Upstream } from '../../forward/Upstream.ts';
import type { UpstreamConnection, UpstreamHandler } from './UpstreamConnection.ts';
import type { UpstreamPool } from './UpstreamPool.ts';
import { ForwarderStateError } from '../../errors.ts';
import { ChunkedDecoder } from '../../http1/ChunkedDecoder.ts';
import type { RequestHead } from '../../http1/RequestHead.ts';
import type { ResponseHead } from '../../http1/ResponseHead.ts';
import type { ResponseHeadParser } from '../../http1/ResponseHeadParser.ts';
import type { OutboundResponseFraming } from '../../http1/serializeResponseHead.ts';
import {
  afterFailedAttempt,
  exchangeWait,
  failureAnswer,
  isAnswer,
  isFailedStart,
  NO_HIDDEN_HEADERS,
  requestIdFor,
  retryChoice,
  reusesAfterResponse,
  upstreamHasAnswered,
} from '../policy/index.ts';
import type { ClientOrigin } from './clientOrigin.ts';
import { clientResponseFraming } from './clientResponseFraming.ts';
import { clientResponseHead } from './clientResponseHeaders.ts';
import { chunkHeader, CRLF, LAST_CHUNK } from './chunkFraming.ts';
import { ClientWriter, type ClientWriterWatcher } from './ClientWriter.ts';
import { MAX_INFORMATIONAL_RESPONSES } from './connectionBounds.ts';
import type { Deadline } from './Deadline.ts';
import { mayEnter, type ExchangePhase } from './ExchangePhase.ts';
import { outboundRequestHead } from './outboundRequestHead.ts';

const NO_BODY: OutboundResponseFraming = { kind: 'none' };

/** What an exchange needs from the client connection that owns it. */
export interface ExchangeOwner {
  readonly client: net.Socket;
  /** Where the client comes from, read once per connection. */
  readonly origin: ClientOrigin;
  readonly options: ResolvedForwarderOptions;
  readonly pool: UpstreamPool;
  /** Parses response heads; one per client connection, since its exchanges run one at a time. */
  readonly responseParser: ResponseHeadParser;
  /** The exchange's one deadline (backend progress, or the client reading); `timedOut` is called when it expires. */
  readonly requestDeadline: Deadline;
  /** Whether the client connection must close after this response, as known at response-head time. */
  mustCloseAfterResponse(): boolean;
  /** The backend can take more request body again. */
  onBodyDrain(): void;
  /** The client asked for 100 Continue, has none yet, and so rightly sends no body. */
  readonly awaitingContinue: boolean;
  /** A 100 Continue went to the client: from now on it is expected to send its body. */
  onContinueRelayed(): void;
  /** The response was relayed completely. */
  onExchangeDone(closeClient: boolean): void;
  /** Nothing reached the client yet: answer `status` and close. */
  onExchangeFailed(status: number): void;
  /** The dispatcher answered the request itself. */
  onExchangeRespond(status: number, headers: readonly HeaderPair[], body: string | undefined, close: boolean): void;
  /** The response had started (or the exchange broke): the client connection must be cut so the truncation shows. */
  onExchangeAborted(reason: string): void;
  /** The backend answered 101 to a WebSocket handshake: from here on, bytes flow raw. */
  onTunnel(upstream: UpstreamConnection, responseHead: string, rest: Buffer): void;
}

/**
 * One request relayed to one backend and its response relayed back: upstream choice and the
 * single allowed retry, the re-framed head and body, the response head and body re-framed for the
 * client, keep-alive hand-back, and the request timeout.
 *
 * Its progress is one `ExchangePhase`, changed only by `#enter`, which checks the transition and
 * the new phase's invariants (as undici asserts its parser state in every callback). An event the
 * phase rules out throws a `ForwarderStateError`; the entry points catch it and tear the exchange
 * down (`#broken`): the client connection is reset, the backend connection dropped, and the error
 * reported as `internal.error`. A bug then costs one connection, never the process.
 */
export class Exchange implements UpstreamHandler, ClientWriterWatcher {
  readonly #owner: ExchangeOwner;
  readonly #head: RequestHead;
  readonly #host: string | undefined;
  /** Portico's id for this request; the client's own once a dispatch that trusts it says so. */
  #requestId: string;
  #upstream: Upstream | undefined;
  #dispatch: (Dispatch & { kind: 'forward' }) | undefined;
  /** Response headers the app's authenticator forwards to the backend, never relayed back. */
  #hidden: readonly string[] = NO_HIDDEN_HEADERS;
  #connection: UpstreamConnection | undefined;
  #attempts = 0;
  /** Of those, the upstreams that failed before they ever answered (`isFailedStart`). */
  #failedStarts = 0;
  /** What waits for the connection: the request head, then body pieces; text is latin1. */
  #queue: Array<Buffer | string> = [];
  #replay: Array<Buffer | string> | undefined = [];
  #replayBytes = 0;
  #bodyBytes = 0;
  #bodyEnded = false;
  /** A fact, not a phase: once the response began it stays true, so the owner knows to reset after an abort. */
  #touchedClient = false;
  #responseBytes = 0;
  /** Response body bytes relayed to the client (payload), for the outcome. */
  #bodyBytesOut = 0;
  #phase: ExchangePhase = 'choosing';
  readonly #parser: ResponseHeadParser;
  #response: ResponseHead | undefined;
  #remaining = 0;
  #decoder: ChunkedDecoder | undefined;
  readonly #writer: ClientWriter;
  #closeClient = false;
  #reusable = true;
  /** Interim (1xx) responses relayed so far (MAX_INFORMATIONAL_RESPONSES). */
  #informational = 0;
  /** Milliseconds the backend may go without progress (docs/proxy.md, Limits and timeouts). */
  #requestTimeout = 0;
  /** The client's socket is full and the backend is paused until it drains. */
  #clientBlocked = false;
  /** The backend holds the request body back: not connected yet, or its socket is full. */
  #upstreamFull = false;

  constructor(owner: ExchangeOwner, head: RequestHead, host: string | undefined, requestId: string) {
    this.#owner = owner;
    this.#head = head;
    this.#host = host;
    this.#requestId = requestId;
    this.#parser = owner.responseParser;
    this.#writer = new ClientWriter(owner.client, this);
  }

  /** Where the exchange stands (tests watch it). */
  get phase(): ExchangePhase {
    return this.#phase;
  }

  start(): void {
    let decided: Dispatch | Promise<Dispatch>;
    try {
      decided = this.#owner.options.dispatch({ head: this.#head, socket: this.#owner.client, requestId: this.#requestId });
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
      if (this.#phase !== 'choosing' || this.#dispatch !== undefined) throw this.#impossible('a dispatch');
      if (dispatch.kind === 'respond') {
        this.#enter('done');
        // Answered after the caller has seen where the body stands (start() runs before it is read).
        queueMicrotask(() => this.#owner.onExchangeRespond(dispatch.status, dispatch.headers ?? [], dispatch.body, dispatch.close === true));
        return;
      }
      this.#dispatch = dispatch;
      this.#hidden = dispatch.hiddenResponseHeaders ?? NO_HIDDEN_HEADERS;
      this.#requestId = requestIdFor(this.#head, dispatch.trustRequestId === true, this.#requestId);
      this.#requestTimeout = dispatch.requestTimeout ?? this.#owner.options.requestTimeout;
      this.#connectNext(dispatch.upstream);
      this.#rearm();
    } catch (err) {
      this.#broken(err);
    }
  }

  /** Request body bytes from the client; false asks the caller to pause the client. */
  writeBody(data: Buffer): boolean {
    if (this.#phase === 'done' || data.length === 0) return this.#phase !== 'done';
    if (this.#bodyEnded) {
      this.#broken(this.#impossible('request body after its end'));
      return false;
    }
    this.#bodyBytes += data.length;
    const accepted = this.#head.body.kind === 'chunked'
      ? this.#send([chunkHeader(data.length), data, CRLF])
      : this.#send([data]);
    if (!accepted) this.#upstreamFull = true;
    this.#rearm();
    return accepted;
  }

  endBody(): void {
    if (this.#bodyEnded && this.#phase !== 'done') return this.#broken(this.#impossible('a second end of the request body'));
    this.#bodyEnded = true;
    if (this.#phase === 'done') return;
    if (this.#head.body.kind === 'chunked') this.#send([LAST_CHUNK]);
    this.#rearm();
  }

  /** Whether any byte of the final response went to the client. */
  get touchedClient(): boolean {
    return this.#touchedClient;
  }

  /** Client gone or request malformed: drop the backend connection, never pool it. */
  abort(): void {
    if (this.#phase === 'done') return;
    this.#enter('done');
    this.#clearTimer();
    this.#dropConnection();
    this.#release(0);
  }

  #release(status?: number): void {
    const dispatch = this.#dispatch;
    this.#dispatch = undefined;
    dispatch?.release?.({
      status: status ?? this.#response?.status ?? 0,
      answered: this.#responseBytes > 0,
      bytesIn: this.#bodyBytes,
      bytesOut: this.#bodyBytesOut,
    });
  }

  #connectNext(upstream: Upstream | undefined): void {
    if (upstream === undefined) return this.#fail(502);
    this.#attempts++;
    this.#upstream = upstream;
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
        options: this.#owner.options,
        origin: this.#owner.origin,
        host: this.#host,
        requestId: this.#requestId,
      });
    } catch {
      // A header transform produced something unsafe to write; refuse rather than crash.
      return this.#fail(500);
    }
    this.#queue.unshift(head);
    const reused = this.#owner.pool.take(upstream);
    let connection: UpstreamConnection;
    try {
      connection = reused ?? this.#owner.pool.connect(upstream);
    } catch (err) {
      // net.connect throws synchronously on an impossible address (a bad port): a 502, not a crash.
      this.#owner.options.onEvent({ type: 'upstream.failed', upstreamId: upstream.id, error: err as Error, retried: false });
      return this.#fail(502);
    }
    this.#connection = connection;
    this.#enter('connecting');
    this.#writer.source = connection.socket;
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
      const drained = this.#write(queued);
      if (drained) this.onDrain();
    } catch (err) {
      this.#broken(err);
    }
  }

  #send(pieces: Array<Buffer | string>): boolean {
    if (this.#replay !== undefined) {
      for (const p of pieces) this.#replayBytes += p.length;
      if (this.#replayBytes > this.#owner.options.maxReplayBytes) this.#replay = undefined;
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
    this.#rearm();
    this.#owner.onBodyDrain();
  }

  onData(chunk: Buffer): void {
    try {
      this.#responseBytes += chunk.length;
      // Only a connected backend has bytes to give, and a settled exchange has no connection to give them.
      if (!this.#connected()) throw this.#impossible('response bytes');
      this.#writer.begin();
      if (this.#phase === 'awaiting-head') this.#onHeadBytes(chunk);
      else this.#onBodyBytes(chunk);
      this.#writer.flush();
      // After the bytes are handled, so a response head just read counts: from here on the backend
      // is awaited even while the client is still sending its body. Bytes before the final head (a
      // 1xx, a head in pieces) are no progress: requestTimeout runs to the final head whatever they are.
      // Not once done: the connection may already run its next exchange on the shared deadline.
      if (this.#phase === 'relaying-body') this.#rearm();
    } catch (err) {
      this.#broken(err);
    }
  }

  #onHeadBytes(input: Buffer): void {
    let chunk = input;
    for (;;) {
      const r = this.#parser.push(chunk, this.#head.method);
      if (r.kind === 'incomplete') return;
      if (r.kind === 'error') {
        this.#reusable = false;
        return this.#fail(502);
      }
      const res = r.head;
      if (res.status === 101) {
        if (this.#head.upgrade?.kind !== 'websocket') return this.#fail(502);
        return this.#tunnel(res, r.rest);
      }
      if (res.status < 200) {
        // A backend may not keep a request waiting with interim answers for ever.
        if (++this.#informational > MAX_INFORMATIONAL_RESPONSES) {
          this.#reusable = false;
          return this.#fail(502);
        }
        // 100 only to a client that asked for it; other 1xx (103) only to HTTP/1.1 clients.
        const relay = res.status === 100 ? this.#head.expectContinue : this.#head.version === '1.1';
        if (relay) {
          this.#writer.write(clientResponseHead(res, undefined, NO_BODY, this.#hidden));
          if (res.status === 100) {
            this.#owner.onContinueRelayed();
            this.#rearm();
          }
        }
        chunk = r.rest;
        if (chunk.length === 0) return;
        continue;
      }
      return this.#onFinalHead(res, r.rest);
    }
  }

  #onFinalHead(res: ResponseHead, rest: Buffer): void {
    this.#response = res;
    const mustClose = this.#owner.mustCloseAfterResponse() || this.#head.upgrade?.kind === 'websocket';
    const framing = clientResponseFraming(this.#head, res, mustClose);
    this.#writer.framing = framing.body;
    if (res.body.kind === 'length') this.#remaining = res.body.length;
    else if (res.body.kind === 'chunked') this.#decoder = new ChunkedDecoder(this.#owner.options.limits);
    this.#closeClient = framing.close;
    const connection = framing.close ? 'close' : this.#head.version === '1.1' ? undefined : 'keep-alive';
    this.#enter('relaying-body');
    this.#writer.write(clientResponseHead(res, connection, framing.head, this.#hidden));
    this.#touchedClient = true;
    if (this.#writer.framing === 'none' || (this.#writer.framing === 'length' && this.#remaining === 0)) {
      if (rest.length > 0) this.#reusable = false;
      return this.#finish();
    }
    if (rest.length > 0) this.#onBodyBytes(rest);
  }

  #onBodyBytes(chunk: Buffer): void {
    if (this.#writer.framing === 'length') {
      const take = Math.min(this.#remaining, chunk.length);
      this.#writer.write(take === chunk.length ? chunk : chunk.subarray(0, take));
      this.#bodyBytesOut += take;
      this.#remaining -= take;
      if (this.#remaining === 0) {
        // Bytes past Content-Length mean the backend's framing is off: never reuse it.
        if (take < chunk.length) this.#reusable = false;
        this.#finish();
      }
      return;
    }
    if (this.#decoder !== undefined) {
      const r = this.#decoder.push(chunk, (data) => {
        this.#bodyBytesOut += data.length;
        this.#writer.writeBody(data);
      });
      if (r.kind === 'error') return this.#abortClient(`backend sent a malformed chunked body: ${r.reason}`);
      if (r.kind === 'done') {
        if (r.rest.length > 0) this.#reusable = false;
        this.#writer.endBody();
        this.#finish();
      }
      return;
    }
    this.#bodyBytesOut += chunk.length;
    this.#writer.writeBody(chunk);
  }

  onEnd(): void {
    if (this.#phase === 'relaying-body' && this.#response?.body.kind === 'until-close') {
      try {
        this.#reusable = false;
        this.#writer.endBody();
        this.#finish();
      } catch (err) {
        this.#broken(err);
      }
      return;
    }
    this.onFailure(new Error('backend closed the connection before the response was complete'));
  }

  onFailure(err: Error): void {
    if (this.#phase === 'done') return;
    try {
      // Backend events reach only the exchange that holds the connection: none while choosing.
      if (this.#phase === 'choosing') throw this.#impossible('a backend failure');
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
      this.#owner.options.onEvent({ type: 'upstream.failed', upstreamId: upstream.id, error: err, retried: verdict === 'retry' });
      if (verdict === 'start-failed') return this.#onRetryChoice(failureAnswer(this.#dispatch, 502, err, true));
      if (verdict === 'fail') {
        if (this.#touchedClient) return this.#abortClient(`backend failed mid-response: ${err.message}`);
        return this.#fail(502);
      }
      this.#enter('choosing');
      // A connection that never carried a byte keeps its queue; otherwise replay what was sent.
      if (wrote) this.#queue = [...this.#replay!];
      else this.#queue.shift();
      const next = retryChoice(this.#dispatch, err, failedStart);
      if (next instanceof Promise) {
        // The router waits for a worker (the dead one's restart); the client may leave meanwhile.
        next.then((choice) => this.#onRetryChoice(choice), () => this.#onRetryChoice(undefined));
        return;
      }
      this.#onRetryChoice(next);
    } catch (thrown) {
      this.#broken(thrown);
    }
  }

  /** Another upstream, Portico's own answer, or none (502), after a failed try. */
  #onRetryChoice(choice: RetryChoice): void {
    if (this.#phase === 'done') return;
    try {
      if (isAnswer(choice)) this.#answer(choice);
      else this.#connectNext(choice);
    } catch (err) {
      this.#broken(err);
    }
  }

  /** Answers with what the dispatch decided instead of a backend's response (a start-up failure page). */
  #answer(answer: DispatchAnswer): void {
    this.#enter('done');
    this.#clearTimer();
    this.#dropConnection();
    this.#release(answer.status);
    this.#owner.onExchangeRespond(answer.status, answer.headers ?? [], answer.body, answer.close === true);
  }

  /**
   * Sets the exchange's one deadline by the policy's rule (`exchangeWait`): the client to read its
   * full socket (`sendTimeout`), the backend (`requestTimeout`), or none while the client's body
   * is awaited (the connection's `bodyIdleTimeout` watches it). Each call follows progress, so it
   * starts the wait over.
   */
  #rearm(): void {
    const deadline = this.#owner.requestDeadline;
    const wait = exchangeWait({
      settled: this.#phase === 'done' || this.#dispatch === undefined,
      clientBehind: this.#clientBlocked,
      responseStarted: this.#phase === 'relaying-body',
      requestBodyEnded: this.#bodyEnded,
      backendHoldsBody: this.#upstreamFull,
      awaitingContinue: this.#owner.awaitingContinue,
    });
    if (wait === 'none') deadline.clear();
    else if (wait === 'client') deadline.hold(this.#owner.options.sendTimeout);
    else deadline.set(this.#requestTimeout);
  }

  onClientBlocked(): void {
    this.#clientBlocked = true;
    this.#rearm();
  }

  onClientDrained(): void {
    this.#clientBlocked = false;
    this.#rearm();
  }

  /** The deadline expired: the backend made no progress, or the client read nothing, for too long. */
  timedOut(): void {
    if (this.#phase === 'done') return;
    try {
      // Choosing has no deadline (exchangeWait: settled without a dispatch).
      if (this.#phase === 'choosing' && this.#dispatch === undefined) throw this.#impossible('a request timeout');
      const reason = this.#clientBlocked
        ? `the client read nothing of the response for ${this.#owner.options.sendTimeout} ms`
        : `the backend sent nothing for ${this.#requestTimeout} ms`;
      if (!this.#touchedClient) {
        // The router's 504 page, naming the app and the correlation id; else the bare status.
        const answer = failureAnswer(this.#dispatch, 504, new Error(reason), false);
        if (answer !== undefined) return this.#answer(answer);
      }
      this.#enter('done');
      this.#dropConnection();
      this.#release(this.#touchedClient ? 0 : 504);
      if (this.#touchedClient) this.#owner.onExchangeAborted(reason);
      else this.#owner.onExchangeFailed(504);
    } catch (err) {
      this.#broken(err);
    }
  }

  #tunnel(res: ResponseHead, rest: Buffer): void {
    this.#writer.flush();
    this.#clearTimer();
    this.#enter('done');
    const connection = this.#connection!;
    this.#connection = undefined;
    this.#writer.detach();
    this.#touchedClient = true;
    // The exchange is over at the 101 (as the embedded forwarder's); the router keeps the worker
    // draining for the tunnel, which ends with the client's connection (up to shutdownTimeLimit).
    this.#release(101);
    const head = clientResponseHead(res, 'upgrade', NO_BODY, this.#hidden);
    // `rest` is part of a lent backend read; the tunnel writes it after this call returns.
    this.#owner.onTunnel(connection, head, Buffer.from(rest));
  }

  #finish(): void {
    this.#writer.flush();
    this.#enter('done');
    this.#clearTimer();
    const connection = this.#connection;
    this.#connection = undefined;
    this.#writer.detach();
    if (connection !== undefined) {
      const response = this.#response;
      const reusable = this.#reusable && this.#bodyEnded && response?.keepAlive === true && reusesAfterResponse(this.#head.method, response.status);
      if (reusable) this.#owner.pool.put(connection);
      else connection.destroy();
    }
    this.#release();
    this.#owner.onExchangeDone(this.#closeClient);
  }

  #fail(status: number): void {
    this.#writer.flush();
    this.#enter('done');
    this.#clearTimer();
    this.#dropConnection();
    this.#release(status);
    this.#owner.onExchangeFailed(status);
  }

  #abortClient(reason: string): void {
    // What this read produced is dropped, not flushed: bytes written right before the reset reach
    // the client with it, and a Node (libuv) client then reads the reset as a clean end (issue 15).
    this.#writer.discard();
    this.#enter('done');
    this.#clearTimer();
    this.#dropConnection();
    this.#release(0);
    this.#owner.onExchangeAborted(reason);
  }

  /**
   * The one way the phase changes. Checks the transition and what the new phase promises; a
   * violation throws, and the entry point that led here tears the exchange down (`#broken`).
   * Strings and a `switch`: nothing is allocated unless the check fails.
   */
  #enter(next: ExchangePhase): void {
    const from = this.#phase;
    if (!mayEnter(from, next)) throw this.#impossible(`a move to ${next}`);
    switch (next) {
      case 'connecting':
      case 'awaiting-head':
        // A request goes out only on a connection, for a request the dispatch forwarded.
        if (this.#connection === undefined || this.#dispatch === undefined) throw this.#impossible(`a move to ${next} without a backend connection`);
        break;
      case 'relaying-body':
        // The final head is relayed once, after the request went out.
        if (this.#connection === undefined || this.#response === undefined || this.#touchedClient) throw this.#impossible('a second final response head');
        break;
      case 'choosing':
        // A retry starts from no connection, within the policy's attempts.
        if (this.#connection !== undefined || this.#touchedClient) throw this.#impossible('a retry with a connection or a started response');
        break;
      case 'done':
        break;
    }
    this.#phase = next;
  }

  /** The error for an event the current phase rules out. */
  #impossible(event: string): Error {
    return new ForwarderStateError('Exchange', this.#phase, event);
  }

  /**
   * An invariant failed: settle at once, whatever the phase, reset the client connection and drop
   * the backend connection (its framing is in doubt), and report the bug. Never rethrows: the
   * caller is an event handler, and a throw there would end the process.
   */
  #broken(err: unknown): void {
    const error = err instanceof Error ? err : new Error(String(err));
    const wasDone = this.#phase === 'done';
    this.#phase = 'done';
    this.#writer.discard();
    this.#clearTimer();
    this.#dropConnection();
    if (!wasDone) this.#release(0);
    this.#owner.options.onEvent({ type: 'internal.error', error });
    this.#owner.onExchangeAborted(`internal error: ${error.message}`);
  }

  #dropConnection(): void {
    this.#connection?.destroy();
    this.#connection = undefined;
    this.#writer.detach();
  }

  #clearTimer(): void {
    this.#owner.requestDeadline.clear();
  }
}
