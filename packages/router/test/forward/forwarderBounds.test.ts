import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { SimulatedClock } from '@portico/supervisor';
import net from 'node:net';
import { resolveForwarderOptions } from '../../src/forward/ForwarderOptions.ts';
import { MAX_INFORMATIONAL_RESPONSES, maxBytesHeldPerConnection, REQUESTS_PER_TURN } from '../../src/internal/forward/connectionBounds.ts';
import { closeAll, httpGet, rawRequest, signal, startHttpBackend, startProxy, startRawBackend, statusLines, upstreamAt, type RawBackend } from './harness.ts';

const MiB = 2 ** 20;
const RESPONSE_BODY = Buffer.alloc(4096, 0x61);
const PIPELINED_GET = 'GET / HTTP/1.1\r\nHost: a\r\n\r\n';

/** A client that writes `count` pipelined GETs in one go and never reads an answer. */
async function floodWithoutReading(port: number, count: number): Promise<net.Socket> {
  const client = net.connect(port, '127.0.0.1');
  client.on('error', () => {});
  await once(client, 'connect');
  client.pause();
  client.write(PIPELINED_GET.repeat(count));
  return client;
}

/** Most bytes the kernel queues on one TCP socket for sending (Linux tcp_wmem's maximum). */
function kernelSendBufferBytes(): number {
  try {
    return Number(readFileSync('/proc/sys/net/ipv4/tcp_wmem', 'utf8').trim().split(/\s+/)[2]);
  } catch {
    return 4 * MiB;
  }
}

/** `count` one-byte chunks of `x` and the last chunk: 6 bytes of framing per byte of data. */
const tinyChunks = (count: number): string => `${'1\r\nx\r\n'.repeat(count)}0\r\n\r\n`;

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

