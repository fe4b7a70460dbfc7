import { FIELD_VALUE, SP } from '../internal/http1/charTables.ts';
import { FieldLines } from '../internal/http1/FieldLines.ts';
import { CHUNKED, NO_BODY, UNTIL_CLOSE } from '../internal/http1/framings.ts';
import { HeadLineReader, type LineVerdict } from '../internal/http1/HeadLineReader.ts';
import { parseConnectionTokens } from '../internal/http1/parseConnectionTokens.ts';
import { parseContentLength, splitList } from '../internal/http1/parseContentLength.ts';
import { appendValue, NO_VALUES } from '../internal/http1/valueLists.ts';
import { resolveHttp1Limits, type Http1Limits } from './Http1Limits.ts';
import type { ResponseFraming, ResponseHead } from './ResponseHead.ts';

export type ResponseHeadResult =
  | { readonly kind: 'incomplete' }
  | { readonly kind: 'head'; readonly head: ResponseHead; readonly rest: Buffer }
  | { readonly kind: 'error'; readonly reason: string };

const INCOMPLETE: ResponseHeadResult = { kind: 'incomplete' };
const ZERO = 0x30;
const ONE = 0x31;
const NINE = 0x39;

/** Three digits at `at`, the first not 0. */
function isStatusDigits(text: string, at: number): boolean {
  const a = text.charCodeAt(at);
  const b = text.charCodeAt(at + 1);
  const c = text.charCodeAt(at + 2);
  return a > ZERO && a <= NINE && b >= ZERO && b <= NINE && c >= ZERO && c <= NINE;
}

/**
 * An incremental parser for a backend's response heads (RFC 9112 §4 and §6.3). The request
 * method decides framing: HEAD, 1xx, 204 and 304 have no body; then chunked, Content-Length, or
 * until the connection closes. A 1xx head (100 Continue, 101 Switching Protocols, 103) comes back
 * like any other; push the rest again for the final response. Any doubt is an error: the
 * forwarder answers 502 and never reuses that connection.
 */
export class ResponseHeadParser {
  readonly #limits: Http1Limits;
  readonly #lines = new HeadLineReader();
  /** The status line's parts; `#status` is 0 until it is read. */
  #status = 0;
  #version: '1.0' | '1.1' = '1.1';
  #reason = '';
  readonly #fields = new FieldLines();

  constructor(limits: Partial<Http1Limits> = {}) {
    this.#limits = resolveHttp1Limits(limits);
  }

  push(chunk: Buffer, requestMethod: string): ResponseHeadResult {
    const fed = this.#lines.feed(chunk, this.#onLine, this.#limits.maxResponseHeadBytes + 1);
    if (fed.kind === 'error') return this.#fail(fed.reason);
    if (fed.kind === 'more') {
      if (this.#lines.lineBytes + this.#lines.pendingBytes > this.#limits.maxResponseHeadBytes) {
        return this.#fail('response head too large');
      }
      return INCOMPLETE;
    }
    const version = this.#version;
    const status = this.#status;
    const reason = this.#reason;
    const { headers, rawNames } = this.#fields.take();
    const headBytes = this.#lines.lineBytes;
    this.reset();
    const framing = responseFraming(version, status, requestMethod, headers);
    if (typeof framing === 'string') return { kind: 'error', reason: framing };
    // Spelled out, not spread: every head has the same shape, so the code reading it stays monomorphic.
    const head: ResponseHead = {
      version,
      status,
      reason,
      headers,
      rawNames,
      body: framing.body,
      keepAlive: framing.keepAlive,
      connectionTokens: framing.connectionTokens,
      headBytes,
    };
    return { kind: 'head', head, rest: fed.rest };
  }

  reset(): void {
    this.#lines.reset();
    this.#status = 0;
    this.#fields.reset();
  }

