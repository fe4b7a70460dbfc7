import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Dispatch, DispatchAnswer, RetryChoice } from '../../forward/Dispatch.ts';
import type { ForwarderEvent, HeaderPair } from '../../forward/ForwarderOptions.ts';
import type { Upstream } from '../../forward/Upstream.ts';
import type { RequestHead } from '../../http1/RequestHead.ts';
import { serializeRequestHead } from '../../http1/serializeRequestHead.ts';
import { ForwarderStateError } from '../../errors.ts';
import type { ExchangePhase } from '../forward/ExchangePhase.ts';
import { MAX_INFORMATIONAL_RESPONSES } from '../forward/connectionBounds.ts';
import { Deadline } from '../forward/Deadline.ts';
import { NO_BODY } from '../http1/framings.ts';
import { parseConnectionTokens } from '../http1/parseConnectionTokens.ts';
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
  relayedResponseHeaders,
  reusesAfterResponse,
  upstreamHasAnswered,
  type RelayedResponseFields,
} from '../policy/index.ts';
import { outboundHeadersFor, targetFor, type EmbeddedRequest } from './outboundHeadersFor.ts';
import { flatten, headWritten, refuse, respond, serverRefusal } from './nodeResponses.ts';
import { claimSocket, type UpstreamAgents } from './UpstreamAgents.ts';
import { coalesceReads } from './coalesceReads.ts';

export type ForwardDispatch = Dispatch & { readonly kind: 'forward' };

export interface HttpExchangeContext extends EmbeddedRequest {
  readonly res: ServerResponse;
  readonly agents: UpstreamAgents;
}

// node:http's client sends these without a body unless told a length; others default to chunked.
const bodilessByDefault = new Set(['GET', 'HEAD', 'DELETE', 'OPTIONS', 'TRACE']);

/**
 * One request a host's node:http server already parsed, relayed with node:http's client: the
 * same outbound header rules, retry rule, timeout and release as the socket forwarder's Exchange.
 *
 * Its state is a set of facts that node:http's events set (connected, body ended, answered,
 * responded, done…), not one phase, since node:http's client and server each keep their own. Each
 * event that only some of them allow is checked on arrival (a second start, body after its end, a
 * second end, a new attempt or a second final head after the response began), as undici asserts
 * its parser's state in every callback: one that breaks the rules is a bug, reported as
 * `internal.error` with a ForwarderStateError naming the phase the facts amount to (`#phase`), and
 * the exchange is torn down (`#broken`), never guessed past.
 */
export class HttpExchange {
  readonly #ctx: HttpExchangeContext;
  #out: http.ClientRequest | undefined;
  /** The upstream of the current attempt, which `#out` goes to. */
  #target: Upstream | undefined;
  #connected = false;
  #attempts = 0;
  /** Of those, the upstreams that failed before they ever answered (`isFailedStart`). */
  #failedStarts = 0;
  #sentFailures = 0;
  #replay: Buffer[] | undefined = [];
  #replayBytes = 0;
  #bodyBytes = 0;
  #bodyEnded = false;
  #responseBytes = 0;
  #status = 0;
  #done = false;
  #released = false;
  /** The exchange's one deadline: backend progress, or the client reading (as in the socket forwarder's Exchange). */
  readonly #deadline: Deadline;
  readonly #requestTimeout: number;
  #responded = false;
  /** The backend's response, once its head came. */
  #response: IncomingMessage | undefined;
  /** Any response byte came back: a 1xx or the final head. */
  #answered = false;
  /** Request body pieces of the current read, written on together once it is handled. */
  #pendingBody: Buffer[] = [];
  /** Interim (1xx) responses from the backend so far (MAX_INFORMATIONAL_RESPONSES). */
  #informational = 0;
  /** node:http's client holds the request body back: its socket is full. */
  #upstreamFull = false;
  /** The client's socket is full, so the backend's response is paused until it drains. */
  #clientBlocked = false;
  /** The backend's response has ended; what is left is the client taking the rest. */
  #backendDone = false;

  constructor(ctx: HttpExchangeContext) {
    this.#ctx = ctx;
    this.#deadline = new Deadline(ctx.options.clock, this.#onTimeout);
    this.#requestTimeout = ctx.dispatch.requestTimeout ?? ctx.options.requestTimeout;
  }

