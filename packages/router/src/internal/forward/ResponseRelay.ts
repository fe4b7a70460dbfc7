import { ChunkedDecoder } from '../../http1/ChunkedDecoder.ts';
import type { ResponseHead } from '../../http1/ResponseHead.ts';
import { ResponseHeadParser } from '../../http1/ResponseHeadParser.ts';
import { reusesAfterResponse, switchProblem } from '../policy/index.ts';
import { MAX_INFORMATIONAL_RESPONSES } from './connectionBounds.ts';
import { OutboundRequest } from './OutboundRequest.ts';
import type { UpstreamExchangeInit } from './UpstreamExchangeState.ts';

/**
 * The response's way back, a layer of `UpstreamExchange`: the backend's bytes read through the
 * head parser (interim answers relayed, at most `MAX_INFORMATIONAL_RESPONSES`; the final head; a
 * 101 handed to the tunnel), then the body by its framing (a length, chunked through the decoder,
 * or until the backend closes) and relayed to the client side. How the exchange ends is the
 * exchange's: `finish`, `fail`, `abortClient`, `tunnel` and `broken`. Its state is its own; the
 * exchange reaches it through the methods below.
 */
export abstract class ResponseRelay extends OutboundRequest {
  #parser: ResponseHeadParser | undefined;
  /** The final response head, once read. */
  #response: ResponseHead | undefined;
  /** Bytes the backend sent for the current attempt, heads included. */
  #responseBytes = 0;
  /** Response body bytes relayed to the client (payload), for the outcome. */
  #bodyBytesOut = 0;
  #reusable = true;
  /** Body bytes still to come of a response framed by its length. */
  #remaining = 0;
  #decoder: ChunkedDecoder | undefined;
  /** Interim (1xx) responses read so far (MAX_INFORMATIONAL_RESPONSES). */
  #informational = 0;

  constructor(init: UpstreamExchangeInit) {
    super(init);
    this.#parser = init.parser;
  }

  /** The response is complete: settle, and keep or drop the backend connection. */
  protected abstract finish(): void;
  /** Nothing reached the client yet: settle, and the client side answers `status`. */
  abstract fail(status: number): void;
  /**
   * Nothing reached the client yet and the backend's response breaks a rule (`reason`): reported,
   * the connection never reused, and the client answered 502.
   */
  abstract rejectResponse(reason: string): void;
  /** The response had started (or cannot be relayed): settle, and the client side cuts its client. */
  abstract abortClient(reason: string): void;
  /** The backend switched protocols: the tunnel takes the connection. */
  protected abstract tunnel(res: ResponseHead, rest: Buffer): void;
  /** An invariant failed: settle at once and report it. */
  abstract broken(err: unknown): void;

  onData(chunk: Buffer): void {
    try {
      this.#responseBytes += chunk.length;
      // Only a connected backend has bytes to give, and a settled exchange has no connection to give them.
      if (!this.connected()) throw this.impossible('response bytes');
      this.client.beginRead();
      if (this.phase === 'awaiting-head') this.#onHeadBytes(chunk);
      else this.#onBodyBytes(chunk);
      this.client.endRead();
      // After the bytes are handled, so a response head just read counts: from here on the backend
      // is awaited even while the client is still sending its body. Bytes before the final head (a
      // 1xx, a head in pieces) are no progress: requestTimeout runs to the final head whatever they are.
      // Not once done: the connection may already run its next exchange on the shared deadline.
      if (this.phase === 'relaying-body') this.client.rearm();
    } catch (err) {
      this.broken(err);
    }
  }

  /** The client side relays the final head now: from here on the response has begun. */
  startResponse(): void {
    // The final head was read before it is relayed.
    if (this.#response === undefined) throw this.impossible('a response begun without its head');
    this.enter('relaying-body');
  }

  /** The backend connection must not be reused after this response (its framing is in doubt). */
  spoilConnection(): void {
    this.#reusable = false;
  }

  /** Response body bytes relayed to the client (the outcome's `bytesOut`). */
  protected get bodyBytesOut(): number {
    return this.#bodyBytesOut;
  }

  /** Whether any byte of a response (a 1xx included) came back on the current attempt. */
  protected get backendAnswered(): boolean {
    return this.#responseBytes > 0;
  }

  /** The final response's status; 0 before its head. */
  protected get responseStatus(): number {
    return this.#response?.status ?? 0;
  }

  /** A new attempt reads a new response: the parser starts afresh, made on the first. */
  protected beginAttempt(): void {
    this.#parser ??= new ResponseHeadParser(this.options.limits);
    this.#parser.reset();
    this.#responseBytes = 0;
  }

  /** Whether the backend's close ends the response: its body runs until the connection closes. */
  protected endsAtClose(): boolean {
    return this.phase === 'relaying-body' && this.#response?.body.kind === 'until-close';
  }

  /** Whether the response leaves its connection fit for another request: well framed, kept alive, of a kind that allows it. */
  protected leavesConnectionReusable(): boolean {
    const response = this.#response;
    return this.#reusable && response?.keepAlive === true && reusesAfterResponse(this.head, response.status);
  }

  #onHeadBytes(input: Buffer): void {
    let chunk = input;
    for (;;) {
      const r = this.#parser!.push(chunk, this.head.method);
      if (r.kind === 'incomplete') return;
      if (r.kind === 'error') return this.rejectResponse(`backend sent a malformed response head: ${r.reason}`);
      const res = r.head;
      if (res.status === 101) {
        const problem = switchProblem(this.head.upgrade, res);
        if (problem !== undefined) return this.rejectResponse(problem);
        return this.tunnel(res, r.rest);
      }
      if (res.status < 200) {
        // A backend may not keep a request waiting with interim answers for ever.
        if (++this.#informational > MAX_INFORMATIONAL_RESPONSES) return this.rejectResponse(`backend sent more than ${MAX_INFORMATIONAL_RESPONSES} interim responses`);
        this.client.relayInterim(res);
        chunk = r.rest;
        if (chunk.length === 0) return;
        continue;
      }
      // The head came whole in this read when its bytes are all of the read before `rest`.
      return this.#onFinalHead(res, r.rest, chunk.length - r.rest.length === res.headBytes ? chunk : undefined);
    }
  }

  #onFinalHead(res: ResponseHead, rest: Buffer, sentIn: Buffer | undefined): void {
    this.#response = res;
    if (res.body.kind === 'length') this.#remaining = res.body.length;
    else if (res.body.kind === 'chunked') this.#decoder = new ChunkedDecoder(this.options.limits);
    if (!this.client.relayFinalHead(res, sentIn)) return;
    if (res.body.kind === 'none' || (res.body.kind === 'length' && this.#remaining === 0)) {
      if (rest.length > 0) this.#reusable = false;
      return this.finish();
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
        // Bytes past Content-Length mean the backend's framing is off: never reuse it.
        if (take < chunk.length) this.#reusable = false;
        this.finish();
      }
      return;
    }
    if (this.#decoder !== undefined) {
      const r = this.#decoder.push(chunk, (data) => this.#relay(data));
      if (r.kind === 'error') return this.abortClient(`backend sent a malformed chunked body: ${r.reason}`);
      if (r.kind === 'done') {
        if (r.rest.length > 0) this.#reusable = false;
        this.finish();
      }
      return;
    }
    this.#relay(chunk);
  }

  #relay(data: Buffer): void {
    if (data.length === 0) return;
    this.#bodyBytesOut += data.length;
    this.client.relayBody(data);
  }
}
