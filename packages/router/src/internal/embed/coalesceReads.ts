import { Transform } from 'node:stream';

/**
 * A pass-through that joins what arrives within one turn of the event loop into one piece.
 * node:http hands a chunked body over one piece per chunk, so a body of a million one-byte chunks
 * would be written on as a million chunks; joined, what one read delivered goes on as one
 * (docs/proxy.md, What one client can take). Backpressure passes through as for any Transform.
 */
export function coalesceReads(): Transform {
  let pending: Buffer[] = [];
  let scheduled = false;
  const stream: Transform = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      pending.push(chunk);
      if (!scheduled) {
        scheduled = true;
        queueMicrotask(flush);
      }
      done();
    },
    flush(done) {
      flush();
      done();
    },
  });
  function flush(): void {
    scheduled = false;
    if (pending.length === 0 || stream.destroyed) return;
    const pieces = pending;
    pending = [];
    stream.push(pieces.length === 1 ? pieces[0] : Buffer.concat(pieces));
  }
  return stream;
}
