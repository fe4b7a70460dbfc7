import net from 'node:net';
import type { Upstream } from './Upstream.ts';

/** Whoever currently uses a backend connection: an exchange, or nobody while it idles in the pool. */
export interface UpstreamHandler {
  onData(chunk: Buffer): void;
  onEnd(): void;
  onFailure(error: Error): void;
  onDrain(): void;
}

/**
 * One connection to a backend, with its socket listeners attached once for its whole life and
 * events routed to the current handler. Keep-alive reuse then costs no listener churn per request.
 * Without a handler (idle), any byte, end or error closes it: a backend must never speak unasked.
 */
export class UpstreamConnection {
  readonly upstream: Upstream;
  readonly socket: net.Socket;
  /** performance.now() when it last went idle. */
  idleSince = 0;
  #handler: UpstreamHandler | undefined;
  #onIdleEvent: (() => void) | undefined;

  constructor(upstream: Upstream, socket: net.Socket) {
    this.upstream = upstream;
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => {
      if (this.#handler !== undefined) this.#handler.onData(chunk);
      else this.#idleEvent();
    });
    socket.on('end', () => {
      if (this.#handler !== undefined) this.#handler.onEnd();
      else this.#idleEvent();
    });
    socket.on('error', (err: Error) => {
      if (this.#handler !== undefined) this.#handler.onFailure(err);
      else this.#idleEvent();
    });
    socket.on('close', () => {
      if (this.#handler !== undefined) this.#handler.onFailure(new Error('backend connection closed'));
      else this.#idleEvent();
    });
    socket.on('drain', () => this.#handler?.onDrain());
  }

  static open(upstream: Upstream): UpstreamConnection {
    const socket = 'path' in upstream.address
      ? net.connect({ path: upstream.address.path })
      : net.connect({ port: upstream.address.port, host: upstream.address.host });
    socket.setNoDelay(true);
    return new UpstreamConnection(upstream, socket);
  }

  get usable(): boolean {
    return !this.socket.destroyed && this.socket.writable && this.socket.readable;
  }

  attach(handler: UpstreamHandler): void {
    this.#handler = handler;
    this.#onIdleEvent = undefined;
  }

  /** Detaches the handler; `onIdleEvent` runs if the backend does anything while idle. */
  idle(onIdleEvent: () => void): void {
    this.#handler = undefined;
    this.#onIdleEvent = onIdleEvent;
    this.idleSince = performance.now();
    if (this.socket.isPaused()) this.socket.resume();
  }

  /** Hands the raw socket over (a WebSocket tunnel); this object lets go of every event. */
  release(): net.Socket {
    this.#handler = undefined;
    this.#onIdleEvent = undefined;
    for (const event of ['data', 'end', 'error', 'close', 'drain']) this.socket.removeAllListeners(event);
    return this.socket;
  }

  /** Drops the handler and closes the connection. */
  destroy(): void {
    this.#handler = undefined;
    this.#onIdleEvent = undefined;
    this.socket.destroy();
  }

  #idleEvent(): void {
    const onIdle = this.#onIdleEvent;
    this.#onIdleEvent = undefined;
    this.socket.destroy();
    onIdle?.();
  }
}
