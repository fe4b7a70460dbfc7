import assert from 'node:assert/strict';
import { RequestHeadParser, serializeRequestHead } from '@portico/router';

describe('serializeRequestHead', () => {
  it('writes the request line, headers and Content-Length', () => {
    const out = serializeRequestHead({ method: 'POST', target: '/a?b', headers: [['Host', 'x'], ['x-a', 'é']], body: { kind: 'length', length: 5 } });
    assert.equal(out.toString('latin1'), 'POST /a?b HTTP/1.1\r\nHost: x\r\nx-a: é\r\ncontent-length: 5\r\n\r\n');
  });
  it('writes Transfer-Encoding: chunked for a chunked body', () => {
    const out = serializeRequestHead({ method: 'PUT', target: '/', headers: [['host', 'x']], body: { kind: 'chunked' } });
    assert.match(out.toString(), /transfer-encoding: chunked\r\n\r\n$/);
  });
  it('writes no framing header without a body', () => {
    const out = serializeRequestHead({ method: 'GET', target: '/', headers: [['host', 'x']], body: { kind: 'none' } });
    assert.equal(out.toString(), 'GET / HTTP/1.1\r\nhost: x\r\n\r\n');
  });
  it('writes what its own parser reads back', () => {
    const out = serializeRequestHead({ method: 'DELETE', target: '/r', headers: [['host', 'x'], ['a', 'b c']], body: { kind: 'chunked' } });
    const r = new RequestHeadParser().push(out);
    assert.equal(r.kind, 'head');
    assert.deepEqual(r.kind === 'head' && r.head.body, { kind: 'chunked' });
  });
  for (const value of ['a\r\nInjected: 1', 'a\nb', 'a\rb', 'a\x00b', 'a\x7f', ' lead']) {
    it(`refuses the value ${JSON.stringify(value)}`, () => {
      assert.throws(() => serializeRequestHead({ method: 'GET', target: '/', headers: [['x', value]], body: { kind: 'none' } }), { code: 'PORTICO_ERR_ROUTER_INVALID_HEAD_FIELD' });
    });
  }
  it('refuses a name that is not a token', () => {
    assert.throws(() => serializeRequestHead({ method: 'GET', target: '/', headers: [['x y', 'a']], body: { kind: 'none' } }), { code: 'PORTICO_ERR_ROUTER_INVALID_HEAD_FIELD' });
  });
  it('refuses a caller-supplied Content-Length', () => {
    assert.throws(() => serializeRequestHead({ method: 'GET', target: '/', headers: [['Content-Length', '0']], body: { kind: 'none' } }), /computed/);
  });
  it('refuses a caller-supplied Transfer-Encoding', () => {
    assert.throws(() => serializeRequestHead({ method: 'GET', target: '/', headers: [['transfer-encoding', 'chunked']], body: { kind: 'none' } }), /computed/);
  });
  it('refuses a target with a space (CVE-2018-12116 path splitting)', () => {
    assert.throws(() => serializeRequestHead({ method: 'GET', target: '/a HTTP/1.1\r\nX: y', headers: [], body: { kind: 'none' } }), /URI/);
  });
  it('refuses a network-path target', () => {
    assert.throws(() => serializeRequestHead({ method: 'GET', target: '//evil/x', headers: [], body: { kind: 'none' } }), /single/);
  });
  it('refuses a method with a space', () => {
    assert.throws(() => serializeRequestHead({ method: 'GET /x', target: '/', headers: [], body: { kind: 'none' } }), /token/);
  });
});
