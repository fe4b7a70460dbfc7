// Portico against nginx on the same hostile BACKEND bytes, the other half of
// nginxDifferential.slow.test.ts: a raw TCP backend answers each case's request with crafted
// bytes, and the same request goes through nginx (proxy_pass, proxy_http_version 1.1, an upstream
// keepalive pool) and through Portico's forwarding engines with the backend as their upstream: its
// own listener's (createForwarder) and the embedded one's in a node:http host
// (createEmbeddedForwarder). For each case the test takes what the client got (status, the
// backend's header lines, body bytes, whether the response ended by its framing, whether the
// client connection was kept), and then asks again on the same client connection (a new one where
// it was closed): that answer says whether the backend connection that carried the case was
// reused. The rules:
//
// - Never, on any engine: the second answer is anything but the backend's own answer to it (bytes
//   a backend wrote past a response's end, read as the next request's answer on a reused backend
//   connection, are response splitting: pool poisoning); a header line the backend hid inside
//   another (behind a CR, LF or NUL) reaches the client; or the client waits on an answer that
//   never comes.
// - On Portico's own listener, the client gets what it gets from nginx, and the backend connection
//   is reused where nginx reuses it, or the case is listed below (`differences`) with the reason:
//   a new difference in either direction is then seen and decided, not found later.
//
// Each engine has its own backend, and a case's two requests go one after the other, so the
// connection a reused one was is the case's own: nginx and Portico both take the newest idle
// connection first. Needs nginx (Debian's nginx-light).
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { createEmbeddedForwarder, createForwarder, type Dispatch, type Forwarder } from '@portico/router';
import { startNginx, type Nginx } from '@portico/test-support';

/** A second response, whole, that a backend writes past the end of the first. */
const SMUGGLED = 'HTTP/1.1 200 OK\r\nContent-Length: 8\r\nX-Smuggled: 1\r\n\r\nsmuggled';

/** One backend case: what it writes on the connection the case's request came in on. */
interface Case {
  readonly name: string;
  /** Bytes written at once, the connection then kept for more requests; or what the backend does. */
  readonly answer: string | ((socket: net.Socket) => void);
  /** GET unless said; a POST announces 5 body bytes and sends them only once it has its answer. */
  readonly method?: 'GET' | 'HEAD' | 'POST';
  /** Milliseconds to wait before the second request (for bytes a backend writes later). */
  readonly pause?: number;
}

const ok = (head: string, body = 'ok') => `HTTP/1.1 200 OK\r\n${head}\r\n${body}`;
const chunked = (body: string) => ok('Transfer-Encoding: chunked\r\n', body);
/** Writes `bytes`, then ends the connection: the backend's FIN. */
const thenClose = (bytes: string) => (socket: net.Socket) => socket.end(bytes, 'latin1');

/** A case as written below: its name, its answer, and the rest of it. */
type Entry = readonly [name: string, answer: Case['answer'], more?: Pick<Case, 'method' | 'pause'>];

