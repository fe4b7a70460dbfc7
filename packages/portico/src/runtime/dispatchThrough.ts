import type { TLSSocket } from 'node:tls';
import type { AuthTlsInfo } from '@portico/auth-forwarder';
import type { Dispatch, DispatchRequest, Router } from '@portico/router';

/**
 * The forwarders' dispatcher: each request to the router in force (`current()`, which a reload
 * replaces), with the client's address and, on TLS, what its certificate said (read once per
 * connection).
 */
export function dispatchThrough(current: () => Router): (request: DispatchRequest) => Dispatch | Promise<Dispatch> {
  const tlsInfo = new WeakMap<object, AuthTlsInfo>();
  return (request) => {
    const socket = request.socket as TLSSocket;
    let tls: AuthTlsInfo | undefined;
    if (socket.encrypted) {
      tls = tlsInfo.get(socket);
      if (!tls) {
        const peer = socket.getPeerCertificate();
        const der = peer && 'raw' in peer ? peer.raw : undefined;
        const error = socket.authorizationError;
        tls = {
          authorized: socket.authorized,
          ...(error ? { authorizationError: String(error) } : {}),
          ...(der ? { peerCertificateDer: der } : {}),
        };
        tlsInfo.set(socket, tls);
      }
    }
    const { head, requestId, connection, receivedAt } = request;
    const remoteAddress = socket.remoteAddress ?? 'unknown';
    // The request's connection itself (its socket on HTTP/1.1, its stream on HTTP/2: a WebSocket's
    // tunnel closes with it), not a callback around it: nothing is made per request but the
    // request the router reads.
    return current().route(tls ? { head, remoteAddress, requestId, connection, receivedAt, tls } : { head, remoteAddress, requestId, connection, receivedAt });
  };
}
