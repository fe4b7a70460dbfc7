// The Top-10 desync payloads of reference/security.md §3 and the CVEs of §1a, each a named case.
// Pass condition: refused, or exactly one request with one unambiguous framing and nothing after it.
import assert from 'node:assert/strict';
import { raw, readMessages, type ReadResult } from './readMessages.ts';

const H = 'Host: a\r\n';

function assertRefused(payload: string, status?: number): ReadResult {
  for (const chunkSize of [Infinity, 1, 7]) {
    const r = readMessages(raw(payload), Math.min(chunkSize, payload.length));
    assert.ok(r.error, `not refused (chunk size ${chunkSize}): ${r.messages.length} message(s)`);
    if (status !== undefined && r.error.status !== undefined) assert.equal(r.error.status, status, r.error.reason);
    assert.ok(r.messages.length === 0 || r.messages.every((m) => m.head.target === '/'), 'no smuggled request parsed');
  }
  return readMessages(raw(payload));
}

function assertSingle(payload: string, body: string): void {
  for (const chunkSize of [Infinity, 1, 5]) {
    const r = readMessages(raw(payload), Math.min(chunkSize, payload.length));
    assert.equal(r.error, undefined, r.error?.reason);
    assert.equal(r.messages.length, 1);
    assert.equal(r.messages[0]?.body.toString('latin1'), body);
    assert.equal(r.incomplete, false);
  }
}