const entries: readonly Entry[] = [
  ['baseline', ok('Content-Length: 2\r\nX-A: 1\r\n')],
  // Content-Length
  ['two equal Content-Length', ok('Content-Length: 2\r\nContent-Length: 2\r\n')],
  ['conflicting Content-Length', ok('Content-Length: 2\r\nContent-Length: 12\r\n', `ok${SMUGGLED}`)],
  ['Content-Length list 2, 2', ok('Content-Length: 2, 2\r\n')],
  ['Content-Length list 2, 12', ok('Content-Length: 2, 12\r\n', `ok${SMUGGLED}`)],
  ['Content-Length +2', ok('Content-Length: +2\r\n')],
  ['Content-Length -1', ok('Content-Length: -1\r\n')],
  ['Content-Length empty', ok('Content-Length:\r\n')],
  ['Content-Length 0x2', ok('Content-Length: 0x2\r\n')],
  ['Content-Length past 2^64', ok('Content-Length: 18446744073709551618\r\n')],
  ['Content-Length 2 2', ok('Content-Length: 2 2\r\n')],
  ['Content-Length, then fewer bytes and FIN', thenClose(ok('Content-Length: 100\r\n', 'short'))],
  // Transfer-Encoding
  ['Content-Length and chunked', ok('Content-Length: 3\r\nTransfer-Encoding: chunked\r\n', `3\r\nabc\r\n0\r\n\r\n${SMUGGLED}`)],
  ['chunked and Content-Length', ok('Transfer-Encoding: chunked\r\nContent-Length: 3\r\n', `3\r\nabc\r\n0\r\n\r\n${SMUGGLED}`)],
  ['TE gzip, chunked', ok('Transfer-Encoding: gzip, chunked\r\n', '2\r\nok\r\n0\r\n\r\n')],
  ['TE chunked, gzip', thenClose(ok('Transfer-Encoding: chunked, gzip\r\n', '2\r\nok\r\n0\r\n\r\n'))],
  ['TE gzip alone, then FIN', thenClose(ok('Transfer-Encoding: gzip\r\n', 'gz'))],
  ['TE identity', thenClose(ok('Transfer-Encoding: identity\r\n', 'ok'))],
  ['TE chunked twice', ok('Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n', '2\r\nok\r\n0\r\n\r\n')],
  ['TE CHUNKED', ok('Transfer-Encoding: CHUNKED\r\n', '2\r\nok\r\n0\r\n\r\n')],
  ['TE chunked in HTTP/1.0', thenClose(`HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n`)],
  // chunked framing
  ['chunked', chunked('2\r\nok\r\n0\r\n\r\n')],
  ['chunk size overflow', chunked('ffffffffffffffffff2\r\nok\r\n0\r\n\r\n')],
  ['chunk size 16 hex digits', chunked('8000000000000002\r\nok\r\n0\r\n\r\n')],
  ['chunk size +2', chunked('+2\r\nok\r\n0\r\n\r\n')],
  ['chunk size 0x2', chunked('0x2\r\nok\r\n0\r\n\r\n')],
  ['chunk size after a space', chunked(' 2\r\nok\r\n0\r\n\r\n')],
  ['chunk size then a space', chunked('2 \r\nok\r\n0\r\n\r\n')],
  ['chunk size with leading zeros', chunked('0002\r\nok\r\n0\r\n\r\n')],
  ['chunk extension', chunked('2;a=b\r\nok\r\n0;c="d"\r\n\r\n')],
  ['chunk lines ending LF', chunked('2\nok\n0\n\n')],
  ['chunk data without CRLF', chunked('2\r\nok0\r\n\r\n')],
  ['chunk data, then junk', chunked('2\r\nokXY\r\n0\r\n\r\n')],
  ['chunked, then FIN mid-chunk', thenClose(chunked('9\r\nok'))],
  ['trailers', chunked('2\r\nok\r\n0\r\nX-T: 1\r\n\r\n')],
  ['framing trailers', chunked(`2\r\nok\r\n0\r\nContent-Length: 99\r\nTransfer-Encoding: chunked\r\nSet-Cookie: t=1\r\n\r\n`)],
  ['trailer without colon', chunked('2\r\nok\r\n0\r\nXab\r\n\r\n')],
  // field lines
  ['obs-fold', ok('Content-Length: 2\r\nX-A: a\r\n b\r\n')],
  ['obs-fold on Content-Length', ok('Content-Length:\r\n 2\r\n')],
  ['NUL in a value', ok('Content-Length: 2\r\nX-A: a\x00X-Injected: 1\r\n')],
  ['CR in a value', ok('Content-Length: 2\r\nX-A: a\rX-Injected: 1\r\n')],
  ['LF in a value', ok('Content-Length: 2\r\nX-A: a\nX-Injected: 1\r\n')],
  ['LF line endings', 'HTTP/1.1 200 OK\nContent-Length: 2\nX-A: 1\n\nok'],
  ['line without colon', ok('Content-Length: 2\r\nXab\r\n')],
  ['space before colon', ok('Content-Length: 2\r\nX-A : b\r\n')],
  ['space before Content-Length colon', ok('Content-Length : 12\r\n', `ok${SMUGGLED}`)],
  ['empty name', ok('Content-Length: 2\r\n: b\r\n')],
  ['byte 0xff in a name', ok('Content-Length: 2\r\nX-\xff: b\r\n')],
  ['byte 0xff in a value', ok('Content-Length: 2\r\nX-A: \xff\r\n')],
  ['underscore look-alike of Content-Length', ok('Content_Length: 12\r\nContent-Length: 2\r\n', `ok${SMUGGLED}`)],
  ['Set-Cookie twice', ok('Content-Length: 2\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\n')],
  // status lines
  ['HTTP/1.2', 'HTTP/1.2 200 OK\r\nContent-Length: 2\r\n\r\nok'],
  ['HTTP/2.0', 'HTTP/2.0 200 OK\r\nContent-Length: 2\r\n\r\nok'],
  ['lower-case http', 'http/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'],
  ['two-digit status', 'HTTP/1.1 20 OK\r\nContent-Length: 2\r\n\r\nok'],
  ['four-digit status', 'HTTP/1.1 2000 OK\r\nContent-Length: 2\r\n\r\nok'],
  ['status 099', 'HTTP/1.1 099 X\r\nContent-Length: 2\r\n\r\nok'],
  ['status 600', 'HTTP/1.1 600 X\r\nContent-Length: 2\r\n\r\nok'],
  ['no reason', 'HTTP/1.1 200\r\nContent-Length: 2\r\n\r\nok'],
  ['empty reason', 'HTTP/1.1 200 \r\nContent-Length: 2\r\n\r\nok'],
  ['CR in the reason', 'HTTP/1.1 200 OK\rX-Injected: 1\r\nContent-Length: 2\r\n\r\nok'],
  ['NUL in the reason', 'HTTP/1.1 200 OK\x00X-Injected: 1\r\nContent-Length: 2\r\n\r\nok'],
  ['two spaces before the status', 'HTTP/1.1  200 OK\r\nContent-Length: 2\r\n\r\nok'],
  ['CRLF before the status line', '\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'],
  ['HTTP/1.0 with Content-Length', 'HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok'],
  ['HTTP/1.0 keep-alive', 'HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nok'],
  ['HTTP/1.0 to the close', thenClose('HTTP/1.0 200 OK\r\n\r\nto the close')],
  ['HTTP/0.9', thenClose('hello, no head')],
  // interim and bodiless answers
  ['100, then 200', `HTTP/1.1 100 Continue\r\n\r\n${ok('Content-Length: 2\r\n')}`],
  ['103, then 200', `HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n${ok('Content-Length: 2\r\n')}`],
  ['40 × 103', `${'HTTP/1.1 103 Early Hints\r\n\r\n'.repeat(40)}${ok('Content-Length: 2\r\n')}`],
  ['101 to a plain GET', 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n'],
  ['100 with Content-Length and a body', `HTTP/1.1 100 Continue\r\nContent-Length: 5\r\n\r\nhello${ok('Content-Length: 2\r\n')}`],
  ['204 chunked, then a chunked body', `HTTP/1.1 204 No Content\r\nTransfer-Encoding: chunked\r\n\r\n8\r\nsmuggled\r\n0\r\n\r\n`],
  ['204 with Content-Length and a body', `HTTP/1.1 204 No Content\r\nContent-Length: 8\r\n\r\n${SMUGGLED}`],
  ['204, then a response', `HTTP/1.1 204 No Content\r\n\r\n${SMUGGLED}`],
  ['304, then a response', `HTTP/1.1 304 Not Modified\r\nContent-Length: 2\r\n\r\n${SMUGGLED}`],
  ['HEAD answered with a body', ok('Content-Length: 2\r\n', `ok${SMUGGLED}`), { method: 'HEAD' }],
  // sizes
  ['a 6 KiB head', ok(`Content-Length: 2\r\nX-Big: ${'a'.repeat(6 * 1024)}\r\n`)],
  ['a 70 KiB head', ok(`Content-Length: 2\r\n${`X-Big: ${'a'.repeat(1000)}\r\n`.repeat(70)}`)],
  ['150 fields', ok(`Content-Length: 2\r\n${'X-F: v\r\n'.repeat(150)}`)],
  ['1100 fields', ok(`Content-Length: 2\r\n${'X-F: v\r\n'.repeat(1100)}`)],
  // bodies and what follows them
  ['an answer before the request body', ok('Content-Length: 2\r\n'), { method: 'POST' }],
  ['to the close', thenClose(ok('', 'to the close'))],
  ['to the close, never closed', ok('', 'to the close')],
  ['Connection: close and Content-Length, kept open', ok('Connection: close\r\nContent-Length: 2\r\n', `ok${SMUGGLED}`)],
  ['bytes past Content-Length', ok('Content-Length: 2\r\n', `ok${SMUGGLED}`)],
  ['bytes past the last chunk', chunked(`2\r\nok\r\n0\r\n\r\n${SMUGGLED}`)],
  [
    'a response 100 ms later, on the idle connection',
    (socket) => {
      socket.write(ok('Content-Length: 2\r\n'));
      setTimeout(() => socket.write(SMUGGLED), 100).unref();
    },
    { pause: 400 },
  ],
];
const cases: readonly Case[] = entries.map(([name, answer, more]) => ({ name, answer, ...more }));

/**
 * Where Portico's own listener differs from nginx (`differenceFrom`), and why that is harmless or
 * safer. Most are answers nginx passes on and Portico refuses with 502: docs/proxy.md, What a
 * backend can do wrong, has the rule for each.
 */
const differences = new Map<string, string>([
  ['two equal Content-Length', 'more than one Content-Length line, even equal ones'],
  ['conflicting Content-Length', 'conflicting Content-Length lines (nginx takes the last, and closes the connection on the bytes past the first)'],
  ['Content-Length and chunked', 'Content-Length with Transfer-Encoding, the smuggling pattern (nginx reads it chunked and closes the connection)'],
  ['chunked and Content-Length', 'Content-Length with Transfer-Encoding, the smuggling pattern (nginx reads it chunked and closes the connection)'],
  ['TE gzip, chunked', 'a transfer coding other than chunked alone: Portico decodes none other'],
  ['TE chunked, gzip', 'chunked not the last coding, which RFC 9112 §6.3 ends at the close (nginx decodes the chunks anyway)'],
  ['TE gzip alone, then FIN', 'a transfer coding other than chunked alone: Portico decodes none other'],
  ['TE identity', 'a transfer coding other than chunked alone (identity is no coding since RFC 7230)'],
  ['TE chunked twice', 'chunked applied twice (RFC 9112 §7.1: never more than once)'],
  ['TE chunked in HTTP/1.0', 'Transfer-Encoding in an HTTP/1.0 answer (RFC 9112 §6.1)'],
  ['chunk size then a space', 'whitespace after a chunk size'],
  ['chunk lines ending LF', 'a line ending other than CRLF in chunked framing'],
  ['trailer without colon', 'a trailer line that is not name: value'],
  ['LF in a value', 'a line ending other than CRLF: nginx takes a bare LF for one, so its client gets the X-Injected header hidden behind it'],
  ['LF line endings', 'a line ending other than CRLF in the head'],
  ['line without colon', 'a field line that is not name: value (nginx passes it on as "Xab:")'],
  ['byte 0xff in a name', 'a field name that is not a token'],
  ['HTTP/1.2', 'a version other than HTTP/1.0 and HTTP/1.1'],
  ['HTTP/2.0', 'a version other than HTTP/1.0 and HTTP/1.1'],
  ['status 099', 'a status below 100'],
  ['NUL in the reason', 'a control byte in the reason phrase (nginx writes its own status line)'],
  ['two spaces before the status', 'a malformed status line'],
  ['101 to a plain GET', 'a 101 to a request that asked for no upgrade (nginx relays it and tunnels)'],
  ['HEAD answered with a body', 'Portico pools no connection whose last answer had no body by rule (HEAD, 204, 304): stray bodies come from there'],
  // Laxer, and harmless:
  ['HTTP/1.0 keep-alive', 'Portico reuses an HTTP/1.0 connection whose answer said keep-alive and had a length (RFC 9112 §9.3); nginx never reuses one'],
  ['100, then 200', 'nginx 1.22 takes an interim answer for the final one, then closes; Portico drops a 100 no client asked for and relays a 103 (RFC 9110 §15.2)'],
  ['103, then 200', 'nginx 1.22 takes an interim answer for the final one, then closes; Portico drops a 100 no client asked for and relays a 103 (RFC 9110 §15.2)'],
  ['a 6 KiB head', 'Portico takes a response head up to maxResponseHeadBytes (64 KiB), nginx up to proxy_buffer_size (4 KiB)'],
]);

const strayRefused = "node:http reads a HEAD answer's body, in the same read, as the next answer, and refuses what is none: 502";

/** Where node:http's client parser, which reads the backend's answer in the embedded forwarder, makes it differ from Portico's own listener. */
const nodeParser = new Map([
  ['TE gzip, chunked', undefined],
  ['TE gzip alone, then FIN', undefined],
  ['TE identity', undefined],
  ['TE chunked twice', undefined],
  ['TE chunked in HTTP/1.0', undefined],
  ['HEAD answered with a body', strayRefused],
  // Bytes behind a complete answer are dropped with its connection, as Portico's listener does (bb7c680).
  ['204 chunked, then a chunked body', undefined],
  ['TE chunked, gzip', 'node:http reads a body whose last coding is not chunked to the close (RFC 9112 §6.3), chunk lines and all; nginx decodes them'],
  ['framing trailers', 'node:http refuses Content-Length and Transfer-Encoding among trailers'],
  ['CRLF before the status line', 'node:http skips empty lines before a status line'],
  ['Connection: close and Content-Length, kept open', undefined],
]);

/** Where the embedded forwarder differs from nginx, and why: the listener's differences, but where node:http's parser reads otherwise. */
const embeddedDifferences = new Map<string, string>(
  [...differences, ...nodeParser].flatMap(([name]) => {
    const reason = nodeParser.has(name) ? nodeParser.get(name) : differences.get(name);
    return reason === undefined ? [] : [[name, reason] as const];
  }),
);

/** What the client got for one case, on one engine. */
interface Seen {
  /** The final answer's status; 0 for none (the connection closed first). */
  readonly status: number;
  /** Interim (1xx) heads relayed before it. */
  readonly interim: number;
  /** The backend's field lines that reached the client (lower-case name), the proxies' own left out. */
  readonly fields: readonly string[];
  readonly body: string;
  /** How the answer ended: by its framing, cut (the connection closed first), or not within 5 s. */
  readonly ended: 'complete' | 'cut' | 'hang';
  /** The client connection carried the second request too. */
  readonly clientKept: boolean;
  /** The second answer's body: `next reused` on the case's backend connection, `next fresh` on another. */
  readonly next: string;
}

/** Field lines each proxy writes itself, and framing, which each writes its own way. */
const OWN = new Set(['date', 'server', 'connection', 'keep-alive', 'transfer-encoding', 'content-length', 'x-request-id']);

/** Reads one answer from a client socket as a client would; `method` decides whether it has a body. */
class ClientReader {
  #buffer = Buffer.alloc(0);
  #closed = false;
  #wake: (() => void) | undefined;

  constructor(socket: net.Socket) {
    socket.on('data', (d: Buffer) => {
      this.#buffer = Buffer.concat([this.#buffer, d]);
      this.#wake?.();
    });
    const closed = () => {
      this.#closed = true;
      this.#wake?.();
    };
    socket.on('close', closed);
    socket.on('error', closed);
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** The next answer, 1xx heads counted and skipped (a 101 is final). */
  async answer(method: string, limit: number): Promise<Omit<Seen, 'clientKept' | 'next'>> {
    const deadline = Date.now() + limit;
    let interim = 0;
    for (;;) {
      const parsed = this.#parse(method);
      if (parsed !== undefined && parsed.status >= 100 && parsed.status < 200 && parsed.status !== 101 && parsed.ended === 'complete') {
        interim++;
        this.#buffer = this.#buffer.subarray(parsed.used);
        continue;
      }
      if (parsed?.ended === 'complete') {
        this.#buffer = this.#buffer.subarray(parsed.used);
        return { status: parsed.status, interim, fields: parsed.fields, body: parsed.body, ended: 'complete' };
      }
      if (this.#closed) return { status: parsed?.status ?? 0, interim, fields: parsed?.fields ?? [], body: parsed?.body ?? '', ended: 'cut' };
      const left = deadline - Date.now();
      if (left <= 0) return { status: parsed?.status ?? 0, interim, fields: parsed?.fields ?? [], body: parsed?.body ?? '', ended: 'hang' };
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.#wake = undefined;
    }
  }

  /** The answer at the front of the buffer, as far as it goes; `ended` is complete once its framing is. */
  #parse(method: string): { status: number; fields: string[]; body: string; ended: 'complete' | 'partial'; used: number } | undefined {
    const text = this.#buffer.toString('latin1');
    const end = text.indexOf('\r\n\r\n');
    if (end < 0) return undefined;
    // Any CR or LF ends a line here, as the laxest client would read it: a header hidden behind one shows.
    const [statusLine = '', ...lines] = text.slice(0, end).split(/\r\n|\r|\n/);
    const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1] ?? -1);
    const fields = lines.map((l) => l.replace(/^[^:]*/, (n) => n.toLowerCase()));
    const field = (name: string) => fields.find((l) => l.startsWith(`${name}:`))?.slice(name.length + 1).trim();
    const shown = fields.filter((l) => !OWN.has(l.slice(0, Math.max(0, l.indexOf(':')))));
    const start = end + 4;
    const done = (body: string, used: number) => ({ status, fields: shown, body, ended: 'complete' as const, used });
    if (method === 'HEAD' || status === 204 || status === 304 || (status >= 100 && status < 200)) return done('', start);
    if (/chunked/i.test(field('transfer-encoding') ?? '')) {
      let body = '';
      let at = start;
      for (;;) {
        const line = text.indexOf('\r\n', at);
        if (line < 0) return { status, fields: shown, body, ended: 'partial', used: 0 };
        const size = Number.parseInt(text.slice(at, line), 16);
        if (size === 0) {
          const trailers = text.indexOf('\r\n\r\n', line - 2);
          return trailers < 0 ? { status, fields: shown, body, ended: 'partial', used: 0 } : done(body, trailers + 4);
        }
        if (text.length < line + 2 + size + 2) return { status, fields: shown, body: body + text.slice(line + 2), ended: 'partial', used: 0 };
        body += text.slice(line + 2, line + 2 + size);
        at = line + 2 + size + 2;
      }
    }
    const length = field('content-length');
    if (length !== undefined) {
      const n = Number(length);
      return text.length >= start + n ? done(text.slice(start, start + n), start + n) : { status, fields: shown, body: text.slice(start), ended: 'partial', used: 0 };
    }
    // Delimited by the close: complete once the proxy closed.
    return this.#closed ? done(text.slice(start), text.length) : { status, fields: shown, body: text.slice(start), ended: 'partial', used: 0 };
  }
}

