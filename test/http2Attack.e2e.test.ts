// A hostile HTTP/2 client against Portico's front, beyond the floods of http2Abuse.e2e.test.ts:
// what each kind of frame costs per frame, and that nothing it sends leaves a request hanging.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import http2 from 'node:http2';
import { until } from './helpers/frontClients.ts';
import { chunkSizes, heldBytes } from '@portico/test-support';
import { continuationFlood, data, Flag, frame, FrameType, headerBlock, headers, initialWindow, RawHttp2Clients, rapidReset, request, windowUpdate, type RawHttp2Client, type ReceivedFrame } from '@portico/test-support/http2';
import { startFront, startRecordingBackend, testCertificate, type Front, type RecordingBackend, type TestCertificate } from './helpers/http2Front.ts';

const { NGHTTP2_COMPRESSION_ERROR, NGHTTP2_FLOW_CONTROL_ERROR } = http2.constants;

const MiB = 1024 * 1024;

/** Read and write calls this process (client, Portico and backend alike) has made so far, from /proc/self/io. */
function systemCalls(): { readonly reads: number; readonly writes: number } {
  const io = readFileSync('/proc/self/io', 'latin1');
  const count = (name: string) => Number(new RegExp(`^${name}:\\s*(\\d+)`, 'm').exec(io)?.[1] ?? NaN);
  return { reads: count('syscr'), writes: count('syscw') };
}
const turn = () => new Promise((resolve) => setImmediate(resolve));
const goawayCode = (f: ReceivedFrame | undefined): number | undefined => f?.payload.readUInt32BE(4);
/** PRIORITY making stream `id` depend on itself (RFC 9113 §5.3.1: a stream error, PROTOCOL_ERROR). */
const selfPriority = (id: number): Buffer => {
  const payload = Buffer.alloc(5);
  payload.writeUInt32BE(id);
  payload[4] = 15;
  return frame(FrameType.PRIORITY, 0, id, payload);
};

