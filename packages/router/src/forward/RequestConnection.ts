/**
 * What a request lives on, as the router needs it: whether it has closed, and to hear when it
 * does. On HTTP/1.1 the client's socket; on HTTP/2 the request's own stream, never the session's
 * socket, which carries many requests and outlives each (RFC 9113 §5.1). A WebSocket tunnel ends
 * with it, and so does the hold the tunnel keeps on its worker; a request waiting for a worker gives
 * its place in the queue back when it closes. The connection itself rather than a callback made
 * per request.
 */
export interface RequestConnection {
  readonly destroyed: boolean;
  once(event: 'close', listener: () => void): unknown;
  removeListener(event: 'close', listener: () => void): unknown;
}
