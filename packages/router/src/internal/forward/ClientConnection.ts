import type net from 'node:net';
import type { HeaderPair, ResolvedForwarderOptions } from '../../forward/ForwarderOptions.ts';
import type { UpstreamConnection } from './UpstreamConnection.ts';
import type { UpstreamPool } from './UpstreamPool.ts';
import { ChunkedDecoder } from '../../http1/ChunkedDecoder.ts';
import type { RequestHead } from '../../http1/RequestHead.ts';
import { RequestHeadParser } from '../../http1/RequestHeadParser.ts';
import { ResponseHeadParser } from '../../http1/ResponseHeadParser.ts';
import { decidedAnswer } from '../policy/index.ts';
import { cannedResponse, porticoResponse } from './cannedResponse.ts';
import { clientOrigin, type ClientOrigin } from './clientOrigin.ts';
import { LINGER_MS, REQUESTS_PER_TURN } from './connectionBounds.ts';
import { Deadline } from './Deadline.ts';
import { Exchange, type ExchangeOwner } from './Exchange.ts';
import { openTunnel } from './openTunnel.ts';
import { readIntoSharedBuffer } from './readIntoSharedBuffer.ts';
import { newRequestId } from './newRequestId.ts';

type State = 'head' | 'body' | 'awaiting' | 'closing' | 'tunnel' | 'closed';
/**
 * What the connection's own deadline waits for: a head, the next request, body bytes, the client
 * to take its answers before the next request is read, the last answer to be taken, or the end of
 * a linger.
 */
type TimerKind = 'headers' | 'idle' | 'body' | 'send' | 'flush' | 'linger';
/**
 * Why the client socket is not read, one bit each: the backend is full, a request is in flight, or
 * the client has not taken its answers. Bits, not a Set: two of them change on every request.
 */
const PAUSED_BODY = 1;
const PAUSED_PIPELINE = 2;
const PAUSED_SEND = 4;
type PauseReason = typeof PAUSED_BODY | typeof PAUSED_PIPELINE | typeof PAUSED_SEND;

/**
 * One client connection: reads request heads with the strict parser, feeds each request body to
 * its exchange with backpressure, holds pipelined bytes until the response before them is done,
 * and closes whenever framing is in doubt (refusal, early response, failed exchange).
 */
export class ClientConnection implements ExchangeOwner {
  readonly client: net.Socket;
  readonly options: ResolvedForwarderOptions;
  readonly pool: UpstreamPool;
  readonly responseParser: ResponseHeadParser;
  readonly #parser: RequestHeadParser;
  readonly #onClosed: () => void;
  #state: State = 'head';
  #head: RequestHead | undefined;
  #exchange: Exchange | undefined;
  #remaining = 0;
  #decoder: ChunkedDecoder | undefined;
  #bodyDone = true;
  #awaitingContinue = false;
  #stash: Buffer[] = [];
  /** The PauseReason bits set. */
  #paused = 0;
  /** Requests begun since the last read from the client socket (REQUESTS_PER_TURN). */
  #requestsThisTurn = 0;
  /** The connection's own timeout, of the kind in `#timerKind`. */
  readonly #deadline: Deadline;
  #timerKind: TimerKind | undefined;
  /** Portico is stopping: the response in flight is this connection's last. */
  #draining = false;
  /** The current exchange's timeout; one per connection since its exchanges run one at a time. */
  readonly requestDeadline: Deadline;
  /**
   * The clock's time for the step being taken (a request's start, an exchange's end), read once
   * for it: the request's timing, its deadline and the next idle wait share one read instead of
   * four (on Node 20 a read costs about 0.2 µs). Undefined between steps.
   */
  #stepNow: number | undefined;
  #origin: ClientOrigin | undefined;

