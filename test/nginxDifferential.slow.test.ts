// Portico against nginx, the front door it is measured by, on the same bytes: each request below
// (smuggling payloads, hostile hosts, targets, methods and framing, then mutations of valid
// requests) goes to both, each in front of its own copy of the echo backend, which answers every
// request it gets with what it got. The rules:
//
// - Portico never passes on a request that nginx refuses, except where docs/proxy.md says why
//   (`laxer`, below): a front door is judged by what it lets through.
// - Where both pass requests on, the backend gets the same ones from each: as many, in the same
//   order, with the same method, target, body and Host. A proxy that passes on a second request
//   the other does not, or another body, frames differently: that is request smuggling.
// - Where Portico refuses what nginx passes on, the case is listed (`stricter`, with the reason),
//   so that a new difference in either direction is seen and decided, not found later.
//
// Every exchange ends with the proxy closing the connection (keep-alive, head and body timeouts of
// one second on both), never with a guess that it is done. Needs nginx (Debian's nginx-light).
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import http2 from 'node:http2';
import net from 'node:net';
import fc from 'fast-check';
import { freePort, mutatedRequests, startNginx, type Nginx } from '@portico/test-support';
import { app, echoBackend, startPortico, stopAllPorticos } from './helpers/portico.ts';

/** One answer on a client's connection: its status, and what the backend got when it was the backend that answered. */
interface Answer {
  readonly status: number;
  readonly received?: { readonly method: string; readonly url: string; readonly body: string; readonly host: string | undefined };
}

/** Splits what a proxy sent back into answers (bodies by Content-Length, chunked, or to the close). */
function answers(bytes: Buffer): Answer[] {
  const text = bytes.toString('latin1');
  const out: Answer[] = [];
  let at = 0;
  while (at < text.length) {
    const end = text.indexOf('\r\n\r\n', at);
    if (end < 0) break;
    const head = text.slice(at, end);
    const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1] ?? 0);
    let body = '';
    let next = end + 4;
    const length = /\r\ncontent-length: *(\d+)/i.exec(head);
    if (length) {
      body = text.slice(next, next + Number(length[1]));
      next += Number(length[1]);
    } else if (/\r\ntransfer-encoding: *chunked/i.test(head)) {
      for (;;) {
        const line = text.indexOf('\r\n', next);
        const size = line < 0 ? NaN : Number.parseInt(text.slice(next, line), 16);
        if (!(size > 0)) {
          const trailerEnd = line < 0 ? -1 : text.indexOf('\r\n\r\n', line - 2);
          next = trailerEnd < 0 ? text.length : trailerEnd + 4;
          break;
        }
        body += text.slice(line + 2, line + 2 + size);
        next = line + 2 + size + 2;
      }
    } else if (status >= 200 && status !== 204 && status !== 304) {
      body = text.slice(next);
      next = text.length;
    }
    at = next;
    let received: Answer['received'];
    if (/\r\ncontent-type: application\/json/i.test(head)) {
      const echo = JSON.parse(body) as { method: string; url: string; body: string; headers: Record<string, string> };
      received = { method: echo.method, url: echo.url, body: echo.body, host: echo.headers.host };
    }
    out.push(received ? { status, received } : { status });
  }
  return out;
}

/** Sends `bytes` on a connection of its own; resolves with all that came back once the proxy closed it. */
function exchange(port: number, bytes: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    // Both proxies close an idle or stalled connection after a second; far later is a hang.
    const hung = setTimeout(() => {
      socket.destroy();
      reject(new Error(`port ${port} did not close the connection within 30 s after ${JSON.stringify(bytes.toString('latin1').slice(0, 200))}`));
    }, 30_000);
    socket.on('connect', () => socket.write(bytes));
    socket.on('data', (d: Buffer) => chunks.push(d));
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(hung);
      resolve(Buffer.concat(chunks));
    });
  });
}

