import http2, { type OutgoingHttpHeaders, type ServerHttp2Stream } from 'node:http2';
import type net from 'node:net';
import type { Dispatch, RetryChoice } from '../../forward/Dispatch.ts';
import type { HeaderPair, ResolvedForwarderOptions } from '../../forward/ForwarderOptions.ts';
import type { Upstream } from '../../forward/Upstream.ts';
import { ForwarderStateError } from '../../errors.ts';
import { ChunkedDecoder } from '../../http1/ChunkedDecoder.ts';
import type { RequestHead } from '../../http1/RequestHead.ts';
import type { ResponseHead } from '../../http1/ResponseHead.ts';
import { ResponseHeadParser } from '../../http1/ResponseHeadParser.ts';
import { chunkHeader, CRLF, LAST_CHUNK } from '../forward/chunkFraming.ts';
import type { ClientOrigin } from '../forward/clientOrigin.ts';
import { MAX_INFORMATIONAL_RESPONSES } from '../forward/connectionBounds.ts';
import { Deadline } from '../forward/Deadline.ts';
import { mayEnter, type ExchangePhase } from '../forward/ExchangePhase.ts';
import { openTunnel } from '../forward/openTunnel.ts';
import { outboundRequestHead } from '../forward/outboundRequestHead.ts';
import type { UpstreamConnection, UpstreamHandler } from '../forward/UpstreamConnection.ts';
import type { UpstreamPool } from '../forward/UpstreamPool.ts';
import {
  afterFailedAttempt,
  cannedAnswer,
  decidedAnswer,
  exchangeWait,
  failureAnswer,
  isAnswer,
  isFailedStart,
  NO_HIDDEN_HEADERS,
  requestIdFor,
  retryChoice,
  reusesAfterResponse,
  upstreamHasAnswered,
  type PorticoAnswer,
} from '../policy/index.ts';
import { answerHeaders, relayedHeaders } from './http2ResponseHeaders.ts';

const { NGHTTP2_NO_ERROR, NGHTTP2_PROTOCOL_ERROR, NGHTTP2_INTERNAL_ERROR } = http2.constants;

/** What a stream's exchange needs from the HTTP/2 connection it belongs to. */
export interface Http2StreamOwner {
  readonly socket: net.Socket;
  readonly origin: ClientOrigin;
  readonly options: ResolvedForwarderOptions;
  readonly pool: UpstreamPool;
  /** The exchange is over; `premature` when the client reset the stream before its response was complete. */
  onStreamSettled(premature: boolean): void;
}

type Waiting = 'backend' | 'client' | 'body';

/**
 * One HTTP/2 stream relayed to an HTTP/1.1 backend over the socket forwarder's keep-alive pool,
 * with the forwarding policy the HTTP/1.1 engines use (docs/proxy.md, One forwarding policy):
 * the dispatch, the outbound head, the single retry, the deadlines and the response header rules.
 * What is HTTP/2's own: the response goes out as HEADERS and DATA frames (no framing or connection
 * fields), a body is held to its `content-length` (a mismatch is a stream error, and the backend
 * connection that had the head is dropped, so nothing past the length ever reaches it: H2.CL), a
 * truncated response is a RST_STREAM, and a response that ends before the request body makes the
 * stream end with RST_STREAM NO_ERROR (RFC 9113 §8.1).
 */
export class Http2Exchange implements UpstreamHandler {
  readonly #owner: Http2StreamOwner;
  readonly #stream: ServerHttp2Stream;
  readonly #head: RequestHead;
  #requestId: string;
  #phase: ExchangePhase = 'choosing';
  #dispatch: (Dispatch & { kind: 'forward' }) | undefined;
  #hidden: readonly string[] = NO_HIDDEN_HEADERS;
  #upstream: Upstream | undefined;
  #connection: UpstreamConnection | undefined;
  #attempts = 0;
  /** Of those, the upstreams that failed before they ever answered (`isFailedStart`). */
  #failedStarts = 0;
  /** What waits for the connection: the request head, then body pieces (text is latin1). */
  #queue: Array<Buffer | string> = [];
  #replay: Array<Buffer | string> | undefined = [];
  #replayBytes = 0;
  #bodyBytes = 0;
  #bodyEnded: boolean;
  #responseBytes = 0;
  /** Response body bytes relayed to the client (payload), for the outcome. */
  #bodyBytesOut = 0;
  #parser: ResponseHeadParser | undefined;
  #response: ResponseHead | undefined;
  #remaining = 0;
  #decoder: ChunkedDecoder | undefined;
  #informational = 0;
  #requestTimeout = 0;
  #reusable = true;
  #clientBlocked = false;
  #upstreamFull = false;
  #settled = false;
  readonly #deadline: Deadline;
  #waiting: Waiting = 'backend';

