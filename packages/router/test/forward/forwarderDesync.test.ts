// The Top-10 desync payloads of reference/security.md §3, sent through the forwarder to a raw
// backend that records bytes. Pass: refused (4xx/5xx, closed, backend saw nothing), or the backend
// saw exactly one request with canonical framing, then our sentinel, and never a smuggled one.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';
import { readMessages } from '../http1/readMessages.ts';
import { closeAll, startProxy, startRawBackend, statusLines, upstreamAt, type RawBackend } from './harness.ts';

const H = 'Host: a\r\n';
const SENTINEL = 'GET /sentinel HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n';

async function recordingBackend(): Promise<RawBackend> {
  const answered = new Map<net.Socket, number>();
  const buffers = new Map<net.Socket, Buffer[]>();
  return startRawBackend((data, socket) => {
    const all = buffers.get(socket) ?? [];
    all.push(data);
    buffers.set(socket, all);
    const { messages } = readMessages(Buffer.concat(all));
    for (let i = answered.get(socket) ?? 0; i < messages.length; i++) socket.write('HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok');
    answered.set(socket, messages.length);
  });
}

async function sendWithSentinel(port: number, payload: string): Promise<string> {
  const socket = net.connect(port, '127.0.0.1');
  socket.on('error', () => {});
  await once(socket, 'connect');
  let text = '';
  let sentinelSent = false;
  const closed = once(socket, 'close');
  socket.on('data', (d: Buffer) => {
    text += d.toString('latin1');
    if (!sentinelSent && /\r\n\r\nok$/.test(text)) {
      sentinelSent = true;
      socket.write(SENTINEL);
    }
  });
  socket.write(Buffer.from(payload, 'latin1'));
  await closed;
  return text;
}

async function check(payload: string): Promise<void> {
  const backend = await recordingBackend();
  const proxy = await startProxy({ pickUpstream: () => upstreamAt(backend.port) });
  const reply = await sendWithSentinel(proxy.port, payload);
  const statuses = statusLines(reply);
  const seen = backend.received.map((conn) => readMessages(Buffer.concat(conn)));
  const messages = seen.flatMap((r) => r.messages);
  if (statuses[0] !== '200') {
    assert.match(statuses[0] ?? '', /^[45]\d\d$/, `reply: ${JSON.stringify(reply)}`);
    assert.equal(statuses.length, 1);
    assert.deepEqual(messages.map((m) => m.head.target), [], 'a refused request reached the backend');
    return;
  }
  for (const r of seen) assert.equal(r.error, undefined, `backend saw bad framing: ${r.error?.reason}`);
  assert.deepEqual(messages.map((m) => m.head.target), ['/', '/sentinel'], 'backend saw exactly the request and the sentinel');
  assert.deepEqual(statuses, ['200', '200']);
}