  readonly #onLine = (text: string, start: number, end: number): LineVerdict => {
    if (this.#lines.lineBytes + end - start + 2 > this.#limits.maxResponseHeadBytes) {
      return { status: 502, reason: 'response head too large' };
    }
    if (this.#status === 0) return this.#onStatusLine(text, start, end);
    if (start === end) return 'end';
    if (this.#fields.count >= this.#limits.maxResponseHeaderCount) return { status: 502, reason: 'too many header lines' };
    const refused = this.#fields.add(text, start, end);
    return refused === undefined ? 'more' : { status: 502, reason: refused };
  };

  /** `HTTP/1.x SP 3DIGIT [SP reason-phrase]` (RFC 9112 §4), the first digit 1 to 9. */
  #onStatusLine(text: string, start: number, end: number): LineVerdict {
    const length = end - start;
    const minor = text.charCodeAt(start + 7);
    if (
      length < 12 ||
      !text.startsWith('HTTP/1.', start) ||
      (minor !== ZERO && minor !== ONE) ||
      text.charCodeAt(start + 8) !== SP ||
      !isStatusDigits(text, start + 9) ||
      (length > 12 && text.charCodeAt(start + 12) !== SP)
    ) {
      return { status: 502, reason: 'malformed status line' };
    }
    for (let i = start + 13; i < end; i++) {
      if (FIELD_VALUE[text.charCodeAt(i)] !== 1) return { status: 502, reason: 'invalid byte in reason phrase' };
    }
    this.#version = minor === ONE ? '1.1' : '1.0';
    this.#status = (text.charCodeAt(start + 9) - ZERO) * 100 + (text.charCodeAt(start + 10) - ZERO) * 10 + text.charCodeAt(start + 11) - ZERO;
    this.#reason = length > 13 ? text.slice(start + 13, end) : '';
    return 'more';
  }

  #fail(reason: string): ResponseHeadResult {
    this.reset();
    return { kind: 'error', reason };
  }
}

function responseFraming(
  version: '1.0' | '1.1',
  status: number,
  method: string,
  headers: ReadonlyArray<readonly [string, string]>,
): { body: ResponseFraming; keepAlive: boolean; connectionTokens: readonly string[] } | string {
  let contentLength = NO_VALUES;
  let transferEncoding = NO_VALUES;
  let connection = NO_VALUES;
  for (const [name, value] of headers) {
    if (name === 'content-length') contentLength = appendValue(contentLength, value);
    else if (name === 'transfer-encoding') transferEncoding = appendValue(transferEncoding, value);
    else if (name === 'connection') connection = appendValue(connection, value);
  }
  const connectionTokens = connection === NO_VALUES ? NO_VALUES : parseConnectionTokens(connection);
  if (connectionTokens === undefined) return 'malformed Connection header';
  const close = connectionTokens.includes('close');
  let keepAlive = version === '1.1' ? !close : !close && connectionTokens.includes('keep-alive');

  let body: ResponseFraming;
  if (transferEncoding !== NO_VALUES && contentLength !== NO_VALUES) return 'both Transfer-Encoding and Content-Length';
  if (transferEncoding !== NO_VALUES) {
    const codings = splitList(transferEncoding).map((c) => c.toLowerCase());
    if (codings.length !== 1 || codings[0] !== 'chunked' || version === '1.0') {
      return 'unsupported Transfer-Encoding in response';
    }
  }
  let length: number | undefined;
  if (contentLength !== NO_VALUES) {
    const parsed = parseContentLength(contentLength);
    if (typeof parsed === 'string') return parsed;
    length = parsed;
  }
  // RFC 9112 §6.3 items 1–2: these never have content, whatever the headers say.
  if (method === 'HEAD' || status < 200 || status === 204 || status === 304) {
    body = NO_BODY;
  } else if (transferEncoding !== NO_VALUES) {
    body = CHUNKED;
  } else if (length !== undefined) {
    body = { kind: 'length', length };
  } else {
    body = UNTIL_CLOSE;
    keepAlive = false;
  }
  return { body, keepAlive, connectionTokens };
}