const H = 'Host: a\r\n';
const corpus: readonly (readonly [string, string])[] = [
  ['plain GET', `GET / HTTP/1.1\r\n${H}\r\n`],
  ['CL.TE', `POST / HTTP/1.1\r\n${H}Content-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nG`],
  ['TE.CL', `POST / HTTP/1.1\r\n${H}Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n5c\r\nGPOST /admin HTTP/1.1\r\nContent-Length: 15\r\n\r\nx=1\r\n0\r\n\r\n`],
  ['TE ,chunked', `POST / HTTP/1.1\r\n${H}Transfer-Encoding: ,chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n`],
  ['TE identity, chunked', `POST / HTTP/1.1\r\n${H}Transfer-Encoding: identity, chunked\r\n\r\n0\r\n\r\n`],
  ['TE chunked, identity', `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n`],
  ['TE gzip, chunked', `POST / HTTP/1.1\r\n${H}Transfer-Encoding: gzip, chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n`],
  ['TE CHUNKED', `POST / HTTP/1.1\r\n${H}Transfer-Encoding: CHUNKED\r\n\r\n3\r\nabc\r\n0\r\n\r\n`],
  ['TE vertical tab', `POST / HTTP/1.1\r\n${H}Transfer-Encoding:\x0bchunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n`],
  ['TE space before colon', `POST / HTTP/1.1\r\n${H}Transfer-Encoding : chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n`],
  ['Transfer_Encoding', `POST / HTTP/1.1\r\n${H}Transfer_Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n`],
  ['TE nbsp', `POST / HTTP/1.1\r\n${H}Transfer-Encoding: \xa0chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n`],
  ['two TE lines', `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n`],
  ['dup CL', `POST / HTTP/1.1\r\n${H}Content-Length: 0\r\nContent-Length: 31\r\n\r\nGET /evil HTTP/1.1\r\nHost: a\r\n\r\n`],
  ['empty CL first', `POST / HTTP/1.1\r\n${H}Content-Length:\r\nContent-Length: 31\r\n\r\nGET /evil HTTP/1.1\r\nHost: a\r\n\r\n`],
  ['CL 5,5', `POST / HTTP/1.1\r\n${H}Content-Length: 5,5\r\n\r\nhello`],
  ['CL +5', `POST / HTTP/1.1\r\n${H}Content-Length: +5\r\n\r\nhello`],
  ['CL 05', `POST / HTTP/1.1\r\n${H}Content-Length: 05\r\n\r\nhello`],
  ['CL trailing space', `POST / HTTP/1.1\r\n${H}Content-Length: 5 \r\n\r\nhello`],
  ['CL 1 2', `POST / HTTP/1.1\r\n${H}Content-Length: 1 2\r\n\r\nhello`],
  ['CL huge', `POST / HTTP/1.1\r\n${H}Content-Length: 99999999999999999999\r\n\r\n`],
  ['CL past 2^53', `POST / HTTP/1.1\r\n${H}Content-Length: 9007199254740993\r\n\r\nabc`],
  ['obs-fold TE', `POST / HTTP/1.1\r\n${H}Transfer-Encoding:\r\n chunked\r\n\r\n0\r\n\r\n`],
  ['obs-fold other', `GET / HTTP/1.1\r\n${H}X-A: a\r\n b\r\n\r\n`],
  ['bare LF', `GET / HTTP/1.1\nHost: a\n\n`],
  ['bare CR in value', `GET / HTTP/1.1\r\n${H}X: a\rb\r\n\r\n`],
  ['CR LF CR X', `GET / HTTP/1.1\r\n${H}\rZGET /evil: HTTP/1.1\r\nHost: a\r\n\r\n`],
  ['chunk 0x5', `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n0x5\r\nhello\r\n0\r\n\r\n`],
  ['chunk +5', `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n+5\r\nhello\r\n0\r\n\r\n`],
  ['chunk -0', `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n-0\r\n\r\n`],
  ['chunk ext bare CR', `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n2;\r\r;a\r\nab\r\n0\r\n\r\n`],
  ['chunk junk', `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n1junk\r\nZ\r\n0\r\n\r\n`],
  ['chunk data then LF', `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\na\r\n0123456789\n0\r\n\r\n`],
  ['chunk extension', `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n3;a=b\r\nabc\r\n0\r\n\r\n`],
  ['chunk trailer', `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nX-T: 1\r\n\r\n`],
  ['chunk size then space', `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n3 \r\nabc\r\n0\r\n\r\n`],
  ['chunk size overflow', `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\nffffffffffffffffff1\r\nabc\r\n0\r\n\r\n`],
  ['HTTP/1.0 with TE', `POST / HTTP/1.0\r\n${H}Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n`],
  ['two Host', `GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n`],
  ['no Host 1.1', `GET / HTTP/1.1\r\n\r\n`],
  ['empty Host', `GET / HTTP/1.1\r\nHost:\r\n\r\n`],
  ['Host port only', `GET / HTTP/1.1\r\nHost: :80\r\n\r\n`],
  ['Host with path', `GET / HTTP/1.1\r\nHost: a/b\r\n\r\n`],
  ['Host with userinfo', `GET / HTTP/1.1\r\nHost: a@b\r\n\r\n`],
  ['Host colon, no port', `GET / HTTP/1.1\r\nHost: a:\r\n\r\n`],
  ['Host port 99999', `GET / HTTP/1.1\r\nHost: a:99999\r\n\r\n`],
  ['Host IPv6', `GET / HTTP/1.1\r\nHost: [::1]:80\r\n\r\n`],
  ['Host IPv6 unclosed', `GET / HTTP/1.1\r\nHost: [::1\r\n\r\n`],
  ['Host with a space', `GET / HTTP/1.1\r\nHost: a b\r\n\r\n`],
  ['Host two ports', `GET / HTTP/1.1\r\nHost: a:80:80\r\n\r\n`],
  ['Host "."', `GET / HTTP/1.1\r\nHost: .\r\n\r\n`],
  ['Host ".."', `GET / HTTP/1.1\r\nHost: ..\r\n\r\n`],
  ['Host a..b', `GET / HTTP/1.1\r\nHost: a..b\r\n\r\n`],
  ['Host %00', `GET / HTTP/1.1\r\nHost: a%00\r\n\r\n`],
  ['Host %zz', `GET / HTTP/1.1\r\nHost: a%zz\r\n\r\n`],
  ['Host backslash', `GET / HTTP/1.1\r\nHost: a\\b\r\n\r\n`],
  ['Host high byte', `GET / HTTP/1.1\r\nHost: a\xffb\r\n\r\n`],
  ['Host in capitals', `GET / HTTP/1.1\r\nHost: A.Example\r\n\r\n`],
  ['Host final dot', `GET / HTTP/1.1\r\nHost: a.example.\r\n\r\n`],
  ['absolute-form', `GET http://b/x HTTP/1.1\r\n${H}\r\n`],
  ['absolute-form with userinfo', `GET http://u@b/x HTTP/1.1\r\n${H}\r\n`],
  ['authority-form GET', `GET a:80 HTTP/1.1\r\n${H}\r\n`],
  ['CONNECT', `CONNECT a:443 HTTP/1.1\r\n${H}\r\n`],
  ['OPTIONS *', `OPTIONS * HTTP/1.1\r\n${H}\r\n`],
  ['GET *', `GET * HTTP/1.1\r\n${H}\r\n`],
  ['target //host', `GET //evil.example/x HTTP/1.1\r\n${H}\r\n`],
  ['target backslash', `GET \\\\a/x HTTP/1.1\r\n${H}\r\n`],
  ['target without slash', `GET a HTTP/1.1\r\n${H}\r\n`],
  ['target ?a', `GET ?a HTTP/1.1\r\n${H}\r\n`],
  ['empty target', `GET  HTTP/1.1\r\n${H}\r\n`],
  ['/..', `GET /.. HTTP/1.1\r\n${H}\r\n`],
  ['/.', `GET /. HTTP/1.1\r\n${H}\r\n`],
  ['/a/./b', `GET /a/./b HTTP/1.1\r\n${H}\r\n`],
  ['/a/../b', `GET /a/../b HTTP/1.1\r\n${H}\r\n`],
  ['above the root', `GET /a/../../etc/passwd HTTP/1.1\r\n${H}\r\n`],
  ['encoded dots', `GET /a/%2e%2e/%2e%2e/x HTTP/1.1\r\n${H}\r\n`],
  ['encoded and raw dots', `GET /a/.%2e/.%2e/x HTTP/1.1\r\n${H}\r\n`],
  ['dots between %2f', `GET /a/..%2f..%2fx HTTP/1.1\r\n${H}\r\n`],
  ['%2e%2e%2f', `GET /%2e%2e%2fx HTTP/1.1\r\n${H}\r\n`],
  ['dots between %5c', `GET /a%5c..%5c..%5cx HTTP/1.1\r\n${H}\r\n`],
  ['..;/', `GET /a/..;/..;/x HTTP/1.1\r\n${H}\r\n`],
  ['overlong UTF-8 dots', `GET /%c0%ae%c0%ae/x HTTP/1.1\r\n${H}\r\n`],
  ['double-encoded dots', `GET /a%252e%252e HTTP/1.1\r\n${H}\r\n`],
  ['dots in the query', `GET /a?x=/../../b HTTP/1.1\r\n${H}\r\n`],
  ['encoded slash', `GET /a%2fb HTTP/1.1\r\n${H}\r\n`],
  ['raw NUL in target', `GET /a\x00b HTTP/1.1\r\n${H}\r\n`],
  ['%00 in the path', `GET /a%00b HTTP/1.1\r\n${H}\r\n`],
  ['%00 in the query', `GET /a?b=%00 HTTP/1.1\r\n${H}\r\n`],
  ['bad percent escape', `GET /a%zz HTTP/1.1\r\n${H}\r\n`],
  ['fragment', `GET /a#b HTTP/1.1\r\n${H}\r\n`],
  ['byte 0xff in target', `GET /\xff HTTP/1.1\r\n${H}\r\n`],
  ['tab in target', `GET /a\tb HTTP/1.1\r\n${H}\r\n`],
  ['two spaces', `GET  / HTTP/1.1\r\n${H}\r\n`],
  ['lower-case method', `get / HTTP/1.1\r\n${H}\r\n`],
  ['method with @', `G@T / HTTP/1.1\r\n${H}\r\n`],
  ['unknown long method', `ABCDEFGHIJKLMNOPQRSTUVWXYZ / HTTP/1.1\r\n${H}\r\n`],
  ['TRACE', `TRACE / HTTP/1.1\r\n${H}\r\n`],
  ['TRACE with a body', `TRACE / HTTP/1.1\r\n${H}Content-Length: 3\r\n\r\nabc`],
  ['TRACK', `TRACK / HTTP/1.1\r\n${H}\r\n`],
  ['DEBUG', `DEBUG / HTTP/1.1\r\n${H}\r\n`],
  ['PROPFIND', `PROPFIND / HTTP/1.1\r\n${H}Depth: 1\r\n\r\n`],
  ['HTTP/1.2', `GET / HTTP/1.2\r\n${H}\r\n`],
  ['HTTP/2.0 request line', `GET / HTTP/2.0\r\n${H}\r\n`],
  ['HTTP/0.9', `GET /\r\n\r\n`],
  ['lower-case http', `GET / http/1.1\r\n${H}\r\n`],
  ['HTTP/2 preface', `PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n`],
  ['space before colon', `GET / HTTP/1.1\r\n${H}X-A : b\r\n\r\n`],
  ['space in a name', `GET / HTTP/1.1\r\n${H}X A: b\r\n\r\n`],
  ['underscore in a name', `GET / HTTP/1.1\r\n${H}X_A: b\r\n\r\n`],
  ['empty name', `GET / HTTP/1.1\r\n${H}: b\r\n\r\n`],
  ['line without colon', `GET / HTTP/1.1\r\n${H}Xab\r\n\r\n`],
  ['NUL in a value', `GET / HTTP/1.1\r\n${H}X: a\x00b\r\n\r\n`],
  ['DEL in a value', `GET / HTTP/1.1\r\n${H}X: a\x7fb\r\n\r\n`],
  ['control byte in a value', `GET / HTTP/1.1\r\n${H}X: a\x01b\r\n\r\n`],
  ['byte 0xff in a value', `GET / HTTP/1.1\r\n${H}X: a\xffb\r\n\r\n`],
  ['leading space on the first field', `GET / HTTP/1.1\r\n ${H}\r\n`],
  ['CRLF before the request', `\r\nGET / HTTP/1.1\r\n${H}\r\n`],
  ['Expect: 100-continue', `POST / HTTP/1.1\r\n${H}Expect: 100-continue\r\nContent-Length: 3\r\n\r\nabc`],
  ['other Expect', `POST / HTTP/1.1\r\n${H}Expect: 101-other\r\nContent-Length: 3\r\n\r\nabc`],
  ['GET with a body', `GET / HTTP/1.1\r\n${H}Content-Length: 3\r\n\r\nabc`],
  ['pipelined', `GET /1 HTTP/1.1\r\n${H}\r\nGET /2 HTTP/1.1\r\n${H}\r\n`],
  ['pipelined after a body', `POST /1 HTTP/1.1\r\n${H}Content-Length: 3\r\n\r\nabcGET /2 HTTP/1.1\r\n${H}\r\n`],
  ['Connection: close, then more', `GET /1 HTTP/1.1\r\n${H}Connection: close\r\n\r\nGET /2 HTTP/1.1\r\n${H}\r\n`],
  ['HTTP/1.0, then more', `GET /1 HTTP/1.0\r\n${H}\r\nGET /2 HTTP/1.1\r\n${H}\r\n`],
  ['Connection: Transfer-Encoding', `POST / HTTP/1.1\r\n${H}Connection: Transfer-Encoding\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n`],
  ['Connection: Content-Length', `POST / HTTP/1.1\r\n${H}Connection: Content-Length\r\nContent-Length: 3\r\n\r\nabc`],
  ['Connection: Host', `GET / HTTP/1.1\r\n${H}Connection: Host\r\n\r\n`],
  ['Upgrade: h2c', `GET / HTTP/1.1\r\n${H}Upgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\nConnection: Upgrade, HTTP2-Settings\r\n\r\n`],
  ['WebSocket version 1337', `GET /ws HTTP/1.1\r\n${H}Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 1337\r\n\r\nGET /internal HTTP/1.1\r\nHost: localhost\r\n\r\n`],
  ['a 9000-byte field', `GET / HTTP/1.1\r\n${H}X: ${'a'.repeat(9000)}\r\n\r\n`],
  ['a 9000-byte target', `GET /${'a'.repeat(9000)} HTTP/1.1\r\n${H}\r\n`],
  ['150 fields', `GET / HTTP/1.1\r\n${H}${Array.from({ length: 150 }, (_, i) => `X-${i}: v\r\n`).join('')}\r\n`],
  ['2001 fields then CL', `POST / HTTP/1.1\r\n${H}${'X-n: a\r\n'.repeat(2001)}Content-Length: 34\r\n\r\nGET /admin HTTP/1.1\r\nHost: a\r\n\r\n`],
  ['DELETE, chunked', `DELETE / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n`],
  ['OPTIONS, chunked', `OPTIONS / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n`],
];

