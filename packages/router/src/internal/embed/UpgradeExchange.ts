import type { Duplex } from 'node:stream';
import type { Upstream } from '../../forward/Upstream.ts';
import { ChunkedDecoder } from '../../http1/ChunkedDecoder.ts';
import type { ResponseHead } from '../../http1/ResponseHead.ts';
import { ResponseHeadParser } from '../../http1/ResponseHeadParser.ts';
import { serializeRequestHead } from '../../http1/serializeRequestHead.ts';
import { cannedResponse } from '../forward/cannedResponse.ts';
import { MAX_INFORMATIONAL_RESPONSES } from '../forward/connectionBounds.ts';
import { clientResponseHead } from '../forward/clientResponseHeaders.ts';
import { Deadline } from '../forward/Deadline.ts';
import { openTunnel } from '../forward/openTunnel.ts';
import { UpstreamConnection, type UpstreamHandler } from '../forward/UpstreamConnection.ts';
import { NO_BODY, UNTIL_CLOSE } from '../http1/framings.ts';
import type { DispatchAnswer, RetryChoice } from '../../forward/Dispatch.ts';
import {
  afterFailedAttempt,
  CLIENT_CLOSED_REQUEST,
  endedEarly,
  exchangeWait,
  failureAnswer,
  followFailedAttempt,
  isAnswer,
  isFailedStart,
  NO_HIDDEN_HEADERS,
  switchProblem,
  upstreamHasAnswered,
} from '../policy/index.ts';
import { endWithAnswer } from './nodeResponses.ts';
import { outboundHeadersFor, targetFor, type EmbeddedRequest } from './outboundHeadersFor.ts';

export interface UpgradeExchangeContext extends EmbeddedRequest {
  readonly client: Duplex;
  /** Bytes the client sent after its handshake; held back until the backend answers 101. */
  readonly early: Buffer;
}

/**
 * A validated WebSocket handshake relayed over a fresh backend connection: the re-framed head goes
 * up, the backend's answer comes back, and only a 101 opens the tunnel, the socket forwarder's own
 * (`openTunnel`: one rule for stalls and half-closed sides in both engines, issue 15). Any other
 * answer is passed on and the connection closed (no tunnel after a refused upgrade).
 */
export class UpgradeExchange {
  readonly #ctx: UpgradeExchangeContext;
  /** Its reads are lent for one call (`UpstreamHandler.onData`): what outlives the call is copied. */
  #upstream: UpstreamConnection | undefined;
  /** The upstream of the current attempt, which `#upstream` is connected to. */
  #target: Upstream | undefined;
  #attempts = 0;
  /** Of those, the upstreams that failed before they ever answered (`isFailedStart`). */
  #failedStarts = 0;
  #sentFailures = 0;
  #parser: ResponseHeadParser;
  #phase: 'head' | 'body' | 'done' = 'head';
  #responseBytes = 0;
  /** Body bytes of a refusal relayed to the client (payload), for the outcome. */
  #bodyBytesOut = 0;
  #status = 0;
  /** Interim (1xx) answers to the handshake so far (MAX_INFORMATIONAL_RESPONSES). */
  #informational = 0;
  #remaining = 0;
  #decoder: ChunkedDecoder | undefined;
  #released = false;
  /** A refusal's body waits for the client to take what it was given: the backend is paused meanwhile. */
  #clientBlocked = false;
  /** The handshake was written to a connected backend. */
  #sent = false;
  /** `requestTimeout` for the backend's answer to the handshake and its refusal's body, on the forwarder's clock. */
  readonly #deadline: Deadline;
  readonly #requestTimeout: number;

  constructor(ctx: UpgradeExchangeContext) {
    this.#ctx = ctx;
    this.#parser = new ResponseHeadParser(ctx.options.limits);
    this.#deadline = new Deadline(ctx.options.clock, this.#onTimeout);
    this.#requestTimeout = ctx.dispatch.requestTimeout ?? ctx.options.requestTimeout;
  }

