import type net from 'node:net';
import type { UpstreamConnection, UpstreamHandler } from '../../forward/UpstreamConnection.ts';

/**
 * A WebSocket after the backend's 101: bytes flow raw both ways, each direction pausing its
 * reader while the other side's socket is full. A FIN from one side is passed on once the data
 * before it is written; an error or a close on either side closes the other.
 */
export class Tunnel implements UpstreamHandler {
  readonly #client: net.Socket;
  readonly #upstream: UpstreamConnection;
  #upstreamEnded = false;

  constructor(client: net.Socket, upstream: UpstreamConnection) {
    this.#client = client;
    this.#upstream = upstream;
    upstream.attach(this);
    client.on('data', this.#onClientData);
    client.on('drain', this.#onClientDrain);
    client.on('end', this.#onClientEnd);
    client.on('close', this.#onClientClose);
    upstream.socket.resume();
    client.resume();
  }

  onData(chunk: Buffer): void {
    if (!this.#client.write(chunk)) this.#upstream.socket.pause();
  }

  onDrain(): void {
    this.#client.resume();
  }

  onEnd(): void {
    this.#upstreamEnded = true;
    // Everything the backend sent reaches the client before the FIN; then nothing is left to relay.
    this.#client.end(() => this.#client.destroy());
  }

  onFailure(): void {
    if (!this.#upstreamEnded) this.#client.destroy();
  }

  readonly #onClientData = (chunk: Buffer): void => {
    const socket = this.#upstream.socket;
    if (!socket.writable) return;
    if (!socket.write(chunk)) this.#client.pause();
  };

  readonly #onClientDrain = (): void => {
    this.#upstream.socket.resume();
  };

  readonly #onClientEnd = (): void => {
    if (this.#upstream.socket.writable) this.#upstream.socket.end();
  };

  readonly #onClientClose = (): void => {
    this.#upstream.destroy();
  };
}
