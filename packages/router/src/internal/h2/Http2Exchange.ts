import http2, { type OutgoingHttpHeaders, type ServerHttp2Stream } from 'node:http2';
import type net from 'node:net';
import type { DispatchAnswer } from '../../forward/Dispatch.ts';
import type { HeaderPair, ResolvedForwarderOptions } from '../../forward/ForwarderOptions.ts';
import type { RequestHead } from '../../http1/RequestHead.ts';
import type { ResponseHead } from '../../http1/ResponseHead.ts';
import type { ClientOrigin } from '../forward/clientOrigin.ts';
import { Deadline } from '../forward/Deadline.ts';
import { openTunnel } from '../forward/openTunnel.ts';
import type { UpstreamConnection } from '../forward/UpstreamConnection.ts';
import type { ExchangeClientSide } from '../forward/ExchangeClientSide.ts';
import { UpstreamExchange } from '../forward/UpstreamExchange.ts';
import type { UpstreamPool } from '../forward/UpstreamPool.ts';
import { cannedAnswer, decidedAnswer, type PorticoAnswer } from '../policy/index.ts';
import { cutStream } from './cutStream.ts';
import { answerHeaders, relayedHeaders } from './http2ResponseHeaders.ts';
import { resetStreamTail, watchStreamTail } from './streamTail.ts';

const { NGHTTP2_NO_ERROR, NGHTTP2_PROTOCOL_ERROR } = http2.constants;

/** What a stream's exchange needs from the HTTP/2 connection it belongs to. */
export interface Http2StreamOwner {
  readonly socket: net.Socket;
  readonly origin: ClientOrigin;
  readonly options: ResolvedForwarderOptions;
  readonly pool: UpstreamPool;
  /**
   * Why Portico closed the connection (a rule of its own the client broke, or the forwarder's
   * close), once it did; undefined while only the client can have ended it.
   */
  readonly closedBy: string | undefined;
  /** The exchange is over; `premature` when the client reset the stream before its response was complete. */
  onStreamSettled(premature: boolean): void;
  /** A piece of the request body (or a tunnel's DATA) came: one DATA frame's data, or part of one (node:http2 hands them over one by one). */
  onRequestData(bytes: number): void;
}

/** What the stream's deadline times: the backend, the client's reading, its body, or, once the answer has ended, the client taking its last bytes. */
type Waiting = 'backend' | 'client' | 'body' | 'tail';

/**
 * One HTTP/2 stream relayed to an HTTP/1.1 backend over the socket forwarder's keep-alive pool.
 * The backend side (the dispatch, the outbound head, the single retry, the response read through
 * the framer) is the `UpstreamExchange` it owns, the one the HTTP/1.1 `Exchange` uses too
 * (docs/proxy.md, One forwarding policy). What is HTTP/2's own is here: the response goes out as
 * HEADERS and DATA frames (no framing or connection fields), a body is held to its
 * `content-length` (a mismatch is a stream error, and the backend connection that had the head is
 * dropped, so nothing past the length ever reaches it: H2.CL), a truncated response is a
 * RST_STREAM, a response that ends before the request body makes the stream end with RST_STREAM
 * NO_ERROR (RFC 9113 §8.1), and the stream keeps its own body-idle deadline.
 */
export class Http2Exchange implements ExchangeClientSide {
  readonly #owner: Http2StreamOwner;
  readonly #stream: ServerHttp2Stream;
  readonly #head: RequestHead;
  readonly #backend: UpstreamExchange;
  /** The backend connection's socket while it carries this stream's request, paused while the stream is full. */
  #backendSocket: net.Socket | undefined;
  #clientBlocked = false;
  /** Request body pieces of this turn of the event loop, written to the backend together after it. */
  #pendingBody: Buffer[] = [];
  #settled = false;
  /** node:http2 has had a turn to write the HEADERS it took (`headDelivered`). */
  #headWritten = false;
  /** Whether the HEADERS had left nghttp2 when the client's RST_STREAM was read; undefined before (`headDelivered`). */
  #headBeforeReset: boolean | undefined;
  readonly #deadline: Deadline;
  #waiting: Waiting = 'backend';

