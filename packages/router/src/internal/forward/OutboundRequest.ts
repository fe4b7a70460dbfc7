import { chunkHeader, CRLF, LAST_CHUNK } from './chunkFraming.ts';
import { UpstreamExchangeState, type UpstreamExchangeInit } from './UpstreamExchangeState.ts';

/**
 * The request's way to the backend, a layer of `UpstreamExchange`: the outbound head and body
 * bytes queued until the connection opens, framed as the outbound head said (chunked or as
 * they came), written in one go, and kept for the one allowed retry's replay up to
 * `maxReplayBytes`. Its state is its own; the exchange reaches it through the methods below.
 */
export abstract class OutboundRequest extends UpstreamExchangeState {
  /** What waits for the connection: the request head, then body pieces; text is latin1. */
  #queue: Array<Buffer | string> = [];
  /** What went out, for a retry's replay; undefined once past `maxReplayBytes`. */
  #replay: Array<Buffer | string> | undefined = [];
  #replayBytes = 0;
  #bodyBytes = 0;
  #bodyEnded: boolean;
  /** The backend holds the request body back: not connected yet, or its socket is full. */
  #backendFull = false;

  constructor(init: UpstreamExchangeInit) {
    super(init);
    this.#bodyEnded = init.bodyEnded;
  }

  /** Request body bytes received from the client so far (the outcome's `bytesIn`). */
  get bodyBytes(): number {
    return this.#bodyBytes;
  }

  get bodyEnded(): boolean {
    return this.#bodyEnded;
  }

  /** Counts request body bytes received from the client (the outcome's `bytesIn`). */
  countBody(length: number): void {
    this.#bodyBytes += length;
  }

  /** Sends request body bytes as the outbound head framed them; false: the backend holds them back. */
  sendBody(data: Buffer): boolean {
    const accepted = this.head.body.kind === 'chunked' ? this.#send([chunkHeader(data.length), data, CRLF]) : this.#send([data]);
    if (!accepted) this.#backendFull = true;
    return accepted;
  }

  /** The client's request body is complete. */
  endBody(): void {
    this.#bodyEnded = true;
    if (this.phase === 'done') return;
    if (this.head.body.kind === 'chunked') this.#send([LAST_CHUNK]);
  }

  onDrain(): void {
    if (this.phase === 'done') return;
    this.#backendFull = false;
    this.client.rearm();
    this.client.onBackendDrain();
  }

  /** Whether the backend holds the request body back (the deadline rule's `backendHoldsBody`). */
  protected get backendHoldsBody(): boolean {
    return this.#backendFull;
  }

  /** Whether every body byte sent so far is still held for a replay (none went past `maxReplayBytes`). */
  protected get replayHeld(): boolean {
    return this.#replay !== undefined;
  }

  /** Puts an attempt's outbound head before what waits for its connection, which holds the body back until it opens. */
  protected queueHead(head: string): void {
    this.#queue.unshift(head);
    this.#backendFull = true;
  }

  /** Writes what waited for the connection, now open; false: the backend holds it back. */
  protected writeQueued(): boolean {
    const queued = this.#queue;
    this.#queue = [];
    return this.#write(queued);
  }

  /**
   * Before a retry: a connection that never carried a byte keeps its queue but for its head;
   * otherwise what was sent goes again.
   */
  protected requeueForRetry(wrote: boolean): void {
    if (wrote) this.#queue = [...this.#replay!];
    else this.#queue.shift();
  }

  #send(pieces: Array<Buffer | string>): boolean {
    if (this.#replay !== undefined) {
      for (const p of pieces) this.#replayBytes += p.length;
      if (this.#replayBytes > this.options.maxReplayBytes) this.#replay = undefined;
      else this.#replay.push(...pieces);
    }
    if (!this.connected()) {
      this.#queue.push(...pieces);
      return false;
    }
    return this.#write(pieces);
  }

  /** Writes pieces in one go; text (a head, a chunk size) is latin1, written by Node without a Buffer of its own. */
  #write(pieces: ReadonlyArray<Buffer | string>): boolean {
    const socket = this.connection!.socket;
    if (pieces.length === 1) return socket.write(pieces[0]!, 'latin1');
    socket.cork();
    let ok = true;
    for (const p of pieces) ok = socket.write(p, 'latin1');
    socket.uncork();
    return ok;
  }
}
