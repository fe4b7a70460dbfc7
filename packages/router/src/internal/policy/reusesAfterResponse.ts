import type { RequestHead } from '../../http1/RequestHead.ts';

/**
 * Whether a backend connection may carry another request after a complete response with `status`
 * to `request`, as far as the exchange's kind goes (its framing and `Connection` are checked
 * apart). Not after one with no body by rule (RFC 9112 §6.3: HEAD, 204, 304): that is where buggy
 * backends send a body anyway, and bytes that arrive after the next request was written would be
 * read as its response, another client's `Set-Cookie` with it (docs/proxy.md, Stray bytes from a
 * backend). Nor after a WebSocket handshake the backend answered with anything but its 101: it was
 * asked to switch protocols, and whether it did all the same (its frames would follow the answer)
 * is in doubt; the client's connection closes after such an answer too.
 */
export function reusesAfterResponse(request: Pick<RequestHead, 'method' | 'upgrade'>, status: number): boolean {
  return request.method !== 'HEAD' && status !== 204 && status !== 304 && request.upgrade?.kind !== 'websocket';
}
