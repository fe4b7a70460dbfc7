import { METHODS } from 'node:http';
import { FieldLines } from '../internal/http1/FieldLines.ts';
import { HeadLineReader, type LineVerdict } from '../internal/http1/HeadLineReader.ts';
import { interpretRequestFields } from '../internal/http1/interpretRequestFields.ts';
import { parseRequestLine, type RequestLine } from '../internal/http1/parseRequestLine.ts';
import { resolveHttp1Limits, type Http1Limits } from './Http1Limits.ts';
import type { Http1ErrorStatus, Http1ParseError } from './Http1ParseError.ts';
import type { RequestHead } from './RequestHead.ts';

/** What one `push` found. After `head` or `error` the parser starts over on the next push. */
export type RequestHeadResult =
  | { readonly kind: 'incomplete' }
  | { readonly kind: 'head'; readonly head: RequestHead; readonly rest: Buffer }
  | ({ readonly kind: 'error' } & Http1ParseError);

export interface RequestHeadParserOptions {
  readonly limits?: Partial<Http1Limits>;
  /** Methods accepted; others get 501. Defaults to Node's `http.METHODS` (CONNECT is always 405). */
  readonly methods?: Iterable<string>;
}

const INCOMPLETE: RequestHeadResult = { kind: 'incomplete' };
const defaultMethods: ReadonlySet<string> = new Set(METHODS);

/**
 * An incremental, strict HTTP/1.1 request-head parser (RFC 9112 §2–§7). Feed it socket chunks;
 * it answers `incomplete`, a `head` with the bytes that follow it (body or next pipelined
 * request), or an `error` with the status to answer before closing. It never throws on input.
 *
 * @example
 * const parser = new RequestHeadParser();
 * socket.on('data', (chunk) => {
 *   const r = parser.push(chunk);
 *   if (r.kind === 'error') return refuse(socket, r.status, r.reason);
 *   if (r.kind === 'head') handle(r.head, r.rest);
 * });
 */
export class RequestHeadParser {
  readonly #limits: Http1Limits;
  readonly #methods: ReadonlySet<string>;
  readonly #lines = new HeadLineReader();
  #line: RequestLine | undefined;
  readonly #fields = new FieldLines();

  constructor(options: RequestHeadParserOptions = {}) {
    this.#limits = resolveHttp1Limits(options.limits);
    this.#methods = options.methods === undefined ? defaultMethods : new Set(options.methods);
  }

  /** Bytes held for a head not yet complete. */
  get bufferedBytes(): number {
    return this.#lines.lineBytes + this.#lines.pendingBytes;
  }

  push(chunk: Buffer): RequestHeadResult {
    const fed = this.#lines.feed(chunk, this.#onLine, this.#limits.maxHeaderBytes + 1);
    if (fed.kind === 'error') return this.#fail(fed.status as Http1ErrorStatus, fed.reason);
    if (fed.kind === 'more') {
      if (this.#line === undefined && this.#lines.pendingBytes > this.#limits.maxRequestLineBytes) {
        return this.#fail(414, 'request line too long');
      }
      if (this.bufferedBytes > this.#limits.maxHeaderBytes) return this.#fail(431, 'request head too large');
      return INCOMPLETE;
    }
    const line = this.#line!;
    const { headers, rawNames } = this.#fields.take();
    const headBytes = this.#lines.lineBytes;
    this.#reset();
    const semantics = interpretRequestFields(line.method, line.version, headers);
    if ('status' in semantics) return { kind: 'error', status: semantics.status, reason: semantics.reason };
    const { parsed } = line;
    // Spelled out, not spread: every head has the same shape, so the code reading it stays monomorphic.
    const head: RequestHead = {
      method: line.method,
      target: line.target,
      form: parsed.form,
      path: parsed.path,
      absolute: parsed.form === 'absolute' ? { scheme: parsed.scheme, authority: parsed.authority } : undefined,
      version: line.version,
      headers,
      rawNames,
      host: semantics.host,
      body: semantics.body,
      keepAlive: semantics.keepAlive,
      connectionTokens: semantics.connectionTokens,
      expectContinue: semantics.expectContinue,
      upgrade: semantics.upgrade,
      headBytes,
    };
    return { kind: 'head', head, rest: fed.rest };
  }

  /** Forgets any partial head. */
  reset(): void {
    this.#reset();
  }

  readonly #onLine = (text: string, start: number, end: number): LineVerdict => {
    const lineBytes = end - start + 2;
    if (this.#lines.lineBytes + lineBytes > this.#limits.maxHeaderBytes) {
      return this.#line === undefined && lineBytes > this.#limits.maxRequestLineBytes
        ? { status: 414, reason: 'request line too long' }
        : { status: 431, reason: 'request head too large' };
    }
    if (this.#line === undefined) {
      // RFC 9112 §2.2: empty lines before the request line are ignored (some clients add CRLF after a body).
      if (start === end) return 'more';
      if (lineBytes > this.#limits.maxRequestLineBytes) return { status: 414, reason: 'request line too long' };
      const line = parseRequestLine(text, start, end, this.#methods);
      if ('status' in line) return line;
      this.#line = line;
      return 'more';
    }
    if (start === end) return 'end';
    if (this.#fields.count >= this.#limits.maxHeaderCount) return { status: 431, reason: 'too many header lines' };
    const refused = this.#fields.add(text, start, end);
    return refused === undefined ? 'more' : { status: 400, reason: refused };
  };

  #fail(status: Http1ErrorStatus, reason: string): RequestHeadResult {
    this.#reset();
    return { kind: 'error', status, reason };
  }

  #reset(): void {
    this.#lines.reset();
    this.#line = undefined;
    this.#fields.reset();
  }
}
