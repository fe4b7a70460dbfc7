import { CR, HEX, hexValue, LF } from '../internal/http1/charTables.ts';
import { HeadLineReader, type LineVerdict } from '../internal/http1/HeadLineReader.ts';
import { parseFieldLine } from '../internal/http1/parseFieldLine.ts';
import { resolveHttp1Limits, type Http1Limits } from './Http1Limits.ts';

export type ChunkedDecodeResult =
  | { readonly kind: 'more' }
  /** The body ended; `rest` is what followed it (the next pipelined message). */
  | { readonly kind: 'done'; readonly rest: Buffer; readonly trailers: ReadonlyArray<readonly [string, string]> }
  | { readonly kind: 'error'; readonly reason: string };

const SIZE = 0;
const SIZE_MORE = 1;
const EXTENSION = 2;
const SIZE_LF = 3;
const DATA = 4;
const DATA_CR = 5;
const DATA_LF = 6;
const TRAILER = 7;
const FAILED = 8;

// RFC 9112 §7.1.1: chunk-ext = *( ";" token [ "=" ( token / quoted-string ) ] ), here without BWS,
// because whitespace in chunk lines is where parsers have disagreed (CVE-2021-22960, Garden T-3).
const extension = /^(?:;[-!#$%&'*+.^_`|~0-9A-Za-z]+(?:=(?:[-!#$%&'*+.^_`|~0-9A-Za-z]+|"(?:[\t !#-[\]-~\x80-\xff]|\\[\t -~\x80-\xff])*"))?)+$/;

const MORE: ChunkedDecodeResult = { kind: 'more' };

/** Data pieces up to this size are copied byte by byte: a call into C++ per piece costs more. */
const SMALL_PIECE = 16;

/**
 * A streaming, strict decoder for `Transfer-Encoding: chunked` (RFC 9112 §7.1). It hands the
 * chunk data of each push to `onData` in one piece, however many chunks carried it (a slice of the
 * input when one did, else a copy), so the forwarder re-frames what one read delivers as one
 * chunk: a million one-byte chunks cost a hundred writes, not a million. It stops at the exact
 * byte where the message ends. Hex sizes only (no `+`, `0x`, spaces), sizes
 * kept below 2^53, extensions checked and bounded, CRLF required after each chunk's data, and
 * trailers parsed with the header rules, bounded, and returned (the forwarder drops them).
 */
export class ChunkedDecoder {
  readonly #limits: Http1Limits;
  #state = SIZE;
  #size = 0;
  #remaining = 0;
  #lineBytes = 0;
  #extensionBytes = 0;
  /** The chunk extension read so far, as latin1 text: a copy, since the input may be a lent read buffer. */
  #extension = '';
  #trailerLines = new HeadLineReader();
  #trailers: Array<readonly [string, string]> = [];
  /** The one data piece of the current push while there is only one: a slice of its input. */
  #piece: Buffer | undefined;
  /** The data of the current push once a second piece came, copied together, and its length. */
  #joined: Buffer | undefined;
  #joinedLength = 0;

  constructor(limits: Partial<Http1Limits> = {}) {
    this.#limits = resolveHttp1Limits(limits);
  }

  /** Whether the decoder is between chunks, i.e. not inside chunk data. */
  get atBoundary(): boolean {
    return this.#state === SIZE;
  }

  /** Decodes `chunk`; its chunk data, if any, goes to `onData` in one call before this returns. */
  push(chunk: Buffer, onData: (data: Buffer) => void): ChunkedDecodeResult {
    const result = this.#decode(chunk);
    let data = this.#piece;
    if (this.#joined !== undefined) data = this.#joined.subarray(0, this.#joinedLength);
    this.#piece = undefined;
    this.#joined = undefined;
    if (data !== undefined) onData(data);
    return result;
  }

  #decode(chunk: Buffer): ChunkedDecodeResult {
    let i = 0;
    const n = chunk.length;
    while (i < n) {
      if (this.#state === SIZE) {
        i = this.#wholeChunks(chunk, i);
        if (i === n) break;
      }
      switch (this.#state) {
        case DATA: {
          const take = Math.min(this.#remaining, n - i);
          this.#collect(chunk, i, take);
          i += take;
          this.#remaining -= take;
          if (this.#remaining === 0) this.#state = DATA_CR;
          break;
        }
        case SIZE:
        case SIZE_MORE: {
          // The digits in a local loop: a body of tiny chunks is mostly size lines.
          let size = this.#size;
          let lineBytes = this.#lineBytes;
          let b = chunk[i]!;
          while (HEX[b] === 1) {
            const d = hexValue(b);
            if (size > (Number.MAX_SAFE_INTEGER - d) / 16) return this.#fail('chunk size overflows');
            size = size * 16 + d;
            if (++lineBytes > this.#limits.maxChunkLineBytes) return this.#fail('chunk size line too long');
            if (++i === n) break;
            b = chunk[i]!;
          }
          if (lineBytes > this.#lineBytes) this.#state = SIZE_MORE;
          this.#size = size;
          this.#lineBytes = lineBytes;
          if (i === n) break;
          i++;
          if (this.#state === SIZE) {
            return this.#fail('chunk size is not hexadecimal');
          } else if (b === CR) {
            this.#state = SIZE_LF;
          } else if (b === 0x3b) {
            this.#state = EXTENSION;
            this.#extension = String.fromCharCode(b);
            this.#extensionBytes += 1;
            this.#lineBytes += 1;
          } else {
            return this.#fail('invalid byte after chunk size');
          }
          break;
        }
        case EXTENSION: {
          const cr = chunk.indexOf(CR, i);
          const end = cr === -1 ? n : cr;
          const len = end - i;
          this.#lineBytes += len;
          this.#extensionBytes += len;
          if (this.#lineBytes > this.#limits.maxChunkLineBytes) return this.#fail('chunk size line too long');
          if (this.#extensionBytes > this.#limits.maxChunkExtensionBytes) return this.#fail('too many chunk-extension bytes');
          this.#extension += chunk.toString('latin1', i, end);
          i = end;
          if (cr !== -1) {
            i++;
            const text = this.#extension;
            this.#extension = '';
            if (!extension.test(text)) return this.#fail('malformed chunk extension');
            this.#state = SIZE_LF;
          }
          break;
        }
        case SIZE_LF: {
          if (chunk[i++] !== LF) return this.#fail('chunk size line not ended by CRLF');
          this.#lineBytes = 0;
          if (this.#size === 0) {
            this.#state = TRAILER;
          } else {
            this.#remaining = this.#size;
            this.#size = 0;
            this.#state = DATA;
          }
          break;
        }
        case DATA_CR:
          if (chunk[i++] !== CR) return this.#fail('chunk data not followed by CRLF');
          this.#state = DATA_LF;
          // The LF is usually in the same read: take it here rather than one more turn of the loop.
          if (i < n) {
            if (chunk[i++] !== LF) return this.#fail('chunk data not followed by CRLF');
            this.#state = SIZE;
          }
          break;
        case DATA_LF:
          if (chunk[i++] !== LF) return this.#fail('chunk data not followed by CRLF');
          this.#state = SIZE;
          break;
        case TRAILER: {
          const fed = this.#trailerLines.feed(i === 0 ? chunk : chunk.subarray(i), this.#onTrailer, this.#limits.maxTrailerBytes + 1);
          if (fed.kind === 'error') return this.#fail(`trailer: ${fed.reason}`);
          if (fed.kind === 'more') {
            if (this.#trailerBytes() > this.#limits.maxTrailerBytes) return this.#fail('trailer section too large');
            return MORE;
          }
          const trailers = this.#trailers;
          this.#resetMessage();
          return { kind: 'done', rest: fed.rest, trailers };
        }
        default:
          return { kind: 'error', reason: 'decoder used after an error' };
      }
    }
    return MORE;
  }

  /**
   * Decodes the whole small chunks that start at `i` (a bare size of up to four hex digits, CRLF,
   * the data, CRLF, all within `chunk`) in one tight loop, and returns where the first byte that
   * is not one begins: a body of tiny chunks costs a few instructions per chunk, not a turn of
   * the state machine per byte. Anything else (an extension, a longer size, the last chunk, a
   * chunk cut by the end of the input, a framing error) is left to the state machine, which
   * decides it byte by byte as it always does.
   */
  #wholeChunks(chunk: Buffer, start: number): number {
    const n = chunk.length;
    const maxDigits = Math.min(4, this.#limits.maxChunkLineBytes);
    let joined = this.#joined;
    let o = this.#joinedLength;
    let i = start;
    for (;;) {
      let j = i;
      let size = 0;
      let b = chunk[j]!;
      while (HEX[b] === 1 && j - i < maxDigits) {
        size = size * 16 + hexValue(b);
        b = chunk[++j]!;
      }
      const dataStart = j + 2;
      const dataEnd = dataStart + size;
      if (size === 0 || b !== CR || dataEnd + 2 > n || chunk[j + 1] !== LF || chunk[dataEnd] !== CR || chunk[dataEnd + 1] !== LF) break;
      i = dataEnd + 2;
      // The data joined here directly once a buffer holds it, as #collect would.
      if (joined === undefined || size > SMALL_PIECE) {
        if (joined !== undefined) this.#joinedLength = o;
        this.#collect(chunk, dataStart, size);
        joined = this.#joined;
        o = this.#joinedLength;
      } else {
        for (let k = dataStart; k < dataEnd; k++) joined[o++] = chunk[k]!;
      }
    }
    if (joined !== undefined) this.#joinedLength = o;
    return i;
  }

  /** Adds `take` bytes of data at `at` to the current push's one piece. */
  #collect(chunk: Buffer, at: number, take: number): void {
    let joined = this.#joined;
    if (joined === undefined) {
      const first = this.#piece;
      if (first === undefined) {
        this.#piece = chunk.subarray(at, at + take);
        return;
      }
      // What is left of this input bounds the data still to come in this push.
      joined = Buffer.allocUnsafe(first.length + chunk.length - at);
      first.copy(joined, 0);
      this.#joined = joined;
      this.#joinedLength = first.length;
      this.#piece = undefined;
    }
    let o = this.#joinedLength;
    if (take <= SMALL_PIECE) for (let k = 0; k < take; k++) joined[o++] = chunk[at + k]!;
    else o += chunk.copy(joined, o, at, at + take);
    this.#joinedLength = o;
  }

  readonly #onTrailer = (text: string, start: number, end: number): LineVerdict => {
    if (start === end) return 'end';
    if (this.#trailerBytes() + end - start > this.#limits.maxTrailerBytes) {
      return { status: 400, reason: 'trailer section too large' };
    }
    if (this.#trailers.length >= this.#limits.maxHeaderCount) return { status: 400, reason: 'too many trailer lines' };
    const field = parseFieldLine(text, start, end);
    if (typeof field === 'string') return { status: 400, reason: field };
    this.#trailers.push([field.name, field.value]);
    return 'more';
  };

  #trailerBytes(): number {
    return this.#trailerLines.lineBytes + this.#trailerLines.pendingBytes;
  }

  #fail(reason: string): ChunkedDecodeResult {
    this.#state = FAILED;
    return { kind: 'error', reason };
  }

  #resetMessage(): void {
    this.#state = SIZE;
    this.#size = 0;
    this.#lineBytes = 0;
    this.#extensionBytes = 0;
    this.#trailerLines = new HeadLineReader();
    this.#trailers = [];
  }
}
