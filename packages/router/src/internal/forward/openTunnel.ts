import net from 'node:net';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';
import type { Clock } from '@portico/supervisor';
import type { UpstreamConnection, UpstreamHandler } from './UpstreamConnection.ts';
import { Deadline } from './Deadline.ts';
import { chooseReadBuffers, readIntoSharedBuffer } from './readIntoSharedBuffer.ts';
import { TunnelRelay } from './TunnelRelay.ts';

/**
 * A WebSocket after the backend's 101: bytes flow raw both ways, each direction pausing its
 * reader while the other side's socket is full. The backend's FIN is passed on to the client once
 * the data before it is written, and then both close (backend sockets do not stay half-open); the
 * client's FIN is passed on to the backend, which then has `sendTimeout` of silence to close its
 * side too (each of its reads starts the wait over): a backend that never answers a close frame
 * cannot hold the connection for ever. An error or a close on either side closes the other, and a
 * side that takes nothing for `sendTimeout` (nginx's `send_timeout`) closes both, so a client that
 * stops reading cannot pin a backend connection.
 */
class Tunnel implements UpstreamHandler {
  readonly #client: Duplex;
  readonly #upstream: UpstreamConnection;
  readonly #sendTimeout: number;
  readonly #stalled: Deadline;
  /** Client to backend, for reads lent by the client's socket; backend to client. */
  readonly #toUpstream: TunnelRelay;
  readonly #toClient: TunnelRelay;
  /** Client bytes that came as 'data' in this turn of the event loop, written to the backend together after it. */
  #pendingToUpstream: Buffer[] = [];
  #clientFull = false;
  #upstreamFull = false;
  #upstreamEnded = false;
  /** The client sent its FIN: the backend is waited for to close its side (`sendTimeout` of its silence). */
  #clientEnded = false;

  constructor(client: Duplex, upstream: UpstreamConnection, options: { readonly clock: Clock; readonly sendTimeout: number }) {
    this.#client = client;
    this.#upstream = upstream;
    this.#sendTimeout = options.sendTimeout;
    this.#stalled = new Deadline(options.clock, () => this.#closeBoth());
    upstream.attach(this);
    // Bytes the client's stream already holds come as 'data'; its reads, where Node lets us, come
    // lent from a read buffer instead (readIntoSharedBuffer, TunnelRelay), and as 'data' otherwise.
    client.on('data', this.#onClientData);
    this.#toUpstream = new TunnelRelay(upstream.socket, readIntoSharedBuffer(client, this.#onClientRead, () => this.#toUpstream.nextBuffer()));
    // A TLS socket or an HTTP/2 stream may keep a write's memory after taking it: those get copies.
    const plainClient = client instanceof net.Socket && !(client instanceof tls.TLSSocket);
    this.#toClient = new TunnelRelay(client, plainClient && chooseReadBuffers(upstream.socket, () => this.#toClient.nextBuffer()));
    client.on('drain', this.#onClientDrain);
    client.on('end', this.#onClientEnd);
    client.on('close', this.#onClientClose);
    upstream.socket.resume();
    client.resume();
  }

  onData(chunk: Buffer): void {
    // After the client's FIN, what the backend still sends is its progress towards closing.
    if (this.#clientEnded && !this.#clientFull) this.#stalled.set(this.#sendTimeout);
    if (this.#toClient.relay(chunk)) return;
    this.#upstream.socket.pause();
    this.#clientFull = true;
    this.#stalled.set(this.#sendTimeout);
  }

  onDrain(): void {
    this.#upstreamFull = false;
    this.#watch();
    this.#client.resume();
  }

  onEnd(): void {
    this.#upstreamEnded = true;
    // Everything the backend sent reaches the client before the FIN; then nothing is left to relay.
    this.#client.end(() => this.#closeBoth());
    this.#stalled.set(this.#sendTimeout);
  }

  onFailure(): void {
    if (!this.#upstreamEnded) this.#closeBoth();
  }

  readonly #onClientRead = (chunk: Buffer): void => {
    this.#sendPendingToUpstream();
    if (this.#upstream.socket.writable && !this.#toUpstream.relay(chunk)) this.#pauseClient();
  };

  /**
   * An HTTP/2 stream hands its bytes over one piece per DATA frame: what one turn of the event
   * loop delivered goes to the backend as one write after it, as a socket's read does, not one
   * write per frame (docs/proxy.md, What one client can take).
   */
  readonly #onClientData = (chunk: Buffer): void => {
    this.#pendingToUpstream.push(chunk);
    if (this.#pendingToUpstream.length === 1) setImmediate(this.#sendPendingToUpstream);
  };

  readonly #sendPendingToUpstream = (): void => {
    const pieces = this.#pendingToUpstream;
    if (pieces.length === 0) return;
    this.#pendingToUpstream = [];
    const socket = this.#upstream.socket;
    if (socket.writable && !socket.write(pieces.length === 1 ? pieces[0]! : Buffer.concat(pieces))) this.#pauseClient();
  };

  #pauseClient(): void {
    this.#client.pause();
    this.#upstreamFull = true;
    this.#stalled.set(this.#sendTimeout);
  }

  readonly #onClientDrain = (): void => {
    this.#clientFull = false;
    this.#watch();
    this.#upstream.socket.resume();
  };

  readonly #onClientEnd = (): void => {
    this.#sendPendingToUpstream();
    this.#clientEnded = true;
    this.#stalled.set(this.#sendTimeout);
    if (this.#upstream.socket.writable) this.#upstream.socket.end();
  };

  readonly #onClientClose = (): void => {
    this.#stalled.dispose();
    this.#upstream.destroy();
  };

  /** The deadline runs while either side is full, while the last bytes go out before the FIN, and after the client's FIN. */
  #watch(): void {
    if (this.#clientEnded) return this.#stalled.set(this.#sendTimeout);
    if (!this.#clientFull && !this.#upstreamFull && !this.#upstreamEnded) this.#stalled.clear();
  }

  #closeBoth(): void {
    this.#stalled.dispose();
    this.#client.destroy();
    this.#upstream.destroy();
  }
}

/**
 * Relays `client` and `upstream` to each other from now on; the tunnel lives as long as its
 * sockets. The client is a socket, an HTTP/2 stream for a WebSocket over HTTP/2 (RFC 8441), or
 * the socket a node:http server hands the embedded forwarder at an upgrade: every engine's tunnel
 * is this one (issue 15).
 */
export function openTunnel(client: Duplex, upstream: UpstreamConnection, options: { readonly clock: Clock; readonly sendTimeout: number }): void {
  new Tunnel(client, upstream, options);
}
