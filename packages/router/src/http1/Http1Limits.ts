import { InvalidRouterOptionError } from '../errors.ts';

/** Size and count limits of the HTTP/1.1 framer. Defaults sit next to nginx's in docs/proxy.md. */
export interface Http1Limits {
  /** All bytes of a request head, request line to the empty line. Over it: 431. */
  readonly maxHeaderBytes: number;
  /** The request line alone. Over it: 414. */
  readonly maxRequestLineBytes: number;
  /** Header lines in one head (and trailer lines in one chunked body). Over it: 431. */
  readonly maxHeaderCount: number;
  /** One chunk-size line including its extensions. */
  readonly maxChunkLineBytes: number;
  /** Chunk-extension bytes summed over one body (CVE-2024-22019). */
  readonly maxChunkExtensionBytes: number;
  /** Trailer section bytes of one chunked body. */
  readonly maxTrailerBytes: number;
  /** Response heads from a backend. */
  readonly maxResponseHeadBytes: number;
  /** Header lines in one response head from a backend. */
  readonly maxResponseHeaderCount: number;
}

export const defaultHttp1Limits: Http1Limits = Object.freeze({
  maxHeaderBytes: 16 * 1024,
  maxRequestLineBytes: 8 * 1024,
  maxHeaderCount: 100,
  maxChunkLineBytes: 4 * 1024,
  maxChunkExtensionBytes: 16 * 1024,
  maxTrailerBytes: 16 * 1024,
  maxResponseHeadBytes: 64 * 1024,
  maxResponseHeaderCount: 1000,
});

const resolved = new WeakSet<object>([defaultHttp1Limits]);

/** Fills in defaults and checks each given limit is a positive whole number. */
export function resolveHttp1Limits(given: Partial<Http1Limits> = {}): Http1Limits {
  // Parsers are made per connection and per exchange: checking the same object again is waste.
  if (resolved.has(given)) return given as Http1Limits;
  const limits = { ...defaultHttp1Limits, ...given };
  for (const [key, value] of Object.entries(limits)) {
    if (!Number.isSafeInteger(value) || value < 1) {
      throw new InvalidRouterOptionError(key, `must be a whole number ≥ 1, got ${String(value)}`);
    }
  }
  Object.freeze(limits);
  resolved.add(limits);
  return limits;
}
