import type net from 'node:net';
import { ClientConnection } from '../internal/forward/ClientConnection.ts';
import { resolveForwarderOptions, type ForwarderOptions } from './ForwarderOptions.ts';
import { UpstreamPool } from '../internal/forward/UpstreamPool.ts';
import { Http2Front } from '../internal/h2/Http2Front.ts';

/** The forwarding engine: hand it accepted client sockets. */
export interface Forwarder {
  /**
   * Serves HTTP/1.1 on an accepted client socket until it closes; `initial` are bytes already read
   * from it (a listener's h2c sniff), read before the socket's own.
   */
  handleConnection(socket: net.Socket, initial?: Buffer): void;
  /**
   * Serves HTTP/2 on an accepted client socket: a TLS socket whose ALPN chose `h2`, or a plain one
   * whose first bytes were the HTTP/2 preface (`initial`, when a sniff read them). Each stream is
   * forwarded to the HTTP/1.1 backends like an HTTP/1.1 request (docs/proxy.md, HTTP/2 at the front).
   */
  handleHttp2Connection(socket: net.Socket, initial?: Buffer): void;
  /** Client connections being served (HTTP/1.1 and HTTP/2). */
  readonly connectionCount: number;
  /** Idle keep-alive connections held for one upstream. */
  idleUpstreamConnections(upstreamId: string): number;
  /**
   * Portico is stopping (its listeners no longer accept): no connection takes a request after the
   * one it is on. An idle keep-alive connection closes now; one with a request in flight (or
   * accepted and not yet asked anything) ends after its response, which says `connection:
   * close`; an HTTP/2 session gets GOAWAY and closes once its open streams end. `close` then cuts
   * whatever is left. Idempotent; connections handed over afterwards are drained as they come.
   */
  drain(): void;
  /** Destroys every client connection and idle backend connection. Idempotent. */
  close(): Promise<void>;
}

/**
 * Creates the forwarding engine on plain `net` sockets: request heads are parsed by the strict
 * framer, each request is re-framed to a backend from a per-upstream keep-alive pool with
 * Portico's headers added, and bodies stream both ways with backpressure. A client that closes
 * its side (FIN) while a request is in flight is treated as gone and the backend request aborted.
 *
 * @example
 * const forwarder = createForwarder({ pickUpstream: () => pool.next() });
 * const server = net.createServer((s) => forwarder.handleConnection(s));
 * server.listen(8080);
 */
export function createForwarder(options: ForwarderOptions): Forwarder {
  const resolved = resolveForwarderOptions(options);
  const pool = new UpstreamPool({ maxIdlePerUpstream: resolved.maxIdlePerUpstream, idleTimeout: resolved.upstreamIdleTimeout, clock: resolved.clock });
  const connections = new Set<ClientConnection>();
  // Made on the first HTTP/2 connection: most forwarders never see one.
  let http2: Http2Front | undefined;
  const closedWaiters = new Set<() => void>();
  let closing: Promise<void> | undefined;
  let draining = false;

  const settle = (): void => {
    if (connections.size > 0) return;
    for (const resolve of closedWaiters) resolve();
    closedWaiters.clear();
  };

  return {
    handleConnection(socket, initial) {
      if (closing !== undefined) {
        socket.destroy();
        return;
      }
      const connection: ClientConnection = new ClientConnection(socket, resolved, pool, () => {
        connections.delete(connection);
        settle();
      });
      connections.add(connection);
      if (draining) connection.drain();
      if (initial !== undefined && initial.length > 0) connection.readFirst(initial);
    },
    handleHttp2Connection(socket, initial) {
      if (closing !== undefined) {
        socket.destroy();
        return;
      }
      (http2 ??= new Http2Front(resolved, pool)).handleConnection(socket, initial);
      if (draining) http2.drain();
    },
    get connectionCount() {
      return connections.size + (http2?.connectionCount ?? 0);
    },
    idleUpstreamConnections: (id) => pool.idleCount(id),
    drain() {
      draining = true;
      for (const c of connections) c.drain();
      http2?.drain();
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        pool.close();
        closedWaiters.add(resolve);
        for (const c of connections) c.destroy();
        settle();
      }).then(() => http2?.close());
      return closing;
    },
  };
}