/** The backend's own request line for a case's second request. */
const nextPath = (index: number) => `/next/${index}`;

/**
 * A raw TCP backend: it reads request heads one after another on each connection (a body by
 * Content-Length skipped), answers `/case/N` with case N's bytes, and `/next/N` with `next
 * reused` when that request came on the connection that carried case N, else `next fresh`.
 */
async function startBackend(): Promise<{ port: number; close(): void }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    let served = -1;
    let buffer = Buffer.alloc(0);
    let skip = 0;
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      for (;;) {
        const n = Math.min(skip, buffer.length);
        skip -= n;
        buffer = buffer.subarray(n);
        if (skip > 0) return;
        const end = buffer.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = buffer.subarray(0, end).toString('latin1');
        buffer = buffer.subarray(end + 4);
        skip = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0);
        const target = head.split(' ')[1] ?? '';
        const index = Number(target.split('/')[2]);
        if (target.startsWith('/case/')) {
          served = index;
          const { answer } = cases[index]!;
          if (typeof answer === 'string') socket.write(answer, 'latin1');
          else answer(socket);
        } else {
          const body = target === nextPath(served) ? 'next reused' : 'next fresh';
          socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
        }
      }
    });
  });
  server.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    close() {
      server.close();
      for (const s of sockets) s.destroy();
    },
  };
}

