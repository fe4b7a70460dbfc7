import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { ResponseHead } from '../../src/http1/ResponseHead.ts';
import { ResponseHeadParser } from '../../src/http1/ResponseHeadParser.ts';
import { clientResponseFraming } from '../../src/internal/forward/clientResponseFraming.ts';
import { clientResponseHead } from '../../src/internal/forward/clientResponseHeaders.ts';
import { relaysAsSent } from '../../src/internal/policy/responseHeaders.ts';
import { RequestHeadParser } from '../../src/http1/RequestHeadParser.ts';

// A head that `relaysAsSent` lets go as the backend wrote it must say to the client exactly what
// the head Portico would have built says: the same status line's status, the same fields in the
// same order (values as a parser reads them), the same framing. Held for random backend heads
// mixing fields to keep, hop-by-hop and framing fields, Portico's secrets, hidden headers and
// odd spacing.

function parseResponse(text: string, method: string): ResponseHead {
  const r = new ResponseHeadParser().push(Buffer.from(text, 'latin1'), method);
  assert.equal(r.kind, 'head', text);
  return (r as { head: ResponseHead }).head;
}

function request(method: string, version: string, close: boolean) {
  const r = new RequestHeadParser().push(Buffer.from(`${method} / HTTP/${version}\r\nHost: a\r\n${close ? 'Connection: close\r\n' : ''}\r\n`, 'latin1'));
  assert.equal(r.kind, 'head');
  return (r as { head: Parameters<typeof clientResponseFraming>[0] }).head;
}

/**
 * What a client reads of a head: status, fields in order (lower-case names), framing and the
 * Content-Length it announces, wherever its line stands (a framing line's place means nothing).
 */
function meaning(head: ResponseHead) {
  const fields = head.headers.filter(([n]) => n !== 'content-length').map(([n, v]) => `${n}: ${v}`);
  const lengths = head.headers.filter(([n]) => n === 'content-length').map(([, v]) => v);
  return { status: head.status, fields, lengths, body: head.body };
}

/** Fields a client may see, weighted so that many heads qualify; then every kind Portico must change. */
const field = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom('X-Kept: 1', 'content-type: text/plain', 'Set-Cookie: a=1', 'set-cookie: b=2', 'x-empty:', 'X-Spaced:   v  ', 'X-Tab:\tv') },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      'Connection: keep-alive', 'Keep-Alive: timeout=5', 'Connection: x-named', 'X-Named: 1', 'X-Portico-Token: t', 'X_Portico_User: u',
      'X-Auth-Email: e', 'Trailer: x', 'Upgrade: h2c', 'Content-Length: 5', 'Content-Length: 05', 'Content-Length:\t5 ',
    ),
  },
);

describe('relaysAsSent', () => {
  it('lets a head go as sent only when the head Portico would build means the same to the client', () => {
    let asSent = 0;
    let runs = 0;
    fc.assert(
      fc.property(
        fc.constantFrom('1.1', '1.1', '1.0'),
        fc.constantFrom(200, 204, 304, 404),
        fc.constantFrom('GET', 'HEAD'),
        fc.constantFrom('1.1', '1.1', '1.0'),
        fc.boolean(),
        fc.array(field, { maxLength: 8 }),
        fc.constantFrom<readonly string[]>([], ['x-auth-email']),
        (version, status, method, clientVersion, clientCloses, fields, hidden) => {
          const body = status === 204 || status === 304 || method === 'HEAD' ? '' : 'hello';
          const text = `HTTP/${version} ${status} Reason\r\n${fields.map((f) => `${f}\r\n`).join('')}\r\n`;
          const r = new ResponseHeadParser().push(Buffer.from(text + body, 'latin1'), method);
          runs++;
          if (r.kind !== 'head') return; // refused heads never reach the rule
          const res = r.head;
          const req = request(method, clientVersion, clientCloses);
          const framing = clientResponseFraming(req, res, false);
          const connection = framing.close ? 'close' : req.version === '1.1' ? undefined : 'keep-alive';
          if (connection !== undefined || !relaysAsSent(res, framing.head, hidden)) return;
          asSent++;
          const built = clientResponseHead(res, connection, framing.head, hidden);
          assert.deepEqual(meaning(parseResponse(text, method)), meaning(parseResponse(built, method)), `${text}\n--- built ---\n${built}`);
        },
      ),
      { numRuns: 2000 },
    );
    // The property is not held vacuously: many of the heads went as sent (about 22 % of 2000 runs).
    // A share, not a count: under load the tier's time budget ends the run after fewer heads, and
    // "more than 100" failed there with nothing wrong.
    assert.ok(runs > 0 && asSent * 10 > runs, `only ${asSent} of ${runs} heads went as sent`);
  });

  it('refuses a head with a field the client must not see, or a framing line Portico would write otherwise', () => {
    const framingOf = (text: string, method = 'GET') => {
      const res = parseResponse(text, method);
      return { res, framing: clientResponseFraming(request(method, '1.1', false), res, false).head };
    };
    const cases: ReadonlyArray<readonly [string, boolean]> = [
      ['HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n', true],
      ['HTTP/1.1 200 OK\r\nContent-Length: 05\r\n\r\n', false],
      ['HTTP/1.1 200 OK\r\nConnection: keep-alive\r\nContent-Length: 5\r\n\r\n', false],
      ['HTTP/1.1 200 OK\r\nX-Portico-Token: t\r\nContent-Length: 5\r\n\r\n', false],
      ['HTTP/1.0 200 OK\r\nContent-Length: 5\r\n\r\n', false],
      ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n', false],
      ['HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n', false],
      ['HTTP/1.1 204 No Content\r\n\r\n', true],
    ];
    for (const [text, expected] of cases) {
      const { res, framing } = framingOf(text);
      assert.equal(relaysAsSent(res, framing, []), expected, text);
    }
    const { res, framing } = framingOf('HTTP/1.1 200 OK\r\nX-Auth-Email: e\r\nContent-Length: 5\r\n\r\n');
    assert.equal(relaysAsSent(res, framing, ['x-auth-email']), false);
    assert.equal(relaysAsSent(res, framing, []), true);
  });
});
