import assert from 'node:assert/strict';
import { serializeResponseHead } from '@portico/router';

describe('serializeResponseHead', () => {
  it('writes the status line, headers and Content-Length', () => {
    const out = serializeResponseHead({ status: 200, reason: 'OK', headers: [['set-cookie', 'a=1'], ['set-cookie', 'b=2']], body: { kind: 'length', length: 2 } });
    assert.equal(out.toString(), 'HTTP/1.1 200 OK\r\nset-cookie: a=1\r\nset-cookie: b=2\r\ncontent-length: 2\r\n\r\n');
  });
  it('writes chunked framing', () => {
    assert.match(serializeResponseHead({ status: 200, reason: 'OK', headers: [], body: { kind: 'chunked' } }).toString(), /transfer-encoding: chunked/);
  });
  it('writes no framing for a close-delimited body', () => {
    assert.equal(serializeResponseHead({ status: 200, reason: 'OK', headers: [], body: { kind: 'until-close' } }).toString(), 'HTTP/1.1 200 OK\r\n\r\n');
  });
  it('announces a length without a body for HEAD', () => {
    assert.match(serializeResponseHead({ status: 200, reason: 'OK', headers: [], body: { kind: 'advertised-length', length: 9 } }).toString(), /content-length: 9/);
  });
  it('refuses a reason with CRLF', () => {
    assert.throws(() => serializeResponseHead({ status: 200, reason: 'OK\r\nX: y', headers: [], body: { kind: 'none' } }), { code: 'PORTICO_ERR_ROUTER_INVALID_HEAD_FIELD' });
  });
  it('refuses a status outside 100–999', () => {
    assert.throws(() => serializeResponseHead({ status: 42, reason: 'x', headers: [], body: { kind: 'none' } }), { code: 'PORTICO_ERR_ROUTER_INVALID_HEAD_FIELD' });
  });
  it('refuses a header value with LF', () => {
    assert.throws(() => serializeResponseHead({ status: 200, reason: 'OK', headers: [['x', 'a\nb']], body: { kind: 'none' } }), { code: 'PORTICO_ERR_ROUTER_INVALID_HEAD_FIELD' });
  });
});
