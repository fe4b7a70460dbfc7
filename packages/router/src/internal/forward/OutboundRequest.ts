import type net from 'node:net';
import { chunkHeader, CRLF, LAST_CHUNK } from './chunkFraming.ts';
import { UpstreamExchangeState, type UpstreamExchangeInit } from './UpstreamExchangeState.ts';

/**
 * The request's way to the backend, a layer of `UpstreamExchange`: the outbound head and body
 * bytes queued until the connection opens, framed as the outbound head said (chunked or as
 * they came), written in one go, and kept for the one allowed retry's replay up to
 * `maxReplayBytes`. Its state is its own; the exchange reaches it through the methods below.
 */
export abstract class OutboundRequest extends UpstreamExchangeState {
  /** The attempt's request head, latin1, while it waits for the connection. */
  #queuedHead: string | undefined;
  /** Body pieces that wait for the connection behind the head; made on the first (a GET has none). */
  #queue: Array<Buffer | string> | undefined;
  /** What went out, for a retry's replay: made on the first body piece, dropped past `maxReplayBytes`. */
  #replay: Array<Buffer | string> | undefined;
  #replayBytes = 0;
  /** Every body piece sent so far is in `#replay` (none went past `maxReplayBytes`). */
  #replayHeld = true;
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
    return this.#replayHeld;
  }

  /** Puts an attempt's outbound head before what waits for its connection, which holds the body back until it opens. */
  protected queueHead(head: string): void {
    this.#queuedHead = head;
    this.#backendFull = true;
  }

  /** Writes what waited for the connection, now open (the head, then any body); false: the backend holds it back. */
  protected writeQueued(): boolean {
    const head = this.#queuedHead;
    const queued = this.#queue;
    this.#queuedHead = undefined;
    this.#queue = undefined;
    if (queued === undefined) return head === undefined || writePiece(this.connection!.socket, head);
    if (head !== undefined) queued.unshift(head);
    return this.#write(queued);
  }

  /**
   * Before a retry: a connection that never carried a byte keeps its queue but for its head;
   * otherwise what was sent goes again.
   */
  protected requeueForRetry(wrote: boolean): void {
    this.#queuedHead = undefined;
    if (!wrote) return;
    // The retry rule sends again only a body still held whole (`bodyHeld`).
    if (!this.#replayHeld) throw this.impossible('a replay of a body no longer held');
    this.#queue = this.#replay === undefined ? undefined : [...this.#replay];
  }

  #send(pieces: Array<Buffer | string>): boolean {
    if (this.#replayHeld) {
      for (const p of pieces) this.#replayBytes += p.length;
      if (this.#replayBytes > this.options.maxReplayBytes) {
        this.#replayHeld = false;
        this.#replay = undefined;
      } else {
        (this.#replay ??= []).push(...pieces);
      }
    }
    if (!this.connected()) {
      (this.#queue ??= []).push(...pieces);
      return false;
    }
    return this.#write(pieces);
  }

  /**
   * Writes pieces in one go; text (a head, a chunk size) is latin1, written by Node without a
   * Buffer of its own, and bytes without an encoding, which Node would check on every write.
   */
  #write(pieces: ReadonlyArray<Buffer | string>): boolean {
    const socket = this.connection!.socket;
    if (pieces.length === 1) return writePiece(socket, pieces[0]!);
    socket.cork();
    let ok = true;
    for (const p of pieces) ok = writePiece(socket, p);
    socket.uncork();
    return ok;
  }
}

function writePiece(socket: net.Socket, piece: Buffer | string): boolean {
  return typeof piece === 'string' ? socket.write(piece, 'latin1') : socket.write(piece);
}