describe('desync payloads (security.md §3)', () => {
  it('1 CL.TE: refuses Content-Length with Transfer-Encoding', () => {
    assertRefused(`POST / HTTP/1.1\r\n${H}Content-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nG`, 400);
  });
  it('2 TE.CL: refuses Transfer-Encoding with Content-Length', () => {
    assertRefused(`POST / HTTP/1.1\r\n${H}Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n5c\r\nGPOST /admin HTTP/1.1\r\nContent-Length: 15\r\n\r\nx=1\r\n0\r\n\r\n`, 400);
  });
  describe('3 TE obfuscation', () => {
    it('refuses "Transfer-Encoding: ,chunked" (Garden T-18)', () => assertRefused(`POST / HTTP/1.1\r\n${H}Transfer-Encoding: ,chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n`, 400));
    it('refuses ",chunked" without Content-Length', () => assertRefused(`POST / HTTP/1.1\r\n${H}Transfer-Encoding: ,chunked\r\n\r\n0\r\n\r\n`, 400));
    it('refuses "identity, chunked"', () => assertRefused(`POST / HTTP/1.1\r\n${H}Transfer-Encoding: identity, chunked\r\n\r\n0\r\n\r\n`, 501));
    it('refuses a vertical tab before chunked', () => assertRefused(`POST / HTTP/1.1\r\n${H}Transfer-Encoding:\x0bchunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n`, 400));
    it('refuses a space before the colon', () => assertRefused(`POST / HTTP/1.1\r\n${H}Transfer-Encoding : chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n`, 400));
    it('refuses Transfer_Encoding', () => assertRefused(`POST / HTTP/1.1\r\n${H}Transfer_Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n`, 400));
    it('refuses Connection: Transfer-Encoding with TE and CL', () => assertRefused(`POST / HTTP/1.1\r\n${H}Connection: Transfer-Encoding\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n`, 400));
    it('reads Connection: Transfer-Encoding with TE alone as one chunked request', () => assertSingle(`POST / HTTP/1.1\r\n${H}Connection: Transfer-Encoding\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n`, 'abc'));
  });
  describe('4 duplicate Content-Length', () => {
    it('refuses 0 then 31 (Garden T-22)', () => assertRefused(`POST / HTTP/1.1\r\n${H}Content-Length: 0\r\nContent-Length: 31\r\n\r\nGET /evil HTTP/1.1\r\nHost: a\r\n\r\n`, 400));
    it('refuses "Content-Length: 1000,1000" (http-desync-guardian: Severe)', () => assertRefused(`POST / HTTP/1.1\r\n${H}Content-Length: 5,5\r\n\r\nhello`, 400));
    it('refuses two identical Content-Length lines', () => assertRefused(`POST / HTTP/1.1\r\n${H}Content-Length: 5\r\nContent-Length: 5\r\n\r\nhello`, 400));
    it('refuses an empty CL first (HAProxy CVE-2023-40225)', () => assertRefused(`POST / HTTP/1.1\r\n${H}Content-Length:\r\nContent-Length: 31\r\n\r\nGET /evil HTTP/1.1\r\nHost: a\r\n\r\n`, 400));
  });
  it('5 obs-fold: refuses a folded Transfer-Encoding', () => assertRefused(`POST / HTTP/1.1\r\n${H}Transfer-Encoding:\r\n chunked\r\n\r\n0\r\n\r\n`, 400));
  describe('6 bare LF / bare CR', () => {
    it('refuses bare-LF line endings', () => assertRefused('GET / HTTP/1.1\nHost: a\n\n', 400));
    it('refuses a bare CR in a value', () => assertRefused(`GET / HTTP/1.1\r\n${H}X: a\rb\r\n\r\n`, 400));
    it('refuses a bare LF after chunk data', () => assertRefused(`POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\na\r\n0123456789\n0\r\n\r\n`));
  });
  it('7 refuses "\\r\\n\\rX" ending the header block (CVE-2025-23167)', () => assertRefused(`GET / HTTP/1.1\r\n${H}\rZGET /evil: HTTP/1.1\r\nHost: a\r\n\r\n`, 400));
  it('8 refuses 2001 headers hiding Content-Length (CVE-2026-58044)', () => {
    assertRefused(`POST / HTTP/1.1\r\n${H}${Array.from({ length: 2001 }, (_, n) => `X-${n}: a\r\n`).join('')}Content-Length: 34\r\n\r\nGET /admin HTTP/1.1\r\nHost: a\r\n\r\n`, 431);
  });
  describe('9 chunk-size tricks', () => {
    const te = `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n`;
    it('refuses 0x5', () => assertRefused(`${te}0x5\r\nhello\r\n0\r\n\r\n`));
    it('refuses -0', () => assertRefused(`${te}-0\r\n\r\n`));
    it('refuses +5', () => assertRefused(`${te}+5\r\nhello\r\n0\r\n\r\n`));
    it('refuses "5;\\r" (Garden T-3)', () => assertRefused(`${te}2\r\r;a\r\nab\r\n0\r\n\r\n`));
    it('refuses "1junk"', () => assertRefused(`${te}1junk\r\nZ\r\n0\r\n\r\n`));
    it('frames a chunked DELETE by its chunks, not as empty (http-proxy deleteLength)', () => {
      assertSingle(`DELETE / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n1f\r\nGET /evil HTTP/1.1\r\nHost: a\r\n\r\n\r\n0\r\n\r\n`, 'GET /evil HTTP/1.1\r\nHost: a\r\n\r\n');
    });
    it('frames a chunked OPTIONS by its chunks', () => assertSingle(`OPTIONS / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n`, 'abc'));
  });
  describe('10 upgrade desync', () => {
    it('marks a WebSocket version 1337 handshake invalid, so no tunnel opens', () => {
      const r = readMessages(raw(`GET /ws HTTP/1.1\r\n${H}Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 1337\r\n\r\nGET /internal HTTP/1.1\r\nHost: localhost\r\n\r\n`));
      assert.equal(r.messages[0]?.head.upgrade?.kind, 'invalid-websocket');
    });
    it('reports h2c as an upgrade to strip', () => {
      const r = readMessages(raw(`GET / HTTP/1.1\r\n${H}Upgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\nConnection: Upgrade, HTTP2-Settings\r\n\r\n`));
      assert.equal(r.messages[0]?.head.upgrade?.kind, 'other');
    });
  });
  describe('whitespace is SP and HTAB only (a latin1 0xA0 is U+00A0, which trim() and \\s strip)', () => {
    it('refuses "Transfer-Encoding: \\xa0chunked"', () => assertRefused(`POST / HTTP/1.1\r\n${H}Transfer-Encoding: \xa0chunked\r\n\r\n0\r\n\r\n`, 400));
    it('refuses "Transfer-Encoding: chunked\\xa0"', () => assertRefused(`POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\xa0\r\n\r\n0\r\n\r\n`, 400));
    it('refuses "Content-Length: 1000\\xa0"', () => assertRefused(`POST / HTTP/1.1\r\n${H}Content-Length: 1000\xa0\r\n\r\n`, 400));
    it('refuses "Content-Length: \\xa05" and a 0xA0 beside a list comma', () => {
      assertRefused(`POST / HTTP/1.1\r\n${H}Content-Length: \xa05\r\n\r\nhello`, 400);
      assertRefused(`POST / HTTP/1.1\r\n${H}Content-Length: 5,\xa05\r\n\r\nhello`, 400);
    });
    it('refuses "Expect: 100-continue\\xa0"', () => assertRefused(`POST / HTTP/1.1\r\n${H}Expect: 100-continue\xa0\r\nContent-Length: 1\r\n\r\na`, 417));
    it('refuses "Connection: close\\xa0"', () => assertRefused(`GET / HTTP/1.1\r\n${H}Connection: close\xa0\r\n\r\n`, 400));
    it('still reads SP and HTAB around list members', () => assertSingle(`POST / HTTP/1.1\r\n${H}Transfer-Encoding:\t chunked \t\r\n\r\n3\r\nabc\r\n0\r\n\r\n`, 'abc'));
  });
  it('refuses HTTP/1.0 with Transfer-Encoding (RFC 9112 §6.1)', () => assertRefused('POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n', 400));
  it('refuses two Host headers (RFC 9112 §3.2)', () => assertRefused(`GET / HTTP/1.1\r\n${H}Host: b\r\n\r\n`, 400));
});

