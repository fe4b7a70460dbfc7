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
    return current().route({
      head: request.head,
      remoteAddress: socket.remoteAddress ?? 'unknown',
      requestId: request.requestId,
      // Only a WebSocket asks (after its 101): its tunnel closes with the client's connection.
      onClose: (listener) => (socket.destroyed ? listener() : socket.once('close', listener)),
      ...(tls ? { tls } : {}),
    });
  };
}