/** Case `index` through the proxy at `port`, then its second request: what the client got. */
async function run(port: number, index: number): Promise<Seen> {
  const c = cases[index]!;
  const method = c.method ?? 'GET';
  const connect = () => {
    const socket = net.connect(port, '127.0.0.1');
    return { socket, reader: new ClientReader(socket) };
  };
  let { socket, reader } = connect();
  socket.write(`${method} /case/${index} HTTP/1.1\r\nHost: a\r\n${method === 'POST' ? 'Content-Length: 5\r\n' : ''}\r\n`);
  const first = await reader.answer(method, 5000);
  if (method === 'POST' && !reader.closed) socket.write('hello');
  if (c.pause !== undefined) await new Promise((resolve) => setTimeout(resolve, c.pause));
  const ask = async (): Promise<Awaited<ReturnType<ClientReader['answer']>>> => {
    socket.write(`GET ${nextPath(index)} HTTP/1.1\r\nHost: a\r\n\r\n`);
    return reader.answer('GET', 5000);
  };
  let clientKept = false;
  let second = first.ended === 'complete' && !reader.closed ? await ask() : undefined;
  if (second?.ended === 'complete') clientKept = true;
  else {
    socket.destroy();
    ({ socket, reader } = connect());
    second = await ask();
  }
  socket.destroy();
  return { ...first, clientKept, next: second.ended === 'complete' ? second.body : `(${second.ended}, ${second.status})` };
}

