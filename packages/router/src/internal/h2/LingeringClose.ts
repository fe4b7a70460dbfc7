import type net from 'node:net';
import type { Clock } from '@portico/supervisor';
import { LINGER_MS } from '../forward/connectionBounds.ts';
import { Deadline } from '../forward/Deadline.ts';

/**
 * Where the end of the socket is: in use by its session; the session closing, its last frames on
 * their way out; its FIN gone and the socket kept open (the linger); or gone.
 */
type Phase = 'open' | 'flushing' | 'lingering' | 'closed';

/**
 * The end of an HTTP/2 connection's socket, as HTTP/1.1's closing linger ends a connection. When
 * its session goes, node:http2 writes its last frames (the GOAWAY that says why) and a FIN, and
 * the socket was destroyed as soon as the FIN was handed to the kernel (node:http2's own destroy,
 * and the socket's auto-destroy at 'finish'): with the client's bytes still arriving, the kernel
 * answers them with a reset and drops what it had not sent yet, the GOAWAY among it, and the
 * client learns only that its connection was reset. Once the FIN is out, the socket now stays
 * open for `LINGER_MS`, a fixed time that bytes do not start over, and destroys of it that are not
 * its own failure wait for that. It is not read meanwhile: node:http2's destroyed session is still
 * its reader, and would decode what a hostile client goes on sending (its header blocks included,
 * the ground of CVE-2024-27983's crash); what comes waits in the kernel's buffer and is dropped
 * with the socket. Where node:http2 reads on by itself (a graceful close), the client's FIN ends
 * the linger sooner.
 *
 * And the last frames get `sendTimeout` to go out from when the session began to close (`begin`),
 * as a slow reader's last answer does on HTTP/1.1: node:http2 ends the socket only once its
 * writes are done, so a client that read nothing kept its socket, its session and what was queued
 * for it for good.
 */
export class LingeringClose {
  readonly #socket: net.Socket;
  readonly #destroy: (error?: Error) => void;
  readonly #sendTimeout: number;
  readonly #deadline: Deadline;
  #phase: Phase = 'open';

  constructor(socket: net.Socket, clock: Clock, sendTimeout: number) {
    this.#socket = socket;
    this.#sendTimeout = sendTimeout;
    const destroy = socket.destroy.bind(socket);
    this.#destroy = (error) => void destroy(error);
    // An error of the socket's own names the system call that failed (a reset read, a refused
    // write): nothing more can go either way, and it closes at once.
    socket.destroy = (error?: Error) => (this.#phase === 'lingering' && (error as { syscall?: string } | undefined)?.syscall === undefined ? socket : destroy(error));
    this.#deadline = new Deadline(clock, () => this.now());
    socket.once('finish', this.#onFinish);
    socket.once('close', () => {
      this.#phase = 'closed';
      this.#deadline.dispose();
    });
  }

  /** The session is closing: its last frames and FIN get sendTimeout from now to go out. Idempotent. */
  begin(): void {
    if (this.#phase !== 'open') return;
    this.#phase = 'flushing';
    this.#deadline.set(this.#sendTimeout);
  }

  /** Destroys the socket now: the forwarder closes, or a wait ran out. */
  now(): void {
    this.#phase = 'closed';
    this.#deadline.dispose();
    this.#destroy();
  }

  /** The FIN is out: open until the client's FIN, for LINGER_MS at most. */
  readonly #onFinish = (): void => {
    const socket = this.#socket;
    if (socket.destroyed || this.#phase === 'closed') return;
    if (socket.readableEnded) return this.now();
    this.#phase = 'lingering';
    socket.once('end', () => this.now());
    this.#deadline.set(LINGER_MS);
  };
}
