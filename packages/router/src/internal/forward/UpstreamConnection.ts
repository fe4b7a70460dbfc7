import net from 'node:net';
import type { Upstream } from '../../forward/Upstream.ts';
import { sharedReadBuffer } from './sharedReadBuffer.ts';

/** Whoever currently uses a backend connection: an exchange, a tunnel, or nobody while it idles in the pool. */
export interface UpstreamHandler {
  /**
   * Bytes the backend sent, lent for this call only: `chunk` is a view of the read buffer that
   * every socket the forwarder reads shares (sharedReadBuffer.ts), overwritten by the next read of
   * any of them, client or backend. Copy whatever outlives the call, including anything handed to
   * a socket's `write`, which may queue it. (A WebSocket tunnel moves its connection's reads to
   * buffers of its own, and keeps track of them: TunnelRelay.)
   */
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
  /** The pool's clock time when it last went idle. */
  idleSince = 0;
  #handler: UpstreamHandler | undefined;
  /** The pool's list it waits in while idle, which it leaves if the backend does anything. */
  #idleIn: UpstreamConnection[] | undefined;

  /** Opens a connection to `upstream`; its socket emits `connect` when it can be written. */
  constructor(upstream: Upstream) {
    this.upstream = upstream;
    // Reads go to the buffer every socket the forwarder reads shares (sharedReadBuffer.ts), each
    // lent to the handler for one call (UpstreamHandler.onData): reads skip the stream machinery
    // ('data' events, a 64 KiB buffer per read shrunk afterwards), and a small response is copied
    // once, into what goes to the client, not twice.
    const onread = { buffer: sharedReadBuffer, callback: this.#onRead };
    const socket = 'path' in upstream.address
      ? net.connect({ path: upstream.address.path, onread })
      : net.connect({ port: upstream.address.port, host: upstream.address.host, onread });
    socket.setNoDelay(true);
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
    this.socket = socket;
  }

  get usable(): boolean {
    return !this.socket.destroyed && this.socket.writable && this.socket.readable;
  }

  attach(handler: UpstreamHandler): void {
    this.#handler = handler;
    this.#idleIn = undefined;
  }

  /** Detaches the handler at `now`; it is taken out of `list` if the backend does anything while idle. */
  idle(now: number, list: UpstreamConnection[]): void {
    this.#handler = undefined;
    this.#idleIn = list;
    this.idleSince = now;
    if (this.socket.isPaused()) this.socket.resume();
  }

  /** Drops the handler and closes the connection. */
  destroy(): void {
    this.#handler = undefined;
    this.#idleIn = undefined;
    this.socket.destroy();
  }

  /** Node's `onread` callback; answering true keeps reading (pausing is the handler's to do). */
  readonly #onRead = (length: number, buffer: Buffer): boolean => {
    if (this.#handler !== undefined) this.#handler.onData(buffer.subarray(0, length));
    else this.#idleEvent();
    return true;
  };

  #idleEvent(): void {
    const list = this.#idleIn;
    this.#idleIn = undefined;
    this.socket.destroy();
    const i = list === undefined ? -1 : list.indexOf(this);
    if (i !== -1) list!.splice(i, 1);
  }
}
