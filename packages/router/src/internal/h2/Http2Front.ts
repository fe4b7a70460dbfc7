import http2, { type Http2Server, type IncomingHttpHeaders, type ServerHttp2Session, type ServerHttp2Stream } from 'node:http2';
import type net from 'node:net';
import type { ResolvedForwarderOptions } from '../../forward/ForwarderOptions.ts';
import { RequestHeadParser } from '../../http1/RequestHeadParser.ts';
import { clientOrigin, type ClientOrigin } from '../forward/clientOrigin.ts';
import { Deadline } from '../forward/Deadline.ts';
import { newRequestId } from '../forward/newRequestId.ts';
import type { UpstreamPool } from '../forward/UpstreamPool.ts';
import { cannedAnswer } from '../policy/index.ts';
import { boundPassed } from './boundPassed.ts';
import { http2ServerOptions, MAX_TINY_DATA_FRAMES, PREMATURE_RESET_MINIMUM, TINY_DATA_BYTES } from './http2Bounds.ts';
import { Http2Exchange, type Http2StreamOwner } from './Http2Exchange.ts';
import { LingeringClose } from './LingeringClose.ts';
import { answerHeaders } from './http2ResponseHeaders.ts';
import { resetStreamTail, watchStreamTail } from './streamTail.ts';
import { readHttp2RequestHead } from './readHttp2RequestHead.ts';

const { NGHTTP2_ENHANCE_YOUR_CALM, NGHTTP2_NO_ERROR } = http2.constants;

/** How often, in parts of headersTimeout, a connection looks for a header block begun and not ended. */
const HEAD_CHECKS_PER_TIMEOUT = 2;

/**
 * The HTTP/2 side of a forwarder: node:http2 runs the session (frames, HPACK, flow control,
 * nghttp2's flood limits) on sockets handed to it after ALPN chose `h2` or the h2c preface was
 * seen, and every stream is mapped to an HTTP/1.1 head (`readHttp2RequestHead`) and relayed by an
 * `Http2Exchange`. The server is never listened on: the listener owns the sockets.
 */
export class Http2Front {
  readonly #server: Http2Server;
  readonly #connections = new Set<Http2Connection>();
  #onEmpty: (() => void) | undefined;
  #draining = false;
  /** The socket `handleConnection` hands node:http2, whose session starts in that call: a session's `socket` is a proxy of it. */
  #accepting: net.Socket | undefined;

