import assert from 'node:assert/strict';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import type { Dispatch, ForwarderEvent, RequestHead, Upstream } from '@portico/router';
import { SimulatedClock } from '@portico/supervisor';
import { chunkSizes } from '@portico/test-support';
import { MAX_INFORMATIONAL_RESPONSES, REQUESTS_PER_TURN } from '../../src/internal/forward/connectionBounds.ts';
import { closeAll, startHost } from '../embed/embedHarness.ts';
import { floodWithoutReading, PIPELINED_GET, rawRequest, signal, startHttpBackend, startProxy, startRawBackend, statusLines, upstreamAt, type RawBackend } from './harness.ts';

/** What a case needs of an engine in front of one backend. */
interface Front {
  readonly port: number;
  /**
   * The forwarder's idle backend connections to `upstream`, or undefined for the embedded
   * engine, whose pool is not exposed: its cases then check what reaches the client only.
   */
  idleConnections(upstream: Upstream): number | undefined;
  /** What the engine reported (`onEvent`), in order. */
  readonly events: readonly ForwarderEvent[];
}

interface FrontOptions {
  readonly requestTimeout?: number;
  readonly clock?: SimulatedClock;
  readonly upstreamIdleTimeout?: number;
  readonly sendTimeout?: number;
  /** Decides each request instead of forwarding it to the upstream. */
  readonly dispatch?: (head: RequestHead) => Dispatch;
}

/** The two engines that forward with the same bounds (connectionBounds.ts). */
const engines: ReadonlyArray<{ readonly name: string; start(upstream: Upstream, options?: FrontOptions): Promise<Front> }> = [
  {
    name: 'forwarder',
    async start(upstream, { dispatch, ...options } = {}) {
      const proxy = await startProxy({ pickUpstream: () => upstream, ...options, ...(dispatch ? { dispatch: ({ head }) => dispatch(head) } : {}) });
      return { port: proxy.port, idleConnections: (u) => proxy.forwarder.idleUpstreamConnections(u.id), events: proxy.events };
    },
  },
  {
    name: 'embedded forwarder',
    async start(upstream, { dispatch, ...options } = {}) {
      const host = await startHost(({ head }) => dispatch?.(head) ?? { kind: 'forward', upstream }, options);
      return { port: host.port, idleConnections: () => undefined, events: host.events };
    },
  },
];

const MiB = 2 ** 20;

/** Most bytes the kernel queues on one TCP socket for sending (Linux tcp_wmem's maximum). */
function kernelSendBufferBytes(): number {
  try {
    return Number(readFileSync('/proc/sys/net/ipv4/tcp_wmem', 'utf8').trim().split(/\s+/)[2]);
  } catch {
    return 4 * MiB;
  }
}

/** Asserts the forwarder's idle count; the embedded engine has none to read. */
function assertIdle(front: Front, upstream: Upstream, expected: number): void {
  const idle = front.idleConnections(upstream);
  if (idle !== undefined) assert.equal(idle, expected);
}

const PROCESSING = 'HTTP/1.1 102 Processing\r\n\r\n';
const STRAY = 'HTTP/1.1 200 OK\r\nSet-Cookie: session=someone-else\r\nContent-Length: 5\r\n\r\nstray';
const RIGHT = 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nright';
const TINY_CHUNKS = 10_000;
/** TINY_CHUNKS one-byte chunks of `x` and the last chunk: 6 bytes of framing per byte of data. */
const tinyChunks = `${'1\r\nx\r\n'.repeat(TINY_CHUNKS)}0\r\n\r\n`;

/**
 * A backend that answers `first` to any request but `GET /next`, and `right` to that one,
 * preceded, on a connection that answered before, by a stray complete response: a buggy
 * backend's late bytes, arriving just after Portico wrote the next request.
 */
async function startStrayBackend(first: string): Promise<RawBackend> {
  const answered = new WeakSet<net.Socket>();
  return startRawBackend((data, socket) => {
    if (!data.toString('latin1').startsWith('GET /next ')) socket.write(first);
    else socket.write(answered.has(socket) ? STRAY + RIGHT : RIGHT);
    answered.add(socket);
  });
}

