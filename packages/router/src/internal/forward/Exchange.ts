import type net from 'node:net';
import type { DispatchAnswer } from '../../forward/Dispatch.ts';
import type { HeaderPair, ResolvedForwarderOptions } from '../../forward/ForwarderOptions.ts';
import type { RequestHead } from '../../http1/RequestHead.ts';
import type { ResponseHead } from '../../http1/ResponseHead.ts';
import type { ResponseHeadParser } from '../../http1/ResponseHeadParser.ts';
import type { OutboundResponseFraming } from '../../http1/serializeResponseHead.ts';
import { relaysAsSent } from '../policy/index.ts';
import type { ClientOrigin } from './clientOrigin.ts';
import { clientResponseFraming } from './clientResponseFraming.ts';
import { clientResponseHead } from './clientResponseHeaders.ts';
import { ClientWriter, type ClientWriterWatcher } from './ClientWriter.ts';
import type { Deadline } from './Deadline.ts';
import type { ExchangePhase } from './ExchangePhase.ts';
import type { UpstreamConnection } from './UpstreamConnection.ts';
import type { ExchangeClientSide } from './ExchangeClientSide.ts';
import { UpstreamExchange } from './UpstreamExchange.ts';
import type { UpstreamPool } from './UpstreamPool.ts';

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
  /**
   * The clock's time, read for the step the connection is taking (a request's start, a response's
   * end), while it takes it: deadlines set within the step use it instead of reading the clock.
   */
  readonly stepNow: number | undefined;
  /** Whether the client connection must close after this response, as known at response-head time. */
  mustCloseAfterResponse(): boolean;
  /** The backend can take more request body again. */
  onBodyDrain(): void;
  /** The client asked for 100 Continue, has none yet, and so rightly sends no body. */
  readonly awaitingContinue: boolean;
  /** A 100 Continue went to the client: from now on it is expected to send its body. */
  onContinueRelayed(): void;
  /** The response was relayed completely (`endedAt`: the clock's time then, if it was read). */
  onExchangeDone(closeClient: boolean, endedAt?: number): void;
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
 * One request relayed to one backend and its response relayed back, on an HTTP/1.1 client
 * connection. The backend side (dispatch, upstream choice and the single allowed retry, the
 * re-framed request, the response read through the framer, keep-alive hand-back, the phases and
 * their invariants) is the `UpstreamExchange` it owns, shared with HTTP/2; what is left here is
 * the client side: the response head and body re-framed for this client through a
 * `ClientWriter`, 100 Continue, and the exchange's one deadline (`requestTimeout`, or the
 * client reading: `sendTimeout`).
 *
 * An event the phase rules out tears the exchange down: the client connection is reset, the
 * backend connection dropped, and the error reported as `internal.error`. A bug then costs one
 * connection, never the process.
 */
export class Exchange implements ExchangeClientSide, ClientWriterWatcher {
  readonly #owner: ExchangeOwner;
  readonly #head: RequestHead;
  readonly #backend: UpstreamExchange;
  readonly #writer: ClientWriter;
  #closeClient = false;
  /** The client's socket is full and the backend is paused until it drains. */
  #clientBlocked = false;
  /** The final head waits in the writer's batch with the rest of its backend read, until `endRead`. */
  #headInBatch = false;

