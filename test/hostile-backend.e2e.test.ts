// A backend that lies or misbehaves (test/fixtures/lying-backend.mjs, a raw socket), reached
// through a real Portico's front door with one front and with two, by a raw HTTP/1.1 client and a
// node:http2 client: what each lie gets the client, and that it never reaches another request
// (docs/proxy.md, What a backend can do wrong).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import http2 from 'node:http2';
import { fileURLToPath } from 'node:url';
import { eventually } from './helpers/metricsText.ts';
import { startPortico, stopAllPorticos, type Started } from './helpers/portico.ts';
import { isResponse, RawClient, type RawResponse } from './helpers/rawClient.ts';

const lyingBackend = fileURLToPath(new URL('./fixtures/lying-backend.mjs', import.meta.url));
const KEY = 'dGhlIHNhbXBsZSBub25jZQ==';
const ACCEPT = createHash('sha1').update(`${KEY}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');

const get = (path: string, method = 'GET') => `${method} ${path} HTTP/1.1\r\nHost: a\r\n\r\n`;
const upgrade = (path: string) => `GET ${path} HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${KEY}\r\nSec-WebSocket-Version: 13\r\n\r\n`;

/** The correlation id on one of Portico's error pages. */
function correlationId(response: RawResponse): string {
  const id = /Correlation id: <code>([^<]+)<\/code>/.exec(response.body)?.[1];
  assert.ok(id, `no correlation id in ${response.status} ${response.body.slice(0, 200)}`);
  return id;
}

/** How many connections of its hanging modes the backend saw Portico close (lying-backend.mjs's /report). */
async function closes(port: number): Promise<number> {
  const client = await RawClient.connect(port);
  client.write(get('/report'));
  const got = await client.response();
  client.close();
  assert.ok(isResponse(got), JSON.stringify(got));
  return (JSON.parse(got.body) as { closes: number }).closes;
}

async function startLying(fronts: number, extra: Record<string, unknown> = {}): Promise<Started> {
  const started = await startPortico({
    fronts,
    listen: [{ port: 0, host: '127.0.0.1', h2c: true }],
    apps: [{ name: 'lying', processPath: process.execPath, arguments: [lyingBackend], start: 'eager', startupTimeLimit: 10, shutdownTimeLimit: 2, requestTimeout: 2, ...extra }],
  });
  // The worker answers once: from here on a close without an answer is no failed start.
  const client = await RawClient.connect(started.port);
  client.write(get('/ok'));
  const first = await client.response();
  assert.ok(isResponse(first) && first.body.startsWith('ok '), JSON.stringify(first));
  client.close();
  return started;
}

/** Sends `request` on a new connection, then GET /ok on the same one: the first response and the /ok one. */
async function thenOk(port: number, request: string, method = 'GET'): Promise<{ first: RawResponse; ok: RawResponse; client: RawClient }> {
  let client = await RawClient.connect(port);
  client.write(request);
  const first = await client.response(method);
  assert.ok(isResponse(first), `cut: ${JSON.stringify(first)}`);
  if (first.headers['connection'] === 'close') {
    // Portico said it closes: nothing more may come on this connection.
    assert.equal(await client.rest(), '');
    client = await RawClient.connect(port);
  }
  client.write(get('/ok'));
  const ok = await client.response();
  assert.ok(isResponse(ok), `the /ok after it was cut: ${JSON.stringify(ok)}`);
  return { first, ok, client };
}

for (const fronts of [1, 2]) {
  describe(`a lying backend behind ${fronts} front${fronts > 1 ? 's' : ''}, HTTP/1.1 client`, function () {
    this.timeout(60_000);
    let portico: Started;
    before(async () => (portico = await startLying(fronts)));
    after(stopAllPorticos);

    for (const [path, lie] of [
      ['/cl-te', 'Content-Length and Transfer-Encoding both'],
      ['/te-gzip', 'a Transfer-Encoding Portico cannot frame (gzip)'],
      ['/chunk-huge', 'a chunk size of 22 hex digits in the read of its head'],
      ['/chunk-negative', 'a chunk size of -1 in the read of its head'],
      ['/informational-flood', '40 interim 103 heads'],
      ['/switch', 'a 101 to a plain GET'],
    ] as const) {
      it(`${lie}: 502 with a correlation id that is in the log, and the backend connection is not reused`, async () => {
        const { first, ok, client } = await thenOk(portico.port, get(path));
        assert.equal(first.status, 502, first.raw);
        const id = correlationId(first);
        await eventually(async () => portico.logs, (logs) => logs.some((l) => l['requestId'] === id && l['event'] === 'proxy.error_page'));
        assert.ok(portico.logs.some((l) => l['event'] === 'proxy.upstream_failed'), 'no proxy.upstream_failed');
        assert.match(ok.body, /^ok \d+\.1$/, 'the /ok went on a fresh backend connection');
        client.close();
      });
    }

    for (const [path, lie] of [
      ['/cl-long', 'Content-Length: 100 and 5 bytes, then FIN'],
      ['/chunk-ext', 'a chunk line of 1 MiB of extensions after the head'],
      ['/trailers-huge', '1 MiB of trailers after the head'],
    ] as const) {
      it(`${lie}: the head, then the client connection is cut, never a complete response`, async () => {
        const client = await RawClient.connect(portico.port);
        client.write(get(path));
        const got = await client.response();
        assert.ok(!isResponse(got), `a complete response: ${JSON.stringify(got).slice(0, 300)}`);
        assert.match(got.raw, /^HTTP\/1\.1 200 /);
        await eventually(async () => portico.logs, (logs) => logs.some((l) => l['event'] === 'proxy.response_aborted'));
      });
    }

    for (const [path, method, what] of [
      ['/cl-short', 'GET', 'a second response behind Content-Length in the same write'],
      ['/no-body-with-body', 'HEAD', 'a body after a HEAD answer'],
      ['/no-body-with-body?204', 'GET', 'a body after a 204'],
      ['/no-body-with-body?304', 'GET', 'a body after a 304'],
    ] as const) {
      it(`${what}: the client gets the response alone, and its next request its own answer`, async () => {
        const { first, ok, client } = await thenOk(portico.port, get(path, method), method);
        assert.doesNotMatch(first.raw, /smuggled|stolen/);
        assert.match(ok.body, /^ok \d+\.1$/);
        assert.doesNotMatch(ok.raw, /smuggled|stolen/);
        client.close();
      });
    }

    it('a second response written 100 ms after the first: the idle backend connection is closed, never handed to the next request', async () => {
      const { first, client } = await thenOk(portico.port, get('/late-second'));
      assert.equal(first.body, 'ok');
      // After the stray response reached the idle connection: it must be gone from the pool.
      await new Promise((resolve) => setTimeout(resolve, 500));
      for (let i = 0; i < 3; i++) {
        client.write(get('/ok'));
        const next = await client.response();
        assert.ok(isResponse(next) && /^ok /.test(next.body), JSON.stringify(next));
      }
      client.close();
    });

    it('trailers naming framing and Set-Cookie: the body reaches the client, the trailers do not', async () => {
      const { first, client } = await thenOk(portico.port, get('/trailers-forbidden'));
      assert.equal(first.body, 'hello');
      assert.doesNotMatch(first.raw, /trailer=1|content-length: 1000/i);
      client.close();
    });

    it('an answer before the request body, then FIN: the client gets the answer whole, and connection: close', async () => {
      const client = await RawClient.connect(portico.port);
      // Only the first 64 KiB of the 4 MiB announced: the body is unfinished when the answer comes,
      // whatever the machine's speed (a whole 4 MiB could fit in loopback's socket buffers first,
      // and a finished request may keep its connection).
      client.write(`POST /early-close HTTP/1.1\r\nHost: a\r\nContent-Length: ${4 * 1024 * 1024}\r\n\r\n`);
      client.write('x'.repeat(64 * 1024));
      const got = await client.response();
      assert.ok(isResponse(got), JSON.stringify(got).slice(0, 300));
      assert.equal(got.body, 'early');
      assert.equal(got.headers['connection'], 'close');
      client.close();
    });

    it('a head trickled a byte every 100 ms: 504 after requestTimeout, with a correlation id', async () => {
      const client = await RawClient.connect(portico.port);
      client.write(get('/trickle-head'));
      const got = await client.response();
      assert.ok(isResponse(got), JSON.stringify(got));
      assert.equal(got.status, 504);
      correlationId(got);
      client.close();
    });

    it('Connection: close and Content-Length, then the backend never closes: the client gets the response and goes on, and Portico closes the backend connection', async () => {
      const before = await closes(portico.port);
      const { first, ok, client } = await thenOk(portico.port, get('/close-never'));
      assert.equal(first.body, 'ok');
      assert.match(ok.body, /^ok \d+\.1$/);
      client.close();
      await eventually(() => closes(portico.port), (n) => n > before);
    });

    describe('WebSocket', () => {
      for (const [path, lie] of [
        ['/ws-wrong-accept', 'a 101 whose Sec-WebSocket-Accept is not the key\'s'],
        ['/ws-bare-101', 'a 101 without Upgrade and Connection'],
      ] as const) {
        it(`${lie}: 502, no tunnel (what the client sends next is never relayed raw)`, async () => {
          const client = await RawClient.connect(portico.port);
          // A request smuggled behind the handshake: a tunnel would carry it to the backend raw.
          client.write(upgrade(path) + get('/ok'));
          const got = await client.response();
          assert.ok(isResponse(got), JSON.stringify(got));
          assert.equal(got.status, 502, got.raw);
          correlationId(got);
          client.close();
        });
      }

      it('a 200 to an upgrade: passed on, and the connection closed', async () => {
        const client = await RawClient.connect(portico.port);
        client.write(upgrade('/ws-200'));
        const got = await client.response();
        assert.ok(isResponse(got), JSON.stringify(got));
        assert.equal(got.status, 200);
        assert.equal(await client.rest(), '');
      });

      for (const [path, bytes] of [
        ['/ws-bad-frame', Buffer.of(0xff, 0xff, 0xff, 0xff)],
        ['/ws-huge-frame', Buffer.concat([Buffer.of(0x82, 0x7f, 0, 0, 0, 0, 0x40, 0, 0, 0), Buffer.alloc(10, 0x61)])],
        ['/ws-masked', Buffer.of(0x81, 0x86, 1, 2, 3, 4, ...Buffer.from('masked').map((b, i) => b ^ [1, 2, 3, 4][i % 4]!))],
      ] as const) {
        it(`${path}: relayed to the client byte for byte after a checked 101 (Portico reads no frame)`, async () => {
          const client = await RawClient.connect(portico.port);
          client.write(upgrade(path));
          const got = await client.response();
          assert.ok(isResponse(got) && got.status === 101, JSON.stringify(got));
          assert.equal(got.headers['sec-websocket-accept'], ACCEPT);
          await eventually(async () => client, () => client.socket.bytesRead >= got.raw.length + bytes.length);
          client.close();
          const after = (await client.rest());
          assert.equal(Buffer.from(after, 'latin1').toString('hex'), bytes.toString('hex'));
        });
      }
    });
  });
}

describe('a lying backend, HTTP/2 client', function () {
  this.timeout(60_000);
  let portico: Started;
  let session: http2.ClientHttp2Session;
  before(async () => {
    portico = await startLying(1);
    session = http2.connect(`http://127.0.0.1:${portico.port}`);
  });
  after(async () => {
    session.close();
    await stopAllPorticos();
  });

  function h2(path: string, method = 'GET'): Promise<{ status: number; body: string; rstCode: number | undefined }> {
    return new Promise((resolve) => {
      const stream = session.request({ ':path': path, ':method': method });
      let status = 0;
      let body = '';
      stream.on('response', (h) => (status = Number(h[':status'])));
      stream.setEncoding('latin1');
      stream.on('data', (d: string) => (body += d));
      stream.on('error', () => {});
      stream.on('close', () => resolve({ status, body, rstCode: stream.rstCode === 0 ? undefined : stream.rstCode }));
    });
  }

  for (const path of ['/cl-te', '/te-gzip', '/informational-flood', '/switch']) {
    it(`${path}: 502, and the next stream gets its own answer`, async () => {
      const got = await h2(path);
      assert.equal(got.status, 502, got.body);
      assert.match(got.body, /Correlation id/);
      assert.match((await h2('/ok')).body, /^ok \d+\.1$/);
    });
  }

  // The HEADERS go out as the head is read: a chunk size that breaks in the head's own read too.
  for (const path of ['/cl-long', '/chunk-huge', '/chunk-negative', '/chunk-ext', '/trailers-huge']) {
    it(`${path}: HEADERS, then RST_STREAM INTERNAL_ERROR, never a complete body`, async () => {
      const got = await h2(path);
      assert.equal(got.status, 200);
      assert.equal(got.rstCode, http2.constants.NGHTTP2_INTERNAL_ERROR);
    });
  }

  /** A WebSocket on an extended CONNECT stream (RFC 8441): the status, and the DATA until the stream closed. */
  function h2WebSocket(path: string): Promise<{ status: number; data: Buffer }> {
    return new Promise((resolve) => {
      const stream = session.request({ ':method': 'CONNECT', ':protocol': 'websocket', ':path': path, ':scheme': 'http', ':authority': 'a', 'sec-websocket-version': '13' }, { endStream: false });
      let status = 0;
      const data: Buffer[] = [];
      stream.on('response', (h) => {
        status = Number(h[':status']);
        // A tunnel stays open: what came in the first moment is what the backend wrote.
        if (status === 200) setTimeout(() => stream.close(), 300);
      });
      stream.on('data', (d: Buffer) => data.push(d));
      stream.on('error', () => {});
      stream.on('close', () => resolve({ status, data: Buffer.concat(data) }));
    });
  }

  for (const path of ['/ws-wrong-accept', '/ws-bare-101']) {
    it(`a WebSocket over HTTP/2 answered ${path}: 502, no tunnel`, async () => {
      await eventually(async () => session, () => session.remoteSettings.enableConnectProtocol === true);
      const got = await h2WebSocket(path);
      assert.equal(got.status, 502);
      assert.match(got.data.toString(), /Correlation id/);
    });
  }

  it('a WebSocket over HTTP/2 whose backend sends a frame header announcing 1 GiB: relayed as it came', async () => {
    const got = await h2WebSocket('/ws-huge-frame');
    assert.equal(got.status, 200);
    assert.equal(got.data.toString('hex'), Buffer.concat([Buffer.of(0x82, 0x7f, 0, 0, 0, 0, 0x40, 0, 0, 0), Buffer.alloc(10, 0x61)]).toString('hex'));
  });

  for (const [path, method] of [['/cl-short', 'GET'], ['/no-body-with-body', 'HEAD'], ['/no-body-with-body?204', 'GET']] as const) {
    it(`${method} ${path}: the answer alone, and the next stream its own`, async () => {
      const got = await h2(path, method);
      assert.doesNotMatch(got.body, /smuggled/);
      assert.match((await h2('/ok')).body, /^ok \d+\.1$/);
    });
  }
});
