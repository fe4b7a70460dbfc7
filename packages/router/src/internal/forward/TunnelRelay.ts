import type { Writable } from 'node:stream';
import { sharedReadBuffer } from './sharedReadBuffer.ts';

/** A read this long or longer is large: copying it would cost a buffer of its own anyway (Node pools only below 4 KiB). */
const LARGE_READ = 16 * 1024;
/**
 * A buffer of a tunnel's own is this long: a 64 KiB WebSocket message and its frame header,
 * once they have all come, are one read and one write instead of two each.
 */
const OWN_BUFFER_BYTES = 128 * 1024;
/** After this many small reads in a row a tunnel gives its own buffer back and reads into the shared one again. */
const SMALL_READS_BEFORE_RELEASE = 64;

/**
 * One direction of a WebSocket tunnel: reads lent by a socket that reads into a given buffer
 * (Node's `onread`), written on to `to`. A read into the buffer every socket shares is copied
 * before it is written, since `to` may queue it and the next read of any socket would overwrite
 * it. After a large read the source reads into a buffer of its own instead, whose reads are
 * written as they are: when `to` took the whole write at once (nothing left in its queue), the
 * buffer is free for the next read; when `to` keeps part of it, the next read goes to a fresh
 * buffer and the queued write keeps the old one. Any read while `to` has bytes queued is copied,
 * so a direction holds at most two such buffers whatever `to`'s high-water mark. Small reads in a
 * row bring the shared buffer back, so a quiet tunnel does not hold 128 KiB.
 *
 * `nextBuffer` is the source's `kBufferGen`: Node calls it after each read and reads into what it
 * returns, when it returns a buffer. With `direct` false (a destination that may hold a write's
 * memory after taking it, or a Node line without the option), every read is copied as before.
 */
export class TunnelRelay {
  readonly #to: Writable;
  readonly #direct: boolean;
  /** The buffer of its own the source reads into now, if it has one. */
  #own: Buffer | undefined;
  /** The buffer the source reads into from its next read on, when that changes. */
  #next: Buffer | undefined;
  #smallReads = 0;

  constructor(to: Writable, direct: boolean) {
    this.#to = to;
    this.#direct = direct;
  }

  /** Writes on a read lent for this call only; answers `write`'s answer (false: pause the source). */
  relay(chunk: Buffer): boolean {
    const large = chunk.length >= LARGE_READ;
    this.#smallReads = large ? 0 : this.#smallReads + 1;
    const own = this.#own;
    if (own === undefined || chunk.buffer !== own.buffer) {
      if (large && this.#direct) this.#next = Buffer.allocUnsafe(OWN_BUFFER_BYTES);
      return this.#to.write(Buffer.from(chunk));
    }
    const release = this.#smallReads >= SMALL_READS_BEFORE_RELEASE;
    if (release) this.#next = sharedReadBuffer;
    // A read behind bytes already queued would wait there and hold the whole buffer: it is copied,
    // so a far side that is behind costs a copy per read, never a buffer per read (with Node 22's
    // 64 KiB high-water mark, large reads queued as views held five or six 128 KiB buffers).
    if (this.#to.writableLength > 0) return this.#to.write(Buffer.from(chunk));
    const written = this.#to.write(chunk);
    // Bytes left in the queue are this read's: the write keeps its buffer, the next read needs another.
    if (this.#to.writableLength > 0 && !release) this.#next = Buffer.allocUnsafe(OWN_BUFFER_BYTES);
    return written;
  }

  readonly nextBuffer = (): Buffer | undefined => {
    const next = this.#next;
    if (next === undefined) return undefined;
    this.#next = undefined;
    this.#own = next === sharedReadBuffer ? undefined : next;
    return next;
  };
}