  constructor(owner: ExchangeOwner, head: RequestHead, host: string | undefined, requestId: string, receivedAt: number | undefined) {
    this.#owner = owner;
    this.#head = head;
    this.#writer = new ClientWriter(owner.client, this);
    this.#backend = new UpstreamExchange({
      name: 'Exchange',
      client: this,
      socket: owner.client,
      connection: owner.client,
      origin: owner.origin,
      options: owner.options,
      pool: owner.pool,
      head,
      host,
      requestId,
      parser: owner.responseParser,
      bodyEnded: false,
      receivedAt,
    });
  }

  /** Where the exchange stands (tests watch it). */
  get phase(): ExchangePhase {
    return this.#backend.phase;
  }

  /** Its backend side, the connection's handler (tests drive it). */
  get backend(): UpstreamExchange {
    return this.#backend;
  }

  start(): void {
    this.#backend.start();
  }

  /** Request body bytes from the client; false asks the caller to pause the client. */
  writeBody(data: Buffer): boolean {
    const backend = this.#backend;
    if (backend.phase === 'done' || data.length === 0) return backend.phase !== 'done';
    if (backend.bodyEnded) {
      backend.broken(backend.impossible('request body after its end'));
      return false;
    }
    backend.countBody(data.length);
    const accepted = backend.sendBody(data);
    this.rearm();
    return accepted;
  }

  endBody(): void {
    const backend = this.#backend;
    if (backend.bodyEnded && backend.phase !== 'done') return backend.broken(backend.impossible('a second end of the request body'));
    backend.endBody();
    if (backend.phase === 'done') return;
    this.rearm();
  }

  /** Whether any byte of the final response went to the client. */
  get touchedClient(): boolean {
    return this.#backend.responseStarted;
  }

  /**
   * Drop the backend connection, never pool it: the client is gone (no `status`: 499 before any
   * head, `endedEarly`), or the request is refused with `status` (a malformed or stalled
   * body); once the response's head reached the client, either is counted with that head's status.
   */
  abort(status?: number): void {
    if (status === undefined) this.#backend.clientGone();
    else this.#backend.refuse(status);
  }

  /**
   * Sets the exchange's one deadline by the policy's rule (`exchangeWait`): the client to read its
   * full socket (`sendTimeout`), the backend (`requestTimeout`), or none while the client's body
   * is awaited (the connection's `bodyIdleTimeout` watches it). Each call follows progress, so it
   * starts the wait over.
   */
  rearm(): void {
    const deadline = this.#owner.requestDeadline;
    const wait = this.#backend.waitingFor(this.#clientBlocked, this.#owner.awaitingContinue);
    if (wait === undefined || wait === 'none') deadline.clear();
    else if (wait === 'client') deadline.hold(this.#owner.options.sendTimeout, this.#owner.stepNow);
    else deadline.set(this.#backend.requestTimeout, this.#owner.stepNow);
  }

  clearDeadline(): void {
    this.#owner.requestDeadline.clear();
  }

  /** The deadline expired: the backend made no progress, or the client read nothing, for too long. */
  timedOut(): void {
    const reason = this.#clientBlocked
      ? `the client read nothing of the response for ${this.#owner.options.sendTimeout} ms`
      : `the backend sent nothing for ${this.#backend.requestTimeout} ms`;
    this.#backend.timedOut(reason);
  }

  onClientBlocked(): void {
    this.#clientBlocked = true;
    this.rearm();
  }

  onClientDrained(): void {
    this.#clientBlocked = false;
    this.rearm();
  }

  attachBackend(socket: net.Socket): void {
    this.#writer.source = socket;
  }

  detachBackend(): void {
    this.#writer.detach();
  }

  onBackendDrain(): void {
    this.#owner.onBodyDrain();
  }

  beginRead(): void {
    this.#writer.begin();
  }

  endRead(): void {
    this.#headInBatch = false;
    this.#writer.flush();
  }

  get headDelivered(): boolean {
    return this.#backend.responseStarted && !this.#headInBatch;
  }

  relayInterim(res: ResponseHead): void {
    // 100 only to a client that asked for it; other 1xx (103) only to HTTP/1.1 clients.
    const relay = res.status === 100 ? this.#head.expectContinue : this.#head.version === '1.1';
    if (!relay) return;
    this.#writer.write(clientResponseHead(res, undefined, NO_BODY, this.#backend.hiddenHeaders));
    if (res.status === 100) {
      this.#owner.onContinueRelayed();
      this.rearm();
    }
  }

  relayFinalHead(res: ResponseHead, sentIn: Buffer | undefined): boolean {
    const mustClose = this.#owner.mustCloseAfterResponse() || this.#head.upgrade?.kind === 'websocket';
    const framing = clientResponseFraming(this.#head, res, mustClose);
    this.#writer.framing = framing.body;
    this.#closeClient = framing.close;
    const connection = framing.close ? 'close' : this.#head.version === '1.1' ? undefined : 'keep-alive';
    const hidden = this.#backend.hiddenHeaders;
    this.#backend.startResponse();
    // A final head is read, and so relayed, within a backend read (`beginRead`): it is batched.
    this.#headInBatch = true;
    // A head Portico would write as the backend did goes as the backend's bytes: no head is built.
    if (connection === undefined && sentIn !== undefined && relaysAsSent(res, framing.head, hidden)) {
      this.#writer.writeLent(sentIn.subarray(0, res.headBytes));
    } else {
      this.#writer.write(clientResponseHead(res, connection, framing.head, hidden));
    }
    return true;
  }

  relayBody(data: Buffer): void {
    this.#writer.writeBody(data);
  }

  onResponseDone(endedAt: number | undefined): void {
    // A re-chunked body ends with its last chunk; nothing for other framings.
    this.#writer.endBody();
    this.#writer.flush();
    this.#owner.onExchangeDone(this.#closeClient, endedAt);
  }

  onTunnel(res: ResponseHead, connection: UpstreamConnection, rest: Buffer): void {
    this.#writer.flush();
    const head = clientResponseHead(res, 'upgrade', NO_BODY, this.#backend.hiddenHeaders);
    // `rest` is part of a lent backend read; the tunnel writes it after this call returns.
    this.#owner.onTunnel(connection, head, Buffer.from(rest));
  }

  onAnswer(answer: DispatchAnswer, atStart: boolean): void {
    // A final head still in the batch belongs to a response refused in its own read (a malformed
    // chunk behind it), which the answer replaces: it never goes out.
    if (this.#headInBatch) this.#writer.discard();
    const respond = (): void => this.#owner.onExchangeRespond(answer.status, answer.headers ?? [], answer.body, answer.close === true);
    // The dispatch's own answer goes after the caller has seen where the body stands (start() runs before it is read).
    if (atStart) queueMicrotask(respond);
    else respond();
  }

  onFailed(status: number): void {
    // A final head still in the batch belongs to the response that failed, and never goes out.
    if (this.#headInBatch) this.#writer.discard();
    this.#writer.flush();
    this.#owner.onExchangeFailed(status);
  }

  onAborted(reason: string): void {
    // What this read produced is dropped, not flushed: bytes written right before the reset reach
    // the client with it, and a Node (libuv) client then reads the reset as a clean end (issue 15).
    this.#writer.discard();
    this.#owner.onExchangeAborted(reason);
  }

  onBroken(error: Error): void {
    this.#writer.discard();
    this.#owner.onExchangeAborted(`internal error: ${error.message}`);
  }
}
