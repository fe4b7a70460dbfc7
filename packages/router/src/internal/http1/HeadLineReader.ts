import { LF } from './charTables.ts';

/** What a line handler answers: keep going, the head ended after this line, or why it failed. */
export type LineVerdict = 'more' | 'end' | { readonly status: number; readonly reason: string };

export type FeedResult =
  | { readonly kind: 'more' }
  | { readonly kind: 'end'; readonly rest: Buffer }
  | { readonly kind: 'error'; readonly status: number; readonly reason: string };

/** A line handler sees the latin1 text of a region and one line's bounds in it, CRLF excluded. */
export type LineHandler = (text: string, start: number, end: number) => LineVerdict;

const MORE: FeedResult = { kind: 'more' };
const HEAD_END = Buffer.from('\r\n\r\n', 'latin1');
/**
 * Regions at most this long are decoded whole, bytes after the head included: that costs less than
 * finding the head's end in the Buffer first (a call into C++). A longer one may hold a long body
 * after its head; its head's end is found first, so only the head is decoded. Pipelined requests
 * behind a head are decoded again when their turn comes: at most this much once per request.
 */
const DECODE_WHOLE = 4096;
/** What follows a head that ended exactly at the end of its chunk (the usual case): shared, never written to. */
const EMPTY = Buffer.alloc(0);

/**
 * Splits incoming bytes into CRLF-terminated lines for a head parser. The head's bytes are decoded
 * to one latin1 string (bytes map 1:1 to chars), with what follows them in a short region, so field
 * parsing works on string slices instead of one Buffer decode per field. A partial line is kept as
 * a list of slices and joined only once its LF arrives, so a client trickling bytes costs linear
 * work.
 */
export class HeadLineReader {
  #parts: Buffer[] = [];
  #partBytes = 0;
  /** Bytes of complete lines handled so far in this head. */
  lineBytes = 0;

  get pendingBytes(): number {
    return this.#partBytes;
  }

  reset(): void {
    this.#parts = [];
    this.#partBytes = 0;
    this.lineBytes = 0;
  }

  /** Feeds `chunk`; decodes at most `maxDecode` bytes past the last line end at a time. */
  feed(chunk: Buffer, onLine: LineHandler, maxDecode: number): FeedResult {
    let buf = chunk;
    if (this.#partBytes > 0) {
      if (chunk.indexOf(LF) === -1) {
        this.#keep(chunk, false);
        return MORE;
      }
      this.#parts.push(chunk);
      buf = Buffer.concat(this.#parts, this.#partBytes + chunk.length);
      this.#parts = [];
      this.#partBytes = 0;
    }
    let base = 0;
    while (base < buf.length) {
      const text = decodeRegion(buf, base, maxDecode);
      const regionEnd = base + text.length;
      let pos = 0;
      for (;;) {
        const lf = text.indexOf('\n', pos);
        if (lf === -1) break;
        // RFC 9112 §2.2 allows a recipient to accept a bare LF; we never do (CVE-2022-32214).
        if (lf === pos || text.charCodeAt(lf - 1) !== 0x0d) return { kind: 'error', status: 400, reason: 'bare LF line ending' };
        const verdict = onLine(text, pos, lf - 1);
        this.lineBytes += lf + 1 - pos;
        pos = lf + 1;
        if (verdict === 'end') return { kind: 'end', rest: base + pos === buf.length ? EMPTY : buf.subarray(base + pos) };
        if (verdict !== 'more') return { kind: 'error', status: verdict.status, reason: verdict.reason };
      }
      if (pos === 0 && regionEnd < buf.length) {
        // A line longer than maxDecode: keep it whole; the caller's limit check refuses it.
        break;
      }
      base += pos;
      if (regionEnd === buf.length || pos === 0) break;
    }
    if (base < buf.length) this.#keep(buf.subarray(base), buf !== chunk);
    return MORE;
  }

  /** Keeps a partial line's bytes; bytes of the caller's chunk are copied, since it may be a read buffer lent for one call. */
  #keep(bytes: Buffer, owned: boolean): void {
    this.#parts.push(owned ? bytes : Buffer.from(bytes));
    this.#partBytes += bytes.length;
  }
}

/**
 * The latin1 text of `buf` from `base`, never more than `maxDecode` bytes: all of it when short,
 * else up to the end of the head's empty line (or of `buf`, if the head goes on past it). The line
 * handlers stop at the empty line, so what text follows it is never read as part of the head.
 */
function decodeRegion(buf: Buffer, base: number, maxDecode: number): string {
  const size = buf.length - base;
  if (size <= DECODE_WHOLE && size <= maxDecode) return buf.toString('latin1', base);
  const headEnd = buf.indexOf(HEAD_END, base);
  return buf.toString('latin1', base, Math.min(headEnd === -1 ? buf.length : headEnd + 4, base + maxDecode));
}
