// A backend that hangs, trickles or floods (test/fixtures/lying-backend.mjs), reached through a
// real Portico in its own processes: `portico start` with one front, and createPortico with two
// fronts. What Portico holds per connection stays within docs/proxy.md's bound however much the
// client offers or the backend sends, and every hang ends in a clear answer or a close of both
// sides (docs/proxy.md, What a backend can do wrong).
import assert from 'node:assert/strict';
import { once } from 'node:events';
import http2 from 'node:http2';
import type net from 'node:net';
import { fileURLToPath } from 'node:url';
import { frontPids } from './helpers/frontClients.ts';
import { eventually } from './helpers/metricsText.ts';
import { openTunnel } from './helpers/openTunnel.ts';
import { startPortico, stopAllPorticos } from './helpers/portico.ts';
import { startPorticoCli, stopAllPorticoClis } from './helpers/porticoCli.ts';
import { residentBytesOf } from './helpers/processFigures.ts';
import { isResponse, RawClient } from './helpers/rawClient.ts';

const lyingBackend = fileURLToPath(new URL('./fixtures/lying-backend.mjs', import.meta.url));
const mib = 1024 * 1024;
/** Connections of each hostile kind at once. */
const CONNECTIONS = 8;
/**
 * What the fronts' resident memory may grow by, in all, while CONNECTIONS clients offer 32 MiB
 * each (256 MiB) or a backend floods as many that read nothing: docs/proxy.md's bound is about
 * 456 KiB a connection (under 4 MiB for all of them); the rest is room for V8's young generation
 * and the allocator, which grow under any load, and most with the uploads, whose rest Portico
 * reads and drops for 2 s after its 504 (measured: 33 MiB with one front or two; the ping flood
 * 4 MiB with one front, 14 MiB over two). A relay that buffered what it cannot pass on would hold
 * 256 MiB.
 */
const GROWTH = 96 * mib;
const APP = { name: 'lying', processPath: process.execPath, arguments: [lyingBackend], start: 'eager', startupTimeLimit: 10, shutdownTimeLimit: 2, requestTimeout: 2 };

interface Running {
  readonly port: number;
  /** The processes that serve connections: the one process with one front, else each front. */
  readonly pids: readonly number[];
}

async function start(fronts: number): Promise<Running> {
  const config = { fronts, listen: [{ port: 0, host: '127.0.0.1', h2c: true }], limits: { sendTimeout: 2 }, apps: [APP] };
  let running: Running;
  if (fronts === 1) {
    const cli = await startPorticoCli(config);
    running = { port: cli.port, pids: [cli.child.pid!] };
  } else {
    const { portico, port } = await startPortico(config);
    running = { port, pids: frontPids(portico) };
  }
  // The worker answers once: a close without an answer is then no failed start.
  assert.match(await report(running.port), /closes/);
  return running;
}

async function report(port: number): Promise<string> {
  const client = await RawClient.connect(port);
  client.write('GET /report HTTP/1.1\r\nHost: a\r\n\r\n');
  const got = await client.response();
  client.close();
  assert.ok(isResponse(got), JSON.stringify(got));
  return got.body;
}

const closes = async (port: number) => (JSON.parse(await report(port)) as { closes: number }).closes;
const resident = (pids: readonly number[]) => pids.reduce((sum, pid) => sum + residentBytesOf(pid), 0);

/** Samples the processes' resident memory until `stop()`; `growth()` is the most it rose over `before`. */
function watchGrowth(pids: readonly number[]): { growth(): number; stop(): void } {
  const before = resident(pids);
  let most = before;
  const timer = setInterval(() => (most = Math.max(most, resident(pids))), 20);
  return { growth: () => Math.max(most, resident(pids)) - before, stop: () => clearInterval(timer) };
}

/** A tunnel (test/helpers/openTunnel.ts) whose resets, which the hostile cases provoke, are expected. */
async function openHostileTunnel(port: number, path: string): Promise<{ readonly socket: net.Socket; readonly rest: Buffer }> {
  const tunnel = await openTunnel(port, path);
  tunnel.socket.on('error', () => {});
  return tunnel;
}

/** Reads a tunnel (its first bytes `rest`) until the server ends it: what came, as latin1. */
async function readToEnd({ socket, rest }: { readonly socket: net.Socket; readonly rest: Buffer }): Promise<string> {
  const data: Buffer[] = [rest];
  socket.on('data', (d: Buffer) => data.push(d));
  const ended = once(socket, 'end');
  socket.resume();
  await ended;
  return Buffer.concat(data).toString('latin1');
}