  constructor(options: ResolvedForwarderOptions, pool: UpstreamPool) {
    // Extended CONNECT (RFC 8441) carries WebSocket over HTTP/2; node:http2 has it on every supported line.
    this.#server = http2.createServer(http2ServerOptions(options.limits, true));
    this.#server.on('session', (session: ServerHttp2Session) => {
      const connection = new Http2Connection(session, this.#accepting!, options, pool, () => {
        this.#connections.delete(connection);
        if (this.#connections.size === 0) this.#onEmpty?.();
      });
      this.#connections.add(connection);
      if (this.#draining) connection.drain();
    });
    // A session's errors are its client's problem; each is closed by node:http2.
    this.#server.on('sessionError', ignore);
  }

  /** Serves HTTP/2 on `socket` (TLS with ALPN `h2`, or plain with the preface read by a sniff: `initial`). */
  handleConnection(socket: net.Socket, initial?: Buffer): void {
    if (initial !== undefined && initial.length > 0) {
      // node:http2 takes what a socket's stream holds when its session starts (nodejs/node#35475):
      // the sniffed bytes go back there, paused so that no 'data' event without a listener drops them.
      socket.pause();
      socket.unshift(initial);
    }
    this.#accepting = socket;
    try {
      this.#server.emit('connection', socket);
    } finally {
      this.#accepting = undefined;
    }
  }

  get connectionCount(): number {
    return this.#connections.size;
  }

  /** GOAWAY to every session: each closes once its open streams end (`Forwarder.drain`). */
  drain(): void {
    this.#draining = true;
    for (const c of this.#connections) c.drain();
  }

  /** Destroys every session; resolves when all are gone. */
  close(): Promise<void> {
    for (const c of this.#connections) c.destroy();
    if (this.#connections.size === 0) return Promise.resolve();
    return new Promise((resolve) => (this.#onEmpty = resolve));
  }
}

/**
 * One client's HTTP/2 connection: its origin, its head parser, the rapid-reset count, and its two
 * waits: for a stream while none is open (`#idle`), and for a header block begun to end (`#headCheck`).
 */
class Http2Connection implements Http2StreamOwner {
  readonly socket: net.Socket;
  readonly origin: ClientOrigin;
  readonly options: ResolvedForwarderOptions;
  readonly pool: UpstreamPool;
  readonly #session: ServerHttp2Session;
  readonly #parser: RequestHeadParser;
  /** Milliseconds with no stream open, from the last one's end, before the connection is closed. */
  readonly #idleMs: number;
  readonly #idle: Deadline;
  readonly #headCheck: Deadline;
  /** The socket's end, once the session goes: its last frames timed, then the linger. */
  readonly #close: LingeringClose;
  /** The id of the last stream whose header block ended (a 'stream' event). */
  #lastStream = 0;
  /** A header block begun and not ended at the last check: its stream id, and when it was first seen. */
  #pendingHead = 0;
  #pendingSince = 0;
  #streams = 0;
  /** Streams open now: while any is, the connection is not idle, however quiet. */
  #open = 0;
  #premature = 0;
  /** Tiny DATA frames (`TINY_DATA_BYTES`) since the first of the current second, and when that came. */
  #tinyFrames = 0;
  #tinySince = 0;
  /** Why Portico closed this connection, once it did: its open streams end with that reason. */
  #closedBy: string | undefined;

  constructor(session: ServerHttp2Session, socket: net.Socket, options: ResolvedForwarderOptions, pool: UpstreamPool, onClosed: () => void) {
    this.#session = session;
    this.socket = session.socket as net.Socket;
    this.origin = clientOrigin(this.socket);
    this.options = options;
    this.pool = pool;
    this.#parser = new RequestHeadParser({ limits: options.limits });
    this.#close = new LingeringClose(socket, options.clock, options.sendTimeout);
    session.on('error', this.#onSessionError);
    session.on('close', () => {
      this.#idle.dispose();
      this.#headCheck.dispose();
      onClosed();
    });
    session.on('stream', (stream: ServerHttp2Stream, _headers: IncomingHttpHeaders, flags: number, raw: string[]) => this.#onStream(stream, flags, raw));
    // The listener's sockets allow half-open connections (for HTTP/1.1's framer) and node:http2
    // does nothing at the end of its socket's input: without this, a client gone with a FIN and
    // no GOAWAY (curl's and Chromium's way) held its socket, in CLOSE_WAIT, and its place in
    // maxConnections until keepAliveTimeout. A client that sends nothing more cannot open a
    // window or acknowledge a SETTINGS frame: it has left, and its streams in flight are aborted
    // as a client's close (499), as an HTTP/1.1 FIN with a request in flight is, and as nginx does.
    this.socket.once('end', () => {
      this.#session.destroy();
      this.#close.begin();
    });
    // No stream open for keepAliveTimeout (headersTimeout where that is 0) from the last one's
    // end, and for headersTimeout from the connection's start (HTTP/1.1's first head): a quiet
    // close. A fixed wait, not the socket's silence: frames that open no stream (PING, a SETTINGS
    // sent a byte at a time) do not hold the connection. A stream in flight that says nothing (a
    // slow backend, a long poll, a quiet WebSocket) is timed by its own deadlines, as an HTTP/1.1
    // request is (nginx's keepalive_timeout for HTTP/2 also starts when the last stream closes).
    this.#idleMs = options.keepAliveTimeout > 0 ? options.keepAliveTimeout : options.headersTimeout;
    this.#idle = new Deadline(options.clock, () => this.#onIdle());
    this.#idle.set(options.headersTimeout);
    this.#headCheck = new Deadline(options.clock, () => this.#checkHead());
    this.#headCheck.set(options.headersTimeout / HEAD_CHECKS_PER_TIMEOUT);
  }

  #onIdle(): void {
    if (this.#open === 0) this.drain();
  }

  /**
   * GOAWAY naming the last stream taken (node:http2's close() sends it): those open finish, no
   * other begins, and the session then closes. A goaway() of Portico's own before it sent the
   * same GOAWAY twice.
   */
  drain(): void {
    if (this.#session.closed || this.#session.destroyed) return;
    this.#session.close();
    if (this.#open === 0) this.#close.begin();
  }

  /**
   * headersTimeout for a header block (HEADERS and its CONTINUATIONs): once begun, no other frame
   * may come until it ends, so one left open blocks the whole connection, whatever streams are
   * open (RFC 9113 §6.10). nghttp2 sets the last stream id it processed when a HEADERS frame
   * begins, and node:http2 makes the stream once its block ends: a gap between the two that lasts
   * headersTimeout is a block left open, and the connection is closed. Looked at every half
   * headersTimeout, so a block gets from one to one and a half of it.
   */
  #checkHead(): void {
    const session = this.#session;
    // A closed session is still checked: its GOAWAY waits for the streams nghttp2 has open, a
    // half-received one among them. A destroyed one is going: node:http2 destroyed it for a
    // bound without a stream to say so, and its last frames are timed from here at the latest.
    if (session.destroyed) return this.#close.begin();
    const begun = session.state.lastProcStreamID ?? 0;
    const now = this.options.clock.now();
    const headersTimeout = this.options.headersTimeout;
    if (begun <= this.#lastStream) {
      this.#pendingHead = 0;
    } else if (begun !== this.#pendingHead) {
      this.#pendingHead = begun;
      this.#pendingSince = now;
      this.#probe(begun);
    } else if (now - this.#pendingSince >= headersTimeout) {
      return this.#refuse(408, `an HTTP/2 header block not ended within ${headersTimeout} ms`);
    }
    this.#headCheck.set(headersTimeout / HEAD_CHECKS_PER_TIMEOUT);
  }

  /**
   * A gap is also a block that ended in a stream nghttp2 or node:http2 refused (too many fields:
   * RST_STREAM, no stream made). A PING tells them apart: a client in the middle of a header block
   * may send no other frame, its acknowledgement included, so an answer means the block ended.
   */
  #probe(begun: number): void {
    const settled = (err: Error | null): void => {
      if (err === null && this.#pendingHead === begun) {
        this.#lastStream = begun;
        this.#pendingHead = 0;
      }
    };
    try {
      this.#session.ping(settled);
    } catch {
      // Too many PINGs unanswered: the gap stays, and headersTimeout decides.
    }
  }

  readonly #onStreamClosed = (): void => {
    if (--this.#open > 0) return;
    // A closing session goes with its last stream (node:http2), and its last frames are timed from then.
    if (this.#session.closed || this.#session.destroyed) return this.#close.begin();
    this.#idle.set(this.#idleMs);
  };

  /** Why Portico closed the connection, once it did (`Http2StreamOwner.closedBy`). */
  get closedBy(): string | undefined {
    return this.#closedBy;
  }

  /** The forwarder closes: the session goes, its open streams with it. */
  destroy(): void {
    this.#closedBy ??= 'the forwarder closed';
    this.#session.destroy();
    this.#close.now();
  }

  /** The client broke a rule of Portico's: GOAWAY ENHANCE_YOUR_CALM, and the session goes at once, its open streams with it. */
  #refuse(status: number, reason: string): void {
    this.options.onEvent({ type: 'request.refused', status, reason });
    this.#closedBy = reason;
    // One GOAWAY, naming the last stream nghttp2 took. A goaway() before destroy() was followed by
    // destroy's own GOAWAY NO_ERROR, so the client's last word on the connection said no error
    // (destroy takes the code only with an error; the session's 'error' for it is ignored: not a bound).
    this.#session.destroy(new Error(reason), NGHTTP2_ENHANCE_YOUR_CALM);
    this.#close.begin();
  }

  /**
   * A stream's error. One that says node:http2 destroyed the session for a bound of nghttp2's (or
   * its own) that the client passed is Portico's close (`closedBy`), named by the bound: the streams
   * close with it before the session reports it.
   */
  readonly #onStreamError = (err: Error & { readonly code?: string; readonly errno?: number }): void => {
    if (!this.#session.destroyed) return;
    this.#closedBy ??= boundPassed(err);
    this.#close.begin();
  };

  /**
   * The session's error, once it is destroyed: for a bound the client passed, the connection's
   * refusal is logged once, as for a rule of Portico's (`#refuse`), its streams or none.
   */
  readonly #onSessionError = (err: Error & { readonly code?: string; readonly errno?: number }): void => {
    const bound = boundPassed(err);
    // Undefined: the client's socket failed. Another reason: Portico closed it first, and said so.
    if (bound === undefined || (this.#closedBy !== undefined && this.#closedBy !== bound)) return;
    this.#closedBy = bound;
    this.options.onEvent({ type: 'request.refused', status: 0, reason: bound });
  };

  #onStream(stream: ServerHttp2Stream, flags: number, raw: string[]): void {
    stream.on('error', this.#onStreamError);
    this.#streams++;
    this.#open++;
    this.#lastStream = stream.id ?? this.#lastStream;
    stream.once('close', this.#onStreamClosed);
    const endStream = (flags & http2.constants.NGHTTP2_FLAG_END_STREAM) !== 0;
    const verdict = readHttp2RequestHead(raw, endStream, this.#parser);
    if (verdict.kind === 'refused') {
      this.options.onEvent({ type: 'request.refused', status: verdict.status, reason: verdict.reason });
      return refuse(stream, verdict.status, this.options);
    }
    // A WebSocket's stream carries no request body: its DATA is the tunnel's, once it opens.
    const bodiless = endStream || verdict.head.upgrade?.kind === 'websocket';
    new Http2Exchange(this, stream, verdict.head, newRequestId(), bodiless).start();
  }

  /**
   * A DATA flood: each frame costs node:http2 a call into JavaScript however little it carries, so
   * a connection sending more than MAX_TINY_DATA_FRAMES tiny ones within a second is closed. The
   * clock is read once a second's worth, not per frame.
   */
  onRequestData(bytes: number): void {
    if (bytes >= TINY_DATA_BYTES || this.#closedBy !== undefined) return;
    if (++this.#tinyFrames === 1) this.#tinySince = this.options.clock.now();
    if (this.#tinyFrames <= MAX_TINY_DATA_FRAMES) return;
    const now = this.options.clock.now();
    if (now - this.#tinySince >= 1_000) {
      this.#tinyFrames = 1;
      this.#tinySince = now;
      return;
    }
    this.#refuse(0, `more than ${MAX_TINY_DATA_FRAMES} DATA frames of under ${TINY_DATA_BYTES} bytes within a second (a DATA flood)`);
  }

  onStreamSettled(premature: boolean): void {
    if (!premature) return;
    this.#premature++;
    // Rapid reset (CVE-2023-44487): each stream costs a dispatch and maybe a backend connection
    // however soon the client resets it; a connection that mostly resets is closed.
    if (this.#streams >= PREMATURE_RESET_MINIMUM && this.#premature * 2 > this.#streams && !this.#session.destroyed) {
      this.#refuse(0, `${this.#premature} of ${this.#streams} streams reset before their response (rapid reset)`);
    }
  }
}

/** A malformed request: Portico's answer for `status`, then the stream ends; nothing was forwarded. */
function refuse(stream: ServerHttp2Stream, status: number, options: ResolvedForwarderOptions): void {
  if (stream.destroyed || stream.closed) return;
  const answer = cannedAnswer(status);
  const payload = Buffer.from(answer.body, 'utf8');
  stream.respond(answerHeaders(answer, payload.length));
  stream.end(payload);
  // No exchange times this stream: a deadline of its own for the answer's tail (refusals are rare).
  const tail = new Deadline(options.clock, () => resetStreamTail(stream, options.sendTimeout, options.onEvent));
  watchStreamTail(stream, tail, options.sendTimeout);
  // A body the client is still sending is not wanted (RFC 9113 §8.1).
  stream.once('finish', () => {
    if (!stream.closed && !stream.readableEnded) stream.close(NGHTTP2_NO_ERROR);
  });
  stream.resume();
}

function ignore(): void {}
