import { MAX_CONCURRENT_STREAMS, MAX_INVALID_FRAMES, MAX_REJECTED_STREAMS } from './http2Bounds.ts';

/** nghttp2's error codes (nghttp2.h) that node:http2 destroys a session with; node:http2 exports none of them. */
const NGHTTP2_ERR_PROTO = -505;
const NGHTTP2_ERR_FLOW_CONTROL = -524;
const NGHTTP2_ERR_CALLBACK_FAILURE = -902;
const NGHTTP2_ERR_FLOODED = -904;
const NGHTTP2_ERR_TOO_MANY_CONTINUATIONS = -905;

/** nghttp2's own, not node:http2's (`nghttp2_option_set_max_outbound_ack`, default 1000). */
const MAX_OUTBOUND_ACKS = 1000;
/** nghttp2's own since 1.61 (`nghttp2_session_callbacks` … `max_continuations`, default 8). */
const MAX_CONTINUATIONS = 8;

/**
 * Which bound of nghttp2 (or of node:http2) the client passed, from the error node:http2 destroys
 * its session with (an `NghttpError`: `code` ERR_HTTP2_ERROR with nghttp2's `errno`, or a code of
 * node:http2's own), for the log of the streams that end with it; undefined for any other error,
 * such as the client's socket failing (ECONNRESET), which is the client's doing. On Node 22 and
 * later a connection error nghttp2 answered with GOAWAY destroys the session with
 * NGHTTP2_ERR_PROTO whatever the GOAWAY said, so that one names the kinds it stands for; on Node
 * 20 such a session is not destroyed at all (docs/proxy.md, HTTP/2 at the front).
 */
export function boundPassed(err: Error & { readonly code?: string; readonly errno?: number }): string | undefined {
  if (err.code === 'ERR_HTTP2_TOO_MANY_INVALID_FRAMES') {
    return `node:http2's bound of ${MAX_INVALID_FRAMES} invalid frames (empty DATA, HEADERS or CONTINUATION included, CVE-2019-9518; maxSessionInvalidFrames)`;
  }
  if (err.code !== 'ERR_HTTP2_ERROR') return undefined;
  switch (err.errno) {
    case NGHTTP2_ERR_FLOODED:
      return `nghttp2's flood bound: more than ${MAX_OUTBOUND_ACKS} SETTINGS and PING acknowledgements queued for a client that reads nothing (CVE-2019-9512, CVE-2019-9515)`;
    case NGHTTP2_ERR_TOO_MANY_CONTINUATIONS:
      return `nghttp2's bound of ${MAX_CONTINUATIONS} CONTINUATION frames in one header block (CVE-2024-28182)`;
    // node:http2's only callback that fails the session without a code of its own: a new stream
    // refused (streams or session memory full) after more than this many refused in a row.
    case NGHTTP2_ERR_CALLBACK_FAILURE:
      return `node:http2's bound of ${MAX_REJECTED_STREAMS} streams refused in a row (CVE-2019-9514; maxSessionRejectedStreams)`;
    case NGHTTP2_ERR_PROTO:
      return `a connection error nghttp2 found in what the client sent, and answered with GOAWAY (RFC 9113 §5.4.1): a stream past the acknowledged SETTINGS_MAX_CONCURRENT_STREAMS (${MAX_CONCURRENT_STREAMS}), a frame on a closed stream, a WINDOW_UPDATE of 0, or another breach of the protocol`;
    // A WINDOW_UPDATE on stream 0 past 2^31 - 1 (CVE-2026-21714 leaked the session until Node
    // 20.20.2, 22.22.2, 24.14.1) or DATA past the connection's window.
    case NGHTTP2_ERR_FLOW_CONTROL:
      return 'a flow-control window the client took past 2^31 - 1 (a WINDOW_UPDATE on the connection), or DATA past the window it was given (RFC 9113 §6.9, FLOW_CONTROL_ERROR)';
    default:
      return `nghttp2 closed the connection: ${err.message}`;
  }
}