describe('CVE regressions', () => {
  it('CVE-2018-7159: refuses "Content-Length: 1 2"', () => assertRefused(`POST / HTTP/1.1\r\n${H}Content-Length: 1 2\r\n\r\nab`, 400));
  it('CVE-2019-15605: refuses a malformed Transfer-Encoding', () => assertRefused(`POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked-false\r\n\r\n0\r\n\r\n`));
  it('CVE-2020-8287: refuses two Transfer-Encoding headers', () => assertRefused(`POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\nTransfer-Encoding: eee\r\n\r\n0\r\n\r\n`, 400));
  it('CVE-2020-8201: refuses a CR inside a header name', () => assertRefused(`GET / HTTP/1.1\r\n${H}Transfer-Encoding\r: chunked\r\n\r\n`, 400));
  it('CVE-2021-22959: refuses a space before the colon', () => assertRefused(`POST / HTTP/1.1\r\n${H}Content-Length : 1\r\n\r\na`, 400));
  it('CVE-2021-22960: refuses whitespace in chunk extensions', () => assertRefused(`POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n1 ;a\r\nx\r\n0\r\n\r\n`));
  it('CVE-2022-32213: refuses a folded Transfer-Encoding value', () => assertRefused(`POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n , chunked\r\n\r\n0\r\n\r\n`, 400));
  it('CVE-2022-32214: refuses a bare LF in the head', () => assertRefused(`POST / HTTP/1.1\r\n${H}Content-Length: 1\n\r\na`, 400));
  it('CVE-2022-32215: refuses a multi-line Transfer-Encoding', () => assertRefused(`POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\tgzip\r\n\r\n0\r\n\r\n`, 400));
  it('CVE-2022-35256: refuses a header block not ended by CRLF', () => assertRefused(`GET / HTTP/1.1\r\n${H}X: a\r\n\rGET /evil HTTP/1.1\r\n${H}\r\n`, 400));
  it('CVE-2023-30589: refuses a bare CR ending a header', () => assertRefused(`GET / HTTP/1.1\r\n${H}X: a\rContent-Length: 5\r\n\r\n`, 400));
  it('CVE-2024-27982: refuses a space before Content-Length', () => assertRefused(`POST / HTTP/1.1\r\n${H} Content-Length: 5\r\n\r\nhello`, 400));
  it('CVE-2024-22019: bounds chunk extensions', () => assertRefused(`POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n1;a=${'b'.repeat(5000)}\r\nx\r\n0\r\n\r\n`));
  it('CVE-2025-23167: refuses "\\r\\n\\rX" after the headers', () => assertRefused(`GET / HTTP/1.1\r\n${H}\r\rGET /evil HTTP/1.1\r\n${H}\r\n`, 400));
  it('CVE-2026-58044: refuses more headers than the limit instead of hiding Content-Length', () => assertRefused(`POST / HTTP/1.1\r\n${H}${'X: a\r\n'.repeat(2001)}Content-Length: 5\r\n\r\nhello`, 431));
  it('CVE-2023-25725: refuses an empty header name', () => assertRefused(`GET / HTTP/1.1\r\n${H}: x\r\nContent-Length: 5\r\n\r\nhello`, 400));
  it('CVE-2019-9900: refuses NUL in a header value', () => assertRefused(`GET / HTTP/1.1\r\n${H}X: a\x00b\r\n\r\n`, 400));
  it('CVE-2011-3368: refuses userinfo in an absolute-form target', () => assertRefused(`GET http://a@127.0.0.1/ HTTP/1.1\r\n${H}\r\n`, 400));
  it('CVE-2022-35949 / CVE-2024-21536: refuses a "//" target', () => assertRefused(`GET //127.0.0.1/x HTTP/1.1\r\n${H}\r\n`, 400));
  it('CVE-2018-12121: refuses a head over 16 KiB', () => assertRefused(`GET / HTTP/1.1\r\n${H}X: ${'a'.repeat(80 * 1024)}\r\n\r\n`, 431));
});