describe('connection bounds, in both engines', () => {
  // The embedded harness's closeAll closes the forwarder harness's proxies and backends too.
  afterEach(closeAll);

  for (const engine of engines) {
    describe(`the ${engine.name}`, () => {
      describe('a pipelining client that never reads', () => {
        it('is served one request at a time, not read further while its answers wait, and cut after sendTimeout', async () => {
          const total = 5_000;
          const answer = Buffer.alloc(4096, 0x61);
          let received = 0;
          let inFlight = 0;
          let mostInFlight = 0;
          const backend = await startHttpBackend((_req, res) => {
            received++;
            mostInFlight = Math.max(mostInFlight, ++inFlight);
            // Answered a turn later, so that requests begun together would overlap here.
            setImmediate(() => {
              inFlight--;
              res.end(answer);
            });
          });
          const front = await engine.start(upstreamAt(backend.port), { sendTimeout: 300 });
          const client = await floodWithoutReading(front.port, total);
          // The client never reads, so it never sees the reset: watch the engine's side instead.
          while (!front.events.some((e) => e.type === 'response.aborted') && received < total) await new Promise((resolve) => setTimeout(resolve, 10));
          client.destroy();
          assert.notEqual(received, total, `all ${total} requests reached the backend while their answers went unread`);
          const bound = Math.ceil((kernelSendBufferBytes() + MiB) / answer.length);
          assert.ok(received <= bound, `${received} requests reached the backend, more than the ${bound} whose answers the kernel can hold`);
          assert.equal(mostInFlight, 1, `${mostInFlight} requests of one connection were at the backend at once`);
          const aborted = front.events.filter((e) => e.type === 'response.aborted');
          assert.equal(aborted.length, 1);
          assert.match(aborted[0]!.type === 'response.aborted' ? aborted[0]!.reason : '', /^the client read nothing of (its answers|the response) for 300 ms$/);
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
          const front = await engine.start(upstreamAt(1), {
            dispatch: (head) => {
              if (head.path === '/other') burstBegunWhenOtherArrived = burstBegun;
              else {
                burstBegun++;
                burstTurns.set(turn, (burstTurns.get(turn) ?? 0) + 1);
              }
              return { kind: 'respond', status: 200, body: 'ok' };
            },
          });
          try {
            const flooder = net.connect(front.port, '127.0.0.1');
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
            const other = await rawRequest(front.port, 'GET /other HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
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
        it('gets 504 after requestTimeout from the request, however many 1xx it sent meanwhile', async function () {
          this.timeout(5_000);
          const clock = new SimulatedClock();
          let backendSocket!: net.Socket;
          const arrival = signal();
          const backend = await startRawBackend((_data, socket) => {
            backendSocket = socket;
            arrival.fire();
          });
          const front = await engine.start(upstreamAt(backend.port), { requestTimeout: 2_000, clock });
          const client = net.connect(front.port, '127.0.0.1');
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
          const front = await engine.start(upstreamAt(backend.port));
          const { text } = await rawRequest(front.port, 'GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
          const statuses = statusLines(text);
          assert.equal(statuses.length, MAX_INFORMATIONAL_RESPONSES + 1);
          assert.ok(statuses.slice(0, -1).every((s) => s === '102'));
          assert.equal(statuses.at(-1), '502');
          await backendClosed.promise;
        });
      });

      describe('stray bytes from a backend', () => {
        for (const [what, request, first] of [
          ['HEAD', 'HEAD / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n', 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n'],
          ['204', 'GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n', 'HTTP/1.1 204 No Content\r\n\r\n'],
          ['304', 'GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n', 'HTTP/1.1 304 Not Modified\r\nETag: "x"\r\n\r\n'],
        ] as const) {
          it(`closes the backend connection after a ${what} answer, which has no body by rule, rather than reuse it`, async () => {
            const backend = await startStrayBackend(first);
            const upstream = upstreamAt(backend.port);
            const front = await engine.start(upstream);
            await rawRequest(front.port, request);
            assertIdle(front, upstream, 0);
            const next = await rawRequest(front.port, 'GET /next HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
            assert.doesNotMatch(next.text, /someone-else/);
            assert.match(next.text, /^HTTP\/1\.1 200 OK\r\n[^]*\r\n\r\nright$/);
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
          const upstream = upstreamAt(backend.port);
          // Pooled far longer than the test runs: only the stray bytes may close it (the default,
          // 4 s, could lapse on a busy machine and close it first).
          const front = await engine.start(upstream, { upstreamIdleTimeout: 60_000 });
          await rawRequest(front.port, 'GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
          assertIdle(front, upstream, 1);
          const closed = once(idleSocket!, 'close');
          idleSocket!.write(STRAY);
          await closed;
          assertIdle(front, upstream, 0);
          const next = await rawRequest(front.port, 'GET /next HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
          assert.match(next.text, /\r\n\r\nright$/);
          assert.doesNotMatch(next.text, /someone-else/);
          assert.equal(backend.connections, 2);
        });
      });

      describe('a body of many tiny chunks', () => {
        it('reaches the backend as a handful of chunks, one per read, not one per chunk', async () => {
          let request = '';
          const backend = await startRawBackend((data, socket) => {
            request += data.toString('latin1');
            if (request.endsWith('\r\n0\r\n\r\n')) socket.write('HTTP/1.1 204 No Content\r\n\r\n');
          });
          const front = await engine.start(upstreamAt(backend.port));
          const { text } = await rawRequest(front.port, `POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n${tinyChunks}`, { until: (t) => t.includes('\r\n\r\n') });
          assert.match(text, /^HTTP\/1\.1 204 /);
          const sizes = chunkSizes(request.slice(request.indexOf('\r\n\r\n') + 4));
          assert.equal(sizes.reduce((a, b) => a + b, 0), TINY_CHUNKS);
          assert.ok(sizes.length <= 32, `the backend got ${sizes.length} chunks`);
        });

        it('reaches the client as a handful of chunks, one per read, not one per chunk', async () => {
          const backend = await startRawBackend((_data, socket) => {
            socket.write(`HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n${tinyChunks}`);
          });
          const front = await engine.start(upstreamAt(backend.port));
          const { text } = await rawRequest(front.port, 'GET / HTTP/1.1\r\nHost: a\r\n\r\n', { until: (t) => t.endsWith('\r\n0\r\n\r\n') });
          const sizes = chunkSizes(text.slice(text.indexOf('\r\n\r\n') + 4));
          assert.equal(sizes.reduce((a, b) => a + b, 0), TINY_CHUNKS);
          assert.ok(sizes.length <= 32, `the client got ${sizes.length} chunks`);
        });
      });
    });
  }
});