describe('forwarder bounds', () => {
  afterEach(closeAll);

  describe('a pipelining client that never reads', () => {
    it('is not read further while its answers wait, and is cut after sendTimeout', async () => {
      const total = 5_000;
      let received = 0;
      const backend = await startHttpBackend((_req, res) => {
        received++;
        res.end(RESPONSE_BODY);
      });
      const proxy = await startProxy({ pickUpstream: () => upstreamAt(backend.port), sendTimeout: 300 });
      await floodWithoutReading(proxy.port, total);
      // The client never reads, so it never sees the reset: watch the proxy's side instead.
      while (proxy.forwarder.connectionCount > 0 && received < total) await new Promise((resolve) => setImmediate(resolve));
      assert.notEqual(received, total, `all ${total} requests reached the backend while their answers went unread`);
      const bound = Math.ceil((kernelSendBufferBytes() + MiB) / RESPONSE_BODY.length);
      assert.ok(received <= bound, `${received} requests reached the backend, more than the ${bound} whose answers the kernel can hold`);
      assert.deepEqual(proxy.events, [{ type: 'response.aborted', reason: 'the client read nothing of its answers for 300 ms' }]);
    });

    it('makes Portico hold no more than maxBytesHeldPerConnection for it', async function () {
      this.timeout(60_000);
      const body = Buffer.alloc(16 * 1024, 0x61);
      const backend = await startHttpBackend((_req, res) => res.end(body));
      const count = 4;
      const bound = maxBytesHeldPerConnection(resolveForwarderOptions({ pickUpstream: () => undefined }));
      const fixture = new URL('./fixtures/forwarderProcess.ts', import.meta.url).pathname;
      const child = spawn(process.execPath, [...process.execArgv, fixture, String(backend.port), '1000', String(4 * count * bound)], {
        stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
      });
      const clients: net.Socket[] = [];
      try {
        const [line] = (await once(child.stdout!, 'data')) as [Buffer];
        const port = Number(line.toString().trim());
        // Warm up on one connection, closed after: the code paths compiled, a backend connection pooled.
        const agent = new http.Agent({ keepAlive: false });
        for (let i = 0; i < 20; i++) await httpGet(port, '/', agent);
        child.send('baseline');
        await once(child, 'message');
        for (let i = 0; i < count; i++) clients.push(await floodWithoutReading(port, 1_500));
        const [report] = (await once(child, 'message')) as [{ growth: number; mostConnections: number }];
        const perConnection = report.growth / count;
        assert.ok(perConnection <= bound, `Portico held ${Math.round(perConnection / 1024)} KiB per connection, over the ${bound / 1024} KiB documented`);
        assert.equal(report.mostConnections, count);
      } finally {
        for (const c of clients) c.destroy();
        child.kill();
      }
    });
  });

  describe('a body of many tiny chunks', () => {
    const count = 10_000;

    it('reaches the backend as a handful of chunks, one per read, not one per chunk', async () => {
      let request = '';
      const backend = await startRawBackend((data, socket) => {
        request += data.toString('latin1');
        if (request.endsWith('\r\n0\r\n\r\n')) socket.write('HTTP/1.1 204 No Content\r\n\r\n');
      });
      const proxy = await startProxy({ pickUpstream: () => upstreamAt(backend.port) });
      const { text } = await rawRequest(proxy.port, `POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n${tinyChunks(count)}`, { until: (t) => t.includes('\r\n\r\n') });
      assert.match(text, /^HTTP\/1\.1 204 /);
      const sizes = chunkSizes(request.slice(request.indexOf('\r\n\r\n') + 4));
      assert.equal(sizes.reduce((a, b) => a + b, 0), count);
      assert.ok(sizes.length <= 32, `the backend got ${sizes.length} chunks`);
    });

    it('reaches the client as a handful of chunks, one per read, not one per chunk', async () => {
      const backend = await startRawBackend((_data, socket) => {
        socket.write(`HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n${tinyChunks(count)}`);
      });
      const proxy = await startProxy({ pickUpstream: () => upstreamAt(backend.port) });
      const { text } = await rawRequest(proxy.port, 'GET / HTTP/1.1\r\nHost: a\r\n\r\n', { until: (t) => t.endsWith('\r\n0\r\n\r\n') });
      const sizes = chunkSizes(text.slice(text.indexOf('\r\n\r\n') + 4));
      assert.equal(sizes.reduce((a, b) => a + b, 0), count);
      assert.ok(sizes.length <= 32, `the client got ${sizes.length} chunks`);
    });
  });

  describe('one read of thousands of pipelined requests', () => {
    it('begins at most REQUESTS_PER_TURN of them per turn of the event loop, and another client is served meanwhile', async () => {
      const burst = 1_000;
      // Turns of the event loop, counted by an immediate that queues itself again each turn.
      let turn = 0;
      let counting = true;
      const tick = (): void => {
        turn++;
        if (counting) setImmediate(tick);
      };
      setImmediate(tick);
      const burstTurns = new Map<number, number>();
      let burstBegun = 0;
      let burstBegunWhenOtherArrived = -1;
      const proxy = await startProxy({
        pickUpstream: () => undefined,
        dispatch: ({ head }) => {
          if (head.path === '/other') burstBegunWhenOtherArrived = burstBegun;
          else {
            burstBegun++;
            burstTurns.set(turn, (burstTurns.get(turn) ?? 0) + 1);
          }
          return { kind: 'respond', status: 200, body: 'ok' };
        },
      });
      try {
        const flooder = net.connect(proxy.port, '127.0.0.1');
        await once(flooder, 'connect');
        let answered = 0;
        let text = '';
        const allAnswered = new Promise<void>((resolve) => flooder.on('data', (d: Buffer) => {
          text += d.toString('latin1');
          answered = text.split('HTTP/1.1 200').length - 1;
          if (answered === burst) resolve();
        }));
        flooder.write(PIPELINED_GET.replaceAll('/ ', '/burst ').repeat(burst));
        while (answered === 0) await once(flooder, 'data');
        const other = await rawRequest(proxy.port, 'GET /other HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
        assert.match(other.text, /^HTTP\/1\.1 200 /);
        await allAnswered;
        flooder.destroy();
        const mostInOneTurn = Math.max(...burstTurns.values());
        assert.ok(mostInOneTurn <= REQUESTS_PER_TURN, `${mostInOneTurn} pipelined requests were begun in one turn`);
        assert.ok(burstBegunWhenOtherArrived < burst, 'the other client was served only after the whole burst');
      } finally {
        counting = false;
      }
    });
  });

  describe('a backend that sends 1xx without end', () => {
    const PROCESSING = 'HTTP/1.1 102 Processing\r\n\r\n';

    it('gets 504 after requestTimeout from the request, however many 1xx it sent meanwhile', async function () {
      this.timeout(5_000);
      const clock = new SimulatedClock();
      let backendSocket!: net.Socket;
      const arrival = signal();
      const backend = await startRawBackend((_data, socket) => {
        backendSocket = socket;
        arrival.fire();
      });
      const proxy = await startProxy({ pickUpstream: () => upstreamAt(backend.port), requestTimeout: 2_000, clock });
      const client = net.connect(proxy.port, '127.0.0.1');
      let text = '';
      client.on('data', (d: Buffer) => (text += d.toString('latin1')));
      client.write('GET / HTTP/1.1\r\nHost: a\r\n\r\n');
      await arrival.promise;
      for (let i = 1; i <= 2; i++) {
        backendSocket.write(PROCESSING);
        while (statusLines(text).length < i) await once(client, 'data');
        clock.advance(900);
      }
      assert.deepEqual(statusLines(text), ['102', '102']);
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
      const proxy = await startProxy({ pickUpstream: () => upstreamAt(backend.port) });
      const { text } = await rawRequest(proxy.port, 'GET / HTTP/1.1\r\nHost: a\r\n\r\n');
      const statuses = statusLines(text);
      assert.equal(statuses.length, MAX_INFORMATIONAL_RESPONSES + 1);
      assert.ok(statuses.slice(0, -1).every((s) => s === '102'));
      assert.equal(statuses.at(-1), '502');
      await backendClosed.promise;
    });
  });

  describe('stray bytes from a backend', () => {
    const STRAY = 'HTTP/1.1 200 OK\r\nSet-Cookie: session=someone-else\r\nContent-Length: 5\r\n\r\nstray';

    /**
     * A backend that answers `first` to any request but `GET /next`, and `right` to that one,
     * preceded, on a connection that answered before, by a stray complete response: a buggy
     * backend's late bytes, arriving just after Portico wrote the next request.
     */
    async function startStrayBackend(first: string): Promise<RawBackend> {
      const answered = new WeakSet<net.Socket>();
      return startRawBackend((data, socket) => {
        const right = 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nright';
        if (!data.toString('latin1').startsWith('GET /next ')) socket.write(first);
        else socket.write(answered.has(socket) ? STRAY + right : right);
        answered.add(socket);
      });
    }

    for (const [what, request, first] of [
      ['HEAD', 'HEAD / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n', 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n'],
      ['204', 'GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n', 'HTTP/1.1 204 No Content\r\n\r\n'],
      ['304', 'GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n', 'HTTP/1.1 304 Not Modified\r\nETag: "x"\r\n\r\n'],
    ] as const) {
      it(`closes the backend connection after a ${what} answer, which has no body by rule, rather than reuse it`, async () => {
        const backend = await startStrayBackend(first);
        const proxy = await startProxy({ pickUpstream: () => upstreamAt(backend.port) });
        await rawRequest(proxy.port, request);
        assert.equal(proxy.forwarder.idleUpstreamConnections(upstreamAt(backend.port).id), 0);
        const next = await rawRequest(proxy.port, 'GET /next HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
        assert.doesNotMatch(next.text, /someone-else/);
        assert.match(next.text, /^HTTP\/1\.1 200 OK\r\n[^]*\r\n\r\nright$/);
        assert.equal(backend.connections, 2);
      });
    }

    it('closes an idle pooled backend connection that sends anything, and never reuses it', async () => {
      let idleSocket: net.Socket | undefined;
      const backend = await startRawBackend((_data, socket) => {
        idleSocket ??= socket;
        socket.write('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nright');
      });
      const proxy = await startProxy({ pickUpstream: () => upstreamAt(backend.port) });
      await rawRequest(proxy.port, 'GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
      assert.equal(proxy.forwarder.idleUpstreamConnections(upstreamAt(backend.port).id), 1);
      const closed = once(idleSocket!, 'close');
      idleSocket!.write(STRAY);
      await closed;
      assert.equal(proxy.forwarder.idleUpstreamConnections(upstreamAt(backend.port).id), 0);
      const next = await rawRequest(proxy.port, 'GET /next HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
      assert.match(next.text, /\r\n\r\nright$/);
      assert.doesNotMatch(next.text, /someone-else/);
      assert.equal(backend.connections, 2);
    });
  });
});
