// Mutation fuzz: random and mutated bytes never make a parser throw (only structured errors),
// and how the bytes are split into chunks never changes the outcome.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ChunkedDecoder, RequestHeadParser, ResponseHeadParser } from '@portico/router';
import { fuzzSeed } from './fuzzSeed.ts';
import { mutatedRequests } from '@portico/test-support';
import { raw, readMessages, type ReadResult } from './readMessages.ts';

const statuses = new Set([400, 405, 414, 417, 431, 501, 505]);
const budget = { seed: fuzzSeed, interruptAfterTimeLimit: 5_000, markInterruptAsFailure: false };

const valid = [
  'GET /a?b=c HTTP/1.1\r\nHost: a\r\nAccept: */*\r\n\r\n',
  'POST /p HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello',
  'PUT /c HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5;e=1\r\nhello\r\n0\r\nT: v\r\n\r\n',
  'GET /ws HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
  'OPTIONS * HTTP/1.0\r\n\r\n',
];

const mutated = mutatedRequests(valid, ['flip', 'insert', 'delete', 'dup'], 4);

function summary(r: ReadResult): unknown {
  return {
    messages: r.messages.map((m) => [m.head.method, m.head.target, m.head.headers, m.body.toString('latin1')]),
    error: r.error?.status,
    // A whole head in one chunk is checked in one match, a trickled one line by line: same verdict, same words.
    reason: r.error?.reason,
    incomplete: r.incomplete,
  };
}

describe(`HTTP/1.1 parser fuzz (seed ${fuzzSeed})`, function () {
  this.timeout(30_000);

  it('never throws on random bytes and answers only known statuses', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 3000 }), fc.integer({ min: 1, max: 64 }), (bytes, step) => {
      const parser = new RequestHeadParser();
      const buf = Buffer.from(bytes);
      for (let i = 0; i < buf.length; i += step) {
        const r = parser.push(buf.subarray(i, i + step));
        if (r.kind === 'error') assert.ok(statuses.has(r.status), `status ${r.status}`);
        if (r.kind !== 'incomplete') break;
      }
    }), { ...budget, numRuns: 20_000 });
  });

  it('never throws on mutated valid requests', () => {
    fc.assert(fc.property(mutated, (bytes) => {
      const r = readMessages(bytes);
      if (r.error?.status !== undefined) assert.ok(statuses.has(r.error.status));
    }), { ...budget, numRuns: 20_000 });
  });

  it('reaches the same outcome whatever the chunk boundaries', () => {
    fc.assert(fc.property(mutated, fc.integer({ min: 1, max: 40 }), (bytes, step) => {
      assert.deepEqual(summary(readMessages(bytes, step)), summary(readMessages(bytes)));
    }), { ...budget, numRuns: 10_000 });
  });

  it('decodes chunked bodies the same whatever the chunk boundaries, and never throws', () => {
    const bodies = fc.oneof(
      fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)),
      fc.array(fc.constantFrom('5\r\nhello\r\n', '1;a=b\r\nx\r\n', '0\r\n\r\n', '0\r\nT: 1\r\n\r\n', 'A\r\n0123456789\r\n', '\r\n', 'x', ';', ' '), { maxLength: 8 })
        .map((parts) => raw(parts.join(''))),
    );
    fc.assert(fc.property(bodies, fc.integer({ min: 1, max: 16 }), (bytes, step) => {
      const run = (size: number): unknown => {
        const d = new ChunkedDecoder();
        const data: Buffer[] = [];
        for (let i = 0; i < bytes.length; i += size) {
          const r = d.push(bytes.subarray(i, i + size), (x) => data.push(Buffer.from(x)));
          if (r.kind === 'error') return { error: true, data: Buffer.concat(data).length };
          if (r.kind === 'done') return { data: Buffer.concat(data).toString('latin1'), rest: Buffer.concat([r.rest, bytes.subarray(i + size)]).toString('latin1'), trailers: r.trailers };
        }
        return { more: true, data: Buffer.concat(data).toString('latin1') };
      };
      const whole = run(bytes.length || 1) as { error?: boolean };
      const split = run(step) as { error?: boolean };
      // An error may surface earlier or later in the stream, but never appear or vanish.
      assert.equal(Boolean(split.error), Boolean(whole.error));
      if (!whole.error) assert.deepEqual(split, whole);
    }), { ...budget, numRuns: 20_000 });
  });

  it('reads a response head the same whatever the chunk boundaries', () => {
    const responses = fc.record({
      base: fc.constantFrom(
        'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nDate: Sun, 29 Nov 2026 23:50:00 GMT\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\nContent-Length: 11\r\n\r\nhello world',
        'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\n\r\n0\r\n\r\n',
        'HTTP/1.0 204 No Content\r\nX-A:\t v \t\r\n\r\n',
      ),
      edits: fc.array(fc.record({ at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }), insert: fc.boolean() }), { maxLength: 3 }),
    }).map(({ base, edits }) => {
      let bytes = raw(base);
      for (const e of edits) {
        const i = e.at % (bytes.length + 1);
        if (e.insert) bytes = Buffer.concat([bytes.subarray(0, i), Buffer.of(e.byte), bytes.subarray(i)]);
        else if (i < bytes.length) bytes[i] = e.byte;
      }
      return bytes;
    });
    const read = (bytes: Buffer, step: number): unknown[] => {
      const parser = new ResponseHeadParser();
      const out: unknown[] = [];
      for (let i = 0; i < bytes.length; i += step) {
        let r = parser.push(bytes.subarray(i, i + step), 'GET');
        // A 1xx head comes back on its own: the rest is pushed again for the final head.
        while (r.kind === 'head' && r.head.status < 200) {
          out.push([r.head.status, r.head.headers]);
          if (r.rest.length === 0) break;
          r = parser.push(r.rest, 'GET');
        }
        if (r.kind === 'error') return [...out, r.reason];
        if (r.kind === 'head' && r.head.status >= 200) return [...out, [r.head.status, r.head.reason, r.head.headers, r.head.rawNames, r.head.body, r.head.keepAlive]];
      }
      return [...out, 'incomplete'];
    };
    fc.assert(fc.property(responses, fc.integer({ min: 1, max: 40 }), (bytes, step) => {
      assert.deepEqual(read(bytes, step), read(bytes, bytes.length));
    }), { ...budget, numRuns: 10_000 });
  });

  it('never throws on random response bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 2000 }), fc.constantFrom('GET', 'HEAD'), (bytes, method) => {
      new ResponseHeadParser().push(Buffer.from(bytes), method);
      new ResponseHeadParser().push(Buffer.concat([raw('HTTP/1.1 200 OK\r\n'), Buffer.from(bytes)]), method);
    }), { ...budget, numRuns: 20_000 });
  });
});
