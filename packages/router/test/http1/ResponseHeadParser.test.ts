import assert from 'node:assert/strict';
import { ResponseHeadParser, type ResponseHead, type ResponseHeadResult } from '@portico/router';
import { raw } from './readMessages.ts';

function parse(text: string, method = 'GET'): ResponseHeadResult {
  return new ResponseHeadParser().push(raw(text), method);
}

function head(text: string, method = 'GET'): ResponseHead {
  const r = parse(text, method);
  assert.equal(r.kind, 'head', r.kind === 'error' ? r.reason : r.kind);
  return (r as { head: ResponseHead }).head;
}

function fails(text: string): void {
  assert.equal(parse(text).kind, 'error');
}

describe('ResponseHeadParser', () => {
  it('parses status, reason and headers', () => {
    const h = head('HTTP/1.1 404 Not Found\r\nContent-Length: 3\r\nX-A: b\r\n\r\nabc');
    assert.equal(h.status, 404);
    assert.equal(h.reason, 'Not Found');
    assert.deepEqual(h.headers, [['content-length', '3'], ['x-a', 'b']]);
    assert.deepEqual(h.body, { kind: 'length', length: 3 });
  });
  it('returns the bytes after the head', () => {
    const r = parse('HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc');
    assert.equal(r.kind === 'head' && r.rest.toString(), 'abc');
  });
  it('accepts an empty reason', () => assert.equal(head('HTTP/1.1 200 \r\nContent-Length: 0\r\n\r\n').reason, ''));
  it('accepts a missing reason', () => assert.equal(head('HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n').status, 200));
  it('keeps every Set-Cookie line', () => {
    const h = head('HTTP/1.1 200 OK\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\nContent-Length: 0\r\n\r\n');
    assert.deepEqual(h.headers.filter(([n]) => n === 'set-cookie').map(([, v]) => v), ['a=1', 'b=2']);
  });
  it('refuses a 0xA0 around chunked or a Content-Length (whitespace is SP and HTAB only)', () => {
    fails('HTTP/1.1 200 OK\r\nTransfer-Encoding: \xa0chunked\r\n\r\n');
    fails('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\xa0\r\n\r\n');
    fails('HTTP/1.1 200 OK\r\nContent-Length: 1000\xa0\r\n\r\n');
  });
  it('refuses a Content-Length list or two identical Content-Length lines from a backend', () => {
    fails('HTTP/1.1 200 OK\r\nContent-Length: 3,3\r\n\r\nabc');
    fails('HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc');
  });
  it('reads chunked framing', () => assert.deepEqual(head('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n').body, { kind: 'chunked' }));
  it('reads a body without framing until close', () => {
    const h = head('HTTP/1.1 200 OK\r\n\r\n');
    assert.deepEqual(h.body, { kind: 'until-close' });
    assert.equal(h.keepAlive, false);
  });
  it('has no body for HEAD whatever the headers say', () => assert.deepEqual(head('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n', 'HEAD').body, { kind: 'none' }));
  it('has no body for 204', () => assert.deepEqual(head('HTTP/1.1 204 No Content\r\n\r\n').body, { kind: 'none' }));
  it('has no body for 304', () => assert.deepEqual(head('HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n').body, { kind: 'none' }));
  it('parses 100 Continue and then the final response', () => {
    const p = new ResponseHeadParser();
    const first = p.push(raw('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n'), 'POST');
    assert.equal(first.kind === 'head' && first.head.status, 100);
    assert.equal(first.kind === 'head' && first.head.body.kind, 'none');
    const second = first.kind === 'head' ? p.push(first.rest, 'POST') : first;
    assert.equal(second.kind === 'head' && second.head.status, 200);
  });
  it('parses 101 Switching Protocols with the tunnel bytes as rest', () => {
    const r = parse('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n\x81\x00');
    assert.equal(r.kind === 'head' && r.head.status, 101);
    assert.equal(r.kind === 'head' && r.rest.length, 2);
  });
  it('keeps HTTP/1.1 connections alive by default', () => assert.equal(head('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n').keepAlive, true));
  it('closes on Connection: close', () => assert.equal(head('HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n').keepAlive, false));
  it('closes HTTP/1.0 responses by default', () => assert.equal(head('HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n').keepAlive, false));
  it('refuses TE and CL together', () => fails('HTTP/1.1 200 OK\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n'));
  it('refuses a coding other than chunked', () => fails('HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n'));
  it('refuses conflicting CL', () => fails('HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n'));
  it('refuses a malformed status line', () => fails('HTTP/1.1 20 OK\r\n\r\n'));
  it('keeps its own copy of a partial head: the caller may reuse its buffer between pushes', () => {
    const bytes = raw('HTTP/1.1 200 OK\r\nSet-Cookie: a=1\r\nX-Long-Header-Name: some value\r\nContent-Length: 2\r\n\r\nok');
    for (let step = 1; step < bytes.length; step++) {
      // One buffer for every push, wiped with NUL (never valid in a head) before the next bytes go in.
      const shared = Buffer.alloc(step);
      const parser = new ResponseHeadParser();
      let r: ResponseHeadResult = { kind: 'incomplete' };
      for (let i = 0; i < bytes.length && r.kind === 'incomplete'; i += step) {
        shared.fill(0);
        const n = bytes.copy(shared, 0, i, i + step);
        r = parser.push(shared.subarray(0, n), 'GET');
      }
      assert.equal(r.kind, 'head', `pushes of ${step}: ${r.kind === 'error' ? r.reason : r.kind}`);
      const h = (r as { head: ResponseHead }).head;
      assert.deepEqual([h.status, h.reason, h.headers], [200, 'OK', [['set-cookie', 'a=1'], ['x-long-header-name', 'some value'], ['content-length', '2']]]);
    }
  });
  it('refuses HTTP/2 status lines', () => fails('HTTP/2 200 OK\r\n\r\n'));
  it('refuses every other status line that is not HTTP/1.x, a space, three digits and an optional reason', () => {
    for (const line of [
      'HTTP/1.2 200 OK', 'HTTP/1.1 099 OK', 'HTTP/1.1 2000 OK', 'HTTP/1.1 200OK', 'HTTP/1.1  200 OK', 'http/1.1 200 OK',
      'HTTP/1.1 2x0 OK', 'HTTP/1.1\t200 OK', ' HTTP/1.1 200 OK', 'HTTP/1.1 200\tOK', 'HTTP/1.1',
    ]) {
      const r = parse(`${line}\r\nContent-Length: 0\r\n\r\n`);
      assert.deepEqual(r, { kind: 'error', reason: 'malformed status line' }, JSON.stringify(line));
    }
  });
  it('refuses a control byte in the reason phrase', () => {
    assert.deepEqual(parse('HTTP/1.1 200 O\x00K\r\n\r\n'), { kind: 'error', reason: 'invalid byte in reason phrase' });
    assert.deepEqual(parse('HTTP/1.1 200 O\rK\r\n\r\n'), { kind: 'error', reason: 'invalid byte in reason phrase' });
  });
  it('reads the version, the status digits and a reason with obs-text as sent', () => {
    const h = head('HTTP/1.0 599 Caf\xe9 \t x\r\nContent-Length: 0\r\n\r\n');
    assert.deepEqual([h.version, h.status, h.reason], ['1.0', 599, 'Caf\xe9 \t x']);
  });
  it('refuses a bare LF', () => fails('HTTP/1.1 200 OK\nContent-Length: 0\r\n\r\n'));
  it('refuses obs-fold', () => fails('HTTP/1.1 200 OK\r\nX: a\r\n b\r\n\r\n'));
  it('refuses NUL in a value', () => fails('HTTP/1.1 200 OK\r\nX: a\x00\r\n\r\n'));
  it('refuses a head over the size limit', () => {
    const r = new ResponseHeadParser({ maxResponseHeadBytes: 100 }).push(raw(`HTTP/1.1 200 OK\r\nX: ${'a'.repeat(200)}`), 'GET');
    assert.equal(r.kind, 'error');
  });
});