/**
 * Requests Portico passes on though nginx refuses them, each allowed by docs/proxy.md. Portico's
 * head limit is on the whole head (`maxHeaderBytes`), nginx's on each line (8 KiB); and `OPTIONS *`
 * asks about the server as a whole, which the app at `/` answers (nginx has no such request).
 */
const laxer = new Map([
  ['a 9000-byte field', 'Portico limits the whole head (maxHeaderBytes, 16 KiB), nginx each line (large_client_header_buffers, 8 KiB)'],
  ['OPTIONS *', 'RFC 9112 §3.2.4: the app at "/" answers for the server'],
]);

/** Requests nginx passes on and Portico refuses, each refused by docs/proxy.md's "What the framer refuses". */
const stricter = new Map([
  ['bare LF', 'a line ending that is not CRLF (CVE-2022-32214)'],
  ['chunk data then LF', 'a line ending that is not CRLF in chunked framing'],
  ['chunk size then space', 'whitespace after a chunk size'],
  ['Host with userinfo', 'a Host that is not host[:port]'],
  ['Host IPv6 unclosed', 'a Host that is not host[:port]'],
  ['Host two ports', 'a Host that is not host[:port]'],
  ['Host backslash', 'a Host that is not host[:port]'],
  ['Host high byte', 'a Host that is not host[:port]'],
  ['Host %00', 'a Host with an encoded NUL'],
  ['Host %zz', 'a Host with a broken percent escape'],
  ['target //host', 'a target starting "//" (undici CVE-2022-35949)'],
  ['fragment', 'a "#" in the target'],
  ['two spaces', 'a malformed request line'],
  ['/.', 'a dot-segment: which app would get it'],
  ['/a/./b', 'a dot-segment: which app would get it'],
  ['/a/../b', 'a dot-segment: which app would get it'],
  ['..;/', 'a dot-segment once its path parameters are dropped, as Tomcat, Jetty and Spring drop them'],
  ['HTTP/1.2', 'a version other than HTTP/1.0 and HTTP/1.1 (505)'],
  ['line without colon', 'a field line that is not name: value (nginx drops the line)'],
  ['other Expect', 'Expect with anything but 100-continue (417, RFC 9110 §10.1.1)'],
  ['150 fields', 'more than maxHeaderCount (100) field lines (431)'],
  ['Transfer_Encoding', 'a look-alike of a framing header (nginx drops the line)'],
  ['dots between %5c', 'a dot-segment between encoded backslashes, which Windows backends resolve'],
  ['WebSocket version 1337', 'a broken WebSocket handshake (0ang3el/websocket-smuggle)'],
]);