for (const fronts of [1, 2]) {
  describe(`a backend that hangs or floods, behind ${fronts} front${fronts > 1 ? 's' : ''} in processes of their own`, function () {
    this.timeout(120_000);
    before(function () {
      // Memory is read from /proc.
      if (process.platform !== 'linux') this.skip();
    });
    afterEach(async () => {
      await stopAllPorticoClis();
      await stopAllPorticos();
    });

    it(`never reads a request body: ${CONNECTIONS} clients offering 32 MiB each get 504 after requestTimeout, and the fronts grow by under ${GROWTH / mib} MiB`, async () => {
      const { port, pids } = await start(fronts);
      const memory = watchGrowth(pids);
      const body = Buffer.alloc(mib, 0x61);
      const answers = await Promise.all(
        Array.from({ length: CONNECTIONS }, async () => {
          const client = await RawClient.connect(port);
          client.write(`POST /never-read HTTP/1.1\r\nHost: a\r\nContent-Length: ${32 * mib}\r\n\r\n`);
          // As fast as Portico takes it: a write waits only for the socket's drain.
          const sending = (async () => {
            for (let i = 0; i < 32 && !client.socket.destroyed; i++) {
              if (!client.socket.write(body)) await Promise.race([once(client.socket, 'drain'), once(client.socket, 'close')]);
            }
          })();
          const got = await client.response('POST');
          client.close();
          await sending;
          return got;
        }),
      );
      memory.stop();
      for (const got of answers) {
        assert.ok(isResponse(got), JSON.stringify(got).slice(0, 300));
        assert.equal(got.status, 504);
        assert.match(got.body, /Correlation id/);
        assert.equal(got.headers['connection'], 'close', 'the body was not read: the connection cannot go on');
      }
      assert.ok(memory.growth() <= GROWTH, `the fronts grew by ${(memory.growth() / mib).toFixed(1)} MiB`);
    });

    it('trickles a body for ever: each byte is progress, so it is never cut by requestTimeout, and the backend connection closes when the client leaves', async () => {
      const { port } = await start(fronts);
      const before = await closes(port);
      const client = await RawClient.connect(port);
      client.write('GET /trickle-body HTTP/1.1\r\nHost: a\r\n\r\n');
      // Two and a half times requestTimeout (2 s) of a byte every 100 ms.
      const started = client.socket.bytesRead;
      await new Promise((resolve) => setTimeout(resolve, 5000));
      assert.ok(!client.ended, 'the trickle was cut');
      assert.ok(client.socket.bytesRead - started > 20, `only ${client.socket.bytesRead - started} bytes came`);
      client.close();
      await eventually(() => closes(port), (n) => n > before);
    });

    it(`floods pings at ${CONNECTIONS} WebSocket clients that read nothing: paused, the fronts grow by under ${GROWTH / mib} MiB, and both sides closed after sendTimeout`, async () => {
      const { port, pids } = await start(fronts);
      const before = await closes(port);
      const memory = watchGrowth(pids);
      const tunnels = await Promise.all(Array.from({ length: CONNECTIONS }, () => openHostileTunnel(port, '/ws-ping-flood')));
      // The backend sees each flooding connection closed: the tunnel cut both sides when stalled.
      await eventually(() => closes(port), (n) => n >= before + CONNECTIONS);
      memory.stop();
      assert.ok(memory.growth() <= GROWTH, `the fronts grew by ${(memory.growth() / mib).toFixed(1)} MiB`);
      const pings = (JSON.parse(await report(port)) as { pings: number }).pings;
      assert.ok(pings * 127 > CONNECTIONS * 4 * mib, `the backend wrote only ${pings} pings: it was not flooding`);
      for (const { socket } of tunnels) socket.destroy();
    });

    it('never answers a close frame and stays half-open: sendTimeout after the client\'s FIN, Portico closes the tunnel', async () => {
      const { port } = await start(fronts);
      const { socket } = await openHostileTunnel(port, '/ws-silent');
      const closed = once(socket, 'close');
      // A masked close frame, code 1000, then FIN: the client waits for the server to close.
      socket.end(Buffer.of(0x88, 0x82, 1, 2, 3, 4, 0x03 ^ 1, 0xe8 ^ 2));
      socket.resume();
      await closed;
    });

    it('never answers a close frame over HTTP/2 (RFC 8441): sendTimeout after the client\'s END_STREAM, the stream is closed', async () => {
      const { port } = await start(fronts);
      const session = http2.connect(`http://127.0.0.1:${port}`);
      session.on('error', () => {});
      await eventually(async () => session, () => session.remoteSettings.enableConnectProtocol === true);
      const stream = session.request({ ':method': 'CONNECT', ':protocol': 'websocket', ':path': '/ws-silent', ':scheme': 'http', ':authority': 'a', 'sec-websocket-version': '13' }, { endStream: false });
      stream.on('error', () => {});
      const [response] = (await once(stream, 'response')) as [http2.IncomingHttpHeaders];
      assert.equal(response[':status'], 200);
      const closed = once(stream, 'close');
      // A masked close frame, code 1000, then END_STREAM.
      stream.end(Buffer.of(0x88, 0x82, 1, 2, 3, 4, 0x03 ^ 1, 0xe8 ^ 2));
      stream.resume();
      await closed;
      session.close();
    });

    it('closes TCP without a close frame: the client gets the frame and then FIN, not a reset', async () => {
      const { port } = await start(fronts);
      assert.equal(await readToEnd(await openHostileTunnel(port, '/ws-fin')), '\x81\x03bye');
    });

    it('half-closes after a frame: the client gets it and FIN, and Portico closes the backend connection rather than keep it half-open', async () => {
      const { port } = await start(fronts);
      const before = await closes(port);
      const tunnel = await openHostileTunnel(port, '/ws-half-close');
      assert.equal(await readToEnd(tunnel), '\x81\x04half');
      await eventually(() => closes(port), (n) => n > before);
      tunnel.socket.destroy();
    });
  });
}