  constructor(owner: Http2StreamOwner, stream: ServerHttp2Stream, head: RequestHead, requestId: string, endStream: boolean) {
    this.#owner = owner;
    this.#stream = stream;
    this.#head = head;
    this.#requestId = requestId;
    this.#bodyEnded = endStream;
    this.#deadline = new Deadline(owner.options.clock, () => this.#timedOut());
  }

  start(): void {
    const stream = this.#stream;
    stream.on('close', () => this.#onStreamClose());
    if (!this.#bodyEnded) {
      stream.on('data', (chunk: Buffer) => this.#onBody(chunk));
      stream.on('end', () => this.#onBodyEnd());
    }
    let decided: Dispatch | Promise<Dispatch>;
    try {
      decided = this.#owner.options.dispatch({ head: this.#head, socket: this.#owner.socket, requestId: this.#requestId });
    } catch {
      // The router's callback failing must cost one request, not the process.
      decided = { kind: 'respond', status: 502 };
    }
    if (decided instanceof Promise) decided.then((d) => this.#onDispatch(d), () => this.#onDispatch({ kind: 'respond', status: 502 }));
    else this.#onDispatch(decided);
    this.#rearm();
  }

  #onDispatch(dispatch: Dispatch): void {
    if (this.#phase === 'done') {
      // The client reset the stream while the request waited for a backend.
      if (dispatch.kind === 'forward') dispatch.release?.({ status: 0, answered: false, bytesIn: 0, bytesOut: 0 });
      return;
    }
    try {
      if (this.#dispatch !== undefined) throw this.#impossible('a second dispatch');
      if (dispatch.kind === 'respond') {
        this.#enter('done');
        this.#settle(false);
        this.#answerDecided(dispatch.status, dispatch.headers ?? [], dispatch.body);
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

  #connectNext(upstream: Upstream | undefined): void {
    if (upstream === undefined) return this.#fail(502);
    this.#attempts++;
    this.#upstream = upstream;
    this.#parser ??= new ResponseHeadParser(this.#owner.options.limits);
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
        host: this.#head.host,
        requestId: this.#requestId,
      });
    } catch {
      // A header transform produced something unsafe to write; refuse rather than crash.
      return this.#fail(500);
    }
    this.#queue.unshift(head);
    const pool = this.#owner.pool;
    const reused = pool.take(upstream);
    let connection: UpstreamConnection;
    try {
      connection = reused ?? pool.connect(upstream);
    } catch (err) {
      this.#owner.options.onEvent({ type: 'upstream.failed', upstreamId: upstream.id, error: err as Error, retried: false });
      return this.#fail(502);
    }
    this.#connection = connection;
    this.#enter('connecting');
    connection.attach(this);
    if (reused !== undefined) this.#onConnect();
    else connection.socket.once('connect', () => this.#onConnect());
  }

  #onConnect(): void {
    if (this.#phase !== 'connecting') return;
    try {
      this.#enter('awaiting-head');
      const queued = this.#queue;
      this.#queue = [];
      if (this.#write(queued)) this.onDrain();
    } catch (err) {
      this.#broken(err);
    }
  }

  #onBody(chunk: Buffer): void {
    if (this.#phase === 'done' || chunk.length === 0) return;
    const body = this.#head.body;
    this.#bodyBytes += chunk.length;
    // RFC 9113 §8.1.1: DATA beyond content-length is malformed, and never goes to the backend,
    // which would read it as a next request (H2.CL).
    if (body.kind === 'length' && this.#bodyBytes > body.length) return this.#malformed('DATA beyond content-length');
    if (body.kind === 'none') return this.#malformed('DATA on a request without a body');
    const accepted = body.kind === 'chunked' ? this.#send([chunkHeader(chunk.length), chunk, CRLF]) : this.#send([chunk]);
    if (!accepted) {
      this.#upstreamFull = true;
      // The stream's flow-control window stops the client while the backend is full.
      this.#stream.pause();
    }
    this.#rearm();
  }

  #onBodyEnd(): void {
    if (this.#phase === 'done') return;
    const body = this.#head.body;
    if (body.kind === 'length' && this.#bodyBytes !== body.length) return this.#malformed('DATA shorter than content-length');
    this.#bodyEnded = true;
    if (body.kind === 'chunked') this.#send([LAST_CHUNK]);
    this.#rearm();
  }

  #send(pieces: Array<Buffer | string>): boolean {
    if (this.#replay !== undefined) {
      for (const p of pieces) this.#replayBytes += p.length;
      if (this.#replayBytes > this.#owner.options.maxReplayBytes) this.#replay = undefined;
      else this.#replay.push(...pieces);
    }
    if (this.#phase !== 'awaiting-head' && this.#phase !== 'relaying-body') {
      this.#queue.push(...pieces);
      return false;
    }
    return this.#write(pieces);
  }

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
    if (!this.#bodyEnded) this.#stream.resume();
  }

  onData(chunk: Buffer): void {
    try {
      this.#responseBytes += chunk.length;
      if (this.#phase === 'awaiting-head') this.#onHeadBytes(chunk);
      else if (this.#phase === 'relaying-body') this.#onBodyBytes(chunk);
      else throw this.#impossible('response bytes');
      if (this.#phase === 'relaying-body') this.#rearm();
    } catch (err) {
      this.#broken(err);
    }
  }

  #onHeadBytes(input: Buffer): void {
    let chunk = input;
    for (;;) {
      const r = this.#parser!.push(chunk, this.#head.method);
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
        if (++this.#informational > MAX_INFORMATIONAL_RESPONSES) {
          this.#reusable = false;
          return this.#fail(502);
        }
        // 100 only to a client that asked for it; 103 and others as interim HEADERS.
        if (res.status !== 100 || this.#head.expectContinue) this.#interim(res);
        chunk = r.rest;
        if (chunk.length === 0) return;
        continue;
      }
      return this.#onFinalHead(res, r.rest);
    }
  }

  #interim(res: ResponseHead): void {
    try {
      this.#stream.additionalHeaders(relayedHeaders(res, this.#hidden, undefined));
    } catch {
      // An interim answer that HTTP/2 cannot carry is dropped; the final one follows.
    }
  }

  #onFinalHead(res: ResponseHead, rest: Buffer): void {
    this.#response = res;
    const bodiless = res.body.kind === 'none';
    // The backend's length is kept where the body has one, and for HEAD and 304, where it describes the body not sent.
    const length = res.body.kind === 'length' ? res.body.length : bodiless && res.status !== 204 ? declaredLength(res) : undefined;
    let headers: OutgoingHttpHeaders;
    try {
      headers = relayedHeaders(res, this.#hidden, length);
      this.#enter('relaying-body');
      this.#stream.respond(headers, { endStream: bodiless });
    } catch {
      // Fields HTTP/2 cannot carry (two content-type lines, which node:http2 refuses).
      this.#reusable = false;
      if (this.#phase === 'relaying-body') return this.#abortClient('backend response head not expressible in HTTP/2');
      return this.#fail(502);
    }
    if (res.body.kind === 'length') this.#remaining = res.body.length;
    else if (res.body.kind === 'chunked') this.#decoder = new ChunkedDecoder(this.#owner.options.limits);
    if (bodiless || (res.body.kind === 'length' && this.#remaining === 0)) {
      if (rest.length > 0) this.#reusable = false;
      return this.#finish();
    }
    if (rest.length > 0) this.#onBodyBytes(rest);
  }

  #onBodyBytes(chunk: Buffer): void {
    const body = this.#response!.body;
    if (body.kind === 'length') {
      const take = Math.min(this.#remaining, chunk.length);
      this.#relay(take === chunk.length ? chunk : chunk.subarray(0, take));
      this.#remaining -= take;
      if (this.#remaining === 0) {
        if (take < chunk.length) this.#reusable = false;
        this.#finish();
      }
      return;
    }
    if (this.#decoder !== undefined) {
      const r = this.#decoder.push(chunk, (data) => this.#relay(data));
      if (r.kind === 'error') return this.#abortClient(`backend sent a malformed chunked body: ${r.reason}`);
      if (r.kind === 'done') {
        if (r.rest.length > 0) this.#reusable = false;
        this.#finish();
      }
      return;
    }
    this.#relay(chunk);
  }

  /** Writes response body bytes (lent: copied) to the stream, pausing the backend while the stream is full. */
  #relay(data: Buffer): void {
    if (data.length === 0) return;
    this.#bodyBytesOut += data.length;
    if (this.#stream.write(Buffer.from(data)) || this.#clientBlocked) return;
    this.#clientBlocked = true;
    this.#connection?.socket.pause();
    this.#stream.once('drain', () => {
      this.#clientBlocked = false;
      this.#connection?.socket.resume();
      this.#rearm();
    });
    this.#rearm();
  }

  /**
   * The backend took the WebSocket handshake (101): the client gets 200 on its CONNECT stream
   * (RFC 8441 §5) and from here the stream's DATA and the backend connection's bytes are relayed
   * raw, as an HTTP/1.1 tunnel's are (`openTunnel`).
   */
  #tunnel(res: ResponseHead, rest: Buffer): void {
    this.#enter('done');
    this.#deadline.dispose();
    const connection = this.#connection!;
    this.#connection = undefined;
    this.#release(101);
    this.#settle(false);
    const headers = relayedHeaders(res, this.#hidden, undefined);
    headers[':status'] = 200;
    delete headers['sec-websocket-accept'];
    try {
      this.#stream.respond(headers);
    } catch {
      connection.destroy();
      this.#stream.close(NGHTTP2_INTERNAL_ERROR);
      return;
    }
    // `rest` is part of a lent backend read.
    if (rest.length > 0) this.#stream.write(Buffer.from(rest));
    openTunnel(this.#stream, connection, this.#owner.options);
  }

  onEnd(): void {
    if (this.#phase === 'relaying-body' && this.#response?.body.kind === 'until-close') {
      this.#reusable = false;
      return this.#finish();
    }
    this.onFailure(new Error('backend closed the connection before the response was complete'));
  }

  onFailure(err: Error): void {
    if (this.#phase === 'done') return;
    try {
      if (this.#phase === 'choosing') throw this.#impossible('a backend failure');
      const wrote = this.#phase === 'awaiting-head' || this.#phase === 'relaying-body';
      const backendAnswered = this.#phase === 'relaying-body' || this.#responseBytes > 0;
      const upstream = this.#upstream;
      const failedStart = upstream !== undefined && isFailedStart(backendAnswered, upstreamHasAnswered(this.#dispatch, upstream));
      if (failedStart) this.#failedStarts++;
      const verdict = afterFailedAttempt({
        attempts: this.#attempts,
        failedStarts: this.#failedStarts,
        failedStart,
        backendAnswered,
        requestSent: wrote,
        bodyHeld: !wrote || this.#replay !== undefined,
        method: this.#head.method,
      });
      this.#dropConnection();
      this.#owner.options.onEvent({ type: 'upstream.failed', upstreamId: upstream?.id ?? '', error: err, retried: verdict === 'retry' });
      if (verdict === 'start-failed') return this.#onRetryChoice(failureAnswer(this.#dispatch, 502, err, true));
      if (verdict === 'fail') {
        if (this.#phase === 'relaying-body') return this.#abortClient(`backend failed mid-response: ${err.message}`);
        return this.#fail(502);
      }
      this.#enter('choosing');
      if (wrote) this.#queue = [...this.#replay!];
      else this.#queue.shift();
      const next = retryChoice(this.#dispatch, err, failedStart);
      if (next instanceof Promise) {
        next.then((choice) => this.#onRetryChoice(choice), () => this.#onRetryChoice(undefined));
        return;
      }
      this.#onRetryChoice(next);
    } catch (thrown) {
      this.#broken(thrown);
    }
  }

  /** Another upstream, Portico's own answer (a start-up failure page), or none (502), after a failed try. */
  #onRetryChoice(choice: RetryChoice): void {
    if (this.#phase === 'done') return;
    try {
      if (!isAnswer(choice)) return this.#connectNext(choice);
      this.#enter('done');
      this.#deadline.dispose();
      this.#dropConnection();
      this.#release(choice.status);
      this.#settle(false);
      this.#answerDecided(choice.status, choice.headers ?? [], choice.body);
    } catch (err) {
      this.#broken(err);
    }
  }

  /**
   * The policy's deadline rule (`exchangeWait`); where it waits for the client's body, the
   * connection-level `bodyIdleTimeout` of HTTP/1.1 becomes this stream's own.
   */
  #rearm(): void {
    // Waiting for a dispatch is the router's to time (its start-up limit and queue timeout).
    if (this.#phase === 'done' || this.#dispatch === undefined) return this.#deadline.clear();
    const wait = exchangeWait({
      settled: false,
      clientBehind: this.#clientBlocked,
      responseStarted: this.#phase === 'relaying-body',
      requestBodyEnded: this.#bodyEnded,
      backendHoldsBody: this.#upstreamFull,
      awaitingContinue: false,
    });
    const options = this.#owner.options;
    this.#waiting = wait === 'none' ? 'body' : wait;
    if (wait === 'client') this.#deadline.hold(options.sendTimeout);
    else if (wait === 'backend') this.#deadline.set(this.#requestTimeout);
    else this.#deadline.set(options.bodyIdleTimeout);
  }

  #timedOut(): void {
    if (this.#phase === 'done') return;
    const options = this.#owner.options;
    if (this.#waiting === 'body') {
      if (this.#phase === 'relaying-body') return this.#abortClient(`the request body stalled for ${options.bodyIdleTimeout} ms`);
      return this.#fail(408);
    }
    const reason = this.#waiting === 'client'
      ? `the client read nothing of the response for ${options.sendTimeout} ms`
      : `the backend sent nothing for ${this.#requestTimeout} ms`;
    if (this.#phase === 'relaying-body') return this.#abortClient(reason);
    // The router's 504 page, naming the app and the correlation id; else the bare status.
    const answer = failureAnswer(this.#dispatch, 504, new Error(reason), false);
    if (answer !== undefined) return this.#onRetryChoice(answer);
    this.#fail(504);
  }

  #finish(): void {
    this.#enter('done');
    this.#deadline.dispose();
    const connection = this.#connection;
    this.#connection = undefined;
    if (connection !== undefined) {
      const response = this.#response;
      const reusable = this.#reusable && this.#bodyEnded && response?.keepAlive === true && reusesAfterResponse(this.#head.method, response.status);
      if (this.#clientBlocked) connection.socket.resume();
      if (reusable) this.#owner.pool.put(connection);
      else connection.destroy();
    }
    this.#release(this.#response?.status ?? 0);
    this.#settle(false);
    const stream = this.#stream;
    if (!stream.writableEnded) stream.end();
    this.#stopBodyAfterAnswer();
  }

  /** Nothing reached the client yet: answer `status` on the stream. */
  #fail(status: number): void {
    this.#enter('done');
    this.#deadline.dispose();
    this.#dropConnection();
    this.#release(status);
    this.#settle(false);
    this.#answer(cannedAnswer(status));
  }

  /** The response had started: RST_STREAM, so the truncation shows (HTTP/1.1's connection reset). */
  #abortClient(reason: string): void {
    this.#enter('done');
    this.#deadline.dispose();
    this.#dropConnection();
    this.#release(0);
    this.#settle(false);
    this.#owner.options.onEvent({ type: 'response.aborted', reason });
    this.#stream.close(NGHTTP2_INTERNAL_ERROR);
  }

  /** RFC 9113 §8.1.1: a malformed request is a stream error of type PROTOCOL_ERROR, and is never forwarded in full. */
  #malformed(reason: string): void {
    this.#enter('done');
    this.#deadline.dispose();
    // The backend had the head and maybe part of the body: its request is aborted, its connection never reused.
    this.#dropConnection();
    this.#release(0);
    this.#settle(false);
    this.#owner.options.onEvent({ type: 'request.refused', status: 400, reason });
    this.#stream.close(NGHTTP2_PROTOCOL_ERROR);
  }

  #onStreamClose(): void {
    if (this.#phase === 'done') return;
    // The client reset the stream (or the connection went): nginx's 499; the backend request is aborted.
    this.#phase = 'done';
    this.#deadline.dispose();
    this.#dropConnection();
    this.#release(0);
    this.#settle(true);
    this.#owner.options.onEvent({ type: 'response.aborted', reason: 'client reset the stream before the response' });
  }

  /** An answer the dispatch decided on; a 500 when its headers cannot be written. */
  #answerDecided(status: number, headers: readonly HeaderPair[], body: string | undefined): void {
    let answer: PorticoAnswer;
    try {
      answer = decidedAnswer(status, headers, body);
    } catch {
      answer = cannedAnswer(500);
    }
    this.#answer(answer);
  }

  /** Portico's own answer on this stream: its status and headers in HEADERS, its body in DATA. */
  #answer(answer: PorticoAnswer): void {
    const stream = this.#stream;
    if (stream.destroyed || stream.closed) return;
    if (stream.headersSent) {
      stream.close(NGHTTP2_INTERNAL_ERROR);
      return;
    }
    const payload = Buffer.from(answer.body, 'utf8');
    const bodiless = this.#head.method === 'HEAD';
    try {
      stream.respond(answerHeaders(answer, payload.length), { endStream: bodiless });
    } catch {
      stream.respond(answerHeaders(cannedAnswer(500), Buffer.byteLength(cannedAnswer(500).body)), { endStream: bodiless });
    }
    if (!bodiless) stream.end(payload);
    this.#stopBodyAfterAnswer();
  }

  /** The response is complete while the client may still send its body: tell it to stop (RFC 9113 §8.1). */
  #stopBodyAfterAnswer(): void {
    const stream = this.#stream;
    if (this.#bodyEnded || stream.readableEnded) return;
    stream.once('finish', () => {
      if (!stream.closed) stream.close(NGHTTP2_NO_ERROR);
    });
  }

  #release(status: number): void {
    const dispatch = this.#dispatch;
    this.#dispatch = undefined;
    dispatch?.release?.({ status, answered: this.#responseBytes > 0, bytesIn: this.#bodyBytes, bytesOut: this.#bodyBytesOut });
  }

  #settle(premature: boolean): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#owner.onStreamSettled(premature);
  }

  #dropConnection(): void {
    this.#connection?.destroy();
    this.#connection = undefined;
  }

  #enter(next: ExchangePhase): void {
    if (!mayEnter(this.#phase, next)) throw this.#impossible(`a move to ${next}`);
    this.#phase = next;
  }

  #impossible(event: string): Error {
    return new ForwarderStateError('Http2Exchange', this.#phase, event);
  }

  /** An invariant failed: settle at once, reset the stream and drop the backend connection, and report the bug. */
  #broken(err: unknown): void {
    const error = err instanceof Error ? err : new Error(String(err));
    const wasDone = this.#phase === 'done';
    this.#phase = 'done';
    this.#deadline.dispose();
    this.#dropConnection();
    if (!wasDone) this.#release(0);
    this.#settle(false);
    this.#owner.options.onEvent({ type: 'internal.error', error });
    if (!this.#stream.closed) this.#stream.close(NGHTTP2_INTERNAL_ERROR);
  }
}

/** The content-length a HEAD or 304 answer announced, kept for the client. */
function declaredLength(res: ResponseHead): number | undefined {
  for (const [name, value] of res.headers) if (name === 'content-length') return Number(value);
  return undefined;
}