  constructor(client: net.Socket, options: ResolvedForwarderOptions, pool: UpstreamPool, onClosed: () => void) {
    this.client = client;
    this.options = options;
    this.pool = pool;
    this.#onClosed = onClosed;
    this.#parser = new RequestHeadParser({ limits: options.limits });
    this.responseParser = new ResponseHeadParser(options.limits);
    this.#deadline = new Deadline(options.clock, () => this.#onTimer());
    this.requestDeadline = new Deadline(options.clock, () => this.#exchange?.timedOut());
    client.setNoDelay(true);
    // Bytes the client's stream already holds come as 'data'; its reads, where Node lets us, come
    // lent from a buffer every connection shares (readIntoSharedBuffer): Node's stream machinery
    // for each read was about a tenth of a request's CPU (docs/performance.md, Where the time goes: HTTP/1.1).
    client.on('data', this.#onRead);
    readIntoSharedBuffer(client, this.#onLentRead);
    client.on('end', this.#onClientEnd);
    client.on('error', this.#onClientError);
    client.on('close', this.#onClientClose);
    this.#arm('headers');
  }

  /**
   * Bytes read from the client before it came here (a listener's h2c sniff), as the connection's
   * first read: handed over rather than put back into the socket's stream, which would keep its
   * reads off the shared buffer until the stream had given them up.
   */
  readFirst(initial: Buffer): void {
    this.#onRead(initial);
  }

  /** Ends the connection now (forwarder shutdown). */
  destroy(): void {
    this.client.destroy();
  }

  /** A read from the client socket: the event loop has come round since the last one. */
  readonly #onRead = (chunk: Buffer): void => {
    this.#requestsThisTurn = 0;
    this.#onData(chunk, false);
  };

  /**
   * A read lent from the shared buffer for this call only. The head parser copies what it keeps
   * of a partial head; every other byte kept past the call (body bytes the backend's socket or a
   * replay may queue, pipelined bytes held) is copied where it is handed on (`lent`).
   */
  readonly #onLentRead = (chunk: Buffer): void => {
    this.#requestsThisTurn = 0;
    this.#onData(chunk, true);
  };

  #onData(chunk: Buffer, lent: boolean): void {
    switch (this.#state) {
      case 'head': return this.#onHeadBytes(chunk, lent);
      case 'body': return this.#onBodyBytes(chunk, lent);
      case 'awaiting': return this.#hold(chunk, lent);
      default: // closing: read and discard so the close is graceful
    }
  }

  #onHeadBytes(chunk: Buffer, lent: boolean): void {
    const r = this.#parser.push(chunk);
    // headersTimeout runs from a head's first bytes; a head read whole is begun (or refused) at
    // once, which replaces the wait, so only a partial one starts it (a clock read saved per request).
    if (r.kind === 'incomplete') {
      if (this.#timerKind === 'idle') this.#arm('headers');
      return;
    }
    if (r.kind === 'error') return this.#refuse(r.status, r.reason);
    this.#startRequest(r.head, r.rest, lent);
  }

  #startRequest(head: RequestHead, rest: Buffer, lent: boolean): void {
    this.#disarm();
    this.#requestsThisTurn++;
    if (head.upgrade?.kind === 'invalid-websocket') return this.#refuse(400, head.upgrade.reason);
    let host = head.host;
    if (head.absolute !== undefined) {
      // Absolute-form is mapped to origin-form only for a host we serve; never an open proxy.
      let served = false;
      try {
        served = this.options.servesHost?.(head.absolute.authority) === true;
      } catch {
        // A failing callback refuses the request; it never takes the connection's process down.
      }
      if (!served) return this.#refuse(400, 'absolute-form target for a host not served here');
      host = head.absolute.authority;
    }
    this.#head = head;
    this.#bodyDone = false;
    this.#awaitingContinue = head.expectContinue;
    this.#state = 'body';
    this.#decoder = head.body.kind === 'chunked' ? new ChunkedDecoder(this.options.limits) : undefined;
    this.#remaining = head.body.kind === 'length' ? head.body.length : 0;
    // A pipelined request begun as the previous exchange ends shares that step's reading.
    const outer = this.#stepNow;
    const now = outer ?? this.options.clock.now();
    this.#stepNow = now;
    const exchange = new Exchange(this, head, host, newRequestId(), now);
    this.#exchange = exchange;
    exchange.start();
    if (this.#state === 'body') {
      if (this.#decoder === undefined && this.#remaining === 0) this.#finishBody(rest, lent);
      else if (rest.length > 0) this.#onBodyBytes(rest, lent);
      else this.#watchBody();
    }
    this.#stepNow = outer;
  }

  #onBodyBytes(chunk: Buffer, lent: boolean): void {
    const exchange = this.#exchange!;
    // A client that stops waiting for 100 Continue and sends its body is watched like any other.
    this.#awaitingContinue = false;
    let ok = true;
    if (this.#decoder === undefined) {
      const take = Math.min(this.#remaining, chunk.length);
      const data = take === chunk.length ? chunk : chunk.subarray(0, take);
      ok = exchange.writeBody(lent ? Buffer.from(data) : data);
      this.#remaining -= take;
      if (this.#remaining === 0) return this.#finishBody(chunk.subarray(take), lent);
    } else {
      // The decoder's data is a view of the read (one chunk) or its own copy (several joined).
      const r = this.#decoder.push(chunk, (data) => {
        ok = exchange.writeBody(lent ? Buffer.from(data) : data) && ok;
      });
      if (r.kind === 'error') return this.#bodyRefused(r.reason);
      if (r.kind === 'done') return this.#finishBody(r.rest, lent);
    }
    if (!ok) this.#pause(PAUSED_BODY);
    this.#watchBody();
  }

  /**
   * While the body is read, the client gets `bodyIdleTimeout` between two reads; not while
   * Portico holds it back, nor while it waits for a 100 Continue the backend has not sent.
   */
  #watchBody(): void {
    if (this.#state === 'body' && (this.#paused & PAUSED_BODY) === 0 && !this.#awaitingContinue) this.#arm('body');
    else if (this.#timerKind === 'body') this.#disarm();
  }

  get stepNow(): number | undefined {
    return this.#stepNow;
  }

  get origin(): ClientOrigin {
    return (this.#origin ??= clientOrigin(this.client));
  }

  get awaitingContinue(): boolean {
    return this.#awaitingContinue;
  }

  onContinueRelayed(): void {
    this.#awaitingContinue = false;
    this.#watchBody();
  }

  #bodyRefused(reason: string): void {
    const exchange = this.#exchange;
    exchange?.abort(400);
    this.#exchange = undefined;
    if (exchange?.touchedClient === true) return this.onExchangeAborted(`malformed request body: ${reason}`);
    this.#refuse(400, `malformed chunked body: ${reason}`);
  }

  #finishBody(rest: Buffer, lent: boolean): void {
    this.#bodyDone = true;
    this.#exchange?.endBody();
    if (this.#state === 'body') this.#state = 'awaiting';
    this.#unpause(PAUSED_BODY);
    this.#watchBody();
    if (rest.length > 0) this.#hold(rest, lent);
  }

  /** Bytes after a complete request wait, unread by the parser, until its response is done. */
  #hold(chunk: Buffer, lent: boolean): void {
    this.#stash.push(lent ? Buffer.from(chunk) : chunk);
    this.#pause(PAUSED_PIPELINE);
  }

  mustCloseAfterResponse(): boolean {
    return this.#draining || this.#head?.keepAlive !== true || !this.#bodyDone || this.options.keepAliveTimeout === 0;
  }

  /**
   * No request begins here after the one in flight (`Forwarder.drain`): an idle keep-alive
   * connection (its last response sent, nothing of another request read) closes now; any other
   * ends after its response, which says `connection: close`. A connection that has not yet been
   * asked anything is left to ask once: its client has no answer to retry on.
   */
  drain(): void {
    this.#draining = true;
    if (this.#state === 'head' && this.#timerKind === 'idle' && this.#parser.bufferedBytes === 0 && this.#stash.length === 0) this.#closeGracefully();
  }

  onBodyDrain(): void {
    this.#unpause(PAUSED_BODY);
  }

  onExchangeDone(closeClient: boolean, endedAt?: number): void {
    const outer = this.#stepNow;
    this.#stepNow = endedAt ?? outer;
    this.#afterExchange(closeClient);
    this.#stepNow = outer;
  }

  #afterExchange(closeClient: boolean): void {
    this.#exchange = undefined;
    if (this.#state === 'closing' || this.#state === 'closed') return;
    // An early response (body still unread) always closes: we never guess where that body ends.
    if (closeClient || this.mustCloseAfterResponse()) return this.#closeGracefully();
    this.#head = undefined;
    // Answers the client has not taken past the socket's high-water mark: nothing more is read or
    // dispatched until it takes them, so a client that pipelines without reading holds Portico
    // to one socket's worth of answers, and sendTimeout cuts it (docs/proxy.md).
    if (this.client.writableNeedDrain) return this.#awaitSent();
    this.#readNext();
  }

  #awaitSent(): void {
    this.#pause(PAUSED_SEND);
    this.#arm('send');
    this.client.once('drain', this.#onSent);
  }

  readonly #onSent = (): void => {
    if (this.#state !== 'awaiting') return;
    this.#paused &= ~PAUSED_SEND;
    this.#readNext();
  };

  /** Back to reading heads: the held pipelined bytes first, within the turn's budget. */
  #readNext(): void {
    // Draining, and the answers sent were waiting for a slow reader: the last was this one's last.
    if (this.#draining) return this.#closeGracefully();
    this.#state = 'head';
    this.#arm('idle');
    if (this.#stash.length === 0) return this.#unpause(PAUSED_PIPELINE);
    // One read's worth of pipelined requests is begun at most REQUESTS_PER_TURN at a time, the
    // rest after other connections had their turn.
    if (this.#requestsThisTurn >= REQUESTS_PER_TURN) {
      setImmediate(this.#nextTurn);
      return;
    }
    const held = this.#stash;
    this.#stash = [];
    this.#unpause(PAUSED_PIPELINE);
    this.#onData(held.length === 1 ? held[0]! : Buffer.concat(held), false);
  }

  readonly #nextTurn = (): void => {
    this.#requestsThisTurn = 0;
    if (this.#state === 'head' && (this.#paused & PAUSED_SEND) === 0) this.#readNext();
  };

  onExchangeRespond(status: number, headers: readonly HeaderPair[], body: string | undefined, close: boolean): void {
    this.#exchange = undefined;
    if (this.#state === 'closing' || this.#state === 'closed' || this.#state === 'tunnel') return;
    const head = this.#head;
    // Keep the connection only when the whole request is known to be read; an unread body is
    // never guessed past (nginx CVE-2019-20372): say close, then read and discard while closing.
    const keep = !close && !this.mustCloseAfterResponse();
    let bytes: Buffer;
    try {
      bytes = porticoResponse(decidedAnswer(status, headers, body), keep, head?.version === '1.0', head?.method === 'HEAD');
    } catch {
      return this.#refuse(500, 'a response header from the router was not writable', false);
    }
    if (!this.client.destroyed && this.client.writable) this.client.write(bytes);
    if (!keep) return this.#closeGracefully();
    if (!this.#bodyDone) this.#bodyDone = true;
    this.onExchangeDone(false);
  }

  onExchangeFailed(status: number): void {
    this.#exchange = undefined;
    this.#refuse(status, `exchange failed with ${status}`, false);
  }

  onExchangeAborted(reason: string): void {
    this.#exchange = undefined;
    this.options.onEvent({ type: 'response.aborted', reason });
    this.#state = 'closed';
    // A reset, not a FIN: a close-delimited response must not look complete.
    if (typeof this.client.resetAndDestroy === 'function') this.client.resetAndDestroy();
    else this.client.destroy();
  }

  onTunnel(upstream: UpstreamConnection, responseHead: string, rest: Buffer): void {
    this.#exchange = undefined;
    this.#stopTimers();
    this.#state = 'tunnel';
    const client = this.client;
    // The tunnel reads the client from here on (its own readIntoSharedBuffer callback replaces ours).
    client.off('data', this.#onRead);
    client.write(responseHead, 'latin1');
    if (rest.length > 0) client.write(rest);
    const held = this.#stash;
    this.#stash = [];
    for (const chunk of held) upstream.socket.write(chunk);
    this.#paused = 0;
    openTunnel(client, upstream, this.options);
  }

  #refuse(status: number, reason: string, report = true): void {
    if (this.#state === 'closing' || this.#state === 'closed' || this.#state === 'tunnel') return;
    if (report) this.options.onEvent({ type: 'request.refused', status, reason });
    this.#exchange?.abort(status);
    this.#exchange = undefined;
    if (!this.client.destroyed && this.client.writable) this.client.write(cannedResponse(status));
    this.#closeGracefully();
  }

  #closeGracefully(): void {
    this.#state = 'closing';
    this.#stash = [];
    this.#exchange?.abort();
    this.#exchange = undefined;
    this.#paused = 0;
    this.client.resume();
    // The answer may still be queued for a slow reader: it gets sendTimeout to take it, and only
    // then does the linger start, so a response is never cut short by the close that follows it.
    this.#arm('flush');
    this.client.end(() => {
      if (this.#state === 'closing') this.#arm('linger');
    });
  }

  readonly #onClientEnd = (): void => {
    // A FIN with a request in flight means the client is gone (nginx's 499): abort the backend
    // request rather than keep it running for nobody. Half-closing clients must wait for responses.
    if (this.#state === 'body' || this.#state === 'awaiting') {
      this.#exchange?.abort();
      this.#exchange = undefined;
      this.options.onEvent({ type: 'response.aborted', reason: 'client closed the connection before the response was complete' });
      this.#state = 'closed';
      this.client.destroy();
    } else if (this.#state === 'head') {
      this.#closeGracefully();
    } else if (this.#state === 'closing') {
      this.client.destroy();
    }
  };

  readonly #onClientError = (): void => {
    this.client.destroy();
  };

  readonly #onClientClose = (): void => {
    this.#stopTimers();
    if (this.#state === 'tunnel') {
      this.#onClosed();
      return;
    }
    this.#state = 'closed';
    this.#exchange?.abort();
    this.#exchange = undefined;
    this.#onClosed();
  };

  #pause(reason: PauseReason): void {
    this.#paused |= reason;
    this.client.pause();
  }

  #unpause(reason: PauseReason): void {
    if ((this.#paused & reason) === 0) return;
    this.#paused &= ~reason;
    if (this.#paused === 0 && this.#state !== 'tunnel') this.client.resume();
    if (reason === PAUSED_BODY) this.#watchBody();
  }

  #arm(kind: TimerKind): void {
    const { options } = this;
    const ms = kind === 'headers' ? options.headersTimeout
      : kind === 'idle' ? options.keepAliveTimeout
      : kind === 'body' ? options.bodyIdleTimeout
      : kind === 'flush' || kind === 'send' ? options.sendTimeout
      : LINGER_MS;
    this.#timerKind = kind;
    this.#deadline.set(ms, this.#stepNow);
  }

  /** Drops both deadlines' timers: the connection is gone, or a tunnel keeps its own. */
  #stopTimers(): void {
    this.#deadline.dispose();
    this.requestDeadline.dispose();
    this.#timerKind = undefined;
  }

  #disarm(): void {
    this.#deadline.clear();
    this.#timerKind = undefined;
  }

  #bodyStalled(): void {
    if (this.#state !== 'body') return;
    const exchange = this.#exchange;
    if (exchange?.touchedClient !== true) return this.#refuse(408, 'request body not received in time');
    exchange.abort(408);
    this.onExchangeAborted('request body stalled after the response had started');
  }

  #onTimer(): void {
    const kind = this.#timerKind;
    this.#timerKind = undefined;
    if (kind === 'linger' || kind === 'flush') return void this.client.destroy();
    if (kind === 'send') return this.onExchangeAborted(`the client read nothing of its answers for ${this.options.sendTimeout} ms`);
    if (kind === 'body') return this.#bodyStalled();
    if (this.#state !== 'head') return;
    // A started head that never finished is slowloris (CVE-2018-12122); an idle keep-alive just closes.
    if (kind === 'headers' && this.#parser.bufferedBytes > 0) this.#refuse(408, 'request head not received in time');
    else this.#closeGracefully();
  }
}
