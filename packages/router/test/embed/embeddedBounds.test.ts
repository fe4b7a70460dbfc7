import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';
import { SimulatedClock } from '@portico/supervisor';
import { MAX_INFORMATIONAL_RESPONSES } from '../../src/internal/forward/connectionBounds.ts';
import { signal } from '../forward/harness.ts';
import { closeAll, rawRequest, startHost, startRawBackend, statusLines, upstreamAt } from './embedHarness.ts';

const PROCESSING = 'HTTP/1.1 102 Processing\r\n\r\n';

describe('embedded forwarder bounds', () => {
  afterEach(closeAll);

  describe('a backend that sends 1xx without end', () => {
    it('gets 504 after requestTimeout from the request, however many 1xx it sent meanwhile', async function () {
      this.timeout(5_000);
      const clock = new SimulatedClock();
      let backendSocket!: net.Socket;
      const arrival = signal();
      const backend = await startRawBackend((_data, socket) => {
        backendSocket = socket;
        arrival.fire();
      });
      const host = await startHost(() => ({ kind: 'forward', upstream: upstreamAt(backend.port) }), { requestTimeout: 2_000, clock });
      const client = net.connect(host.port, '127.0.0.1');
      let text = '';
      client.on('data', (d: Buffer) => (text += d.toString('latin1')));
      client.write('GET / HTTP/1.1\r\nHost: a\r\n\r\n');
      await arrival.promise;
      for (let i = 1; i <= 2; i++) {
        backendSocket.write(PROCESSING);
        while (statusLines(text).length < i) await once(client, 'data');
        clock.advance(900);
      }
      clock.advance(200);
      while (!text.includes('504')) await once(client, 'data');
      assert.deepEqual(statusLines(text), ['102', '102', '504']);
      client.destroy();
    });

    it(`gets 502 after MAX_INFORMATIONAL_RESPONSES (${MAX_INFORMATIONAL_RESPONSES}) of them, and its connection is closed`, async function () {
      this.timeout(5_000);
      const backendClosed = signal();
      const backend = await startRawBackend((_data, socket) => {
        socket.on('close', backendClosed.fire);
        socket.write(PROCESSING.repeat(MAX_INFORMATIONAL_RESPONSES + 8));
      });
      const host = await startHost(() => ({ kind: 'forward', upstream: upstreamAt(backend.port) }));
      const { text } = await rawRequest(host.port, 'GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
      const statuses = statusLines(text);
      assert.equal(statuses.length, MAX_INFORMATIONAL_RESPONSES + 1);
      assert.ok(statuses.slice(0, -1).every((s) => s === '102'));
      assert.equal(statuses.at(-1), '502');
      await backendClosed.promise;
    });
  });

  describe('stray bytes from a backend', () => {
    const STRAY = 'HTTP/1.1 200 OK\r\nSet-Cookie: session=someone-else\r\nContent-Length: 5\r\n\r\nstray';
    const RIGHT = 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nright';

    for (const [what, request, first] of [
      ['HEAD', 'HEAD / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n', 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n'],
      ['204', 'GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n', 'HTTP/1.1 204 No Content\r\n\r\n'],
      ['304', 'GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n', 'HTTP/1.1 304 Not Modified\r\nETag: "x"\r\n\r\n'],
    ] as const) {
      it(`closes the backend connection after a ${what} answer, which has no body by rule, rather than reuse it`, async () => {
        // Answers `first`, then on the same connection a stray response before the right one.
        const answered = new WeakSet<net.Socket>();
        const backend = await startRawBackend((data, socket) => {
          if (!data.toString('latin1').startsWith('GET /next ')) socket.write(first);
          else socket.write(answered.has(socket) ? STRAY + RIGHT : RIGHT);
          answered.add(socket);
        });
        const host = await startHost(() => ({ kind: 'forward', upstream: upstreamAt(backend.port) }));
        await rawRequest(host.port, request);
        const next = await rawRequest(host.port, 'GET /next HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
        assert.doesNotMatch(next.text, /someone-else/);
        assert.match(next.text, /\r\n\r\nright$/);
        assert.equal(backend.connections, 2);
      });
    }

    it('closes an idle pooled backend connection that sends anything, and never reuses it', async function () {
      this.timeout(5_000);
      let idleSocket: net.Socket | undefined;
      const backend = await startRawBackend((_data, socket) => {
        idleSocket ??= socket;
        socket.write(RIGHT);
      });
      // Pooled far longer than the test runs: only the stray bytes may close it.
      const host = await startHost(() => ({ kind: 'forward', upstream: upstreamAt(backend.port) }), { upstreamIdleTimeout: 60_000 });
      await rawRequest(host.port, 'GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
      const closed = once(idleSocket!, 'close');
      idleSocket!.write(STRAY);
      await closed;
      const next = await rawRequest(host.port, 'GET /next HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
      assert.match(next.text, /\r\n\r\nright$/);
      assert.doesNotMatch(next.text, /someone-else/);
      assert.equal(backend.connections, 2);
    });
  });

  describe('a body of many tiny chunks', () => {
    const count = 10_000;
    const tinyChunks = `${'1\r\nx\r\n'.repeat(count)}0\r\n\r\n`;

    /** The chunks of a chunked body, by a parser that trusts its input: their data sizes, in order. */
    function chunkSizes(body: string): number[] {
      const sizes: number[] = [];
      let at = 0;
      for (;;) {
        const lineEnd = body.indexOf('\r\n', at);
        const size = parseInt(body.slice(at, lineEnd), 16);
        if (size === 0) return sizes;
        sizes.push(size);
        at = lineEnd + 2 + size + 2;
      }
    }

    it('reaches the backend as a handful of chunks, not one per chunk', async () => {
      let request = '';
      const backend = await startRawBackend((data, socket) => {
        request += data.toString('latin1');
        if (request.endsWith('\r\n0\r\n\r\n')) socket.write('HTTP/1.1 204 No Content\r\n\r\n');
      });
      const host = await startHost(() => ({ kind: 'forward', upstream: upstreamAt(backend.port) }));
      const { text } = await rawRequest(host.port, `POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n${tinyChunks}`, { until: (t) => t.includes('\r\n\r\n') });
      assert.match(text, /^HTTP\/1\.1 204 /);
      const sizes = chunkSizes(request.slice(request.indexOf('\r\n\r\n') + 4));
      assert.equal(sizes.reduce((a, b) => a + b, 0), count);
      assert.ok(sizes.length <= 32, `the backend got ${sizes.length} chunks`);
    });

    it('reaches the client as a handful of chunks, not one per chunk', async () => {
      const backend = await startRawBackend((_data, socket) => {
        socket.write(`HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n${tinyChunks}`);
      });
      const host = await startHost(() => ({ kind: 'forward', upstream: upstreamAt(backend.port) }));
      const { text } = await rawRequest(host.port, 'GET / HTTP/1.1\r\nHost: a\r\n\r\n', { until: (t) => t.endsWith('\r\n0\r\n\r\n') });
      const sizes = chunkSizes(text.slice(text.indexOf('\r\n\r\n') + 4));
      assert.equal(sizes.reduce((a, b) => a + b, 0), count);
      assert.ok(sizes.length <= 32, `the client got ${sizes.length} chunks`);
    });
  });
});
