import type net from 'node:net';
import { chunkHeader, CRLF, LAST_CHUNK } from './chunkFraming.ts';

/** How response body bytes are framed for the client. */
export type ClientFraming = 'none' | 'length' | 'chunked' | 'raw';

/** Told when the client stops taking bytes (its socket is full) and when it drains again. */
export interface ClientWriterWatcher {
  onClientBlocked(): void;
  onClientDrained(): void;
}

/** Batches up to this size are joined into one buffer: one `write`, no `writev`. */
const JOIN_LIMIT = 64 * 1024;

/**
 * Writes a response to the client. What one backend chunk produces (often head and body) goes
 * out in a single write; body bytes are framed for the client (re-chunked or raw); and when the
 * client reads slowly, the backend socket is paused until the client drains.
 */
export class ClientWriter {
  readonly #client: net.Socket;
  readonly #watcher: ClientWriterWatcher;
  #batch: Array<Buffer | string> | undefined;
  #source: net.Socket | undefined;
  #paused = false;
  #drainListener: (() => void) | undefined;
  framing: ClientFraming = 'none';

  constructor(client: net.Socket, watcher: ClientWriterWatcher) {
    this.#client = client;
    this.#watcher = watcher;
  }

  /** The backend socket to pause under backpressure. */
  set source(socket: net.Socket | undefined) {
    this.detach();
    this.#source = socket;
  }

  /**
   * Collects writes until `flush`. Bytes written in between may be lent (a view of a backend read
   * buffer, UpstreamHandler.onData): `flush` copies them before they reach the socket.
   */
  begin(): void {
    this.#batch ??= [];
  }

  flush(): void {
    const batch = this.#batch;
    if (batch === undefined) return;
    this.#batch = undefined;
    // One copy of lent bytes either way: joined into a single buffer, or each into its own.
    if (batch.length === 1) return this.write(owned(batch[0]!));
    if (batch.length === 0) return;
    let size = 0;
    for (const b of batch) size += b.length;
    if (size <= JOIN_LIMIT) return this.write(joinLatin1(batch, size));
    this.#client.cork();
    for (const b of batch) this.write(owned(b));
    this.#client.uncork();
  }

  /** Drops what the batch holds: the exchange is being cut, and the client gets a reset, not these bytes. */
  discard(): void {
    this.#batch = undefined;
  }

  /**
   * Writes bytes, or text as latin1 (a head), or adds them to the batch. Outside a batch the bytes
   * go to the socket as they are, which may queue them: they must be the caller's own, not lent.
   */
  write(data: Buffer | string): void {
    if (this.#batch !== undefined) {
      this.#batch.push(data);
      return;
    }
    const client = this.#client;
    if (client.destroyed) return;
    // Bytes go without an encoding, which Node would check on every write.
    const accepted = typeof data === 'string' ? client.write(data, 'latin1') : client.write(data);
    if (!accepted && !this.#paused && this.#source !== undefined) {
      this.#paused = true;
      this.#source.pause();
      // Made on first need: most responses never fill the client's socket.
      this.#drainListener ??= () => this.#onDrain();
      client.once('drain', this.#drainListener);
      this.#watcher.onClientBlocked();
    }
  }

  /** Writes bytes lent for this call only: batched as they are (`flush` copies them), else copied first. */
  writeLent(data: Buffer): void {
    this.write(this.#batch === undefined ? Buffer.from(data) : data);
  }

  writeBody(data: Buffer): void {
    if (data.length === 0) return;
    if (this.framing !== 'chunked') return this.write(data);
    this.write(chunkHeader(data.length));
    this.write(data);
    this.write(CRLF);
  }

  /** Ends a re-chunked body; nothing for other framings. */
  endBody(): void {
    if (this.framing === 'chunked') this.write(LAST_CHUNK);
  }

  /** Stops watching the client for the backend socket; whoever takes the socket resumes it. */
  detach(): void {
    // The drain listener is there only while paused; removing nothing still walks Node's listener table.
    if (this.#paused) this.#client.off('drain', this.#drainListener!);
    this.#source = undefined;
    this.#paused = false;
  }

  #onDrain(): void {
    this.#paused = false;
    this.#source?.resume();
    this.#watcher.onClientDrained();
  }
}

/** A piece the socket may keep: text as it is, bytes copied out of a lent buffer. */
function owned(piece: Buffer | string): Buffer | string {
  return typeof piece === 'string' ? piece : Buffer.from(piece);
}

/** One buffer holding every piece in order, text written as latin1. */
function joinLatin1(pieces: ReadonlyArray<Buffer | string>, size: number): Buffer {
  const out = Buffer.allocUnsafe(size);
  let at = 0;
  for (const p of pieces) {
    if (typeof p === 'string') {
      at += out.write(p, at, 'latin1');
    } else {
      // The typed array's own copy: Buffer#copy checks its arguments and calls this.
      out.set(p, at);
      at += p.length;
    }
  }
  return out;
}