  start(): void {
    const { client, dispatch } = this.#ctx;
    client.on('error', ignore);
    client.on('close', this.#onClientClose);
    // node:http's server lets its sockets half-close, and an upgrade's socket is no longer its to
    // end: a client's FIN brings 'end' alone, and would go unseen until requestTimeout.
    client.on('end', this.#onClientClose);
    this.#rearm();
    this.#connect(dispatch.upstream);
  }

  #connect(upstream: Upstream | undefined): void {
    if (upstream === undefined) return this.#fail(502);
    const { head, options } = this.#ctx;
    this.#attempts++;
    this.#target = upstream;
    this.#parser = new ResponseHeadParser(options.limits);
    this.#responseBytes = 0;
    this.#sent = false;
    let bytes: Buffer;
    try {
      const headers = outboundHeadersFor(this.#ctx, upstream, undefined);
      bytes = serializeRequestHead({ method: head.method, target: targetFor(this.#ctx), headers, body: NO_BODY });
    } catch {
      return this.#fail(500);
    }
    let connection: UpstreamConnection;
    try {
      connection = new UpstreamConnection(upstream);
    } catch (err) {
      options.onEvent({ type: 'upstream.failed', upstreamId: upstream.id, error: err as Error, retried: false });
      return this.#fail(502);
    }
    this.#upstream = connection;
    connection.socket.once('connect', () => {
      this.#sent = true;
      connection.socket.write(bytes);
    });
    const handler: UpstreamHandler = {
      onData: (chunk) => {
        if (this.#upstream === connection) this.#onData(chunk);
      },
      onFailure: (err) => {
        if (this.#upstream === connection) this.#onUpstreamFailure(upstream, err);
      },
      onEnd: () => {
        if (this.#upstream !== connection) return;
        if (this.#phase === 'body' && this.#decoder === undefined && this.#remaining < 0) return this.#endRefusal();
        this.#onUpstreamFailure(upstream, new Error('backend closed the connection before answering the upgrade'));
      },
      onDrain: ignore,
    };
    connection.attach(handler);
  }

  #onData(chunk: Buffer): void {
    this.#responseBytes += chunk.length;
    if (this.#phase === 'body') {
      this.#rearm();
      return this.#relayBody(chunk);
    }
    if (this.#phase !== 'head') return;
    // Bytes before the answer (a 1xx, a head in pieces) are no progress: requestTimeout runs from
    // the handshake to the answer whatever they are, as for any request (docs/proxy.md, Limits).
    let input = chunk;
    for (;;) {
      const r = this.#parser.push(input, 'GET');
      if (r.kind === 'incomplete') return;
      if (r.kind === 'error') return this.#reject(`backend sent a malformed response head: ${r.reason}`);
      if (r.head.status === 101) {
        const problem = switchProblem(this.#ctx.head.upgrade, r.head);
        if (problem !== undefined) return this.#reject(problem);
        return this.#tunnel(r.head, r.rest);
      }
      if (r.head.status >= 200) return this.#refused(r.head, r.rest);
      // Other 1xx before the answer are not the answer; the handshake is still waiting, for so many.
      if (++this.#informational > MAX_INFORMATIONAL_RESPONSES) return this.#reject(`backend sent more than ${MAX_INFORMATIONAL_RESPONSES} interim responses`);
      input = r.rest;
      if (input.length === 0) return;
    }
  }

  #onUpstreamFailure(upstream: Upstream, err: Error): void {
    if (this.#phase === 'done') return;
    this.#upstream?.destroy();
    this.#upstream = undefined;
    if (this.#phase === 'body') return this.#abortClient(`backend failed mid-response: ${err.message}`);
    const { dispatch, options } = this.#ctx;
    const backendAnswered = this.#responseBytes > 0;
    const failedStart = isFailedStart(backendAnswered, upstreamHasAnswered(dispatch, upstream));
    if (failedStart) this.#failedStarts++;
    if (this.#sent) this.#sentFailures++;
    // A handshake is a bodiless GET: the policy replays it as long as the backend said nothing yet.
    const verdict = afterFailedAttempt({
      attempts: this.#attempts,
      failedStarts: this.#failedStarts,
      sentFailures: this.#sentFailures,
      failedStart,
      backendAnswered,
      requestSent: this.#sent,
      bodyHeld: true,
      method: this.#ctx.head.method,
    });
    followFailedAttempt({ verdict, dispatch, upstream, error: err, failedStart, onEvent: options.onEvent }, {
      onRetryChoice: (choice) => this.#onRetryChoice(choice),
      onNoRetry: () => this.#failForBackend(502, err.message),
    });
  }

  /** Another upstream, Portico's own answer, or none (502), after a failed try. */
  #onRetryChoice(choice: RetryChoice): void {
    if (this.#phase === 'done') return;
    if (isAnswer(choice)) return this.#answer(choice);
    this.#connect(choice);
  }

  /** Answers with what the dispatch decided instead of the backend's (a start-up failure page), then closes. */
  #answer(answer: DispatchAnswer): void {
    this.#phase = 'done';
    this.#clearTimer();
    this.#release(answer.status);
    endWithAnswer(this.#ctx.client, answer.status, answer.headers ?? [], answer.body);
  }

  #tunnel(res: ResponseHead, rest: Buffer): void {
    const { client, early, options } = this.#ctx;
    const upstream = this.#upstream!;
    this.#upstream = undefined;
    this.#clearTimer();
    this.#phase = 'done';
    this.#status = 101;
    client.off('close', this.#onClientClose);
    client.off('end', this.#onClientClose);
    const head = clientResponseHead(res, 'upgrade', NO_BODY, this.#ctx.dispatch.hiddenResponseHeaders ?? NO_HIDDEN_HEADERS);
    // The exchange is over at the 101; the router keeps the worker draining for the tunnel,
    // which ends with the client's connection (up to shutdownTimeLimit).
    this.#release(101);
    client.write(head, 'latin1');
    // `rest` is part of a lent backend read; the client's socket may queue it.
    if (rest.length > 0) client.write(Buffer.from(rest));
    if (early.length > 0) upstream.socket.write(early);
    openTunnel(client, upstream, options);
  }

  /** The backend declined the upgrade: its answer goes to the client, then the connection closes. */
  #refused(res: ResponseHead, rest: Buffer): void {
    this.#status = res.status;
    let framing: ResponseHead['body'] = res.body;
    if (framing.kind === 'chunked') {
      this.#decoder = new ChunkedDecoder(this.#ctx.options.limits);
      framing = UNTIL_CLOSE;
    }
    this.#phase = 'body';
    this.#rearm();
    this.#ctx.client.write(clientResponseHead(res, 'close', framing, this.#ctx.dispatch.hiddenResponseHeaders ?? NO_HIDDEN_HEADERS), 'latin1');
    if (res.body.kind === 'none') return this.#endRefusal();
    // -1 marks a body that ends when the backend closes.
    this.#remaining = res.body.kind === 'length' ? res.body.length : -1;
    if (this.#remaining === 0) return this.#endRefusal();
    if (rest.length > 0) this.#relayBody(rest);
  }

  #relayBody(chunk: Buffer): void {
    if (this.#decoder !== undefined) {
      const r = this.#decoder.push(chunk, (data) => this.#toClient(data));
      if (r.kind === 'error') return this.#abortClient(`backend sent a malformed chunked body: ${r.reason}`);
      if (r.kind === 'done') this.#endRefusal();
      return;
    }
    if (this.#remaining < 0) return this.#toClient(chunk);
    const take = Math.min(this.#remaining, chunk.length);
    this.#toClient(chunk.subarray(0, take));
    this.#remaining -= take;
    if (this.#remaining === 0) this.#endRefusal();
  }

  /**
   * Refusal body bytes to the client: copied (the read is lent for this call, and the client's
   * socket may queue what it is given), and the backend paused while the client is behind, on
   * `sendTimeout` (`exchangeWait`), as the socket forwarder relays a response: the host held a
   * backend's whole refusal for a client that read none of it.
   */
  #toClient(data: Buffer): void {
    this.#bodyBytesOut += data.length;
    if (this.#ctx.client.write(Buffer.from(data)) || this.#clientBlocked) return;
    this.#clientBlocked = true;
    this.#upstream?.socket.pause();
    this.#ctx.client.once('drain', this.#onClientDrain);
    this.#rearm();
  }

  readonly #onClientDrain = (): void => {
    this.#clientBlocked = false;
    if (this.#phase !== 'body') return;
    this.#upstream?.socket.resume();
    this.#rearm();
  };

  #endRefusal(): void {
    this.#phase = 'done';
    this.#clearTimer();
    this.#upstream?.destroy();
    this.#upstream = undefined;
    this.#release(this.#status);
    this.#ctx.client.end();
  }

  /**
   * The policy's deadline rule (`exchangeWait`): the backend is awaited from the handshake (a
   * bodiless request) to the end of a refusal's body, each read starting the wait over; the
   * client, for `sendTimeout` from when it fell behind, while a refusal's body waits for it.
   */
  #rearm(): void {
    const wait = exchangeWait({
      settled: this.#phase === 'done',
      clientBehind: this.#clientBlocked,
      responseStarted: this.#phase === 'body',
      requestBodyEnded: true,
      backendHoldsBody: false,
      awaitingContinue: false,
    });
    if (wait === 'none') this.#deadline.clear();
    else if (wait === 'client') this.#deadline.hold(this.#ctx.options.sendTimeout);
    else this.#deadline.set(this.#requestTimeout);
  }

  readonly #onTimeout = (): void => {
    if (this.#phase === 'head') {
      this.#failForBackend(504, `the backend sent nothing for ${this.#requestTimeout} ms`);
    }
    else if (this.#phase === 'body') this.#abortClient(this.#clientBlocked ? `the client read nothing of the response for ${this.#ctx.options.sendTimeout} ms` : 'request timed out');
  };

  readonly #onClientClose = (): void => {
    if (this.#phase === 'done') return;
    // A refusal's head may have gone out: then its status, else nginx's 499.
    const sent = this.#phase === 'body' ? this.#status : undefined;
    this.#phase = 'done';
    this.#clearTimer();
    this.#upstream?.destroy();
    this.#upstream = undefined;
    this.#ctx.options.onEvent({ type: 'response.aborted', reason: 'client closed the connection before the upgrade was answered' });
    // After a FIN the socket is still half open: nothing more is written to it.
    this.#ctx.client.destroy();
    const { status, clientClosed, incomplete } = endedEarly(sent, CLIENT_CLOSED_REQUEST);
    this.#release(status, clientClosed, incomplete);
  };

  /** The backend's answer breaks a rule (`reason`): reported, and the client answered 502 as the dispatch has it (the router's page, with the correlation id). */
  #reject(reason: string): void {
    this.#ctx.options.onEvent({ type: 'upstream.failed', upstreamId: this.#target!.id, error: new Error(reason), retried: false });
    this.#failForBackend(502, reason);
  }

  /**
   * Nothing reached the client yet, and the backend is why (`reason`: it broke the protocol, went
   * silent, or closed before answering): the dispatch's failure answer (behind the router, the
   * page naming the app with the correlation id, logged with the reason), else the bare status,
   * as the socket forwarder and the embedded handler answer.
   */
  #failForBackend(status: number, reason: string): void {
    const answer = failureAnswer(this.#ctx.dispatch, status, new Error(reason), false);
    if (answer === undefined) return this.#fail(status);
    this.#upstream?.destroy();
    this.#upstream = undefined;
    this.#answer(answer);
  }

  #fail(status: number): void {
    if (this.#phase === 'done') return;
    this.#phase = 'done';
    this.#clearTimer();
    this.#upstream?.destroy();
    this.#upstream = undefined;
    this.#release(status);
    const { client } = this.#ctx;
    if (!client.destroyed && client.writable) client.end(cannedResponse(status));
    else client.destroy();
  }

  /** Only once a refusal's head went out (its body is cut): counted with its status, incomplete (`endedEarly`). */
  #abortClient(reason: string): void {
    this.#phase = 'done';
    this.#clearTimer();
    this.#upstream?.destroy();
    this.#upstream = undefined;
    this.#ctx.options.onEvent({ type: 'response.aborted', reason });
    this.#release(this.#status, false, true);
    this.#ctx.client.destroy();
  }

  /** Tells the dispatch how the exchange ended (`ExchangeOutcome`). */
  #release(status: number, clientClosed = false, incomplete = false): void {
    if (this.#released) return;
    this.#released = true;
    try {
      this.#ctx.dispatch.release?.({ status, answered: this.#responseBytes > 0, bytesIn: 0, bytesOut: this.#bodyBytesOut, clientClosed, incomplete });
    } catch {
      // The dispatcher's bookkeeping failing must not take the host's server down.
    }
  }

  #clearTimer(): void {
    this.#deadline.dispose();
  }
}

function ignore(): void {}