/** Field lines for messages, a run of the same line once with its count. */
function fieldsShown(fields: readonly string[]): string {
  const out: string[] = [];
  for (let i = 0; i < fields.length; ) {
    let j = i;
    while (j < fields.length && fields[j] === fields[i]) j++;
    out.push(j - i > 1 ? `${fields[i]} ×${j - i}` : fields[i]!);
    i = j;
  }
  return out.join(' | ');
}

/** The first of the rules every engine keeps that `s` breaks, in words; undefined when it keeps them all. */
function unsafe(s: Seen): string | undefined {
  if (!/^next (reused|fresh)$/.test(s.next)) return `the next request got another answer: ${JSON.stringify(s.next)}`;
  if (s.fields.some((f) => /x-injected|x-smuggled/i.test(f))) return 'a header line hidden in another reached the client';
  if (/smuggled/.test(s.body) && s.ended === 'complete') return 'bytes past the end of the response reached the client as its body';
  if (s.ended === 'hang') return 'the client waited 5 s for an answer that never came';
  return undefined;
}

/**
 * Whether a proxy passed the backend's answer on whole, or refused it: its own 502 or 504, nothing
 * at all, or the head and then a cut (no cases' backend answers 502 or 504 itself).
 */
const verdict = (s: Seen): 'relayed' | 'refused' => (s.status === 0 || s.status === 502 || s.status === 504 || s.ended !== 'complete' ? 'refused' : 'relayed');

