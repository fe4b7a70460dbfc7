import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import net from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import { createEmbeddedForwarder, createRouter, type Dispatch, type Upstream } from '@portico/router';
import type { ReadyWorker } from '@portico/worker-actor';
import { SimulatedClock } from '@portico/supervisor';
import { refusedPort, turnsUntil } from '@portico/test-support';
import { requestSeeingResets } from '../forward/resetObserver.ts';
import { signal } from '../forward/harness.ts';
import { MethodDispatch } from '../forward/MethodDispatch.ts';
import { closeAll, getUntilEnding, rawRequest, readSlowPieces, send, stallingClient, startBulkBackend, startHeldBackend, startHost, startHttpBackend, startRawBackend, statusLines, uploadWithoutReading, upstreamAt } from './embedHarness.ts';

const forward = (upstream: Upstream, extra: Partial<Dispatch & { kind: 'forward' }> = {}): (() => Dispatch) => () => ({ kind: 'forward', upstream, ...extra });

/** A backend answering every request with what it received, as JSON. */
async function echoBackend() {
  return startHttpBackend((req, res) => {
    let bytes = 0;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => {
      bytes += c.length;
      if (chunks.length < 4) chunks.push(c);
    });
    req.on('end', () => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ method: req.method, url: req.url, rawHeaders: req.rawHeaders, headers: req.headers, bytes, start: Buffer.concat(chunks).toString('latin1').slice(0, 32) }));
    });
  });
}

type Seen = { method: string; url: string; rawHeaders: string[]; headers: Record<string, string>; bytes: number; start: string };
const seen = (body: Buffer) => JSON.parse(body.toString()) as Seen;

const SWITCHING = 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n';

/**
 * Opens a WebSocket tunnel through an embedded host with sendTimeout 200 ms to `backend` (a raw
 * server that answers the handshake with SWITCHING, not yet listening): resolves with the client
 * once the 101 has come, its errors (the resets a tunnel's close may bring) taken.
 */
async function tunnelThroughHost(backend: net.Server): Promise<net.Socket> {
  backend.listen(0, '127.0.0.1');
  await once(backend, 'listening');
  const host = await startHost(forward(upstreamAt((backend.address() as net.AddressInfo).port)), { sendTimeout: 200 });
  const client = net.connect(host.port, '127.0.0.1');
  client.on('error', () => {});
  await once(client, 'connect');
  client.write('GET /ws HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n');
  await once(client, 'data');
  return client;
}

