import assert from 'node:assert/strict';
import { RequestHeadParser } from '@portico/router';
import { readHttp2RequestHead } from '../../src/internal/h2/readHttp2RequestHead.ts';

const base = [':method', 'GET', ':scheme', 'https', ':path', '/a?b', ':authority', 'shop.example'];
const read = (raw: string[], endStream = true) => readHttp2RequestHead(raw, endStream, new RequestHeadParser());
const refusedWith = (raw: string[], status = 400, endStream = true): void => {
  const verdict = read(raw, endStream);
  assert.equal(verdict.kind, 'refused', JSON.stringify(raw));
  if (verdict.kind === 'refused') assert.equal(verdict.status, status, verdict.reason);
};

describe('readHttp2RequestHead', () => {
  it('makes the request line from :method and :path and the Host from :authority', () => {
    const verdict = read([...base, 'user-agent', 'x']);
    assert.equal(verdict.kind, 'head');
    if (verdict.kind !== 'head') return;
    assert.equal(verdict.head.method, 'GET');
    assert.equal(verdict.head.path, '/a?b');
    assert.equal(verdict.head.host, 'shop.example');
    assert.deepEqual(verdict.head.headers, [['host', 'shop.example'], ['user-agent', 'x']]);
    assert.deepEqual(verdict.head.body, { kind: 'none' });
  });

  it('joins cookie fields with "; " into one line (RFC 9113 §8.2.3)', () => {
    const verdict = read([...base, 'cookie', 'a=1', 'x-b', 'c', 'cookie', 'd=2']);
    assert.ok(verdict.kind === 'head');
    assert.deepEqual(verdict.head.headers.filter(([n]) => n === 'cookie'), [['cookie', 'a=1; d=2']]);
  });

  it('frames a body by content-length, or chunked when the client gave none and DATA may follow', () => {
    const sized = read([...base, 'content-length', '5'], false);
    assert.ok(sized.kind === 'head');
    assert.deepEqual(sized.head.body, { kind: 'length', length: 5 });
    const unsized = read(base, false);
    assert.ok(unsized.kind === 'head');
    assert.deepEqual(unsized.head.body, { kind: 'chunked' });
  });

  it('uses host when there is no :authority, and refuses one that names another authority', () => {
    const verdict = read([':method', 'GET', ':scheme', 'http', ':path', '/', 'host', 'h.example']);
    assert.ok(verdict.kind === 'head');
    assert.equal(verdict.head.host, 'h.example');
    refusedWith([...base, 'host', 'evil.example']);
    refusedWith([':method', 'GET', ':scheme', 'http', ':path', '/']);
  });

  it('refuses CR, LF or NUL anywhere in a value and SP or HTAB at its ends, which nghttp2 would otherwise only drop', () => {
    for (const value of ['a\r\nx: y', 'a\nb', 'a\rb', 'a\0b', ' a', 'a\t']) refusedWith([...base, 'x-foo', value]);
    refusedWith([':method', 'GET', ':scheme', 'http', ':path', '/', ':authority', 'a\r\nx: y']);
  });

  it('refuses names that are not lower-case tokens', () => {
    for (const name of ['X-Foo', 'x foo', 'x\r\nfoo', 'x:foo', '']) refusedWith([...base, name, 'v']);
  });

  it('refuses connection-specific fields, and te other than trailers', () => {
    for (const name of ['connection', 'proxy-connection', 'keep-alive', 'transfer-encoding', 'upgrade']) refusedWith([...base, name, 'chunked']);
    refusedWith([...base, 'te', 'gzip']);
    const trailers = read([...base, 'te', 'trailers']);
    assert.ok(trailers.kind === 'head');
    assert.ok(!trailers.head.headers.some(([n]) => n === 'te'), 'te: trailers is hop-by-hop and not forwarded');
  });

  it('refuses request-line injection through :method and :path', () => {
    refusedWith([':method', 'GET / HTTP/1.1\r\nHost: a\r\n\r\nGET', ':scheme', 'http', ':path', '/', ':authority', 'a']);
    refusedWith([':method', 'GET /x', ':scheme', 'http', ':path', '/', ':authority', 'a']);
    for (const path of ['/ HTTP/1.1\r\nHost: a\r\n\r\nGET /x', '/a b', '', 'http://evil/x', 'x', '/\u00e9']) refusedWith([':method', 'GET', ':scheme', 'http', ':path', path, ':authority', 'a']);
  });

  it('refuses pseudo-headers that are repeated, unknown, late or missing', () => {
    refusedWith([...base, ':path', '/b']);
    refusedWith([...base, ':protocol', 'websocket']);
    refusedWith([':method', 'GET', 'x-a', 'b', ':scheme', 'http', ':path', '/', ':authority', 'a']);
    refusedWith([':method', 'GET', ':scheme', 'http', ':authority', 'a']);
    refusedWith([':method', 'GET', ':scheme', 'ftp', ':path', '/', ':authority', 'a']);
  });

  it('refuses CONNECT with 405, and content-length on HEADERS that end the stream', () => {
    refusedWith([':method', 'CONNECT', ':authority', 'a:443'], 405);
    refusedWith([...base, 'content-length', '5'], 400, true);
  });

  it('holds the header list to the HTTP/1.1 framer\'s rules: two content-length fields, too many fields', () => {
    refusedWith([...base, 'content-length', '1', 'content-length', '1'], 400, false);
    const many: string[] = [];
    for (let i = 0; i < 101; i++) many.push(`x-${i}`, 'v');
    refusedWith([...base, ...many], 431);
  });
});