  start(): void {
    if (this.#attempts > 0 || this.#done) return this.#broken('a second start');
    const { req, res } = this.#ctx;
    res.on('close', this.#onClientClose);
    // A host that drained a bodiless request before handing it over (it awaited 'end') leaves no
    // 'end' to wait for; one with a body was refused before this (the bytes are gone).
    if (req.readableEnded) this.#bodyEnded = true;
    else {
      req.on('data', this.#onBody);
      req.on('end', this.#onBodyEnd);
    }
    req.on('error', ignore);
    this.#connect(this.#ctx.dispatch.upstream);
  }

  #connect(upstream: Upstream | undefined): void {
    if (upstream === undefined) return this.#fail(502);
    if (this.#responded) return this.#broken('a new attempt after the response began');
    const { req, head, options, agents } = this.#ctx;
    this.#attempts++;
    this.#target = upstream;
    this.#connected = false;
    // A new backend gets the whole of requestTimeout, and nothing of the last one's full socket.
    this.#upstreamFull = false;
    this.#rearm();
    const framing = requestFraming(head);
    let headers: HeaderPair[];
    try {
      headers = outboundHeadersFor(this.#ctx, upstream, framing);
      // Checked by Portico's serializer, so a transform's bad value is a 500 and never a throw inside node:http.
      serializeRequestHead({ method: head.method, target: targetFor(this.#ctx), headers: headers.filter((h) => h !== framing), body: NO_BODY });
    } catch {
      return this.#fail(500);
    }
    const address = 'path' in upstream.address ? { socketPath: upstream.address.path } : { host: upstream.address.host, port: upstream.address.port };
    let out: http.ClientRequest;
    try {
      // node:http's client would stop at 16 KiB of head; the socket forwarder's bound holds here too.
      const maxHeaderSize = options.limits.maxResponseHeadBytes;
      out = http.request({ ...address, agent: agents.for(upstream), method: head.method, path: targetFor(this.#ctx), headers: flatten(headers), maxHeaderSize });
    } catch (err) {
      options.onEvent({ type: 'upstream.failed', upstreamId: upstream.id, error: err as Error, retried: false });
      return this.#fail(502);
    }
    this.#out = out;
    // node:http's client cuts a head at some 1000 fields and says nothing; Portico counts them
    // itself (#onResponse), bounded by node:http's header size.
    out.maxHeadersCount = 0;
    out.on('socket', (socket) => {
      claimSocket(socket);
      if (!socket.connecting) this.#connected = true;
      else socket.once('connect', () => {
        if (this.#out === out) this.#connected = true;
      });
    });
    out.on('error', (err) => this.#onUpstreamError(out, upstream, err));
    out.on('drain', () => {
      if (this.#out !== out) return;
      this.#upstreamFull = false;
      this.#rearm();
      req.resume();
    });
    out.on('information', (info) => this.#onInformation(info));
    out.on('response', (response) => this.#onResponse(out, response));
    // A 101 is no response to a plain request (an upgrade is UpgradeExchange's). Without a
    // listener node:http's client destroys the socket and says nothing, and the client waited
    // out requestTimeout for a 504.
    out.on('upgrade', (_response: IncomingMessage, socket: Duplex) => {
      socket.destroy();
      if (this.#out === out) this.#reject('backend answered 101 to a request that asked for no WebSocket');
    });
    if (this.#attempts > 1) {
      // The replay holds every piece so far, those not yet written among them.
      this.#pendingBody = [];
      for (const chunk of this.#replay!) out.write(chunk);
    }
    if (this.#bodyEnded) out.end();
    else {
      // node:http's client holds a head with a body until the first body byte: a backend that
      // answers on the head alone (a 401 before an upload) would never see it, and its client
      // would wait for good. Body bytes that came with the head carry it (#writeBody, later in
      // this same phase); without any it goes alone.
      setImmediate(() => {
        if (this.#out === out && this.#bodyBytes === 0 && !this.#bodyEnded) out.flushHeaders();
      });
    }
  }

  readonly #onBody = (chunk: Buffer): void => {
    if (this.#done) return;
    if (this.#bodyEnded) return this.#broken('request body after its end');
    this.#bodyBytes += chunk.length;
    if (this.#replay !== undefined) {
      this.#replayBytes += chunk.length;
      if (this.#replayBytes > this.#ctx.options.maxReplayBytes) this.#replay = undefined;
      else this.#replay.push(chunk);
    }
    // node:http hands a chunked body over one piece per chunk, each from C++ in a callback of its
    // own (so microtasks run between them): what the reads of one turn delivered is written on as
    // one piece, after them (docs/proxy.md, What one client can take).
    this.#pendingBody.push(chunk);
    if (this.#pendingBody.length === 1) setImmediate(this.#writeBody);
  };

  readonly #writeBody = (): void => {
    const pieces = this.#pendingBody;
    if (pieces.length === 0) return;
    this.#pendingBody = [];
    if (this.#done) return;
    const data = pieces.length === 1 ? pieces[0]! : Buffer.concat(pieces);
    if (this.#out !== undefined && !this.#out.write(data)) {
      this.#upstreamFull = true;
      this.#ctx.req.pause();
    }
    this.#rearm();
  };

  readonly #onBodyEnd = (): void => {
    if (this.#bodyEnded && !this.#done) return this.#broken('a second end of the request body');
    this.#writeBody();
    this.#bodyEnded = true;
    if (!this.#done) this.#out?.end();
    this.#rearm();
  };

  #onUpstreamError(out: http.ClientRequest, upstream: Upstream, err: Error): void {
    if (this.#out !== out || this.#done) return;
    const { res, head, options, dispatch } = this.#ctx;
    if (res.headersSent) return this.#abortClient(`backend failed mid-response: ${err.message}`);
    // node:http's parser refused what the backend sent: an answer that breaks HTTP's rules, as
    // the socket forwarder's parser refuses it (502, never sent again), not a connection that
    // failed, which the retry rule would send elsewhere and, from a worker that never answered,
    // take for its failed start.
    const code = (err as NodeJS.ErrnoException).code;
    // Bytes after a complete answer, in the read that carried its end (past its Content-Length,
    // after its last chunk), read by the parser as a next response: node:http has destroyed the
    // connection, so they never answer another request, and the answer is whole and goes on, as
    // the socket forwarder passes it (docs/proxy.md, Stray bytes from a backend).
    if (code?.startsWith('HPE_') === true && this.#response?.complete === true) return;
    if (code?.startsWith('HPE_') === true) {
      this.#answered = true;
      return this.#reject(`backend sent a malformed response (${code}: ${err.message})`);
    }
    const failedStart = isFailedStart(this.#answered, upstreamHasAnswered(dispatch, upstream));
    if (failedStart) this.#failedStarts++;
    if (this.#connected) this.#sentFailures++;
    const verdict = afterFailedAttempt({
      attempts: this.#attempts,
      failedStarts: this.#failedStarts,
      sentFailures: this.#sentFailures,
      failedStart,
      backendAnswered: this.#answered,
      requestSent: this.#connected,
      // node:http's client drops what it buffered with the request it destroys: only the replay holds the body.
      bodyHeld: this.#replay !== undefined,
      method: head.method,
    });
    out.destroy();
    this.#out = undefined;
    followFailedAttempt({ verdict, dispatch, upstream, error: err, failedStart, onEvent: options.onEvent }, {
      onRetryChoice: (choice) => this.#onRetryChoice(choice),
      onNoRetry: () => this.#failForBackend(err.message),
    });
  }

  /** Another upstream, Portico's own answer, or none (502), after a failed try. */
  #onRetryChoice(choice: RetryChoice): void {
    if (this.#done) return;
    if (isAnswer(choice)) return this.#answer(choice);
    this.#connect(choice);
    if (!this.#done) this.#ctx.req.resume();
  }

  #onInformation(info: http.InformationEvent): void {
    const { res, head } = this.#ctx;
    if (this.#done) return;
    this.#answered = true;
    // Interim answers are no progress: requestTimeout runs to the final head whatever they are,
    // and a backend may not keep a request waiting with them for ever.
    if (++this.#informational > MAX_INFORMATIONAL_RESPONSES) return this.#reject(`backend sent more than ${MAX_INFORMATIONAL_RESPONSES} interim responses`);
    if (res.headersSent || head.version !== '1.1') return;
    // node:http answers the client's Expect itself, so a backend's 100 is not repeated; 102 and
    // 103 are the informational answers a node:http server can write.
    if (info.statusCode === 102) res.writeProcessing();
    else if (info.statusCode === 103) {
      const links: string[] = [];
      const raw = info.rawHeaders;
      for (let i = 0; i + 1 < raw.length; i += 2) if (raw[i]!.toLowerCase() === 'link') links.push(raw[i + 1]!);
      if (links.length > 0) res.writeEarlyHints({ link: links });
    }
  }

  #onResponse(out: http.ClientRequest, response: IncomingMessage): void {
    if (this.#out !== out || this.#done) {
      response.destroy();
      return;
    }
    if (this.#responded) {
      response.destroy();
      return this.#broken('a second final response head');
    }
    this.#responded = true;
    this.#response = response;
    this.#answered = true;
    this.#rearm();
    const status = response.statusCode ?? 502;
    // Node's agent then closes the socket when the response ends instead of pooling it.
    if (!reusesAfterResponse(this.#ctx.head, status)) out.shouldKeepAlive = false;
    // node:http's parser reads an HTTP/2.0 status line too; Portico's own reads 1.0 and 1.1 alone.
    if (response.httpVersion !== '1.1' && response.httpVersion !== '1.0') {
      response.destroy();
      return this.#reject(`backend answered in HTTP/${response.httpVersion}`);
    }
    if (response.rawHeaders.length / 2 > this.#ctx.options.limits.maxResponseHeaderCount) {
      response.destroy();
      return this.#reject('too many header lines');
    }
    const fields = responseFields(response);
    if (fields === undefined) {
      response.destroy();
      return this.#reject('backend sent response fields that cannot be passed on');
    }
    const headers = relayedResponseHeaders(fields, this.#ctx.dispatch.hiddenResponseHeaders ?? NO_HIDDEN_HEADERS);
    if (!this.#bodyEnded) headers.push(['connection', 'close']);
    const length = response.headers['content-length'];
    const chunked = response.headers['transfer-encoding'] !== undefined;
    // The backend's length is kept where the body has one (and for HEAD and 304, where it
    // describes the body not sent); otherwise the host's server frames (chunked or close).
    if (length !== undefined && !chunked && status !== 204) headers.push(['content-length', length]);
    this.#status = status;
    response.on('error', ignore);
    response.on('close', () => {
      if (!response.complete && !this.#done) this.#abortClient('backend closed the connection before the response was complete');
    });
    response.on('end', () => {
      this.#backendDone = true;
      this.#rearm();
      if (this.#bodyEnded || this.#out !== out) return;
      // An early answer while the body still streams (a 401, a 413): the rest of the body is not
      // sent, the backend connection is never reused, and the client hop says close.
      this.#out = undefined;
      out.destroy();
    });
    // The head goes once the read that carried it is handled: with the body that came in it, or
    // else alone. So a fault in that read (a malformed chunk) leaves the client nothing yet, and it
    // gets 502; and a backend that dies or falls silent after it leaves the client the head and a
    // cut, as the socket forwarder's read does (docs/proxy.md, Failures).
    setImmediate(() => this.#relay(out, response, headers));
  }

  /** Writes the response's head and pipes its body to the client, unless the exchange ended meanwhile. */
  #relay(out: http.ClientRequest, response: IncomingMessage, headers: readonly HeaderPair[]): void {
    if (this.#done || this.#out !== out) return;
    const { res } = this.#ctx;
    try {
      res.writeHead(this.#status, response.statusMessage, flatten(headers));
    } catch (err) {
      response.destroy();
      return this.#reject(`backend sent a response head that cannot be passed on: ${(err as Error).message}`);
    }
    res.on('finish', () => this.#finish());
    response.on('data', (chunk: Buffer) => {
      this.#responseBytes += chunk.length;
      this.#rearm();
    });
    // pipe() pauses the response while the client's socket is full and resumes it on drain.
    response.on('pause', () => this.#onClientBlocked(true));
    response.on('resume', () => this.#onClientBlocked(false));
    // One piece per read of the backend's response, not one per chunk of it.
    response.pipe(coalesceReads()).pipe(res);
    // No body yet to carry the head, which node:http holds for one: it goes now.
    if (response.readableLength === 0 && !response.complete) res.flushHeaders();
  }

  #finish(): void {
    if (this.#done) return;
    if (!this.#responded) return this.#broken('the end of a response never relayed');
    this.#done = true;
    this.#clearTimer();
    this.#release(this.#status);
  }

  #onClientBlocked(blocked: boolean): void {
    if (this.#clientBlocked === blocked) return;
    this.#clientBlocked = blocked;
    this.#rearm();
  }

  /**
   * Sets the deadline by the policy's rule (`exchangeWait`), as the socket forwarder does. The
   * client's request body is the host's server's to time; node:http answers Expect itself, so the
   * client never waits for a 100 Continue here.
   */
  #rearm(): void {
    if (this.#done) return this.#deadline.dispose();
    const wait = exchangeWait({
      settled: false,
      clientBehind: this.#clientBlocked || this.#backendDone,
      responseStarted: this.#responded,
      requestBodyEnded: this.#bodyEnded,
      backendHoldsBody: this.#upstreamFull,
      awaitingContinue: false,
    });
    if (wait === 'none') this.#deadline.clear();
    else if (wait === 'client') this.#deadline.hold(this.#ctx.options.sendTimeout);
    else this.#deadline.set(this.#requestTimeout);
  }

  readonly #onTimeout = (): void => {
    if (this.#done) return;
    const reason = this.#clientBlocked || this.#backendDone
      ? `the client read nothing of the response for ${this.#ctx.options.sendTimeout} ms`
      : `the backend sent nothing for ${this.#requestTimeout} ms`;
    this.#out?.destroy();
    this.#out = undefined;
    if (this.#ctx.res.headersSent) return this.#abortClient(reason);
    // The router's 504 page, naming the app and the correlation id; else the bare status.
    const answer = failureAnswer(this.#ctx.dispatch, 504, new Error(reason), false);
    if (answer !== undefined) this.#answer(answer);
    else this.#fail(504);
  };

  readonly #onClientClose = (): void => {
    if (this.#done || this.#ctx.res.writableFinished) return;
    // The client left (nginx's 499): the backend request is aborted, not run for nobody.
    this.#done = true;
    this.#clearTimer();
    this.#out?.destroy();
    this.#out = undefined;
    // Or node:http's server refused the request itself (a malformed body, its requestTimeout) and
    // answered that, as the socket forwarder counts its own refusals: not a client that left.
    const refused = serverRefusal(this.#ctx.req.socket);
    if (refused !== undefined) {
      this.#ctx.options.onEvent({ type: 'request.refused', status: refused.status, reason: `the host's server refused the request after its head went to the backend: ${refused.reason}` });
      return this.#endEarly(refused.status);
    }
    this.#ctx.options.onEvent({ type: 'response.aborted', reason: 'client closed the connection before the response was complete' });
    this.#endEarly(CLIENT_CLOSED_REQUEST);
  };

  #fail(status: number): void {
    if (this.#done) return;
    this.#done = true;
    this.#clearTimer();
    this.#out?.destroy();
    this.#out = undefined;
    this.#release(status);
    refuse(this.#ctx.res, status);
    // The host's server reads and discards the rest of the body before it closes.
    this.#ctx.req.resume();
  }

  /** The backend's response breaks a rule (`reason`): reported, and answered as `#failForBackend`. */
  #reject(reason: string): void {
    if (this.#done) return;
    this.#ctx.options.onEvent({ type: 'upstream.failed', upstreamId: this.#target!.id, error: new Error(reason), retried: false });
    this.#failForBackend(reason);
  }

  /**
   * Nothing reached the client yet, and the backend is why (`reason`: it broke the protocol, or
   * closed before answering a request that cannot be sent again): the dispatch's failure answer
   * (behind the router, the page naming the app and the correlation id, logged with the reason),
   * else the bare 502, as the socket forwarder and the upgrade answer.
   */
  #failForBackend(reason: string): void {
    if (this.#done) return;
    this.#out?.destroy();
    this.#out = undefined;
    const answer = failureAnswer(this.#ctx.dispatch, 502, new Error(reason), false);
    if (answer === undefined) return this.#fail(502);
    this.#answer(answer);
  }

  /** Answers with what the dispatch decided instead of a backend's response (a start-up failure page). */
  #answer(answer: DispatchAnswer): void {
    this.#done = true;
    this.#clearTimer();
    this.#release(answer.status);
    // A body still coming is never read as a next request: close unless it was read whole.
    respond(this.#ctx.res, answer.status, answer.headers ?? [], answer.body, answer.close === true || !this.#bodyEnded);
    this.#ctx.req.resume();
  }

  #abortClient(reason: string): void {
    if (this.#done) return;
    // The backend failed before its head was written (`#relay`): the client gets 502, as for a malformed response.
    if (!this.#ctx.res.headersSent) return this.#reject(reason);
    this.#cut({ type: 'response.aborted', reason });
  }

  /**
   * An event that the exchange's facts rule out (`event`): reported as `internal.error`, the
   * backend request aborted, the exchange released as one that ended early, and the client's
   * connection reset, as the socket forwarder's exchange does (`broken`). Nothing is answered:
   * what went wrong is not known, and a reset never looks like a complete response.
   */
  #broken(event: string): void {
    this.#cut({ type: 'internal.error', error: new ForwarderStateError('HttpExchange', this.#phase(), event) });
  }

  /**
   * Ends the exchange by cutting it (`event` says why): the backend request aborted, the exchange
   * released as one that ended early, and the client's connection reset, not closed with a FIN:
   * a truncated body must never look complete.
   */
  #cut(event: ForwarderEvent): void {
    this.#done = true;
    this.#clearTimer();
    this.#out?.destroy();
    this.#out = undefined;
    this.#ctx.options.onEvent(event);
    this.#endEarly(CUT_BEFORE_RESPONSE);
    const socket = this.#ctx.req.socket;
    if (typeof socket.resetAndDestroy === 'function') socket.resetAndDestroy();
    else socket.destroy();
  }

  /** What the facts amount to, in the socket forwarder's phases (ExchangePhase), for a ForwarderStateError. */
  #phase(): ExchangePhase {
    if (this.#done) return 'done';
    if (this.#responded) return 'relaying-body';
    if (this.#out === undefined) return 'choosing';
    return this.#connected ? 'awaiting-head' : 'connecting';
  }

  /**
   * Releases an exchange that ended before its response was complete, as `endedEarly` counts it:
   * with the status of the head the client got (node:http wrote it: `headWritten`), incomplete;
   * else with `unsent`, and as a client that closed its request for 499.
   */
  #endEarly(unsent: number): void {
    const { status, clientClosed, incomplete } = endedEarly(headWritten(this.#ctx.res) ? this.#status : undefined, unsent);
    this.#release(status, clientClosed, incomplete);
  }

  /** Tells the dispatch how the exchange ended (`ExchangeOutcome`). */
  #release(status: number, clientClosed = false, incomplete = false): void {
    if (this.#released) return;
    this.#released = true;
    try {
      // Called as the dispatch's method: a dispatch may be a class instance (the router's ForwardDecision).
      this.#ctx.dispatch.release?.({ status, answered: this.#answered, bytesIn: this.#bodyBytes, bytesOut: this.#responseBytes, clientClosed, incomplete });
    } catch {
      // The dispatcher's bookkeeping failing must not take the host's server down.
    }
  }

  #clearTimer(): void {
    this.#deadline.dispose();
  }
}

function ignore(): void {}

/**
 * The framing header for node:http's client: the client's length, or chunked; and a length of 0
 * for a bodiless request whose method node:http would otherwise send chunked.
 */
function requestFraming(head: RequestHead): HeaderPair | undefined {
  if (head.body.kind === 'length') return ['content-length', String(head.body.length)];
  if (head.body.kind === 'chunked') return ['transfer-encoding', 'chunked'];
  return bodilessByDefault.has(head.method) ? undefined : ['content-length', '0'];
}

/**
 * What the response rules read of a response, from node:http's parse of it; undefined when its
 * Connection header is not a token list, which the socket forwarder's parser refuses too.
 */
function responseFields(response: IncomingMessage): RelayedResponseFields | undefined {
  const raw = response.rawHeaders;
  const headers: [string, string][] = [];
  const rawNames: string[] = [];
  const connection: string[] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    headers.push([name, raw[i + 1]!]);
    rawNames.push(raw[i]!);
    if (name === 'connection') connection.push(raw[i + 1]!);
  }
  const connectionTokens = connection.length === 0 ? [] : parseConnectionTokens(connection);
  return connectionTokens === undefined ? undefined : { headers, rawNames, connectionTokens };
}
