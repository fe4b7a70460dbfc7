// Test helper: splits a byte stream into requests the way the forwarder does (head parser, then
// the body by its framing), so payload tests can count how many requests a stream would yield.
import { ChunkedDecoder, RequestHeadParser, type Http1Limits, type RequestHead } from '@portico/router';

export interface ReadMessage {
  readonly head: RequestHead;
  readonly body: Buffer;
}

export interface ReadResult {
  readonly messages: ReadMessage[];
  readonly error?: { readonly status?: number; readonly reason: string };
  /** Bytes were left over that did not complete a message. */
  readonly incomplete: boolean;
  /** A head whose body ran out or was refused: the forwarder has sent the head on, then aborts. */
  readonly unfinished?: RequestHead;
}

export function readMessages(bytes: Buffer, chunkSize = bytes.length || 1, limits: Partial<Http1Limits> = {}): ReadResult {
  const parser = new RequestHeadParser({ limits });
  const messages: ReadMessage[] = [];
  let head: RequestHead | undefined;
  let body: Buffer[] = [];
  let remaining = 0;
  let decoder: ChunkedDecoder | undefined;
  let pending = false;

  const onBytes = (input: Buffer): ReadResult | undefined => {
    let chunk = input;
    while (chunk.length > 0) {
      if (head === undefined) {
        const r = parser.push(chunk);
        if (r.kind === 'error') return { messages, error: { status: r.status, reason: r.reason }, incomplete: false };
        if (r.kind === 'incomplete') {
          pending = true;
          return undefined;
        }
        head = r.head;
        chunk = r.rest;
        pending = true;
        body = [];
        if (head.body.kind === 'chunked') decoder = new ChunkedDecoder(limits);
        else remaining = head.body.kind === 'length' ? head.body.length : 0;
      } else if (decoder !== undefined) {
        const r = decoder.push(chunk, (d) => body.push(Buffer.from(d)));
        if (r.kind === 'error') return { messages, error: { reason: r.reason }, incomplete: false, unfinished: head };
        if (r.kind === 'more') return undefined;
        chunk = r.rest;
        decoder = undefined;
      } else {
        const take = Math.min(remaining, chunk.length);
        body.push(chunk.subarray(0, take));
        remaining -= take;
        chunk = chunk.subarray(take);
      }
      if (head !== undefined && decoder === undefined && remaining === 0) {
        messages.push({ head, body: Buffer.concat(body) });
        const upgraded = head.upgrade?.kind === 'websocket';
        head = undefined;
        pending = false;
        if (upgraded) return { messages, incomplete: false };
      }
    }
    return undefined;
  };

  for (let i = 0; i < bytes.length; i += chunkSize) {
    const done = onBytes(bytes.subarray(i, i + chunkSize));
    if (done !== undefined) return done;
  }
  if (head !== undefined && decoder === undefined && remaining === 0) {
    messages.push({ head, body: Buffer.concat(body) });
    pending = false;
  }
  return head === undefined ? { messages, incomplete: pending } : { messages, incomplete: pending, unfinished: head };
}

/** Latin1 bytes of a string written with JS escapes. */
export const raw = (s: string): Buffer => Buffer.from(s, 'latin1');