/**
 * How `p` differs from nginx's `n` where it matters: one relays what the other refuses, or both
 * relay it and the client gets another status, fields or body, keeps its connection where the
 * other's is closed, or the backend connection is reused by one and not the other. Both refusing,
 * each its own way (a 502 page, a close), is no difference.
 */
function differenceFrom(n: Seen, p: Seen): string | undefined {
  const [vn, vp] = [verdict(n), verdict(p)];
  if (vn !== vp) return `nginx ${vn} it, Portico ${vp} it`;
  if (vn === 'refused') return undefined;
  if (n.status !== p.status || n.interim !== p.interim) return 'another status';
  if (n.body !== p.body || n.fields.join('\n') !== p.fields.join('\n')) return 'another body or other fields';
  if (n.clientKept !== p.clientKept) return `nginx ${n.clientKept ? 'kept' : 'closed'} the client connection, Portico ${p.clientKept ? 'kept' : 'closed'} it`;
  if (n.next !== p.next) return `nginx ${n.next === 'next reused' ? 'reused' : 'did not reuse'} the backend connection, Portico ${p.next === 'next reused' ? 'reused' : 'did not reuse'} it`;
  return undefined;
}

/** One line for a Seen, for messages. */
const shown = (s: Seen) =>
  `${s.status}${s.interim > 0 ? ` after ${s.interim} × 1xx` : ''} ${s.ended} ${JSON.stringify(s.body.slice(0, 60))} [${fieldsShown(s.fields.map((f) => f.slice(0, 40)))}] client ${s.clientKept ? 'kept' : 'closed'}, ${s.next}`;

