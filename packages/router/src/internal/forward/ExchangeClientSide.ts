import type net from 'node:net';
import type { DispatchAnswer } from '../../forward/Dispatch.ts';
import type { ResponseHead } from '../../http1/ResponseHead.ts';
import type { UpstreamConnection } from './UpstreamConnection.ts';

/**
 * The client side of an exchange (an HTTP/1.1 connection's `Exchange`, an HTTP/2 stream's
 * `Http2Exchange`): how the response reaches its client, and how the exchange's deadline is kept.
 * `UpstreamExchange` calls it; it calls back the `UpstreamExchange` it owns.
 */
export interface ExchangeClientSide {
  /** Progress was made: set the exchange's deadline anew (`UpstreamExchange.waitingFor`). */
  rearm(): void;
  /** The exchange settled: its deadline stops. */
  clearDeadline(): void;
  /** The backend connection's socket carries this request from now on (to pause it while the client is full). */
  attachBackend(socket: net.Socket): void;
  /** The backend connection is handed back, dropped or given to a tunnel: stop pausing it. */
  detachBackend(): void;
  /** The backend can take more request body again. */
  onBackendDrain(): void;
  /** A backend read begins: what it produces for the client may be written in one go at `endRead`. */
  beginRead(): void;
  endRead(): void;
  /** An interim (1xx, not 101) response from the backend, to relay or not. */
  relayInterim(res: ResponseHead): void;
  /**
   * The final response head: relay it, calling `startResponse` at the point the response counts
   * as begun. False when it could not be relayed and the client side settled the exchange itself.
   * `sentIn`: when the head came whole in one backend read, that read (lent), whose first
   * `res.headBytes` bytes are the head as the backend wrote it.
   */
  relayFinalHead(res: ResponseHead, sentIn: Buffer | undefined): boolean;
  /** Response body payload, lent for this call only (UpstreamHandler.onData). */
  relayBody(data: Buffer): void;
  /**
   * The response was relayed completely and the backend connection handed back or closed;
   * `endedAt`, the clock's time, when the exchange read it for its outcome.
   */
  onResponseDone(endedAt: number | undefined): void;
  /** The backend answered 101 to a WebSocket handshake: the exchange is over, the connection is the tunnel's. `rest` is lent. */
  onTunnel(res: ResponseHead, connection: UpstreamConnection, rest: Buffer): void;
  /** Portico answers instead of a backend: the dispatch's own answer (`atStart`), or a retry's or a timeout's. */
  onAnswer(answer: DispatchAnswer, atStart: boolean): void;
  /** Nothing reached the client: answer the bare `status`. */
  onFailed(status: number): void;
  /**
   * Whether the final response head left for the client: false before it is relayed, and while it
   * waits with the rest of a backend read that a cut would drop (`onAborted`). What the exchange
   * is counted with when it ends early (`endedEarly`).
   */
  readonly headDelivered: boolean;
  /** The response had started: cut the client so the truncation shows. */
  onAborted(reason: string): void;
  /** An invariant failed (reported already): cut the client. */
  onBroken(error: Error): void;
}