  constructor(owner: Http2StreamOwner, stream: ServerHttp2Stream, head: RequestHead, requestId: string, endStream: boolean) {
    this.#owner = owner;
    this.#stream = stream;
    this.#head = head;
    this.#deadline = new Deadline(owner.options.clock, () => this.#timedOut());
    this.#backend = new UpstreamExchange({
      name: 'Http2Exchange',
      client: this,
      socket: owner.socket,
      // The stream, not the session's socket: a tunnel and the worker it holds end with the stream.
      connection: stream,
      origin: owner.origin,
      options: owner.options,
      pool: owner.pool,
      head,
      host: head.host,
      requestId,
      parser: undefined,
      bodyEnded: endStream,
      receivedAt: undefined,
    });
  }

  start(): void {
    const stream = this.#stream;
    stream.on('close', () => this.#onStreamClose());
    // Emitted as node:http2 reads a peer's RST_STREAM (not yet destroyed), or as the stream is
    // destroyed (Portico's cut, the session's end), while its response is still open. The
    // client's reset ends the exchange there: its `close` may come much later (`headDelivered`).
    stream.once('aborted', () => {
      if (stream.destroyed) return;
      this.#headBeforeReset = stream.headersSent && (this.#headWritten || this.#nothingQueued());
      this.#onStreamClose();
    });
    if (!this.#backend.bodyEnded) {
      stream.on('data', (chunk: Buffer) => this.#onBody(chunk));
      stream.on('end', () => this.#onBodyEnd());
    }
    this.#backend.start();
    this.rearm();
  }

  #onBody(chunk: Buffer): void {
    const backend = this.#backend;
    this.#owner.onRequestData(chunk.length);
    if (backend.phase === 'done' || chunk.length === 0) return;
    const body = this.#head.body;
    backend.countBody(chunk.length);
    // RFC 9113 §8.1.1: DATA beyond content-length is malformed, and never goes to the backend,
    // which would read it as a next request (H2.CL). nghttp2 resets such a stream before its DATA
    // reaches Portico (#malformed). A request without a body is never read: its HEADERS ended the
    // stream (`bodiless`), since one without a length that does not is sent on chunked.
    if (body.kind === 'length' && this.#received > body.length) return this.#malformed('DATA beyond content-length');
    // node:http2 hands a body over one piece per DATA frame: what the reads of one turn delivered
    // goes to the backend as one piece after them, as HTTP/1.1 forwards one per read (docs/proxy.md,
    // What one client can take), not one write (and one chunk) per frame.
    this.#pendingBody.push(chunk);
    if (this.#pendingBody.length === 1) setImmediate(this.#sendPendingBody);
    this.rearm();
  }

  readonly #sendPendingBody = (): void => {
    const pieces = this.#pendingBody;
    if (pieces.length === 0) return;
    this.#pendingBody = [];
    if (this.#backend.phase === 'done') return;
    // The stream's flow-control window stops the client while the backend is full.
    if (!this.#backend.sendBody(pieces.length === 1 ? pieces[0]! : Buffer.concat(pieces))) this.#stream.pause();
    this.rearm();
  };

  #onBodyEnd(): void {
    const backend = this.#backend;
    if (backend.phase === 'done') return;
    const body = this.#head.body;
    if (body.kind === 'length' && this.#received !== body.length) return this.#malformed('DATA shorter than content-length');
    this.#sendPendingBody();
    backend.endBody();
    this.rearm();
  }

  /** Request body bytes the stream carried so far. */
  get #received(): number {
    return this.#backend.bodyBytes;
  }

  onBackendDrain(): void {
    if (!this.#backend.bodyEnded) this.#stream.resume();
  }

  attachBackend(socket: net.Socket): void {
    this.#backendSocket = socket;
  }

  detachBackend(): void {
    // The pool resumes a connection it takes back; one dropped is closed.
    this.#backendSocket = undefined;
  }

  beginRead(): void {}

  /**
   * node:http2 takes HEADERS at once (`headersSent`) and writes them at the end of the turn (its
   * native immediate). While the stream is open they go out before anything that follows them, a
   * RST_STREAM of Portico's included; once the client closed it, they reached the client only if
   * they left nghttp2 before its RST_STREAM was read: nghttp2 drops a frame still queued for a
   * closed stream. A client that resets in the turn the head arrives got nothing (499), and so
   * did one whose reset was read while the HEADERS waited behind an earlier write to its socket.
   *
   * Whether they had left is looked at as the reset is read (`aborted`): nothing is sent between
   * that read and that look, so an empty queue then means they went out. Looked at later, an
   * empty queue cannot tell them sent from dropped, and later is when a reset with NO_ERROR of a
   * stream whose body is paused (the backend reads it slowly) is seen: node:http2 holds such a
   * stream's `close` until its body is read to the end, so the HEADERS were dropped and the queue
   * emptied meanwhile, and the exchange was counted 200 for a client that never got them (seen
   * on Node 24; forwarderResetPausedBody.e2e.test.ts). The reset now ends the exchange as it is read.
   */
  get headDelivered(): boolean {
    const stream = this.#stream;
    if (!stream.headersSent) return false;
    if (this.#headBeforeReset !== undefined) return this.#headBeforeReset;
    return this.#headWritten || !stream.closed || this.#nothingQueued();
  }

  /**
   * Looked at in the turn's check phase, after node:http2's write of the HEADERS (a native
   * immediate; no client frame is read between the two), and again as the body goes: the HEADERS
   * have left nghttp2 once its queue of frames is empty. A socket still busy with an earlier
   * write (a client that reads slowly) holds them there, and a reset read meanwhile drops them
   * (Node 22 and later read it first; Node 20 writes them first).
   */
  static #afterHeadWrite(exchange: Http2Exchange): void {
    exchange.#headWritten ||= exchange.#nothingQueued();
  }

  readonly #onBodyWritten = (error?: Error | null): void => {
    // node:http2 calls back too when it drops the write with the stream: no sign of anything sent.
    if ((error === undefined || error === null) && !this.#stream.closed) this.#headWritten = true;
  };

  /** nghttp2 holds no frame of the session to send (`outboundQueueSize`; a destroyed session's state is empty). */
  #nothingQueued(): boolean {
    return this.#stream.session?.state.outboundQueueSize === 0;
  }

  endRead(): void {}

  relayInterim(res: ResponseHead): void {
    // 100 only to a client that asked for it; 103 and others as interim HEADERS.
    if (res.status === 100 && !this.#head.expectContinue) return;
    try {
      this.#stream.additionalHeaders(relayedHeaders(res, this.#backend.hiddenHeaders, undefined));
    } catch {
      // An interim answer that HTTP/2 cannot carry is dropped; the final one follows.
    }
  }

  relayFinalHead(res: ResponseHead): boolean {
    const backend = this.#backend;
    const bodiless = res.body.kind === 'none';
    // The backend's length is kept where the body has one, and for HEAD and 304, where it describes the body not sent.
    const length = res.body.kind === 'length' ? res.body.length : bodiless && res.status !== 204 ? declaredLength(res) : undefined;
    try {
      const headers: OutgoingHttpHeaders = relayedHeaders(res, backend.hiddenHeaders, length);
      backend.startResponse();
      this.#stream.respond(headers, { endStream: bodiless });
      setImmediate(Http2Exchange.#afterHeadWrite, this);
      return true;
    } catch {
      // Fields HTTP/2 cannot carry (two content-type lines, which node:http2 refuses): nothing
      // went out, so the client gets 502, a response it cannot be given, as for a malformed one.
      backend.spoilConnection();
      backend.fail(502);
      return false;
    }
  }

  /** Writes response body bytes (lent: copied) to the stream, pausing the backend while the stream is full. */
  relayBody(data: Buffer): void {
    this.#headWritten ||= this.#nothingQueued();
    // Unconfirmed, the HEADERS wait in nghttp2: this DATA, behind them, is written after them.
    const written = this.#headWritten ? this.#stream.write(Buffer.from(data)) : this.#stream.write(Buffer.from(data), this.#onBodyWritten);
    if (written || this.#clientBlocked) return;
    this.#clientBlocked = true;
    this.#backendSocket?.pause();
    this.#stream.once('drain', () => {
      this.#clientBlocked = false;
      this.#backendSocket?.resume();
      this.rearm();
    });
    this.rearm();
  }

  onResponseDone(): void {
    this.#settle(false);
    const stream = this.#stream;
    if (!stream.writableEnded) stream.end();
    this.#watchTail();
    this.#stopBodyAfterAnswer();
  }

  /** The answer has ended: its last bytes get `sendTimeout` to go out (`watchStreamTail`). */
  #watchTail(): void {
    if (watchStreamTail(this.#stream, this.#deadline, this.#owner.options.sendTimeout)) this.#waiting = 'tail';
  }

  /**
   * The backend took the WebSocket handshake (101): the client gets 200 on its CONNECT stream
   * (RFC 8441 §5) and from here the stream's DATA and the backend connection's bytes are relayed
   * raw, as an HTTP/1.1 tunnel's are (`openTunnel`).
   */
  onTunnel(res: ResponseHead, connection: UpstreamConnection, rest: Buffer): void {
    this.#settle(false);
    const headers = relayedHeaders(res, this.#backend.hiddenHeaders, undefined);
    headers[':status'] = 200;
    delete headers['sec-websocket-accept'];
    try {
      this.#stream.respond(headers);
    } catch {
      connection.destroy();
      cutStream(this.#stream);
      return;
    }
    // `rest` is part of a lent backend read.
    if (rest.length > 0) this.#stream.write(Buffer.from(rest));
    openTunnel(this.#stream, connection, this.#owner.options);
    // A tunnel's DATA costs what a body's does per frame: counted for the same flood bound. The
    // tunnel reads the stream and pauses it; a second listener neither starts nor stops that.
    this.#stream.on('data', (chunk: Buffer) => this.#owner.onRequestData(chunk.length));
  }

  /** The dispatch's answer, or Portico's page after a failed try or a timeout. */
  onAnswer(answer: DispatchAnswer): void {
    this.#settle(false);
    this.#answerDecided(answer.status, answer.headers ?? [], answer.body);
  }

  /** Nothing reached the client yet: answer `status` on the stream. */
  onFailed(status: number): void {
    this.#settle(false);
    this.#answer(cannedAnswer(status));
  }

  /** The response had started: RST_STREAM, so the truncation shows (HTTP/1.1's connection reset). */
  onAborted(reason: string): void {
    this.#settle(false);
    this.#owner.options.onEvent({ type: 'response.aborted', reason });
    cutStream(this.#stream);
  }

  /** An invariant failed (reported already): reset the stream. */
  onBroken(): void {
    this.#settle(false);
    cutStream(this.#stream);
  }

  /**
   * RFC 9113 §8.1.1: a malformed request is a stream error of type PROTOCOL_ERROR, and is never
   * forwarded in full. nghttp2 checks DATA against content-length itself (node:http2 never turns
   * its HTTP messaging checks off) and resets the stream first, so on Node 20 to 26 this does not
   * run (`test/http2Smuggling.e2e.test.ts` fails if it ever does). It stays behind nghttp2's
   * check because the cost of its absence is request smuggling (H2.CL), and the cost of its
   * presence one comparison per DATA frame.
   */
  #malformed(reason: string): void {
    // The backend had the head and maybe part of the body: its request is aborted, its connection
    // never reused; counted 400, or the status of the response's head if that reached the client.
    this.#backend.refuse(400);
    this.#settle(false);
    this.#owner.options.onEvent({ type: 'request.refused', status: 400, reason });
    this.#stream.close(NGHTTP2_PROTOCOL_ERROR);
  }

  /**
   * The stream closed before the exchange was over: the client reset it, or its connection went
   * (the client's doing, or Portico's, `closedBy`). Either is counted as nginx counts a request
   * whose connection ended under it, its own closes included (499 while nothing of the response
   * reached the client: `clientGone`), and the backend request is aborted; the log says who closed it.
   */
  #onStreamClose(): void {
    this.#deadline.dispose();
    if (!this.#backend.clientGone()) return;
    const closedBy = this.#owner.closedBy;
    this.#settle(closedBy === undefined);
    const reason = closedBy === undefined
      ? 'client reset the stream before the response was complete'
      : `Portico closed the HTTP/2 connection before the response was complete: ${closedBy}`;
    this.#owner.options.onEvent({ type: 'response.aborted', reason });
  }

  /**
   * The policy's deadline rule (`exchangeWait`); where it waits for the client's body, the
   * connection-level `bodyIdleTimeout` of HTTP/1.1 becomes this stream's own.
   */
  rearm(): void {
    // The answer has ended; only its tail is timed now (a late 'drain' must not clear that).
    if (this.#waiting === 'tail') return;
    // Waiting for a dispatch is the router's to time (its start-up limit and queue timeout).
    const wait = this.#backend.waitingFor(this.#clientBlocked, false);
    if (wait === undefined) return this.#deadline.clear();
    const options = this.#owner.options;
    this.#waiting = wait === 'none' ? 'body' : wait;
    if (wait === 'client') this.#deadline.hold(options.sendTimeout);
    else if (wait === 'backend') this.#deadline.set(this.#backend.requestTimeout);
    else this.#deadline.set(options.bodyIdleTimeout);
  }

  clearDeadline(): void {
    this.#deadline.dispose();
  }

  #timedOut(): void {
    const options = this.#owner.options;
    if (this.#waiting === 'tail') return resetStreamTail(this.#stream, options.sendTimeout, options.onEvent);
    const backend = this.#backend;
    if (backend.phase === 'done') return;
    if (this.#waiting === 'body') {
      if (backend.phase === 'relaying-body') return backend.abortClient(`the request body stalled for ${options.bodyIdleTimeout} ms`);
      return backend.fail(408);
    }
    const reason = this.#waiting === 'client'
      ? `the client read nothing of the response for ${options.sendTimeout} ms`
      : `the backend sent nothing for ${backend.requestTimeout} ms`;
    backend.timedOut(reason);
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
      cutStream(stream);
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
    this.#watchTail();
    this.#stopBodyAfterAnswer();
  }

  /** The response is complete while the client may still send its body: tell it to stop (RFC 9113 §8.1). */
  #stopBodyAfterAnswer(): void {
    const stream = this.#stream;
    if (this.#backend.bodyEnded || stream.readableEnded) return;
    stream.once('finish', () => {
      if (!stream.closed) stream.close(NGHTTP2_NO_ERROR);
    });
  }

  #settle(premature: boolean): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#owner.onStreamSettled(premature);
  }
}

/** The content-length a HEAD or 304 answer announced, kept for the client. */
function declaredLength(res: ResponseHead): number | undefined {
  for (const [name, value] of res.headers) if (name === 'content-length') return Number(value);
  return undefined;
}
