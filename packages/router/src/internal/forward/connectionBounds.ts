import type { ResolvedForwarderOptions } from '../../forward/ForwarderOptions.ts';

// What one client can make Portico hold and do (docs/proxy.md, What one client can take). Each
// bound is per connection on HTTP/1.1, where a connection carries one request at a time; with
// HTTP/2 the request-sized ones become per stream, and the connection's own stay per connection.

/** Bytes Node reads from a socket at once (libuv's read size). */
export const SOCKET_READ_BYTES = 64 * 1024;

/** Node 20's high-water mark of a socket, each direction: how much is queued before it says "full". */
export const SOCKET_HIGH_WATER_MARK = 16 * 1024;

/**
 * How long a connection Portico closes keeps reading, and dropping, what its client still sends
 * once its last answer and FIN have gone (2 s, from then, however much comes meanwhile): closed at
 * once, a socket with input unread or still arriving is reset by the kernel, and a client still
 * sending could lose the answer before reading it. HTTP/1.1's closing linger and HTTP/2's
 * (`LingeringClose`) alike; the client's own FIN ends it sooner.
 */
export const LINGER_MS = 2_000;

/**
 * Pipelined requests begun in one turn of the event loop on one connection, after which it
 * yields (setImmediate) before beginning more: the work one read can trigger is bounded however
 * many requests it holds. With HTTP/2: streams opened per read.
 */
export const REQUESTS_PER_TURN = 32;

/**
 * Interim (1xx) responses relayed for one request; one more and the backend connection is closed
 * and the client answered 502. With HTTP/2: per stream.
 */
export const MAX_INFORMATIONAL_RESPONSES = 32;

/** The connection's objects (socket, parsers, deadlines, one exchange), measured at about 6 KiB. */
const CONNECTION_OBJECT_BYTES = 8 * 1024;

/**
 * The most bytes one client connection can make Portico hold, whatever it sends and however
 * little it reads (about 456 KiB with the defaults):
 * - from the client: the rest of one read held while a request is served, one more read and the
 *   socket's high-water mark buffered by the paused socket, and a head being parsed;
 * - to the client: answers below the socket's high-water mark (no further request is read until
 *   they are taken), plus one response head and one backend read written past it;
 * - to the backend: request body below the backend socket's high-water mark plus one client read,
 *   and the body kept for a replay.
 */
export function maxBytesHeldPerConnection(options: Pick<ResolvedForwarderOptions, 'limits' | 'maxReplayBytes'>): number {
  const fromClient = 2 * SOCKET_READ_BYTES + SOCKET_HIGH_WATER_MARK + options.limits.maxHeaderBytes;
  const toClient = SOCKET_HIGH_WATER_MARK + options.limits.maxResponseHeadBytes + SOCKET_READ_BYTES;
  const toBackend = SOCKET_HIGH_WATER_MARK + SOCKET_READ_BYTES + options.maxReplayBytes;
  return fromClient + toClient + toBackend + CONNECTION_OBJECT_BYTES;
}
