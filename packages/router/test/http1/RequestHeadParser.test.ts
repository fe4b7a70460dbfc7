import assert from 'node:assert/strict';
import { RequestHeadParser, type RequestHead, type RequestHeadResult } from '@portico/router';
import { raw } from './readMessages.ts';

const H = 'Host: a\r\n';

function parse(text: string, parser = new RequestHeadParser()): RequestHeadResult {
  return parser.push(raw(text));
}

function head(text: string): RequestHead {
  const r = parse(text);
  assert.equal(r.kind, 'head', r.kind === 'error' ? `${r.status} ${r.reason}` : r.kind);
  return (r as { head: RequestHead }).head;
}

function refused(text: string, status: number, reason?: RegExp): void {
  const r = parse(text);
  assert.equal(r.kind, 'error', `expected ${status} for ${JSON.stringify(text)}`);
  if (r.kind !== 'error') return;
  assert.equal(r.status, status, r.reason);
  if (reason) assert.match(r.reason, reason);
}

describe('RequestHeadParser', () => {
  describe('request line', () => {
    it('parses method, origin-form target and version', () => {
      const h = head(`GET /a/b?c=d HTTP/1.1\r\n${H}\r\n`);
      assert.equal(h.method, 'GET');
      assert.equal(h.target, '/a/b?c=d');
      assert.equal(h.form, 'origin');
      assert.equal(h.path, '/a/b?c=d');
      assert.equal(h.version, '1.1');
    });

    it('returns the bytes after the head as rest', () => {
      const r = parse(`GET / HTTP/1.1\r\n${H}\r\nGET /next`);
      assert.equal(r.kind === 'head' && r.rest.toString(), 'GET /next');
    });

    it('reports the head size on the wire', () => {
      assert.equal(head(`GET / HTTP/1.1\r\n${H}\r\n`).headBytes, 27);
    });

    it('refuses a method with non-token characters', () => refused(`G(T / HTTP/1.1\r\n${H}\r\n`, 400, /method/));
    it('refuses an empty method', () => refused(` / HTTP/1.1\r\n${H}\r\n`, 400));
    it('answers 501 to an unknown method', () => refused(`BREW / HTTP/1.1\r\n${H}\r\n`, 501));
    it('answers 501 to a lower-case method, which is a different method', () => refused(`get / HTTP/1.1\r\n${H}\r\n`, 501));
    it('accepts extra methods when configured', () => {
      const r = parse(`BREW / HTTP/1.1\r\n${H}\r\n`, new RequestHeadParser({ methods: ['BREW'] }));
      assert.equal(r.kind, 'head');
    });
    it('refuses CONNECT with 405', () => refused(`CONNECT a:443 HTTP/1.1\r\n${H}\r\n`, 405));
  it('refuses TRACK with 405, as TRACE is by default (issue 15)', () => refused(`TRACK / HTTP/1.1\r\n${H}\r\n`, 405));
    it('refuses two spaces between parts', () => refused(`GET  / HTTP/1.1\r\n${H}\r\n`, 400));
    it('refuses a missing version', () => refused(`GET /\r\n${H}\r\n`, 400));
    it('refuses a lower-case protocol name', () => refused(`GET / http/1.1\r\n${H}\r\n`, 400));
    it('refuses a malformed version', () => refused(`GET / HTTP/11\r\n${H}\r\n`, 400));
    it('answers 505 to HTTP/2.0', () => refused(`GET / HTTP/2.0\r\n${H}\r\n`, 505));
    it('answers 505 to HTTP/1.2', () => refused(`GET / HTTP/1.2\r\n${H}\r\n`, 505));
    it('answers 505 to HTTP/0.9', () => refused(`GET / HTTP/0.9\r\n\r\n`, 505));
    it('answers 505 to the HTTP/2 connection preface', () => refused('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 505));
    it('accepts HTTP/1.0', () => assert.equal(head('GET / HTTP/1.0\r\n\r\n').version, '1.0'));
    it('ignores empty lines before the request line', () => assert.equal(head(`\r\n\r\nGET / HTTP/1.1\r\n${H}\r\n`).method, 'GET'));
  });

  describe('request-target', () => {
    it('refuses a target starting with "//"', () => refused(`GET //evil.example/x HTTP/1.1\r\n${H}\r\n`, 400, /\/\//));
    it('refuses a backslash', () => refused(`GET /a\\b HTTP/1.1\r\n${H}\r\n`, 400));
    it('refuses a leading backslash', () => refused(`GET \\\\host/x HTTP/1.1\r\n${H}\r\n`, 400));
    it('refuses a fragment', () => refused(`GET /a#b HTTP/1.1\r\n${H}\r\n`, 400));
    it('refuses a malformed percent escape', () => refused(`GET /a%2 HTTP/1.1\r\n${H}\r\n`, 400, /percent/));
    it('refuses a non-hex percent escape', () => refused(`GET /a%zz HTTP/1.1\r\n${H}\r\n`, 400));
    it('refuses raw non-ASCII bytes', () => refused(`GET /\xe9 HTTP/1.1\r\n${H}\r\n`, 400));
    it('refuses a NUL in the target', () => refused(`GET /a\x00 HTTP/1.1\r\n${H}\r\n`, 400));
    // A backend that decodes the path into a C string ends it at the NUL (`/x.php%00.jpg`); nginx
    // refuses %00 in the path too, and, as nginx, passes it in the query.
    it('refuses an encoded NUL in the path', () => {
      for (const target of ['/a%00b', '/a%00', '/%00?x=1']) refused(`GET ${target} HTTP/1.1\r\n${H}\r\n`, 400, /%00/);
    });
    it('passes an encoded NUL in the query', () => assert.equal(head(`GET /a?b=%00 HTTP/1.1\r\n${H}\r\n`).path, '/a?b=%00'));
    it('accepts query characters browsers leave raw', () => assert.equal(head(`GET /s?a[]=1&b={x}|^ HTTP/1.1\r\n${H}\r\n`).path, '/s?a[]=1&b={x}|^'));
    it('accepts * for OPTIONS', () => assert.equal(head(`OPTIONS * HTTP/1.1\r\n${H}\r\n`).form, 'asterisk'));
    it('refuses * for GET', () => refused(`GET * HTTP/1.1\r\n${H}\r\n`, 400, /OPTIONS/));
    it('surfaces absolute-form separately', () => {
      const h = head(`GET http://Shop.example:8080/a?b HTTP/1.1\r\n${H}\r\n`);
      assert.equal(h.form, 'absolute');
      assert.equal(h.path, '/a?b');
      assert.deepEqual(h.absolute, { scheme: 'http', authority: 'Shop.example:8080' });
    });
    it('maps an absolute-form target without a path to "/"', () => assert.equal(head(`GET https://a HTTP/1.1\r\n${H}\r\n`).path, '/'));
    it('refuses absolute-form with userinfo (CVE-2011-3368)', () => refused(`GET http://a@intranet/ HTTP/1.1\r\n${H}\r\n`, 400, /userinfo/));
    it('refuses absolute-form with an empty host', () => refused(`GET http:///x HTTP/1.1\r\n${H}\r\n`, 400));
    it('refuses other schemes', () => refused(`GET ftp://a/x HTTP/1.1\r\n${H}\r\n`, 400));
    it('refuses authority-form for other methods', () => refused(`GET a:443 HTTP/1.1\r\n${H}\r\n`, 400));
  });

  describe('line endings', () => {
    it('refuses a bare LF after the request line', () => refused(`GET / HTTP/1.1\n${H}\r\n`, 400, /LF/));
    it('refuses a bare LF after a header', () => refused(`GET / HTTP/1.1\r\nHost: a\n\r\n`, 400, /LF/));
    it('refuses a bare LF as the final empty line', () => refused(`GET / HTTP/1.1\r\n${H}\n`, 400, /LF/));
    it('refuses a bare CR inside a value', () => refused(`GET / HTTP/1.1\r\n${H}X: a\rb\r\n\r\n`, 400));
    it('refuses a bare CR at the start of a line', () => refused(`GET / HTTP/1.1\r\n${H}\rX: a\r\n\r\n`, 400));
    it('refuses a bare CR ending the request line', () => refused(`GET / HTTP/1.1\r\r\n${H}\r\n`, 400));
  });

  describe('header fields', () => {
    it('keeps order, duplicates, lower-case names and raw names', () => {
      const h = head(`GET / HTTP/1.1\r\n${H}Set-Thing: 1\r\nX-A: 2\r\nset-thing: 3\r\n\r\n`);
      assert.deepEqual(h.headers, [['host', 'a'], ['set-thing', '1'], ['x-a', '2'], ['set-thing', '3']]);
      assert.deepEqual(h.rawNames, ['Host', 'Set-Thing', 'X-A', 'set-thing']);
    });
    it('trims optional whitespace around values', () => assert.deepEqual(head(`GET / HTTP/1.1\r\n${H}X:\t  v w \t\r\n\r\n`).headers[1], ['x', 'v w']));
    it('keeps an empty value', () => assert.deepEqual(head(`GET / HTTP/1.1\r\n${H}X:\r\n\r\n`).headers[1], ['x', '']));
    it('keeps obs-text bytes as latin1', () => assert.equal(head(`GET / HTTP/1.1\r\n${H}X: caf\xe9\r\n\r\n`).headers[1]?.[1], 'caf\xe9'));
    it('refuses obs-fold', () => refused(`GET / HTTP/1.1\r\n${H}X: a\r\n b\r\n\r\n`, 400, /obs-fold/));
    it('refuses obs-fold with a tab', () => refused(`GET / HTTP/1.1\r\n${H}X: a\r\n\tb\r\n\r\n`, 400, /obs-fold/));
    it('refuses a space before the colon', () => refused(`GET / HTTP/1.1\r\n${H}X : a\r\n\r\n`, 400, /whitespace/));
    it('refuses a tab before the colon', () => refused(`GET / HTTP/1.1\r\n${H}X\t: a\r\n\r\n`, 400, /whitespace/));
    it('refuses an empty header name', () => refused(`GET / HTTP/1.1\r\n${H}: a\r\n\r\n`, 400, /empty/));
    it('refuses a line without a colon', () => refused(`GET / HTTP/1.1\r\n${H}X\r\n\r\n`, 400));
    it('refuses a non-token name', () => refused(`GET / HTTP/1.1\r\n${H}X(y): a\r\n\r\n`, 400));
    it('refuses NUL in a value', () => refused(`GET / HTTP/1.1\r\n${H}X: a\x00b\r\n\r\n`, 400, /0x00/));
    it('refuses a vertical tab in a value', () => refused(`GET / HTTP/1.1\r\n${H}X: \x0bb\r\n\r\n`, 400));
    it('refuses DEL in a value', () => refused(`GET / HTTP/1.1\r\n${H}X: a\x7f\r\n\r\n`, 400));
    it('accepts a tab inside a value', () => assert.equal(head(`GET / HTTP/1.1\r\n${H}X: a\tb\r\n\r\n`).headers[1]?.[1], 'a\tb'));
  });

  describe('limits', () => {
    it('answers 414 to a request line over the limit', () => {
      refused(`GET /${'a'.repeat(8200)} HTTP/1.1\r\n${H}\r\n`, 414);
    });
    it('answers 414 before the request line is complete', () => {
      const r = new RequestHeadParser().push(raw(`GET /${'a'.repeat(9000)}`));
      assert.equal(r.kind === 'error' && r.status, 414);
    });
    it('answers 431 to a head over the byte limit', () => {
      refused(`GET / HTTP/1.1\r\n${H}${'X: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n'.repeat(99)}Y: ${'b'.repeat(8000)}\r\n\r\n`, 431);
    });
    it('answers 431 when a huge head arrives without a line end', () => {
      const p = new RequestHeadParser();
      assert.equal(p.push(raw(`GET / HTTP/1.1\r\n${H}`)).kind, 'incomplete');
      const r = p.push(raw(`X: ${'a'.repeat(17000)}`));
      assert.equal(r.kind === 'error' && r.status, 431);
    });
    it('answers 431 past 100 header lines', () => refused(`GET / HTTP/1.1\r\n${H}${'X: a\r\n'.repeat(100)}\r\n`, 431, /too many/));
    it('accepts exactly 100 header lines', () => assert.equal(head(`GET / HTTP/1.1\r\n${H}${'X: a\r\n'.repeat(99)}\r\n`).headers.length, 100));
    it('honours custom limits', () => {
      const r = parse(`GET / HTTP/1.1\r\n${H}X: a\r\n\r\n`, new RequestHeadParser({ limits: { maxHeaderCount: 1 } }));
      assert.equal(r.kind === 'error' && r.status, 431);
    });
    it('refuses a limit that is not a positive whole number', () => {
      assert.throws(() => new RequestHeadParser({ limits: { maxHeaderBytes: 0 } }), { code: 'PORTICO_ERR_ROUTER_INVALID_OPTION' });
    });
  });

  describe('framing', () => {
    it('has no body without CL or TE', () => assert.deepEqual(head(`POST / HTTP/1.1\r\n${H}\r\n`).body, { kind: 'none' }));
    it('reads Content-Length', () => assert.deepEqual(head(`POST / HTTP/1.1\r\n${H}Content-Length: 42\r\n\r\n`).body, { kind: 'length', length: 42 }));
    it('reads chunked', () => assert.deepEqual(head(`POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n`).body, { kind: 'chunked' }));
    it('reads chunked case-insensitively', () => assert.deepEqual(head(`POST / HTTP/1.1\r\n${H}Transfer-Encoding: Chunked\r\n\r\n`).body, { kind: 'chunked' }));
    it('refuses TE and CL together', () => refused(`POST / HTTP/1.1\r\n${H}Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n`, 400, /both/));
    it('refuses TE in HTTP/1.0', () => refused('POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n', 400, /1\.0/));
    it('refuses two TE lines', () => refused(`POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n`, 400));
    it('refuses chunked before another coding', () => refused(`POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked, gzip\r\n\r\n`, 400, /final/));
    it('answers 501 to gzip, chunked', () => refused(`POST / HTTP/1.1\r\n${H}Transfer-Encoding: gzip, chunked\r\n\r\n`, 501));
    it('answers 501 to identity, chunked', () => refused(`POST / HTTP/1.1\r\n${H}Transfer-Encoding: identity, chunked\r\n\r\n`, 501));
    it('answers 501 to an unknown coding', () => refused(`POST / HTTP/1.1\r\n${H}Transfer-Encoding: xchunked\r\n\r\n`, 501));
    it('refuses an empty list member in TE', () => refused(`POST / HTTP/1.1\r\n${H}Transfer-Encoding: ,chunked\r\n\r\n`, 400));
    it('refuses an empty TE', () => refused(`POST / HTTP/1.1\r\n${H}Transfer-Encoding: \r\n\r\n`, 400));
    it('refuses two different CL lines', () => refused(`POST / HTTP/1.1\r\n${H}Content-Length: 1\r\nContent-Length: 2\r\n\r\n`, 400, /more than one/));
    it('refuses identical CL lines, as Node and nginx do', () => refused(`POST / HTTP/1.1\r\n${H}Content-Length: 3\r\nContent-Length: 3\r\n\r\n`, 400, /more than one/));
    it('refuses an identical CL list, as Node and nginx do', () => refused(`POST / HTTP/1.1\r\n${H}Content-Length: 3, 3\r\n\r\n`, 400, /list/));
    it('refuses a CL list with different members', () => refused(`POST / HTTP/1.1\r\n${H}Content-Length: 3, 4\r\n\r\n`, 400));
    it('refuses a CL with a leading plus', () => refused(`POST / HTTP/1.1\r\n${H}Content-Length: +5\r\n\r\n`, 400));
    it('refuses a negative CL', () => refused(`POST / HTTP/1.1\r\n${H}Content-Length: -1\r\n\r\n`, 400));
    it('refuses a hex CL', () => refused(`POST / HTTP/1.1\r\n${H}Content-Length: 0x5\r\n\r\n`, 400));
    it('refuses an empty CL', () => refused(`POST / HTTP/1.1\r\n${H}Content-Length:\r\n\r\n`, 400, /empty/));
    it('refuses a CL with an inner space (CVE-2018-7159)', () => refused(`POST / HTTP/1.1\r\n${H}Content-Length: 1 2\r\n\r\n`, 400));
    it('refuses an overlong CL', () => refused(`POST / HTTP/1.1\r\n${H}Content-Length: 1234567890123456\r\n\r\n`, 400, /too long/));
    it('accepts a 15-digit CL', () => assert.deepEqual(head(`POST / HTTP/1.1\r\n${H}Content-Length: 999999999999999\r\n\r\n`).body, { kind: 'length', length: 999999999999999 }));
    it('refuses Transfer_Encoding, which normalising backends read as TE', () => refused(`POST / HTTP/1.1\r\n${H}Transfer_Encoding: chunked\r\n\r\n`, 400, /imitates/));
    it('refuses Content.Length', () => refused(`POST / HTTP/1.1\r\n${H}Content.Length: 5\r\n\r\n`, 400, /imitates/));
  });

  describe('Host', () => {
    it('requires Host in HTTP/1.1', () => refused('GET / HTTP/1.1\r\n\r\n', 400, /Host/));
    it('refuses two Host headers', () => refused(`GET / HTTP/1.1\r\n${H}${H}\r\n`, 400, /Host/));
    it('refuses two Host headers in HTTP/1.0', () => refused(`GET / HTTP/1.0\r\n${H}${H}\r\n`, 400));
    it('allows HTTP/1.0 without Host', () => assert.equal(head('GET / HTTP/1.0\r\n\r\n').host, undefined));
    it('surfaces the Host value', () => assert.equal(head('GET / HTTP/1.1\r\nHost: shop.example:8080\r\n\r\n').host, 'shop.example:8080'));
    it('accepts an IPv6 literal', () => assert.equal(head('GET / HTTP/1.1\r\nHost: [::1]:80\r\n\r\n').host, '[::1]:80'));
    it('refuses a Host with a path', () => refused('GET / HTTP/1.1\r\nHost: a/b\r\n\r\n', 400));
    it('refuses a Host with userinfo', () => refused('GET / HTTP/1.1\r\nHost: u@a\r\n\r\n', 400));
    it('refuses a Host with a space', () => refused('GET / HTTP/1.1\r\nHost: a b\r\n\r\n', 400));
    // An "http" URI with an empty host is invalid and its recipient MUST reject it (RFC 9110
    // §4.2.1); a name with an empty label is no DNS name. nginx refuses each with 400.
    it('refuses an empty Host, in HTTP/1.1 and 1.0, with or without a port', () => {
      for (const request of ['GET / HTTP/1.1\r\nHost:\r\n\r\n', 'GET / HTTP/1.0\r\nHost: \r\n\r\n', 'GET / HTTP/1.1\r\nHost: :80\r\n\r\n']) refused(request, 400, /Host/);
    });
    it('refuses a Host name with an empty label', () => {
      for (const name of ['.', '..', 'a..b', '.a', 'a..', '..:80']) refused(`GET / HTTP/1.1\r\nHost: ${name}\r\n\r\n`, 400, /Host/);
    });
    it('accepts a fully qualified name with its final dot, and a colon without a port', () => {
      assert.equal(head('GET / HTTP/1.1\r\nHost: a.example.\r\n\r\n').host, 'a.example.');
      assert.equal(head('GET / HTTP/1.1\r\nHost: a:\r\n\r\n').host, 'a:');
    });
    it('refuses absolute-form whose host has an empty label', () => refused(`GET http://a..b/x HTTP/1.1\r\n${H}\r\n`, 400));
    // Deliberately stricter than RFC 3986 and nginx 1.22 (docs/proxy.md): an IP literal is an IPv6
    // address and nothing else. A zone id (RFC 6874) names an interface of the client's own machine
    // (RFC 4007 §6), and IPvFuture names no version of IP that exists; neither can name Portico.
    it('refuses an IP literal with a zone id or in IPvFuture form, in Host and in absolute-form, and takes a plain IPv6 one', () => {
      for (const literal of ['[fe80::1%25eth0]', '[fe80::1%eth0]', '[v1.x]', '[v1.x:y]:80']) {
        refused(`GET / HTTP/1.1\r\nHost: ${literal}\r\n\r\n`, 400, /Host/);
        refused(`GET http://${literal}/x HTTP/1.1\r\n${H}\r\n`, 400);
      }
      assert.equal(head('GET / HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n').host, '[::1]:8080');
      assert.equal(head('GET / HTTP/1.1\r\nHost: [::ffff:127.0.0.1]\r\n\r\n').host, '[::ffff:127.0.0.1]');
    });
    it('refuses a Host with a broken or NUL percent escape, and takes a whole one', () => {
      for (const name of ['%zz', 'a%2', 'a%', 'a%00b']) refused(`GET / HTTP/1.1\r\nHost: ${name}\r\n\r\n`, 400, /Host/);
      assert.equal(head('GET / HTTP/1.1\r\nHost: a%2Db\r\n\r\n').host, 'a%2Db');
    });
  });

  describe('connection options', () => {
    it('keeps HTTP/1.1 alive by default', () => assert.equal(head(`GET / HTTP/1.1\r\n${H}\r\n`).keepAlive, true));
    it('closes HTTP/1.1 on Connection: close', () => assert.equal(head(`GET / HTTP/1.1\r\n${H}Connection: Close\r\n\r\n`).keepAlive, false));
    it('closes HTTP/1.0 by default', () => assert.equal(head('GET / HTTP/1.0\r\n\r\n').keepAlive, false));
    it('keeps HTTP/1.0 alive on Connection: keep-alive', () => assert.equal(head('GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n').keepAlive, true));
    it('lists Connection tokens from every line, lower-cased', () => {
      assert.deepEqual(head(`GET / HTTP/1.1\r\n${H}Connection: X-Foo, ,Bar\r\nConnection: close\r\n\r\n`).connectionTokens, ['x-foo', 'bar', 'close']);
    });
    it('refuses a non-token Connection member', () => refused(`GET / HTTP/1.1\r\n${H}Connection: a b\r\n\r\n`, 400));
    it('flags Expect: 100-continue', () => assert.equal(head(`POST / HTTP/1.1\r\n${H}Expect: 100-Continue\r\nContent-Length: 1\r\n\r\n`).expectContinue, true));
    it('ignores Expect: 100-continue from HTTP/1.0', () => assert.equal(head('POST / HTTP/1.0\r\nExpect: 100-continue\r\n\r\n').expectContinue, false));
    it('answers 417 to other expectations', () => refused(`POST / HTTP/1.1\r\n${H}Expect: 200-ok\r\n\r\n`, 417));
  });

  describe('upgrade', () => {
    const ws = (extra = '', method = 'GET', key = 'dGhlIHNhbXBsZSBub25jZQ==', version = '13') =>
      `${method} /ws HTTP/1.1\r\n${H}Upgrade: websocket\r\nConnection: keep-alive, Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: ${version}\r\n${extra}\r\n`;
    it('accepts a valid WebSocket handshake', () => assert.deepEqual(head(ws()).upgrade, { kind: 'websocket', key: 'dGhlIHNhbXBsZSBub25jZQ==' }));
    it('marks a WebSocket version other than 13 invalid', () => assert.equal(head(ws('', 'GET', undefined, '1337')).upgrade?.kind, 'invalid-websocket'));
    it('marks a key that is not 16 bytes invalid', () => assert.equal(head(ws('', 'GET', 'dGhlIHNhbXBsZQ==')).upgrade?.kind, 'invalid-websocket'));
    it('marks a POST handshake invalid', () => assert.equal(head(ws('', 'POST')).upgrade?.kind, 'invalid-websocket'));
    it('marks a handshake with a body invalid', () => assert.equal(head(ws('Content-Length: 3\r\n')).upgrade?.kind, 'invalid-websocket'));
    it('marks two keys invalid', () => assert.equal(head(ws('Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n')).upgrade?.kind, 'invalid-websocket'));
    it('treats Upgrade without Connection: upgrade as another upgrade', () => {
      assert.equal(head(`GET / HTTP/1.1\r\n${H}Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\n\r\n`).upgrade?.kind, 'other');
    });
    it('reports h2c as another upgrade', () => {
      const h = head(`GET / HTTP/1.1\r\n${H}Upgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\nConnection: Upgrade, HTTP2-Settings\r\n\r\n`);
      assert.deepEqual(h.upgrade, { kind: 'other', protocols: ['h2c'] });
    });
    it('has no upgrade without an Upgrade header', () => assert.equal(head(`GET / HTTP/1.1\r\n${H}\r\n`).upgrade, undefined));
  });

  describe('incremental input', () => {
    it('gives the same head byte by byte as in one chunk', () => {
      const text = `POST /a HTTP/1.1\r\n${H}Content-Length: 3\r\nX-Y: z\r\n\r\nabcGET`;
      const whole = head(text);
      const p = new RequestHeadParser();
      let result: RequestHeadResult = { kind: 'incomplete' };
      const bytes = raw(text);
      let i = 0;
      for (; i < bytes.length && result.kind === 'incomplete'; i++) result = p.push(bytes.subarray(i, i + 1));
      assert.equal(result.kind, 'head');
      assert.deepEqual(result.kind === 'head' && result.head, whole);
      assert.equal(i, bytes.length - 6, 'stops at the empty line');
    });
    it('finds a CRLF split across chunks', () => {
      const p = new RequestHeadParser();
      assert.equal(p.push(raw(`GET / HTTP/1.1\r\n${H}\r`)).kind, 'incomplete');
      assert.equal(p.push(raw('\n')).kind, 'head');
    });
    it('starts over after a head', () => {
      const p = new RequestHeadParser();
      assert.equal(p.push(raw(`GET /1 HTTP/1.1\r\n${H}\r\n`)).kind, 'head');
      const r = p.push(raw(`GET /2 HTTP/1.1\r\n${H}\r\n`));
      assert.equal(r.kind === 'head' && r.head.target, '/2');
    });
  });
});