/** A backend that takes every WebSocket handshake (101) and hands the tunnel's socket to `onTunnel`; closing it drops the tunnels. */
async function webSocketBackend(onTunnel: (socket: Duplex) => void): Promise<RecordingBackend & { readonly tunnels: Set<Duplex> }> {
  const tunnels = new Set<Duplex>();
  const server = http.createServer((_req, res) => res.end());
  server.on('upgrade', (req: http.IncomingMessage, socket: Duplex) => {
    tunnels.add(socket);
    socket.on('close', () => tunnels.delete(socket));
    socket.on('error', () => {});
    const accept = createHash('sha1').update(`${String(req.headers['sec-websocket-key'])}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
    onTunnel(socket);
  });
  return { ...(await listeningBackend(server, tunnels)), tunnels };
}

/** HEADERS opening a WebSocket on stream `id` (RFC 8441 extended CONNECT). */
const openWebSocket = (id: number): Buffer =>
  headers(id, [[':method', 'CONNECT'], [':protocol', 'websocket'], [':scheme', 'http'], [':path', '/socket'], [':authority', 'front.test'], ['sec-websocket-version', '13']], false);

/** A backend that never answers, `onConnection` deciding whether it reads; closing it drops its connections, read or not. */
async function sinkBackend(onConnection: (socket: net.Socket) => void): Promise<RecordingBackend> {
  const sockets = new Set<net.Socket>();
  const sink = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    onConnection(socket);
  });
  return listeningBackend(sink, sockets);
}

/** `server` listening on 127.0.0.1 as a backend that records nothing; closing it drops `sockets` (what `server.close` would wait for). */
async function listeningBackend(server: net.Server, sockets: ReadonlySet<Duplex>): Promise<RecordingBackend> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as AddressInfo).port,
    seen: [],
    bytes: () => '',
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

describe('HTTP/2 front under a hostile client', function () {
  this.timeout(60_000);
  let backend: RecordingBackend;
  let front: Front;
  const attackers = new RawHttp2Clients();
  afterEach(async () => {
    attackers.closeAll();
    await front.close();
    await backend.close();
  });
  const attacker = (): Promise<RawHttp2Client> => attackers.connect(front.port);
  /** An attacker with a WebSocket open on stream 1 to a backend that counts the bytes it gets. */
  const webSocketStream = async (): Promise<{ a: RawHttp2Client; received: () => number }> => {
    let received = 0;
    backend = await webSocketBackend((socket) => socket.on('data', (d: Buffer) => (received += d.length)));
    front = await startFront({ h2c: true }, backend.port);
    const a = await attacker();
    a.send(openWebSocket(1));
    assert.equal((await a.outcome(1)).kind, 'response');
    return { a, received: () => received };
  };

  // HTTP/1.1 forwards what one read delivered of a chunked body as one chunk (docs/proxy.md, What
  // one client can take); node:http2 hands a body over one piece per DATA frame, so a body of
  // one-byte frames (10 bytes of framing each) cost a backend write, and a chunk, per frame.
  it('a request body of 5 000 one-byte DATA frames reaches the backend as a handful of chunks', async () => {
    backend = await startRecordingBackend();
    front = await startFront({ h2c: true }, backend.port);
    const a = await attacker();
    const frames = [headers(1, request('POST', '/tiny'), false)];
    for (let i = 0; i < 5_000; i++) frames.push(data(1, 'x', false));
    const before = systemCalls().reads;
    a.send(...frames, data(1, '', true));
    await a.waitFor((f) => f.streamId === 1 && f.type === FrameType.DATA && (f.flags & Flag.END_STREAM) !== 0);
    assert.equal(backend.seen[0]?.body.length, 5_000);
    const raw = backend.bytes();
    const sizes = chunkSizes(raw.slice(raw.indexOf('\r\n\r\n') + 4));
    assert.equal(sizes.reduce((x, y) => x + y, 0), 5_000);
    // At most one per read of the client's socket (usually 1 read in all; loaded, a few dozen).
    const reads = systemCalls().reads - before;
    assert.ok(sizes.length <= reads, `the backend got ${sizes.length} chunks in ${reads} reads`);
  });

  // The same for a WebSocket over HTTP/2: the tunnel wrote each DATA frame of its stream to the
  // backend on its own, where an HTTP/1.1 tunnel writes one read as one.
  it('a WebSocket stream of 5 000 one-byte DATA frames reaches the backend in a handful of writes', async () => {
    const { a, received } = await webSocketStream();
    const before = systemCalls();
    a.send(...Array.from({ length: 5_000 }, () => data(1, 'x', false)));
    await until(() => received() === 5_000);
    const after = systemCalls();
    const [reads, writes] = [after.reads - before.reads, after.writes - before.writes];
    // Per read of the client's socket at most one write to the backend and one WINDOW_UPDATE (usually 1 read in all; loaded, a few dozen).
    assert.ok(writes <= 2 * reads + 8, `${writes} writes for 5 000 bytes in ${reads} reads`);
  });

  // The DATA flood bound (docs/proxy.md, Limits) counts a WebSocket's DATA as a body's: more than
  // 10 000 pieces under 64 bytes within a second close the connection.
  it('a WebSocket stream of 30 000 one-byte DATA frames at once is closed as a DATA flood, the backend getting few of them', async () => {
    const { a, received } = await webSocketStream();
    // Within the stream's and the connection's first windows (64 KiB each): no WINDOW_UPDATE needed.
    a.send(...Array.from({ length: 30_000 }, () => data(1, 'x', false)));
    await until(() => a.closed);
    assert.ok(front.events.some((e) => e.type === 'request.refused' && e.reason.includes('DATA flood')), 'the close is logged');
    assert.ok(received() <= 20_000, `the backend got ${received()} bytes`);
  });

  // Every stream's upload waits for a backend that is not there yet (an app starting: the
  // dispatch has not decided): the stream's window (64 KiB) stops each client, so what the
  // connection holds is bounded per stream, not by the bodies' size. (A backend that takes nothing
  // is the same once its socket's kernel buffers are full, which are not the process's memory.)
  it('128 uploads waiting for a backend hold a bounded amount per stream', async () => {
    backend = await startRecordingBackend();
    front = await startFront({ h2c: true }, backend.port, { dispatch: () => new Promise(() => {}) });
    const session = http2.connect(`http://127.0.0.1:${front.port}`);
    session.on('error', () => {});
    await once(session, 'remoteSettings');
    const before = heldBytes();
    const piece = Buffer.alloc(16 * 1024, 0x61);
    let sent = 0;
    const streams = Array.from({ length: 128 }, (_, i) => {
      const stream = session.request({ ':method': 'POST', ':path': `/upload-${i}` }, { endStream: false });
      stream.on('error', () => {});
      // Writes while the stream takes them: the client holds no more than one piece beyond.
      const pump = () => {
        for (let more = true; more && sent < 1_024 * MiB; ) {
          sent += piece.length;
          more = stream.write(piece);
        }
      };
      stream.on('drain', pump);
      pump();
      return stream;
    });
    // Once nothing more moves, each stream is stalled at its window.
    let last = -1;
    while (last !== sent) {
      last = sent;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    const held = heldBytes() - before;
    assert.ok(sent < 128 * 1024 * 1024, `${sent} bytes went out`);
    assert.ok(held < 48 * MiB, `held ${(held / MiB).toFixed(1)} MiB for 128 stalled uploads`);
    for (const stream of streams) stream.destroy();
    session.destroy();
  });

  // Portico's premature-reset rule looks at the connection's whole life, so a client that first
  // makes 2 000 honest requests could then reset about as many before it fires; nghttp2's own
  // reset rate stops it first, whatever came before (GOAWAY INTERNAL_ERROR; on Node 20, 24 and 26
  // after the first 100 resets, all of which had reached the backend).
  it('rapid reset after 2 000 honest requests is closed after at most about 1 000 resets', async () => {
    backend = await startRecordingBackend();
    front = await startFront({ h2c: true }, backend.port);
    const a = await attacker();
    a.send(windowUpdate(0, 1 << 30));
    for (let batch = 0; batch < 20; batch++) {
      const ids = Array.from({ length: 100 }, (_, i) => 1 + 2 * (batch * 100 + i));
      a.send(...ids.map((id) => headers(id, request('GET', `/honest-${id}`), true)));
      for (const id of ids) await a.waitFor((f) => f.streamId === id && f.type === FrameType.DATA && (f.flags & Flag.END_STREAM) !== 0);
    }
    const honest = backend.seen.length;
    for (let batch = 20; batch < 70 && !a.closed; batch++) {
      a.send(...rapidReset(batch));
      await turn();
    }
    assert.notEqual(goawayCode(await a.waitFor((f) => f.type === FrameType.GOAWAY)), undefined, 'the connection got GOAWAY');
    const reset = backend.seen.length - honest;
    assert.ok(reset < 1_100, `${reset} reset requests reached the backend`);
  });

  // A tunnel side that takes nothing for sendTimeout closes both (docs/proxy.md, WebSocket): over
  // HTTP/2 the client's side is its stream's window, which a client may never open.
  it('a WebSocket whose client opens no window for the backend\'s messages is closed after sendTimeout, both sides', async () => {
    let closed = 0;
    backend = await webSocketBackend((socket) => {
      socket.on('close', () => closed++);
      // 4 MiB of messages the client will never let through.
      const piece = Buffer.alloc(64 * 1024, 0x61);
      const pump = () => {
        for (let i = 0; i < 64 && socket.writable; i++) if (!socket.write(piece)) return void socket.once('drain', pump);
      };
      pump();
    });
    front = await startFront({ h2c: true }, backend.port, { sendTimeout: 1_000 });
    const a = await attacker();
    a.send(initialWindow(0));
    a.send(openWebSocket(1));
    assert.equal((await a.outcome(1)).kind, 'response');
    assert.ok(await a.waitFor((f) => f.streamId === 1 && f.type === FrameType.RST_STREAM), 'the tunnel\'s stream was never reset');
    await until(() => closed === 1);
  });

  it('a WebSocket whose backend takes nothing is closed after sendTimeout, the client held at its window', async () => {
    let closed = 0;
    const webSockets = await webSocketBackend((socket) => {
      socket.pause();
      // Portico's FIN (the upgraded socket stays half-open: the backend's side is its own).
      socket.on('end', () => closed++);
    });
    backend = webSockets;
    front = await startFront({ h2c: true }, backend.port, { sendTimeout: 1_000 });
    const a = await attacker();
    a.send(openWebSocket(1));
    assert.equal((await a.outcome(1)).kind, 'response');
    const piece = data(1, Buffer.alloc(16_000, 0x61), false);
    // The client sends as its window allows: once the backend's socket is full, Portico stops
    // taking the stream's DATA, its window closes, and no more WINDOW_UPDATE comes.
    let granted = 65_535;
    let sent = 0;
    while (!a.closed && !a.frames.some((f) => f.streamId === 1 && f.type === FrameType.RST_STREAM)) {
      granted = 65_535 + a.frames.filter((f) => f.streamId === 1 && f.type === FrameType.WINDOW_UPDATE).reduce((sum, f) => sum + f.payload.readUInt32BE(0), 0);
      if (sent + 16_000 <= granted) {
        a.send(piece);
        sent += 16_000;
      }
      await new Promise((resolve) => setTimeout(resolve, sent + 16_000 <= granted ? 0 : 50));

    }
    assert.ok(a.frames.some((f) => f.streamId === 1 && f.type === FrameType.RST_STREAM), 'the tunnel\'s stream was never reset');
    // Portico closed its side: the backend sees that once it reads what came before.
    for (const socket of webSockets.tunnels) socket.resume();
    await until(() => closed === 1);
  });

  // MadeYouReset (CVE-2025-8671): frames that make the server reset a stream it has dispatched,
  // which no client RST_STREAM shows. nghttp2 counts each as an invalid frame, and
  // maxSessionInvalidFrames (100) closes the connection long before the 3 000 requests are in.
  for (const [name, make] of [
    ['WINDOW_UPDATE of 0', (id: number) => [headers(id, request('GET', `/myr-${id}`), true), windowUpdate(id, 0)]],
    ['a stream window past 2^31 - 1', (id: number) => [headers(id, request('GET', `/myr-${id}`), true), windowUpdate(id, 0x7fffffff)]],
    ['DATA beyond content-length', (id: number) => [headers(id, request('POST', `/myr-${id}`, [['content-length', '1']]), false), data(id, 'xx', true)]],
    ['DATA on a stream its HEADERS ended', (id: number) => [headers(id, request('GET', `/myr-${id}`), true), data(id, 'x', false)]],
    ['HEADERS on a stream its HEADERS ended', (id: number) => [headers(id, request('GET', `/myr-${id}`), true), headers(id, [['x-trailer', '1']], true)]],
    ['trailers that do not end the stream', (id: number) => [headers(id, request('POST', `/myr-${id}`), false), headers(id, [['x-trailer', '1']], false)]],
    ['a stream made to depend on itself', (id: number) => [headers(id, request('GET', `/myr-${id}`), true), selfPriority(id)]],
  ] as const) {
    it(`MadeYouReset by ${name}: the connection is closed and few requests reach the backend`, async () => {
      backend = await startRecordingBackend((_req, res) => setTimeout(() => res.end('late'), 200));
      front = await startFront({ h2c: true }, backend.port);
      const a = await attacker();
      for (let batch = 0; batch < 30 && !a.closed; batch++) {
        a.send(...Array.from({ length: 100 }, (_, i) => make(1 + 2 * (batch * 100 + i))).flat());
        await turn();
      }
      assert.notEqual(goawayCode(await a.waitFor((f) => f.type === FrameType.GOAWAY)), undefined, 'the connection got GOAWAY');
      assert.ok(backend.seen.length < 200, `${backend.seen.length} requests reached the backend`);
    });
  }

  it('a WINDOW_UPDATE flood on the connection from a client that reads nothing stays bounded', async () => {
    backend = await startRecordingBackend();
    front = await startFront({ h2c: true }, backend.port);
    const a = await attacker();
    const before = heldBytes();
    a.socket.pause();
    const update = windowUpdate(0, 1);
    for (let i = 0; i < 200 && !a.socket.destroyed; i++) {
      a.send(...Array.from({ length: 1_000 }, () => update));
      await turn();
    }
    await until(() => a.socket.writableLength === 0);
    a.socket.resume();
    // The connection is still served: the flood costs no answer and holds nothing.
    a.send(headers(1, request('GET', '/after'), true));
    assert.equal((await a.outcome(1)).kind, 'response');
    const held = heldBytes() - before;
    assert.ok(held < 8 * MiB, `held ${held} bytes`);
  });

  // CVE-2020-11080: each entry of a SETTINGS frame is work (an initial window change touches every
  // stream), so a frame may carry at most 32 (maxSettings); a 16 KB frame holds 2 730.
  it('a SETTINGS frame of more than 32 entries closes the connection', async () => {
    backend = await startRecordingBackend();
    front = await startFront({ h2c: true }, backend.port);
    const a = await attacker();
    const entries = Buffer.alloc(33 * 6);
    for (let i = 0; i < 33; i++) {
      entries.writeUInt16BE(0x4, i * 6);
      entries.writeUInt32BE(i % 2 === 0 ? 0 : 65_535, i * 6 + 2);
    }
    a.send(frame(FrameType.SETTINGS, 0, 0, entries));
    assert.equal(goawayCode(await a.waitFor((f) => f.type === FrameType.GOAWAY)), http2.constants.NGHTTP2_ENHANCE_YOUR_CALM);
  });

  it('a dynamic table size update past SETTINGS_HEADER_TABLE_SIZE is a COMPRESSION_ERROR, and the request never reaches the backend', async () => {
    backend = await startRecordingBackend();
    front = await startFront({ h2c: true }, backend.port);
    const a = await attacker();
    // Table size update (RFC 7541 §6.3) to 4 MiB + 31, past the 4 096 bytes the server allows.
    const update = Buffer.from([0x3f, 0xe0, 0xff, 0xff, 0x01]);
    a.send(frame(FrameType.HEADERS, Flag.END_HEADERS | Flag.END_STREAM, 1, Buffer.concat([update, headerBlock(request('GET', '/table'))])));
    assert.equal(goawayCode(await a.waitFor((f) => f.type === FrameType.GOAWAY)), NGHTTP2_COMPRESSION_ERROR);
    assert.equal(backend.seen.length, 0);
  });

  it('a client that ignores flow control is stopped at the stream window while the backend takes nothing', async () => {
    // A backend that accepts and never reads: Portico's writes to it fill its socket and stop.
    backend = await sinkBackend((socket) => socket.pause());
    front = await startFront({ h2c: true }, backend.port);
    const a = await attacker();
    const before = heldBytes();
    a.send(headers(1, request('POST', '/upload'), false));
    const piece = data(1, Buffer.alloc(16_000, 0x61), false);
    // 32 MB of DATA on one stream, whatever the window says.
    for (let i = 0; i < 2_000 && !a.closed; i++) {
      a.send(piece);
      if (i % 20 === 0) await turn();
    }
    // nghttp2 1.61 (Node 20) resets the stream; 1.70 (Node 24, 26) closes the connection.
    const stopped = await a.waitFor((f) => (f.streamId === 1 && f.type === FrameType.RST_STREAM) || f.type === FrameType.GOAWAY);
    assert.equal(stopped?.payload.readUInt32BE(stopped.type === FrameType.GOAWAY ? 4 : 0), NGHTTP2_FLOW_CONTROL_ERROR);
    // What it sent is read and dropped: once the reads are done, the connection holds a window's worth.
    await until(() => a.socket.writableLength === 0 && heldBytes() - before < 4 * MiB);
  });

  it('128 streams trickling request bodies hold at most 128 backend connections, and each is cut once its trickle stops for bodyIdleTimeout', async () => {
    let connections = 0;
    backend = await sinkBackend((socket) => {
      connections++;
      socket.resume();
    });
    front = await startFront({ h2c: true }, backend.port, { bodyIdleTimeout: 1_000 });
    const session = http2.connect(`http://127.0.0.1:${front.port}`);
    session.on('error', () => {});
    const streams = Array.from({ length: 128 }, (_, i) => session.request({ ':method': 'POST', ':path': `/trickle-${i}` }));
    const statuses = streams.map(
      (stream) =>
        new Promise<number>((resolve) => {
          let status = 0;
          stream.on('response', (h) => (status = Number(h[':status'])));
          stream.on('error', () => {});
          stream.on('close', () => resolve(status));
          stream.resume();
        }),
    );
    for (let round = 0; round < 4; round++) {
      await new Promise((resolve) => setTimeout(resolve, 300));
      for (const stream of streams) stream.write('x');
    }
    // Once the trickle stops, every stream is answered 408 after bodyIdleTimeout: none is left hanging.
    assert.deepEqual(new Set(await Promise.all(statuses)), new Set([408]));
    assert.ok(connections <= 128, `${connections} backend connections`);
    session.destroy();
  });

  // RFC 9113 §5.4.1: after a GOAWAY for a connection error the endpoint MUST close the connection.
  // node:http2 does on Node 22 and later; on Node 20 (nghttp2 1.61) it stops reading and leaves
  // the socket open with the streams it had, which end by their own deadlines (sendTimeout for an
  // answer that can no longer be sent), then keepAliveTimeout: docs/proxy.md, HTTP/2 at the front.
  it('closes a connection at once after its GOAWAY for a connection error, the stream in flight with it', async function () {
    if (Number(process.versions.node.split('.')[0]) < 22) this.skip();
    backend = await startRecordingBackend((_req, res) => setTimeout(() => res.end('late'), 200));
    front = await startFront({ h2c: true }, backend.port);
    const a = await attacker();
    a.send(headers(1, request('GET', '/in-flight'), true), data(1, 'x', false));
    assert.equal(goawayCode(await a.waitFor((f) => f.type === FrameType.GOAWAY)), http2.constants.NGHTTP2_STREAM_CLOSED);
    await until(() => a.closed);
    await until(() => front.forwarder.connectionCount === 0);
  });
});

// The same session code serves h2 chosen by ALPN over TLS, where node:http2 reads through Node's
// TLS layer instead of the socket: the floods that close a connection or reset its streams on h2c
// do so there too.
describe('HTTP/2 over TLS under a hostile client', function () {
  this.timeout(60_000);
  let certificate: TestCertificate;
  let backend: RecordingBackend;
  let front: Front;
  const attackers = new RawHttp2Clients();
  before(async () => (certificate = await testCertificate()));
  after(() => certificate.remove());
  afterEach(async () => {
    attackers.closeAll();
    await front.close();
    await backend.close();
  });
  const attacker = (): Promise<RawHttp2Client> => attackers.connect(front.port, { ca: certificate.certPem });
  const tlsFront = (options: Parameters<typeof startFront>[2] = {}) => startFront({ tls: { cert: certificate.cert, key: certificate.key } }, backend.port, options);

  it('rapid reset is closed with ENHANCE_YOUR_CALM', async () => {
    backend = await startRecordingBackend();
    front = await tlsFront();
    const a = await attacker();
    for (let batch = 0; batch < 50 && !a.closed; batch++) {
      a.send(...rapidReset(batch));
      await turn();
    }
    assert.equal(goawayCode(await a.waitFor((f) => f.type === FrameType.GOAWAY)), http2.constants.NGHTTP2_ENHANCE_YOUR_CALM);
    assert.ok(backend.seen.length < 500, `${backend.seen.length} reset requests reached the backend`);
  });

  it('a CONTINUATION flood is closed before it grows', async () => {
    backend = await startRecordingBackend();
    front = await tlsFront();
    const a = await attacker();
    await continuationFlood(a);
    await until(() => a.closed || a.frames.some((f) => f.type === FrameType.GOAWAY));
    assert.equal(backend.seen.length, 0);
  });

  it('downloads the client never lets through are reset after sendTimeout', async () => {
    backend = await startRecordingBackend((_req, res) => res.end(Buffer.alloc(MiB, 0x61)));
    front = await tlsFront({ sendTimeout: 1_000 });
    const a = await attacker();
    a.send(initialWindow(0));
    a.send(...Array.from({ length: 20 }, (_, i) => headers(1 + 2 * i, request('GET', `/big-${i}`), true)));
    for (let i = 0; i < 20; i++) assert.ok(await a.waitFor((f) => f.streamId === 1 + 2 * i && f.type === FrameType.RST_STREAM), `stream ${1 + 2 * i} was never reset`);
  });

  it('a request body of one-byte DATA frames reaches the backend one chunk per read', async () => {
    backend = await startRecordingBackend();
    front = await tlsFront();
    const a = await attacker();
    const before = systemCalls().reads;
    a.send(headers(1, request('POST', '/tiny'), false), ...Array.from({ length: 5_000 }, () => data(1, 'x', false)), data(1, '', true));
    await a.waitFor((f) => f.streamId === 1 && f.type === FrameType.DATA && (f.flags & Flag.END_STREAM) !== 0);
    const raw = backend.bytes();
    const sizes = chunkSizes(raw.slice(raw.indexOf('\r\n\r\n') + 4));
    assert.equal(sizes.reduce((x, y) => x + y, 0), 5_000);
    const reads = systemCalls().reads - before;
    assert.ok(sizes.length <= reads, `the backend got ${sizes.length} chunks in ${reads} reads`);
  });
});
