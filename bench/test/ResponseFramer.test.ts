import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ResponseFramer } from '../support/ResponseFramer.ts';

// The paced load generator (bench/support/drivePacedLoad.ts) times each request to the end of its
// answer: a response counted at the wrong byte would shift every later latency on the connection.

const response = (status: number, body: string, extra = ''): string =>
  `HTTP/1.1 ${status} X\r\nContent-Type: text/plain\r\n${extra}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;

/** Feeds `chunks` in order; the statuses it counted. */
function framed(chunks: readonly Buffer[]): number[] {
  const framer = new ResponseFramer();
  const statuses: number[] = [];
  for (const chunk of chunks) framer.push(chunk, (status) => statuses.push(status));
  return statuses;
}

/** `bytes` cut at `cuts` (offsets, any order, repeats allowed). */
function cut(bytes: Buffer, cuts: readonly number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  return [0, ...points].map((from, i) => bytes.subarray(from, [...points, bytes.length][i]));
}

describe('ResponseFramer', () => {
  it('counts each response at its last byte however the bytes are cut', () => {
    const responses = fc.array(
      fc.record({ status: fc.constantFrom(200, 204, 301, 404, 503), body: fc.string({ maxLength: 40 }), crlfInBody: fc.boolean() }),
      { minLength: 1, maxLength: 8 },
    );
    fc.assert(
      fc.property(responses, fc.array(fc.nat(), { maxLength: 12 }), (list, cuts) => {
        // A body may hold the bytes that end a head: only the length says where it ends.
        const bytes = Buffer.from(list.map((r) => response(r.status, r.crlfInBody ? `${r.body}\r\n\r\nHTTP/1.1 200 OK\r\n` : r.body)).join(''));
        assert.deepEqual(framed(cut(bytes, cuts)), list.map((r) => r.status));
      }),
      { interruptAfterTimeLimit: 2000 },
    );
  });

  it('counts a response only once its body has all arrived', () => {
    const bytes = Buffer.from(response(200, 'hello world'));
    assert.deepEqual(framed([bytes.subarray(0, bytes.length - 1)]), []);
    assert.deepEqual(framed([bytes.subarray(0, bytes.length - 1), bytes.subarray(bytes.length - 1)]), [200]);
  });

  it('refuses a response it cannot frame, saying what it reads', () => {
    assert.throws(() => framed([Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n')]), /chunked.*Content-Length/);
    assert.throws(() => framed([Buffer.from('HTTP/1.1 200 OK\r\nConnection: keep-alive\r\n\r\nhello')]), /without Content-Length/);
    assert.throws(() => framed([Buffer.from('HTTP/1.1 100 Continue\r\n\r\n')]), /interim 100/);
    assert.throws(() => framed([Buffer.from('SSH-2.0-OpenSSH\r\n\r\n')]), /not an HTTP\/1.1 status line/);
    assert.throws(() => framed([Buffer.alloc(ResponseFramer.maxHeadBytes + 1, 'a')]), /longer than 16384 bytes/);
  });
});
