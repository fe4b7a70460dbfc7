import type { ServerOptions } from 'node:http2';
import type { Http1Limits } from '../../http1/Http1Limits.ts';

// What one HTTP/2 client may make Portico hold and do (docs/proxy.md, HTTP/2 at the front), with
// nginx's and Envoy's defaults as the reference. nghttp2 (inside node:http2) enforces most of them.

/** Streams open at once per connection; more are refused (REFUSED_STREAM). nginx `http2_max_concurrent_streams` 128. */
export const MAX_CONCURRENT_STREAMS = 128;

/** Frames nghttp2 finds invalid (empty DATA/HEADERS/CONTINUATION included, CVE-2019-9518) before the connection is closed. Node's default 1000. */
export const MAX_INVALID_FRAMES = 100;

/** Streams refused (over the concurrency limit) before the connection is closed with ENHANCE_YOUR_CALM (CVE-2019-9514). */
export const MAX_REJECTED_STREAMS = 100;

/**
 * Entries in one SETTINGS frame (CVE-2020-11080: each is work, an initial window change touches
 * every stream); more is GOAWAY ENHANCE_YOUR_CALM. A flood of SETTINGS frames (CVE-2019-9515) is
 * nghttp2's to bound: the acknowledgements it may queue for a client that reads nothing.
 */
export const MAX_SETTINGS = 32;

/** Megabytes a session may hold in nghttp2's buffers (queued frames, header blocks); past it new streams are refused. */
export const MAX_SESSION_MEMORY_MB = 10;

/** A DATA frame of a request body that carries fewer bytes than this is tiny: it costs what a large one costs, for almost nothing. */
export const TINY_DATA_BYTES = 64;

/**
 * Tiny DATA frames a connection may send within a second; one more closes it with
 * ENHANCE_YOUR_CALM. node:http2 hands a body over one piece per DATA frame, a call into JavaScript
 * each (about 1.3 us), where HTTP/1.1's framer takes a read of one-byte chunks as one piece: a
 * million one-byte frames held the event loop for seconds. nginx closes a connection whose bytes
 * pass 8 times its payload and 1 MiB ("http2 flood detected"), which lets through 4 MiB of
 * one-byte frames; node:http2's cost per frame is larger, so the bound is a rate.
 */
export const MAX_TINY_DATA_FRAMES = 10_000;

/**
 * Streams the client may reset before their response is complete: once at least this many were
 * opened, a connection where more than half were reset so is closed with ENHANCE_YOUR_CALM (rapid
 * reset, CVE-2023-44487; Envoy's `overload.premature_reset_*` rule, with a lower minimum).
 */
export const PREMATURE_RESET_MINIMUM = 100;

/** node:http2's option from Node 24 on, which @types/node 20 does not know. */
interface WhitespaceOption {
  readonly strictFieldWhitespaceValidation?: boolean;
}

/**
 * node:http2's server options for Portico's limits. The header list is held to the HTTP/1.1
 * framer's limits (a field line's `": "` and CRLF are what HPACK's 32 bytes of overhead per
 * field stand for), so an HPACK bomb (a small table entry referenced many times) is cut when its
 * expansion passes them, not after.
 */
export function http2ServerOptions(limits: Http1Limits, enableConnectProtocol: boolean): ServerOptions & WhitespaceOption {
  return {
    settings: {
      maxConcurrentStreams: MAX_CONCURRENT_STREAMS,
      maxHeaderListSize: limits.maxHeaderBytes + limits.maxRequestLineBytes + 32 * limits.maxHeaderCount,
      enablePush: false,
      enableConnectProtocol,
    },
    // Pseudo-headers and cookie crumbs count as pairs; the framer counts the joined lines.
    maxHeaderListPairs: 2 * limits.maxHeaderCount + 4,
    maxSessionInvalidFrames: MAX_INVALID_FRAMES,
    maxSessionRejectedStreams: MAX_REJECTED_STREAMS,
    maxSettings: MAX_SETTINGS,
    maxOutstandingPings: 10,
    maxSessionMemory: MAX_SESSION_MEMORY_MB,
    peerMaxConcurrentStreams: MAX_CONCURRENT_STREAMS,
    // SP or HTAB at either end of a value makes a request malformed (RFC 9113 §8.2.1). With its
    // check on, nghttp2 drops such a field and the request is served without it; off (Node 24 and
    // 26; Node 20 has no such option and drops it), the field reaches readHttp2RequestHead, which
    // refuses the request with 400 as for any value Portico would not write.
    strictFieldWhitespaceValidation: false,
  };
}