describe('Portico against nginx on the same hostile backend bytes', function () {
  this.timeout(120_000);
  let nginx: Nginx | undefined;
  const backends: { close(): void }[] = [];
  let forwarder: Forwarder | undefined;
  let listener: net.Server | undefined;
  let host: http.Server | undefined;
  let embeddedClose: (() => void) | undefined;
  const ports = { nginx: 0, portico: 0, embedded: 0 };

  before(async function () {
    const [forNginx, forPortico, forEmbedded] = await Promise.all([startBackend(), startBackend(), startBackend()]);
    backends.push(forNginx, forPortico, forEmbedded);
    nginx = await startNginx((listen) => `  upstream backend { server 127.0.0.1:${forNginx.port} max_fails=0; keepalive 8; }
  server {
    listen 127.0.0.1:${listen};
    keepalive_timeout 10s;
    location / {
      proxy_pass http://backend; proxy_http_version 1.1; proxy_set_header Connection "";
      proxy_read_timeout 2s; proxy_request_buffering off;
    }
  }`);
    if (nginx === undefined) {
      console.log('      skipped: nginx is not installed or did not start (.ci/run installs Debian\'s nginx-light)');
      this.skip();
    }
    ports.nginx = nginx.port;
    // Where nothing of the response reached the client, an answer of Portico's own, as the router's error page is.
    const dispatch = (upstream: number) => (): Dispatch => ({
      kind: 'forward',
      upstream: { id: 'backend', address: { host: '127.0.0.1', port: upstream }, token: 't' },
      failureAnswer: (status) => ({ kind: 'respond', status, body: `${status} from Portico\n` }),
    });
    forwarder = createForwarder({ dispatch: dispatch(forPortico.port), requestTimeout: 2000, keepAliveTimeout: 10_000 });
    listener = net.createServer((s) => forwarder!.handleConnection(s));
    listener.listen(0, '127.0.0.1');
    await new Promise((resolve) => listener!.once('listening', resolve));
    ports.portico = (listener.address() as net.AddressInfo).port;
    const embedded = createEmbeddedForwarder({ dispatch: dispatch(forEmbedded.port), requestTimeout: 2000 });
    embeddedClose = () => embedded.close();
    host = http.createServer({ keepAliveTimeout: 10_000 }, embedded.handler);
    host.on('upgrade', embedded.upgrade);
    host.listen(0, '127.0.0.1');
    await new Promise((resolve) => host!.once('listening', resolve));
    ports.embedded = (host.address() as net.AddressInfo).port;
  });

  after(async () => {
    host?.closeAllConnections();
    host?.close();
    embeddedClose?.();
    listener?.close();
    await forwarder?.close();
    await nginx?.stop();
    for (const b of backends) b.close();
  });

  it('never splits a response, injects a header or hangs, and answers as nginx does or as listed', async () => {
    const seen = { nginx: [] as Seen[], portico: [] as Seen[], embedded: [] as Seen[] };
    await Promise.all(
      (['nginx', 'portico', 'embedded'] as const).map(async (engine) => {
        for (let i = 0; i < cases.length; i++) seen[engine].push(await run(ports[engine], i));
      }),
    );
    const problems: string[] = [];
    for (let i = 0; i < cases.length; i++) {
      const { name } = cases[i]!;
      const n = seen.nginx[i]!;
      for (const engine of ['portico', 'embedded'] as const) {
        const p = seen[engine][i]!;
        const both = `\n    nginx    ${shown(n)}\n    ${engine.padEnd(8)} ${shown(p)}`;
        const broken = unsafe(p);
        if (broken !== undefined) problems.push(`${engine}, ${name}: ${broken}${both}`);
        const difference = differenceFrom(n, p);
        const listed = (engine === 'portico' ? differences : embeddedDifferences).get(name);
        if (difference !== undefined && listed === undefined) problems.push(`${engine}, ${name}: ${difference}, not listed${both}`);
        if (difference === undefined && listed !== undefined) problems.push(`${engine}, ${name}: listed (${listed}), but answered as nginx did${both}`);
      }
    }
    if (process.env['SHOW'] !== undefined) {
      for (let i = 0; i < cases.length; i++) console.log(`${cases[i]!.name}\n    nginx    ${shown(seen.nginx[i]!)}\n    portico  ${shown(seen.portico[i]!)}\n    embedded ${shown(seen.embedded[i]!)}`);
    }
    assert.deepEqual(problems, []);
  });
});