describe('desync payloads through the forwarder (security.md §3)', () => {
  afterEach(closeAll);

  const payloads: Array<[string, string]> = [
    ['1 CL.TE', `POST / HTTP/1.1\r\n${H}Content-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nG`],
    ['2 TE.CL', `POST / HTTP/1.1\r\n${H}Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n5c\r\nGPOST /admin HTTP/1.1\r\nContent-Length: 15\r\n\r\nx=1\r\n0\r\n\r\n`],
    ['3 TE ",chunked"', `POST / HTTP/1.1\r\n${H}Transfer-Encoding: ,chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n`],
    ['3 TE "identity, chunked"', `POST / HTTP/1.1\r\n${H}Transfer-Encoding: identity, chunked\r\n\r\n0\r\n\r\n`],
    ['3 TE vertical tab', `POST / HTTP/1.1\r\n${H}Transfer-Encoding:\x0bchunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n`],
    ['3 TE space before colon', `POST / HTTP/1.1\r\n${H}Transfer-Encoding : chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n`],
    ['3 Transfer_Encoding', `POST / HTTP/1.1\r\n${H}Transfer_Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n`],
    ['3 Connection: Transfer-Encoding', `POST / HTTP/1.1\r\n${H}Connection: Transfer-Encoding\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`],
    ['4 duplicate CL', `POST / HTTP/1.1\r\n${H}Content-Length: 0\r\nContent-Length: 31\r\n\r\nGET /evil HTTP/1.1\r\nHost: a\r\n\r\n`],
    ['4 empty CL first', `POST / HTTP/1.1\r\n${H}Content-Length:\r\nContent-Length: 31\r\n\r\nGET /evil HTTP/1.1\r\nHost: a\r\n\r\n`],
    ['5 obs-fold TE', `POST / HTTP/1.1\r\n${H}Transfer-Encoding:\r\n chunked\r\n\r\n0\r\n\r\n`],
    ['6 bare LF', 'GET / HTTP/1.1\nHost: a\n\n'],
    ['6 bare CR', `GET / HTTP/1.1\r\n${H}X: a\rb\r\n\r\n`],
    ['6 bare LF in chunk', `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\na\r\n0123456789\n0\r\n\r\n`],
    ['7 \\r\\n\\rX', `GET / HTTP/1.1\r\n${H}\rZGET /evil: HTTP/1.1\r\nHost: a\r\n\r\n`],
    ['8 hidden CL', `POST / HTTP/1.1\r\n${H}${Array.from({ length: 2001 }, (_, n) => `X-${n}: a\r\n`).join('')}Content-Length: 34\r\n\r\nGET /admin HTTP/1.1\r\nHost: a\r\n\r\n`],
    ['9 chunk 0x5', `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n0x5\r\nhello\r\n0\r\n\r\n`],
    ['9 chunk "5;\\r"', `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n2\r\r;a\r\nab\r\n0\r\n\r\n`],
    ['9 chunk "1junk"', `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n1junk\r\nZ\r\n0\r\n\r\n`],
    ['9 chunked DELETE', `DELETE / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n1f\r\nGET /evil HTTP/1.1\r\nHost: a\r\n\r\n\r\n0\r\n\r\n`],
    ['9 chunked OPTIONS', `OPTIONS / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n`],
    ['HTTP/1.0 with TE', 'POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n'],
    ['two Host headers', `GET / HTTP/1.1\r\n${H}Host: b\r\n\r\n`],
  ];

  for (const [name, payload] of payloads) it(`${name}: refused or forwarded as one canonical request`, () => check(payload));


  /** Each payload, over a raw socket to the socket forwarder: 400, and nothing reaches the backend. */
  function itRefusesWith400(cases: ReadonlyArray<readonly [string, string]>): void {
    for (const [name, payload] of cases) {
      it(`${name} over a raw socket: 400, and the backend sees nothing`, async () => {
        const backend = await recordingBackend();
        const proxy = await startProxy({ pickUpstream: () => upstreamAt(backend.port) });
        const reply = await sendWithSentinel(proxy.port, payload);
        assert.deepEqual(statusLines(reply), ['400'], reply);
        assert.equal(backend.received.length, 0, 'a refused request reached the backend');
      });
    }
  }
  describe('whitespace is SP and HTAB only', () => {
    const refusedWith400: Array<[string, string]> = [
      ['"Transfer-Encoding: \\xa0chunked"', `POST / HTTP/1.1\r\n${H}Transfer-Encoding: \xa0chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n`],
      ['"Transfer-Encoding: chunked\\xa0"', `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\xa0\r\n\r\n5\r\nhello\r\n0\r\n\r\n`],
      ['"Content-Length: 1000\\xa0"', `POST / HTTP/1.1\r\n${H}Content-Length: 1000\xa0\r\n\r\n${'a'.repeat(1000)}`],
    ];
    itRefusesWith400(refusedWith400);
  });

  describe('Content-Length lists and repeats', () => {
    const refusedWith400: Array<[string, string]> = [
      ['"Content-Length: 1000,1000"', `POST / HTTP/1.1\r\n${H}Content-Length: 1000,1000\r\n\r\n${'a'.repeat(1000)}`],
      ['two identical Content-Length lines', `POST / HTTP/1.1\r\n${H}Content-Length: 1000\r\nContent-Length: 1000\r\n\r\n${'a'.repeat(1000)}`],
    ];
    itRefusesWith400(refusedWith400);
    for (const [name, lengths] of [['a list', 'Content-Length: 2,2\r\n'], ['two identical lines', 'Content-Length: 2\r\nContent-Length: 2\r\n']] as const) {
      it(`a backend's response with ${name} of Content-Length: 502, a broken backend response`, async () => {
        const backend = await startRawBackend((_data, socket) => socket.write(`HTTP/1.1 200 OK\r\n${lengths}\r\nok`));
        const proxy = await startProxy({ pickUpstream: () => upstreamAt(backend.port) });
        const reply = await sendWithSentinel(proxy.port, `GET / HTTP/1.1\r\n${H}Connection: close\r\n\r\n`);
        assert.deepEqual(statusLines(reply), ['502'], reply);
      });
    }
  });
});