/** What the backend got, one line per request it answered, for messages. */
const shown = (list: readonly Answer[]): string =>
  list.map((a) => (a.received ? `${a.received.method} ${a.received.url} host=${String(a.received.host)} body=${JSON.stringify(a.received.body)}` : `(${a.status})`)).join(' | ') || 'nothing';

const passedOn = (list: readonly Answer[]): NonNullable<Answer['received']>[] => list.flatMap((a) => (a.received ? [a.received] : []));

/** The absolute-form's authority is its Host at Portico (RFC 9112 §3.2.2); nginx passes on the Host line as it came. */
const comparable = (r: NonNullable<Answer['received']>, absolute: boolean) => (absolute ? { ...r, host: undefined } : r);

describe('Portico against nginx on the same hostile bytes', function () {
  this.timeout(300_000);
  let nginx: Nginx | undefined;
  let backend: ChildProcess | undefined;
  let porticoPort = 0;
  /** The same Portico embedded in a node:http server of the test's (portico.handler and .upgrade). */
  let embeddedPort = 0;
  let host: http.Server | undefined;
  /** nginx's plain HTTP/2 port (h2c with prior knowledge, as Portico's listener takes it too). */
  let nginxH2cPort = 0;

  before(async function () {
    const port = await freePort();
    backend = spawn(process.execPath, [echoBackend], { env: { ...process.env, PORT: String(port) }, stdio: 'ignore' });
    nginxH2cPort = await freePort();
    const server = (listen: string) => `  server {
    listen ${listen};
    client_header_timeout 1s; client_body_timeout 1s; keepalive_timeout 1s; lingering_timeout 1s;
    location / { proxy_pass http://backend; proxy_http_version 1.1; proxy_set_header Connection ""; proxy_set_header Host $http_host; }
  }`;
    nginx = await startNginx((listen) => `  upstream backend { server 127.0.0.1:${port}; keepalive 8; }
${server(`127.0.0.1:${listen}`)}
${server(`127.0.0.1:${nginxH2cPort} http2`)}`);
    if (nginx === undefined) {
      console.log('      skipped: nginx is not installed or did not start (.ci/run installs Debian\'s nginx-light)');
      backend.kill();
      this.skip();
    }
    const started = await startPortico({
      listen: [{ port: 0, host: '127.0.0.1', h2c: true }],
      limits: { headersTimeout: 1, bodyIdleTimeout: 1, keepAliveTimeout: 1 },
      apps: [app('echo', { start: 'eager' })],
    });
    porticoPort = started.port;
    // The host's own server keeps its client-side timeouts (docs/embedding.md): a second each, as above.
    host = http.createServer({ headersTimeout: 1000, requestTimeout: 2000, keepAliveTimeout: 1000 }, started.portico.handler);
    host.on('upgrade', started.portico.upgrade);
    host.listen(0, '127.0.0.1');
    await new Promise((resolve) => host!.once('listening', resolve));
    embeddedPort = (host.address() as net.AddressInfo).port;
    // The backend nginx forwards to is up once nginx gets its answer through.
    for (let i = 0; passedOn(answers(await exchange(nginx.port, Buffer.from(`GET / HTTP/1.1\r\n${H}Connection: close\r\n\r\n`)))).length === 0; i++) {
      assert.ok(i < 100, 'the echo backend behind nginx never answered');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  });

  after(async () => {
    host?.closeAllConnections();
    host?.close();
    await nginx?.stop();
    await stopAllPorticos();
    backend?.kill();
  });

  /** Both proxies' answers to `bytes`, sent to each on a connection of its own at the same time; `portico` is its own listener, or the embedded one. */
  async function both(bytes: Buffer, embedded = false): Promise<{ nginx: Answer[]; portico: Answer[] }> {
    const [n, p] = await Promise.all([exchange(nginx!.port, bytes), exchange(embedded ? embeddedPort : porticoPort, bytes)]);
    return { nginx: answers(n), portico: answers(p) };
  }

  /**
   * The rules above for one input; answers a difference in words, or undefined. What the backend
   * got from Portico must be what it got from nginx, or the start of it: Portico may stop at a
   * request it refuses where nginx went on (`stricter`), never pass on another or one more.
   */
  function compare(name: string, text: string, got: { nginx: Answer[]; portico: Answer[] }): string | undefined {
    const absolute = /^\S+ https?:\/\//i.test(text);
    const n = passedOn(got.nginx).map((r) => comparable(r, absolute));
    const p = passedOn(got.portico).map((r) => comparable(r, absolute));
    const both = `Portico ${shown(got.portico)}; nginx ${shown(got.nginx)}`;
    try {
      assert.deepEqual(p.slice(0, n.length), n.slice(0, p.length));
    } catch {
      return `the backend got other requests: ${both}`;
    }
    if (p.length > n.length && !laxer.has(name)) return `Portico passed on what nginx refused: ${both}`;
    if (p.length < n.length && !stricter.has(name)) return `Portico refused what nginx passed on (not listed as stricter): ${both}`;
    return undefined;
  }

  it('passes on no request nginx refuses, and where both pass requests on, the same ones', async () => {
    const differences: string[] = [];
    /** Who passed on more requests, for each input. */
    const outcomes = new Map<string, 'same' | 'portico' | 'nginx'>();
    // Eight at a time: each exchange lasts until a proxy closes it, a second or so.
    for (let i = 0; i < corpus.length; i += 8) {
      await Promise.all(
        corpus.slice(i, i + 8).map(async ([name, text]) => {
          const got = await both(Buffer.from(text, 'latin1'));
          const n = passedOn(got.nginx).length;
          const p = passedOn(got.portico).length;
          outcomes.set(name, n === p ? 'same' : n > p ? 'nginx' : 'portico');
          const difference = compare(name, text, got);
          if (difference !== undefined) differences.push(`${name}: ${difference}`);
        }),
      );
    }
    assert.deepEqual(differences, []);
    // Each listed difference still holds: a list that outlives its reason hides the next one.
    for (const name of laxer.keys()) assert.equal(outcomes.get(name), 'portico', `${name} is listed as passed on by Portico and refused by nginx`);
    for (const name of stricter.keys()) assert.equal(outcomes.get(name), 'nginx', `${name} is listed as refused by Portico and passed on by nginx`);
  });

  // Embedded, node:http reads the bytes first (llhttp, strict), and Portico reads its head again
  // with its own framer (readRequestHead): node:http refuses some of what nginx passes on, which is
  // no difference here; passing on more or other requests is.
  it('passes on no request nginx refuses, and the same ones where both do, embedded in a node:http host', async () => {
    const differences: string[] = [];
    for (let i = 0; i < corpus.length; i += 8) {
      await Promise.all(
        corpus.slice(i, i + 8).map(async ([name, text]) => {
          const difference = compare(name, text, await both(Buffer.from(text, 'latin1'), true));
          if (difference !== undefined && !difference.startsWith('Portico refused')) differences.push(`${name}: ${difference}`);
        }),
      );
    }
    assert.deepEqual(differences, []);
  });

  /**
   * Runs `inputs` eight at a time through nginx and Portico, its own listener and embedded, and
   * answers every difference the rules find, `ignore` aside (and, embedded, node:http's refusals).
   */
  async function differencesOver(inputs: readonly Buffer[], ignore: (difference: string) => boolean): Promise<string[]> {
    const differences: string[] = [];
    for (const embedded of [false, true]) {
      for (let i = 0; i < inputs.length; i += 8) {
        await Promise.all(
          inputs.slice(i, i + 8).map(async (bytes) => {
            const text = bytes.toString('latin1');
            const difference = compare('', text, await both(bytes, embedded));
            if (difference !== undefined && !ignore(difference) && !(embedded && difference.startsWith('Portico refused'))) {
              differences.push(`${embedded ? 'embedded: ' : ''}${JSON.stringify(text)}: ${difference}`);
            }
          }),
        );
      }
    }
    return differences;
  }

  // defparam/smuggler's "doubles": each byte from 0x00 to 0x20 and from 0x7f to 0xff placed before
  // a framing header's name, after it, after its colon and after its value. Where a proxy takes
  // the mangled line for the framing header and the other does not, the backend gets another body.
  it('frames as nginx does, or refuses, with any odd byte around Transfer-Encoding or Content-Length', async () => {
    const bytes = [...Array.from({ length: 0x21 }, (_, b) => b), ...Array.from({ length: 0x81 }, (_, b) => 0x7f + b)];
    const lines = [
      ['Transfer-Encoding', 'chunked', '5\r\nhello\r\n0\r\n\r\n'],
      ['Content-Length', '5', 'hello'],
    ] as const;
    const inputs: Buffer[] = [];
    for (const [name, value, body] of lines) {
      for (const b of bytes) {
        const c = String.fromCharCode(b);
        const around = [`${c}${name}: ${value}`, `${name}${c}: ${value}`];
        // HTAB is optional whitespace around a value (RFC 9110 §5.6.3), which Portico reads as
        // such; nginx takes it into the value and refuses it (400 for Content-Length, 501 for
        // Transfer-Encoding). Either way the backend gets Portico's framing of the same body.
        if (b !== 0x09) around.push(`${name}:${c}${value}`, `${name}: ${value}${c}`);
        for (const line of around) inputs.push(Buffer.from(`POST /d HTTP/1.1\r\n${H}Connection: close\r\n${line}\r\n\r\n${body}`, 'latin1'));
      }
    }
    // nginx drops a field line it cannot read and goes on (the body is then the next request's
    // bytes, which it refuses); Portico refuses the line: stopping there is no difference.
    assert.deepEqual(await differencesOver(inputs, (d) => d.startsWith('Portico refused')), []);
    // With HTAB as that whitespace, the backend gets the one body from Portico.
    for (const [name, value, body] of lines) {
      for (const line of [`${name}:\t${value}`, `${name}: ${value}\t`]) {
        const got = answers(await exchange(porticoPort, Buffer.from(`POST /d HTTP/1.1\r\n${H}Connection: close\r\n${line}\r\n\r\n${body}`, 'latin1')));
        assert.deepEqual(passedOn(got), [{ method: 'POST', url: '/d', body: 'hello', host: 'a' }], line);
      }
    }
  });

  it('agrees on mutated requests (fast-check)', async () => {
    const valid = [
      `GET /a?b=c HTTP/1.1\r\n${H}Accept: */*\r\n\r\n`,
      `POST /p HTTP/1.1\r\n${H}Content-Length: 5\r\n\r\nhello`,
      `PUT /c HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n5;e=1\r\nhello\r\n0\r\nT: v\r\n\r\n`,
      `GET /h HTTP/1.1\r\nHost: shop.example:8080\r\nX-Forwarded-For: 1.2.3.4\r\n\r\n`,
    ];
    // Inputs made up front, then run eight at a time: fast-check's own runner would run one at a time.
    const inputs = [...new Map(fc.sample(mutatedRequests(valid, ['flip', 'insert', 'delete', 'dup'], 3), { numRuns: 160, seed: 21 }).map((b) => [b.toString('latin1'), b])).values()];
    // nginx drops field lines it finds invalid and passes on the rest, and takes a bare LF after
    // chunk data; Portico refuses both (docs/proxy.md): stopping at a refusal is no difference
    // here, passing on more or other requests is.
    const differences = await differencesOver(inputs, (d) => d.startsWith('Portico refused'));
    assert.deepEqual(differences, []);
  });

  // The same rules over HTTP/2 (h2c with prior knowledge at both), where a request is its
  // pseudo-header fields: Portico maps each stream to an HTTP/1.1 request for the backend and
  // reads it with the same framer, nginx with its own HTTP/2 module.
  it('passes on, over HTTP/2, no request nginx refuses, and the same ones where both do', async () => {
    type H2Request = readonly [name: string, headers: http2.OutgoingHttpHeaders, body?: string];
    const get = (path: string, authority = 'a', method = 'GET'): http2.OutgoingHttpHeaders => ({ ':method': method, ':path': path, ':authority': authority, ':scheme': 'http' });
    const h2corpus: H2Request[] = [
      ['plain GET', get('/')],
      ['space in :path', get('/a b')],
      ['NUL in :path', get('/a\x00b')],
      ['CR LF in :path', get('/a\r\nX: y')],
      ['%00 in :path', get('/a%00b')],
      ['%00 in the query', get('/a?b=%00')],
      [':path //host', get('//evil.example/x')],
      ['fragment in :path', get('/a#b')],
      ['byte 0xff in :path', get('/\xff')],
      [':path without slash', get('a')],
      [':path *', get('*', 'a', 'OPTIONS')],
      [':path * for GET', get('*')],
      [':path /..', get('/..')],
      [':path /a/../b', get('/a/../b')],
      [':path /a/..;/b', get('/a/..;/b')],
      [':path dots between %2f', get('/a/..%2f..%2fx')],
      [':path encoded dots', get('/a/%2e%2e/x')],
      ['empty :authority', get('/', '')],
      [':authority a..b', get('/', 'a..b')],
      [':authority "."', get('/', '.')],
      [':authority with userinfo', get('/', 'u@a')],
      [':authority with a space', get('/', 'a b')],
      [':authority port 99999', get('/', 'a:99999')],
      [':authority IPv6', get('/', '[::1]:80')],
      [':authority backslash', get('/', 'a\\b')],
      [':authority in capitals', get('/', 'A.Example')],
      ['host naming another authority', { ...get('/'), host: 'b' }],
      ['lower-case method', get('/', 'a', 'get')],
      ['method with @', get('/', 'a', 'G@T')],
      ['TRACE', get('/', 'a', 'TRACE')],
      ['TRACK', get('/', 'a', 'TRACK')],
      ['PROPFIND', get('/', 'a', 'PROPFIND')],
      ['te: trailers', { ...get('/'), te: 'trailers' }],
      ['POST with its length', { ...get('/p', 'a', 'POST'), 'content-length': '5' }, 'hello'],
      ['POST, length too small', { ...get('/p', 'a', 'POST'), 'content-length': '3' }, 'hello'],
      ['POST, length too large', { ...get('/p', 'a', 'POST'), 'content-length': '9' }, 'hello'],
      ['POST without a length', get('/p', 'a', 'POST'), 'hello'],
      ['GET with a body', get('/'), 'abc'],
      ['X_Forwarded_For', { ...get('/'), x_forwarded_for: '1.2.3.4' }],
      ['a field with a NUL', { ...get('/'), 'x-a': 'a\x00b' }],
      ['a field with a bare CR', { ...get('/'), 'x-a': 'a\rb' }],
      ['a field with a LF', { ...get('/'), 'x-a': 'a\nb' }],
      ['authorization with a bare CR', { ...get('/'), authorization: 'Basic YTpi\r' }],
    ];
    /** Requests Portico passes on over HTTP/2 though nginx refuses them, each allowed by docs/proxy.md. */
    const h2laxer = new Map([
      [':path *', 'RFC 9112 §3.2.4 (and RFC 9113 §8.3.1): the app at "/" answers OPTIONS * for the server'],
      // RFC 9113 §8.2.1 makes the request malformed, a stream error, as nginx has it; nghttp2
      // (node:http2's HTTP/2 library) drops the field before Portico sees the stream.
      ['a field with a bare CR', 'nghttp2 drops a field whose value holds a CR: the backend gets the request without it'],
      ['a field with a LF', 'the same for a LF'],
      ['authorization with a bare CR', 'the same for an authorization field: the request goes without it'],
    ]);
    /** Requests nginx passes on over HTTP/2 and Portico refuses, each with its rule in docs/proxy.md. */
    const h2stricter = new Map([
      [':path //host', 'a target starting "//"'],
      ['fragment in :path', 'a "#" in the target'],
      [':path /a/../b', 'a dot-segment'],
      [':path /a/..;/b', 'a dot-segment once its path parameters are dropped (Tomcat, Jetty, Spring)'],
      [':path encoded dots', 'a dot-segment, %2e spelled (nginx resolves it to /x)'],
      [':authority with userinfo', 'a Host that is not host[:port]'],
      [':authority backslash', 'a Host that is not host[:port]'],
    ]);
    const ask = (port: number, [, headers, body]: H2Request): Promise<Answer[]> =>
      new Promise((resolve) => {
        const session = http2.connect(`http://127.0.0.1:${port}`);
        const done = (answer: Answer[]) => {
          session.destroy();
          resolve(answer);
        };
        session.on('error', () => done([]));
        let stream: http2.ClientHttp2Stream;
        try {
          stream = session.request(headers, { endStream: body === undefined });
        } catch {
          return done([]);
        }
        let status = 0;
        let text = '';
        let json = false;
        stream.on('response', (h) => {
          status = Number(h[':status']);
          json = String(h['content-type'] ?? '').startsWith('application/json');
        });
        stream.setEncoding('latin1');
        stream.on('data', (d: string) => (text += d));
        stream.on('error', () => done(status === 0 ? [] : [{ status }]));
        stream.on('end', () => {
          if (!json) return done([{ status }]);
          const echo = JSON.parse(text) as { method: string; url: string; body: string; headers: Record<string, string> };
          done([{ status, received: { method: echo.method, url: echo.url, body: echo.body, host: echo.headers.host } }]);
        });
        if (body !== undefined) stream.end(body);
      });
    const differences: string[] = [];
    for (const request of h2corpus) {
      const [name] = request;
      const [n, p] = await Promise.all([ask(nginxH2cPort, request), ask(porticoPort, request)]);
      const nr = passedOn(n);
      const pr = passedOn(p);
      const both = `Portico ${shown(p)}; nginx ${shown(n)}`;
      if (nr.length > 0 && pr.length > 0) {
        if (JSON.stringify(nr) !== JSON.stringify(pr)) differences.push(`${name}: the backend got other requests: ${both}`);
      } else if (pr.length > 0 && !h2laxer.has(name)) differences.push(`${name}: Portico passed on what nginx refused: ${both}`);
      else if (nr.length > 0 && !h2stricter.has(name)) differences.push(`${name}: Portico refused what nginx passed on (not listed as stricter): ${both}`);
      else if ((nr.length > 0) === (pr.length > 0) && (h2laxer.has(name) || h2stricter.has(name))) differences.push(`${name}: listed as a difference, but both ${pr.length > 0 ? 'passed it on' : 'refused it'}`);
    }
    assert.deepEqual(differences, []);
  });
});