describe('createEmbeddedForwarder', () => {
  afterEach(closeAll);

  describe('header contract', () => {
    it('sends Portico’s headers and removes hop-by-hop, Connection-named and spoofed ones', async () => {
      const backend = await echoBackend();
      const host = await startHost(forward(upstreamAt(backend.port, 'b', 'tok')));
      const reply = await send(host.port, '/cart?x=1', {
        headers: [
          'Host', 'shop.test',
          'Connection', 'keep-alive, X-Secret',
          'X-Secret', 'drop me',
          'Keep-Alive', 'timeout=5',
          'X-Forwarded-For', '6.6.6.6',
          'X_Portico_Token', 'guess',
          'X-Request-Id', 'mine',
          'Accept', 'a/b',
          'accept', 'c/d',
        ],
      });
      assert.equal(reply.status, 200);
      const got = seen(reply.body);
      assert.equal(got.url, '/cart?x=1');
      const names = got.rawHeaders.filter((_, i) => i % 2 === 0);
      assert.equal(names[0], 'host', 'Host first');
      assert.deepEqual(names.filter((n) => n.toLowerCase() === 'accept'), ['Accept', 'accept'], 'client spelling and order kept');
      assert.ok(names.indexOf('x-portico-token') < names.indexOf('Accept'), 'Portico\'s headers before the client\'s');
      assert.equal(got.headers.host, 'shop.test');
      assert.equal(got.headers['x-secret'], undefined);
      assert.equal(got.headers['keep-alive'], undefined);
      assert.equal(names.filter((n) => n.toLowerCase().replace(/[_.]/g, '-') === 'x-portico-token').length, 1);
      assert.equal(names.filter((n) => n.toLowerCase() === 'x-request-id').length, 1);
      assert.equal(got.headers['x-portico-token'], 'tok');
      assert.equal(got.headers['x-forwarded-for'], '127.0.0.1');
      assert.equal(got.headers['x-forwarded-proto'], 'http');
      assert.equal(got.headers['x-forwarded-host'], 'shop.test');
      assert.equal(got.headers['x-forwarded-port'], String(host.port));
      assert.match(got.headers['x-request-id'] ?? '', /^[\w-]{21}$/);
    });

    it('applies the dispatch’s header transform but never lets it replace Portico’s headers', async () => {
      const backend = await echoBackend();
      const host = await startHost(
        forward(upstreamAt(backend.port, 'b', 'tok'), {
          transformHeaders: (headers) => [...headers.filter(([n]) => n.toLowerCase() !== 'x-portico-user'), ['x-portico-user', 'alice'], ['x-portico-token', 'forged'], ['host', 'evil']],
        }),
      );
      const got = seen((await send(host.port, '/', { headers: { host: 'a.test', 'x-portico-user': 'admin' } })).body);
      assert.equal(got.headers['x-portico-user'], 'alice');
      assert.equal(got.headers['x-portico-token'], 'tok');
      assert.equal(got.headers.host, 'a.test');
    });

    it('calls a dispatch\'s callbacks as its methods, so a class instance with private state can be one', async () => {
      const backend = await startHttpBackend((req, res) => res.end(String(req.headers['x-added'])));
      const dispatch = new MethodDispatch(upstreamAt(await refusedPort(), 'dead'), upstreamAt(backend.port, 'live'), ['x-added', 'by-method']);
      const host = await startHost(() => dispatch);
      const reply = await send(host.port, '/');
      assert.deepEqual([reply.status, reply.body.toString()], [200, 'by-method']);
      assert.equal((await dispatch.released).status, 200);
      assert.deepEqual(dispatch.asked, ['transformHeaders', 'hasAnswered', 'retry', 'transformHeaders', 'release']);
    });

    it('calls a dispatch\'s failureAnswer as its method for the 504 of a backend that never answers', async () => {
      const silent = await startRawBackend(() => {});
      const dispatch = new MethodDispatch(upstreamAt(silent.port, 'silent'), upstreamAt(silent.port, 'silent'), ['x-added', 'by-method'], 200);
      const host = await startHost(() => dispatch);
      const reply = await send(host.port, '/');
      assert.deepEqual([reply.status, reply.body.toString()], [504, 'by-method 504']);
      assert.ok(dispatch.asked.includes('failureAnswer'), `asked: ${dispatch.asked.join(', ')}`);
    });

    // As the socket forwarder and the embedded upgrade do: behind the router, the page naming the
    // app with the correlation id, and upstream.failed saying why (before, a bare 502).
    it('calls a dispatch\'s failureAnswer for the 502 of a backend that broke the protocol (a 101 to a plain GET included) or closed before answering a POST', async () => {
      const cases: { readonly answer: string; readonly method: string; readonly why: RegExp }[] = [
        { answer: 'HTTP/1.1 102 Processing\r\n\r\n'.repeat(40), method: 'GET', why: /interim/ },
        { answer: 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n', method: 'GET', why: /./ },
        { answer: '', method: 'POST', why: /./ },
        { answer: 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n', method: 'GET', why: /101/ },
      ];
      for (const { answer, method, why } of cases) {
        const backend = await startRawBackend((_d, socket) => (answer === '' ? socket.destroy() : socket.write(answer)));
        const dispatch = new MethodDispatch(upstreamAt(backend.port, 'lying'), upstreamAt(backend.port, 'lying'), ['x-added', 'by-method']);
        const host = await startHost(() => dispatch);
        const reply = await send(host.port, '/', method === 'POST' ? { method, body: 'x' } : { method });
        assert.deepEqual([reply.status, reply.body.toString()], [502, 'by-method 502'], `${method} ${JSON.stringify(answer.slice(0, 30))}`);
        assert.ok(dispatch.asked.includes('failureAnswer'), `asked: ${dispatch.asked.join(', ')}`);
        assert.ok(host.events.some((e) => e.type === 'upstream.failed' && why.test(e.error.message)), JSON.stringify(host.events));
      }
    });

    it('answers 500 without contacting the backend when a transform produces an unwritable value', async () => {
      const backend = await echoBackend();
      let contacted = 0;
      backend.server.on('request', () => contacted++);
      const host = await startHost(forward(upstreamAt(backend.port), { transformHeaders: (h) => [...h, ['x-bad', 'a\r\nx-injected: 1']] }));
      assert.equal((await send(host.port, '/')).status, 500);
      assert.equal(contacted, 0);
      assert.deepEqual(host.released.map((o) => o.status), [500]);
    });

    it('keeps every Set-Cookie line and drops the backend’s hop-by-hop response headers', async () => {
      const backend = await startHttpBackend((_req, res) => {
        res.writeHead(201, 'Made It', ['Set-Cookie', 'a=1', 'Set-Cookie', 'b=2', 'Connection', 'X-Internal', 'X-Internal', 'yes', 'X-Kept', 'k', 'Content-Length', '2']);
        res.end('ok');
      });
      const host = await startHost(forward(upstreamAt(backend.port)));
      const reply = await send(host.port, '/');
      assert.equal(reply.status, 201);
      assert.equal(reply.statusMessage, 'Made It');
      assert.deepEqual(reply.headers['set-cookie'], ['a=1', 'b=2']);
      assert.equal(reply.headers['x-internal'], undefined);
      assert.equal(reply.headers['x-kept'], 'k');
      assert.equal(reply.headers['content-length'], '2');
      assert.equal(reply.body.toString(), 'ok');
    });

    it('refuses a target the framer refuses with its status and never dispatches it', async () => {
      const host = await startHost(forward(upstreamAt(1)));
      const reply = await rawRequest(host.port, 'GET //evil.test/x HTTP/1.1\r\nHost: a\r\n\r\n', { until: (t) => t.includes('\r\n\r\n') });
      assert.deepEqual(statusLines(reply.text), ['400']);
      assert.equal(host.dispatched(), 0);
      assert.equal(host.events[0]?.type, 'request.refused');
    });

    for (const [name, line] of [
      ['"Transfer-Encoding: \\xa0chunked"', 'Transfer-Encoding: \xa0chunked'],
      ['"Transfer-Encoding: chunked\\xa0"', 'Transfer-Encoding: chunked\xa0'],
      ['"Content-Length: 5\\xa0"', 'Content-Length: 5\xa0'],
      ['"Content-Length: 5,5"', 'Content-Length: 5,5'],
      ['two identical Content-Length lines', 'Content-Length: 5\r\nContent-Length: 5'],
    ] as const) {
      it(`refuses ${name} over a raw socket and never dispatches it (issue 15)`, async () => {
        const host = await startHost(forward(upstreamAt(1)));
        const reply = await rawRequest(host.port, Buffer.from(`POST / HTTP/1.1\r\nHost: a\r\n${line}\r\n\r\n5\r\nhello\r\n0\r\n\r\n`, 'latin1'), { until: (t) => t.includes('\r\n\r\n') });
        assert.deepEqual(statusLines(reply.text), ['400']);
        assert.equal(host.dispatched(), 0);
      });
    }

    it('refuses a framing-header look-alike that node:http lets through', async () => {
      const host = await startHost(forward(upstreamAt(1)));
      const reply = await rawRequest(host.port, 'GET / HTTP/1.1\r\nHost: a\r\nTransfer_Encoding: chunked\r\n\r\n', { until: (t) => t.includes('\r\n\r\n') });
      assert.deepEqual(statusLines(reply.text), ['400']);
      assert.equal(host.dispatched(), 0);
    });
  });

  describe('bodies', () => {
    // A body parser (express.json()) mounted before the forwarder reads the body; the forwarder
    // then sent the backend a head announcing a body that never came, and the client waited for
    // requestTimeout and got 502, with "socket hang up" in the log and nothing about the cause.
    it('answers 500 at once, naming the cause, when the host read the body before the handler', async () => {
      const backend = await echoBackend();
      const events: { type: string; reason?: string }[] = [];
      let dispatched = 0;
      const forwarder = createEmbeddedForwarder({
        dispatch: () => {
          dispatched++;
          return { kind: 'forward', upstream: upstreamAt(backend.port) };
        },
        onEvent: (e) => events.push(e),
      });
      // The host's body parser: reads every byte, then hands the request on.
      const server = http.createServer((req, res) => {
        req.on('data', () => {});
        req.on('end', () => forwarder.handler(req, res));
      });
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
      try {
        const { port } = server.address() as net.AddressInfo;
        const reply = await send(port, '/orders', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"qty":3}' });
        assert.equal(reply.status, 500);
        assert.equal(dispatched, 0, 'the backend is never asked');
        assert.match(events.find((e) => e.type === 'request.refused')?.reason ?? '', /body was read before .*body parser/);
        // A bodiless request the same host drained (it awaited 'end') is forwarded; it waited for
        // an 'end' that had already come, until requestTimeout.
        assert.equal((await send(port, '/orders')).status, 200);
      } finally {
        server.close();
        server.closeAllConnections();
        forwarder.close();
      }
    });

    it('streams a large request body to the backend and its answer back', async () => {
      const backend = await echoBackend();
      const host = await startHost(forward(upstreamAt(backend.port)));
      const body = Buffer.alloc(8 * 1024 * 1024, 'x');
      const reply = await send(host.port, '/upload', { method: 'POST', body });
      const got = seen(reply.body);
      assert.equal(got.bytes, body.length);
      assert.equal(got.headers['content-length'], String(body.length));
      assert.deepEqual(host.released.map((o) => o.status), [200]);
      // Body bytes, not the head (issue 19: portico_bytes_received_total counted the head too).
      assert.equal(host.released[0]!.bytesIn, body.length);
      assert.equal(host.released[0]!.bytesOut, reply.body.length);
    });

    it('re-chunks a chunked request body', async () => {
      const backend = await echoBackend();
      const host = await startHost(forward(upstreamAt(backend.port)));
      const reply = await rawRequest(host.port, 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n');
      const got = seen(Buffer.from(reply.text.slice(reply.text.indexOf('{')), 'latin1'));
      assert.equal(got.headers['transfer-encoding'], 'chunked');
      assert.equal(got.start, 'abcde');
    });

    it('relays an early answer while the body still streams, then says close', async () => {
      const backend = await startHttpBackend((_req, res) => {
        res.writeHead(413, { 'content-length': '8' });
        res.end('too big\n');
      });
      const host = await startHost(forward(upstreamAt(backend.port)));
      const client = net.connect(host.port, '127.0.0.1');
      client.on('error', () => {});
      let text = '';
      client.on('data', (d: Buffer) => (text += d.toString('latin1')));
      client.write('POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10000000\r\n\r\n');
      client.write(Buffer.alloc(64 * 1024, 'z'));
      await turnsUntil(() => text.includes('too big'));
      assert.match(text, /^HTTP\/1\.1 413/);
      assert.match(text, /\r\nconnection: close\r\n/i);
      await turnsUntil(() => host.released.length === 1);
      assert.equal(host.released[0]!.status, 413);
      client.destroy();
    });

    it('streams a large response with backpressure', async () => {
      const size = 16 * 1024 * 1024;
      const backend = await startHttpBackend((_req, res) => {
        res.setHeader('content-length', size);
        const piece = Buffer.alloc(64 * 1024, 'y');
        let sent = 0;
        const pump = (): void => {
          while (sent < size) {
            sent += piece.length;
            if (!res.write(piece)) return void res.once('drain', pump);
          }
          res.end();
        };
        pump();
      });
      const host = await startHost(forward(upstreamAt(backend.port)));
      const reply = await send(host.port, '/big');
      assert.equal(reply.body.length, size);
      await turnsUntil(() => host.released.length === 1);
      assert.equal(host.released[0]!.bytesOut, size);
    });
  });

  describe('failures', () => {
    it('answers 502 when the upstream refuses the connection and no other is ready', async () => {
      const host = await startHost(forward(upstreamAt(await refusedPort())));
      const reply = await send(host.port, '/');
      assert.equal(reply.status, 502);
      assert.equal(reply.headers.connection, 'close');
      assert.deepEqual(host.released.map((o) => o.status), [502]);
    });

    it('retries once on another upstream when the first refused the connection', async () => {
      const backend = await echoBackend();
      const good = upstreamAt(backend.port, 'good');
      const host = await startHost(forward(upstreamAt(await refusedPort(), 'dead'), { retry: () => good }));
      const reply = await send(host.port, '/', { method: 'POST', body: 'payload' });
      assert.equal(reply.status, 200);
      assert.equal(seen(reply.body).start, 'payload');
      assert.deepEqual(host.events.map((e) => e.type === 'upstream.failed' && e.retried), [true]);
      await turnsUntil(() => host.released.length > 0);
      assert.deepEqual(host.released.map((o) => o.status), [200], 'one release for the exchange, not one per attempt');
    });

    it('replays an idempotent request that reached a failing backend, but never a POST', async () => {
      const failing = await startRawBackend((_d, socket) => socket.destroy());
      const backend = await echoBackend();
      let retries = 0;
      const host = await startHost(forward(upstreamAt(failing.port, 'failing'), { retry: () => (retries++, upstreamAt(backend.port, 'good')) }));
      assert.equal((await send(host.port, '/', { method: 'PUT', body: 'same' })).status, 200);
      assert.equal(retries, 1);
      assert.equal((await send(host.port, '/', { method: 'POST', body: 'once' })).status, 502);
      assert.equal(retries, 1, 'a POST that reached a backend is not sent again');
    });

    // node:http's client holds a head with a Content-Length until the first body byte: a backend
    // that answers on the head alone (a 401 before an upload) never saw it, and the client waited
    // for good (test/nginxResponseDifferential.slow.test.ts; nginx, not buffering, sends it).
    it('sends the request head at once, so an answer before the request body reaches the client', async () => {
      const backend = await startRawBackend((_d, socket) => socket.write('HTTP/1.1 401 Unauthorized\r\nContent-Length: 2\r\n\r\nno'));
      const host = await startHost(forward(upstreamAt(backend.port)));
      const client = net.connect(host.port, '127.0.0.1');
      client.on('error', () => {});
      let text = '';
      client.on('data', (d: Buffer) => (text += d.toString('latin1')));
      client.write('POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\n');
      await turnsUntil(() => text.endsWith('\r\n\r\nno'));
      assert.match(text, /^HTTP\/1\.1 401 /);
      assert.match(text, /\r\nconnection: close\r\n/i);
      client.destroy();
    });

    // As the socket forwarder's own parser: a malformed answer is the backend's answer, a protocol
    // fault, not a connection that failed; before, node:http's parse error went down the retry
    // path, sending the request again and, from a worker that had never answered, taking it for a
    // failed start.
    it('answers 502 once to a response node:http refuses: never sent again, never a failed start', async () => {
      const backend = await startRawBackend((_d, socket) => socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nok'));
      const dispatch = new MethodDispatch(upstreamAt(backend.port, 'lying'), upstreamAt(backend.port, 'next'), ['x-added', 'by-method']);
      const host = await startHost(() => dispatch);
      const reply = await send(host.port, '/');
      assert.deepEqual([reply.status, reply.body.toString()], [502, 'by-method 502']);
      assert.equal(backend.connections, 1, 'the request went to one backend');
      assert.ok(!dispatch.asked.includes('retry'), `asked: ${dispatch.asked.join(', ')}`);
      assert.equal((await dispatch.released).answered, true);
      assert.ok(host.events.some((e) => e.type === 'upstream.failed' && !e.retried && /malformed/.test(e.error.message)), JSON.stringify(host.events));
    });

    // node:http's client keeps some 1000 fields of a head and drops the rest without a word (a
    // Content-Security-Policy or Set-Cookie among them); the socket forwarder answers 502.
    it('answers 502 to more response header lines than maxResponseHeaderCount, rather than dropping some', async () => {
      for (const [count, limit, status] of [
        [1100, undefined, 502],
        [11, 10, 502],
        [10, 10, 200],
      ] as const) {
        const backend = await startRawBackend((_d, socket) => socket.write(`HTTP/1.1 200 OK\r\nContent-Length: 2\r\n${'X-F: v\r\n'.repeat(count - 2)}X-Last: 1\r\n\r\nok`));
        const host = await startHost(forward(upstreamAt(backend.port)), limit === undefined ? {} : { limits: { maxResponseHeaderCount: limit } });
        const reply = await send(host.port, '/');
        assert.equal(reply.status, status, `${count} fields, limit ${String(limit)}`);
        if (status === 200) assert.equal(reply.headers['x-last'], '1');
      }
    });

    // node:http's client stops at 16 KiB of head (its maxHeaderSize) unless told otherwise.
    it('takes a response head up to maxResponseHeadBytes, as the socket forwarder does, and answers 502 past it', async () => {
      for (const [kib, status] of [
        [20, 200],
        [70, 502],
      ] as const) {
        const backend = await startRawBackend((_d, socket) => socket.write(`HTTP/1.1 200 OK\r\nContent-Length: 2\r\n${`X-Big: ${'a'.repeat(1000)}\r\n`.repeat(kib)}\r\nok`));
        const host = await startHost(forward(upstreamAt(backend.port)));
        const reply = await rawRequest(host.port, 'GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
        assert.match(reply.text, new RegExp(`^HTTP/1\\.1 ${status} `), `a ${kib} KiB head`);
      }
    });

    it('answers 504 and closes the backend connection when the response head is late', async () => {
      let upstreamClosed!: Promise<unknown>;
      const backend = await startRawBackend((_d, socket) => (upstreamClosed ??= once(socket, 'close')));
      const host = await startHost(forward(upstreamAt(backend.port), { requestTimeout: 150 }));
      const reply = await send(host.port, '/slow');
      assert.equal(reply.status, 504);
      await upstreamClosed;
      assert.deepEqual(host.released.map((o) => o.status), [504]);
    });

    it('relays a slow response whose pieces come within requestTimeout of each other', async () => {
      const clock = new SimulatedClock();
      const backend = await startHeldBackend();
      const host = await startHost(forward(upstreamAt(backend.port), { requestTimeout: 200 }), { clock });
      // Six pieces 150 ms apart on the forwarder's clock: 900 ms in all, each gap under the 200 ms timeout.
      const text = await readSlowPieces(host.port, backend, clock);
      assert.deepEqual(statusLines(text), ['200']);
      assert.match(text, /piece 5\n[\s\S]*done\n/);
      assert.deepEqual(host.released.map((o) => o.status), [200]);
    });

    it('resets the client once the backend is silent for requestTimeout mid-response, and not before', async () => {
      const clock = new SimulatedClock();
      let upstreamClosed!: Promise<unknown>;
      const backend = await startRawBackend((_d, socket) => {
        upstreamClosed ??= once(socket, 'close');
        socket.write('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhalf-');
      });
      const host = await startHost(forward(upstreamAt(backend.port), { requestTimeout: 200 }), { clock });
      const client = await getUntilEnding(host.port, 'half-');
      clock.advance(199);
      assert.equal(host.events.length, 0);
      clock.advance(1);
      const { reset } = await client.closed;
      await upstreamClosed;
      assert.equal(reset, true, 'a truncated body ends in a reset, never a clean close');
      assert.deepEqual(host.events.at(-1), { type: 'response.aborted', reason: 'the backend sent nothing for 200 ms' });
      // The 200 the client got, marked incomplete (endedEarly.ts); before, 0, a 5xx.
      assert.deepEqual(host.released.map((o) => [o.status, o.incomplete]), [[200, true]]);
    });

    it('does not time a request body the client is still sending', async () => {
      const clock = new SimulatedClock();
      const backend = await echoBackend();
      const host = await startHost(forward(upstreamAt(backend.port), { requestTimeout: 200 }), { clock });
      const client = net.connect(host.port, '127.0.0.1');
      let text = '';
      client.on('data', (d: Buffer) => (text += d.toString('latin1')));
      await once(client, 'connect');
      client.write('POST /up HTTP/1.1\r\nHost: a\r\nConnection: close\r\nContent-Length: 6\r\n\r\nab');
      await turnsUntil(() => host.dispatched() === 1);
      // The client takes 1 s of the forwarder's clock to send the rest; the backend is not to blame.
      clock.advance(1_000);
      client.write('cdef');
      await once(client, 'close');
      assert.deepEqual(statusLines(text), ['200']);
      assert.equal(seen(Buffer.from(text.slice(text.indexOf('\r\n\r\n') + 4), 'latin1')).bytes, 6);
    });

    it('resets a client that stops reading the response after sendTimeout, and frees the backend', async () => {
      const size = 64 * 1024 * 1024;
      const backend = await startBulkBackend(size);
      const host = await startHost(forward(upstreamAt(backend.port)), { sendTimeout: 200 });
      const client = await stallingClient(host.port);
      await backend.closed;
      assert.deepEqual(host.events.at(-1), { type: 'response.aborted', reason: 'the client read nothing of the response for 200 ms' });
      // The 200 the client got, marked incomplete (endedEarly.ts); before, 0, a 5xx.
      await turnsUntil(() => host.released.length === 1);
      assert.deepEqual(host.released.map((o) => [o.status, o.incomplete]), [[200, true]]);
      const received = await client.readRest();
      assert.ok(received < size, `received ${received} of ${size}`);
    });

    it('resets a client that uploads slowly but reads nothing after sendTimeout: its upload is no sign it reads', async () => {
      const backend = await startBulkBackend(64 * 1024 * 1024);
      const host = await startHost(forward(upstreamAt(backend.port)), { sendTimeout: 300 });
      assert.equal(await uploadWithoutReading(host.port), true);
      assert.deepEqual(host.events.at(-1), { type: 'response.aborted', reason: 'the client read nothing of the response for 300 ms' });
    });

    // Issue 15: a truncated body never looks complete, however the backend's bytes were split. In
    // the head's packet the head is dropped with it: nothing reached the client, which gets 502
    // (before, a reset); after, the client has the head, and gets a reset.
    for (const split of ['in the same packet as the head', 'in a packet after the head reached the client'] as const) {
      it(`never ends a body cut by a malformed chunk size cleanly: it comes ${split}`, async () => {
        const HEAD = 'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n';
        const BAD_CHUNK = '1234567890123456789\r\nx\r\n';
        const headSeen = signal();
        const backend = await startRawBackend((_d, socket) => {
          if (split === 'in the same packet as the head') return void socket.write(HEAD + BAD_CHUNK);
          // A first chunk with the head: node:http writes the head with the first body bytes.
          socket.write(`${HEAD}1\r\na\r\n`);
          void headSeen.promise.then(() => socket.write(BAD_CHUNK));
        });
        const host = await startHost(forward(upstreamAt(backend.port)));
        const reply = split === 'in the same packet as the head'
          ? await requestSeeingResets(host.port, 'GET / HTTP/1.1\r\nHost: a\r\n\r\n')
          : await rawRequest(host.port, 'GET / HTTP/1.1\r\nHost: a\r\n\r\n', {
              until: (got) => {
                if (got.includes('\r\n\r\n')) headSeen.fire();
                return false;
              },
            });
        if (split === 'in the same packet as the head') assert.match(reply.text, /^HTTP\/1\.1 502 [^]*\r\n\r\n502 Bad Gateway\n$/);
        else assert.equal(reply.ended, 'reset', `ended with ${reply.ended}: ${JSON.stringify(reply.text)}`);
        assert.ok(!reply.text.includes('\r\n0\r\n\r\n'), 'a truncated body never looks complete');
      });
    }

    it('resets the client connection when the backend dies after the response began', async () => {
      const backend = await startRawBackend((_d, socket) => {
        socket.write('HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\npartial');
        setImmediate(() => socket.destroy());
      });
      const host = await startHost(forward(upstreamAt(backend.port)));
      const reply = await rawRequest(host.port, 'GET / HTTP/1.1\r\nHost: a\r\n\r\n');
      assert.match(reply.text, /^HTTP\/1\.1 200/);
      assert.notEqual(reply.ended, 'open');
      assert.ok(!reply.text.endsWith('\r\n0\r\n\r\n'), 'a truncated body never looks complete');
      await turnsUntil(() => host.released.length === 1);
      assert.deepEqual([host.released[0]!.status, host.released[0]!.incomplete], [200, true]);
    });

    // Released with status 0 before, which the router's metrics count as a 5xx.
    it('aborts the backend request when the client goes away, and releases once, as 499 (client closed request)', async () => {
      let backendSawClose!: () => void;
      const closed = new Promise<void>((resolve) => (backendSawClose = resolve));
      const backend = await startHttpBackend((req) => req.socket.on('close', backendSawClose));
      const host = await startHost(forward(upstreamAt(backend.port)));
      const client = net.connect(host.port, '127.0.0.1');
      client.on('error', () => {});
      client.write('GET /wait HTTP/1.1\r\nHost: a\r\n\r\n');
      await once(backend.server, 'request');
      client.destroy();
      await closed;
      await turnsUntil(() => host.released.length === 1);
      assert.deepEqual(host.released.map((o) => [o.status, o.clientClosed, o.incomplete]), [[499, true, false]]);
      assert.ok(host.events.some((e) => e.type === 'response.aborted'));
    });
  });

  describe('respond decisions', () => {
    it('writes the decided status, headers and body', async () => {
      const host = await startHost(() => ({ kind: 'respond', status: 401, headers: [['www-authenticate', 'Basic realm="x"'], ['content-length', '999']], body: 'who?\n' }));
      const reply = await send(host.port, '/');
      assert.equal(reply.status, 401);
      assert.equal(reply.headers['www-authenticate'], 'Basic realm="x"');
      assert.equal(reply.headers['content-length'], '5', 'the length is Portico’s, not the decision’s');
      assert.equal(reply.body.toString(), 'who?\n');
    });

    it('sends no body to HEAD, a canned body by default, and connection: close when asked', async () => {
      const host = await startHost(() => ({ kind: 'respond', status: 503, close: true }));
      const head = await send(host.port, '/', { method: 'HEAD' });
      assert.equal(head.body.length, 0);
      const get = await send(host.port, '/');
      assert.equal(get.body.toString(), '503 Service Unavailable\n');
      assert.equal(get.headers.connection, 'close');
    });

    it('waits for an asynchronous decision', async () => {
      const backend = await echoBackend();
      const host = await startHost(() => Promise.resolve<Dispatch>({ kind: 'forward', upstream: upstreamAt(backend.port) }));
      assert.equal((await send(host.port, '/later')).status, 200);
    });

    it('releases a decision that arrives after the client left as 499, without contacting the backend', async () => {
      const backend = await echoBackend();
      let contacted = 0;
      backend.server.on('request', () => contacted++);
      let decideNow!: (d: Dispatch) => void;
      const host = await startHost(() => new Promise<Dispatch>((resolve) => (decideNow = resolve)));
      const serverSide = once(host.server, 'connection') as Promise<[net.Socket]>;
      const client = net.connect(host.port, '127.0.0.1');
      client.on('error', () => {});
      client.write('GET / HTTP/1.1\r\nHost: a\r\n\r\n');
      const [socket] = await serverSide;
      await turnsUntil(() => host.dispatched() === 1);
      const gone = once(socket, 'close');
      client.destroy();
      await gone;
      decideNow({ kind: 'forward', upstream: upstreamAt(backend.port) });
      await turnsUntil(() => host.released.length === 1);
      assert.deepEqual(host.released.map((o) => [o.status, o.clientClosed, o.incomplete]), [[499, true, false]]);
      assert.equal(contacted, 0);
    });
  });

  describe('upgrade', () => {
    it('tunnels a WebSocket to the backend with Portico’s headers', async () => {
      const backend = await startHttpBackend((_req, res) => res.end('plain'));
      const wss = new WebSocketServer({ server: backend.server });
      wss.on('connection', (socket, req) => {
        socket.send(`token=${req.headers['x-portico-token']}`);
        socket.on('message', (data, binary) => socket.send(data, { binary }));
      });
      const host = await startHost(forward(upstreamAt(backend.port, 'b', 'tok')));
      const client = new WebSocket(`ws://127.0.0.1:${host.port}/ws`);
      const messages: string[] = [];
      client.on('message', (d: Buffer) => messages.push(d.toString()));
      await once(client, 'open');
      client.send('hello');
      await turnsUntil(() => messages.length === 2);
      assert.deepEqual(messages, ['token=tok', 'hello']);
      assert.deepEqual(host.released.map((o) => o.status), [101]);
      client.close();
      await once(client, 'close');
      wss.close();
    });

    it('refuses an h2c upgrade with 400 and never contacts a backend', async () => {
      const host = await startHost(forward(upstreamAt(1)));
      const reply = await rawRequest(host.port, 'GET / HTTP/1.1\r\nHost: a\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n');
      assert.deepEqual(statusLines(reply.text), ['400']);
      assert.equal(reply.ended, 'end');
      assert.equal(host.dispatched(), 0);
    });

    it('passes on a backend’s refusal of the upgrade and closes', async () => {
      const backend = await startRawBackend((_d, socket) => socket.write('HTTP/1.1 426 Upgrade Required\r\ncontent-length: 4\r\n\r\nnope'));
      const host = await startHost(forward(upstreamAt(backend.port)));
      const key = 'dGhlIHNhbXBsZSBub25jZQ==';
      const reply = await rawRequest(host.port, `GET /ws HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`);
      assert.deepEqual(statusLines(reply.text), ['426']);
      assert.ok(reply.text.endsWith('nope'));
      assert.equal(reply.ended, 'end');
      assert.deepEqual(host.released.map((o) => o.status), [426]);
    });

    // Backend reads are lent for one call, in a buffer every connection's reads share
    // (UpstreamConnection, the socket forwarder's): a refusal's body queued for a client that is
    // behind, as a view of one, would be overwritten by another connection's next read.
    for (const framing of ['content-length', 'chunked', 'close'] as const) {
      it(`passes on a refusal's large body intact to a client that reads only once another has read its own (${framing})`, async () => {
        const size = 16 * 1024 * 1024;
        const body = Buffer.alloc(size);
        for (let i = 0; i < size; i += 4) body.writeUInt32BE((i * 2654435761) >>> 0, i);
        const head = framing === 'content-length' ? `content-length: ${size}\r\n` : framing === 'chunked' ? 'transfer-encoding: chunked\r\n' : '';
        let answered = 0;
        const backend = await startRawBackend((_d, socket) => {
          // The first connection's body is the pattern, the second's all 0xff.
          const own = answered++ === 0 ? body : Buffer.alloc(size, 0xff);
          socket.write(`HTTP/1.1 403 Forbidden\r\n${head}\r\n`);
          for (let at = 0; at < size; at += 64 * 1024) {
            const piece = own.subarray(at, at + 64 * 1024);
            socket.write(framing === 'chunked' ? Buffer.concat([Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from('\r\n')]) : piece);
          }
          if (framing === 'chunked') socket.write('0\r\n\r\n');
          if (framing === 'close') socket.end();
        });
        const host = await startHost(forward(upstreamAt(backend.port)));
        const handshake = 'GET /ws HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n';
        const behind = net.connect(host.port, '127.0.0.1');
        await once(behind, 'connect');
        behind.pause();
        behind.write(handshake);
        await turnsUntil(() => answered === 1);
        const other = await rawRequest(host.port, handshake);
        assert.equal(other.text.length > size, true);
        const pieces: Buffer[] = [];
        behind.on('data', (d: Buffer) => pieces.push(d));
        behind.resume();
        await once(behind, 'end');
        behind.destroy();
        const reply = Buffer.concat(pieces);
        const at = reply.indexOf('\r\n\r\n');
        assert.match(reply.subarray(0, at).toString('latin1'), /^HTTP\/1\.1 403 /);
        const received = reply.subarray(at + 4);
        assert.equal(received.length, size);
        assert.ok(received.equals(body), 'the body arrived changed');
      });
    }

    // A refusal's body was written to the client as it came, whatever the client took: a backend
    // that refused with an endless body to a client that never read had the host hold all of it.
    it('holds a backend\'s refusal for a client that reads nothing, and closes both after sendTimeout', async () => {
      const bound = 64 * 1024 * 1024;
      let handedOver = 0;
      let backendClosed!: Promise<unknown>;
      let backendSocket: net.Socket | undefined;
      const backend = await startRawBackend((_d, socket) => {
        backendSocket = socket;
        // The cut is a reset: wait for the close, not with once(), which rejects on the reset's error.
        backendClosed ??= new Promise((resolve) => socket.on('close', resolve));
        socket.write('HTTP/1.1 403 Forbidden\r\n\r\n');
        const piece = Buffer.alloc(1024 * 1024, 0x61);
        const pump = (): void => {
          while (handedOver < bound && !socket.destroyed) {
            handedOver += piece.length;
            if (!socket.write(piece)) return;
          }
        };
        socket.on('drain', pump);
        pump();
      });
      const host = await startHost(forward(upstreamAt(backend.port)), { sendTimeout: 200 });
      const client = net.connect(host.port, '127.0.0.1');
      client.on('error', () => {});
      await once(client, 'connect');
      client.pause();
      client.write('GET /ws HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n');
      try {
        await turnsUntil(() => backendClosed !== undefined);
        await Promise.race([backendClosed, turnsUntil(() => handedOver >= bound)]);
        assert.ok(handedOver < bound, `the backend handed over ${handedOver / 1024 / 1024} MiB to a client that read none of it`);
        await backendClosed;
        assert.deepEqual(host.events.at(-1), { type: 'response.aborted', reason: 'the client read nothing of the response for 200 ms' });
        await turnsUntil(() => host.released.length === 1);
        assert.deepEqual(host.released.map((o) => [o.status, o.incomplete]), [[403, true]]);
      } finally {
        client.destroy();
        backendSocket?.destroy();
      }
    });

    it('answers 502, and opens no tunnel, to a 101 that does not complete the handshake (a wrong accept, no Upgrade)', async () => {
      const key = 'dGhlIHNhbXBsZSBub25jZQ==';
      for (const answer of ['Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: c3RvbGVuIGFjY2VwdCB2YWx1ZQ==\r\n', '']) {
        let after = '';
        const backend = await startRawBackend((data, socket) => {
          if (data.toString('latin1').startsWith('GET /ws ')) socket.write(`HTTP/1.1 101 Switching Protocols\r\n${answer}\r\n`);
          else after += data.toString('latin1');
        });
        const host = await startHost(forward(upstreamAt(backend.port)));
        // A request behind the handshake: a tunnel would carry it to the backend raw.
        const reply = await rawRequest(host.port, `GET /ws HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\nGET /internal HTTP/1.1\r\nHost: a\r\n\r\n`);
        assert.deepEqual(statusLines(reply.text), ['502']);
        assert.equal(after, '');
        assert.deepEqual(host.released.map((o) => o.status), [502]);
        assert.ok(host.events.some((e) => e.type === 'upstream.failed' && /101/.test(e.error.message)));
      }
    });

    it('closes the tunnel sendTimeout after the client\'s FIN when the backend never closes its side (a close frame never answered)', async () => {
      // A backend that stays half-open: it takes the client's FIN and never ends its own side.
      const backend = net.createServer({ allowHalfOpen: true }, (socket) => {
        socket.on('error', () => {});
        socket.once('data', () => socket.write(SWITCHING));
      });
      const client = await tunnelThroughHost(backend);
      const closed = once(client, 'close');
      // A masked close frame (code 1000), then FIN: the client waits for the server to close.
      client.end(Buffer.of(0x88, 0x82, 1, 2, 3, 4, 0x03 ^ 1, 0xe8 ^ 2));
      client.resume();
      await closed;
      backend.close();
    });

    // A side that takes nothing for sendTimeout ends the tunnel, as the socket forwarder's does:
    // before, the embedded tunnel was a bare pipe, and a client that never read held its backend
    // connection (and the worker's drain) for good.
    for (const stalls of ['client', 'backend'] as const) {
      it(`closes the tunnel when the ${stalls} takes nothing for sendTimeout while the other side sends`, async () => {
        const chunk = Buffer.alloc(64 * 1024, 0x61);
        let backendClosed!: Promise<unknown>;
        let backendSocket!: net.Socket;
        const backend = net.createServer((socket) => {
          backendSocket = socket;
          socket.on('error', () => {});
          // Closed with unread bytes, a socket is reset: wait for its close, whatever error came first.
          backendClosed = new Promise((resolve) => socket.once('close', resolve));
          socket.once('data', () => {
            socket.write(SWITCHING);
            if (stalls === 'backend') return void socket.pause();
            const flood = (): void => {
              while (socket.writable && socket.write(chunk));
            };
            socket.on('drain', flood);
            flood();
          });
        });
        const client = await tunnelThroughHost(backend);
        const closed = new Promise((resolve) => client.once('close', resolve));
        if (stalls === 'client') client.pause();
        else {
          const flood = (): void => {
            while (!client.destroyed && client.write(chunk));
          };
          client.on('drain', flood);
          flood();
        }
        // The side that sends sees the tunnel close; the paused one sees it once it reads again.
        await (stalls === 'client' ? backendClosed : closed);
        (stalls === 'client' ? client : backendSocket).resume();
        await (stalls === 'client' ? closed : backendClosed);
        backend.close();
      });
    }

    it('answers 502 to an upgrade kept waiting by more than 32 interim answers', async () => {
      const backend = await startRawBackend((_d, socket) => socket.write('HTTP/1.1 102 Processing\r\n\r\n'.repeat(40)));
      const host = await startHost(forward(upstreamAt(backend.port)));
      const reply = await rawRequest(host.port, 'GET /ws HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n');
      assert.deepEqual(statusLines(reply.text), ['502']);
    });

    // As the socket forwarder and the embedded handler answer: behind the router, the page naming
    // the app with the correlation id. The upgrade gave a bare 502 Bad Gateway here.
    it('calls a dispatch\'s failureAnswer for the 502 of a backend that closed in the middle of its answer to a handshake', async () => {
      const backend = await startRawBackend((_d, socket) => socket.end('HTTP/1.1 101 Swi'));
      const dispatch = new MethodDispatch(upstreamAt(backend.port, 'closing'), upstreamAt(backend.port, 'closing'), ['x-added', 'by-method']);
      const host = await startHost(() => dispatch);
      const reply = await rawRequest(host.port, 'GET /ws HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n');
      assert.deepEqual(statusLines(reply.text), ['502']);
      assert.ok(reply.text.endsWith('by-method 502'), reply.text);
      assert.ok(dispatch.asked.includes('failureAnswer'), `asked: ${dispatch.asked.join(', ')}`);
    });

    it('refuses a broken WebSocket handshake with 400', async () => {
      const host = await startHost(forward(upstreamAt(1)));
      const reply = await rawRequest(host.port, 'GET /ws HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: short\r\nSec-WebSocket-Version: 13\r\n\r\n');
      assert.deepEqual(statusLines(reply.text), ['400']);
      assert.equal(host.dispatched(), 0);
    });
  });

  describe('upstream connections', () => {
    it('reuses one keep-alive connection per upstream for sequential requests', async () => {
      const backend = await echoBackend();
      let connections = 0;
      backend.server.on('connection', () => connections++);
      const host = await startHost(forward(upstreamAt(backend.port)));
      for (let i = 0; i < 3; i++) assert.equal((await send(host.port, `/${i}`)).status, 200);
      assert.equal(connections, 1);
    });

    it('closes pooled backend connections on close()', async () => {
      const backend = await echoBackend();
      const sockets: net.Socket[] = [];
      backend.server.on('connection', (s: net.Socket) => sockets.push(s));
      const host = await startHost(forward(upstreamAt(backend.port)));
      await send(host.port, '/');
      assert.equal(sockets.length, 1);
      const closed = once(sockets[0]!, 'close');
      host.forwarder.close();
      await closed;
    });

    it('lets a request in flight at close() finish on its connection, which then closes instead of going back to the pool', async () => {
      let answer: (() => void) | undefined;
      const backend = await startHttpBackend((_req, res) => {
        answer = () => res.end('all of it');
      });
      const sockets: net.Socket[] = [];
      backend.server.on('connection', (s: net.Socket) => sockets.push(s));
      const host = await startHost(forward(upstreamAt(backend.port)));
      const reply = send(host.port, '/held');
      await turnsUntil(() => answer !== undefined);
      host.forwarder.close();
      const closed = once(sockets[0]!, 'close');
      answer!();
      const got = await reply;
      assert.equal(got.status, 200);
      assert.equal(got.body.toString(), 'all of it');
      await closed;
    });
  });

  describe('the router’s decisions', () => {
    // A ForwardDecision keeps its state in private fields and its callbacks as methods: an engine
    // that took `release` off the dispatch and called it bare lost `this`, threw (swallowed), and
    // the worker kept the request in flight for ever, uncounted.
    it('releases the router’s decision: the worker’s request ends and is counted', async () => {
      const backend = await echoBackend();
      const worker: ReadyWorker = { id: 'w1', pid: 1, endpoint: { kind: 'tcp', host: '127.0.0.1', port: backend.port }, token: 't', load: { inFlight: 0 }, notifyIdle: () => {}, notifyUnreachable: () => {} };
      const backends = { ready: [worker], state: 'ready' as const, lastExit: undefined, start: async () => {}, stop: async () => {}, onChange: () => () => {} };
      const counted: number[] = [];
      const router = createRouter([{ name: 'app', match: { host: '*', path: '/' }, backends }], { onRequest: (_app, status) => counted.push(status) });
      const forwarder = createEmbeddedForwarder({ dispatch: (r) => router.route({ head: r.head, remoteAddress: '127.0.0.1', requestId: r.requestId }) });
      const server = http.createServer(forwarder.handler).listen(0, '127.0.0.1');
      await once(server, 'listening');
      try {
        const reply = await send((server.address() as net.AddressInfo).port, '/x');
        assert.equal(reply.status, 200);
        await turnsUntil(() => counted.length === 1);
        assert.deepEqual(counted, [200]);
        assert.equal(worker.load.inFlight, 0);
      } finally {
        forwarder.close();
        server.closeAllConnections();
        await new Promise((resolve) => server.close(resolve));
      }
    });
  });
});
