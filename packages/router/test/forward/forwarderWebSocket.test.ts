import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import net from 'node:net';
import { SimulatedClock, type Clock } from '@portico/supervisor';
import { createForwarder } from '@portico/router';
import { WebSocket, WebSocketServer } from 'ws';
import { closeAll, rawRequest, startHttpBackend, startProxy, startRawBackend, statusLines, upstreamAt, signal } from './harness.ts';

const KEY = 'dGhlIHNhbXBsZSBub25jZQ==';
const handshake = (extra = '', version = '13'): string =>
  `GET /ws HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${KEY}\r\nSec-WebSocket-Version: ${version}\r\n${extra}\r\n`;

/**
 * A simulated clock that tells when a timer of `ms` is made. With `ms` the forwarder's
 * `sendTimeout`, that is the tunnel arming its stall deadline: the moment it found the client's
 * socket full and paused the backend (openTunnel.ts). The deadline's timer is made again only
 * after the previous one lapsed, so each pause after a lapse is told too.
 */
function watchedClock(ms: number): { readonly clock: SimulatedClock; readonly watched: Clock; readonly nextTimer: () => Promise<void> } {
  const clock = new SimulatedClock();
  let waiting: (() => void) | undefined;
  const watched: Clock = {
    now: () => clock.now(),
    setTimeout: (fn, delay) => {
      const handle = clock.setTimeout(fn, delay);
      if (delay === ms) waiting?.();
      return handle;
    },
    clearTimeout: (handle) => clock.clearTimeout(handle),
  };
  return {
    clock,
    watched,
    nextTimer: () => new Promise<void>((resolve) => (waiting = resolve)),
  };
}

describe('forwarder WebSocket tunnel', () => {
  afterEach(closeAll);

  it('tunnels a WebSocket through a ws backend, large messages included', async () => {
    const backend = await startHttpBackend((_req, res) => res.end('plain'));
    const wss = new WebSocketServer({ server: backend.server });
    wss.on('connection', (socket, req) => {
      socket.send(`token=${req.headers['x-portico-token']}`);
      socket.on('message', (data, binary) => socket.send(data, { binary }));
    });
    const proxy = await startProxy({ pickUpstream: () => upstreamAt(backend.port, 'b', 'tok') });
    const client = new WebSocket(`ws://127.0.0.1:${proxy.port}/ws`);
    const messages: Array<Buffer> = [];
    const first = new Promise<void>((resolve) => client.once('message', () => resolve()));
    client.on('message', (d: Buffer) => messages.push(d));
    await once(client, 'open');
    await first;
    assert.equal(messages[0]?.toString(), 'token=tok');
    const big = Buffer.alloc(1024 * 1024, 7);
    client.send(big);
    client.send('hello');
    while (messages.length < 3) await once(client, 'message');
    assert.equal(messages[1]?.length, big.length);
    assert.equal(messages[2]?.toString(), 'hello');
    client.close();
    await once(client, 'close');
    wss.close();
  });

  it('relays every byte intact to concurrent tunnels, one of them read slowly', async () => {
    // Backend reads share one buffer across connections: bytes a slow tunnel's client has not yet
    // taken must not be overwritten by the other tunnel's reads.
    const messages = Array.from({ length: 48 }, () => randomBytes(512 * 1024));
    const digest = (parts: readonly Buffer[]): string => {
      const hash = createHash('sha256');
      for (const p of parts) hash.update(p);
      return hash.digest('hex');
    };
    const backend = await startHttpBackend((_req, res) => res.end('plain'));
    const wss = new WebSocketServer({ server: backend.server });
    wss.on('connection', (socket) => {
      for (const m of messages) socket.send(m);
    });
    const proxy = await startProxy({ pickUpstream: () => upstreamAt(backend.port) });
    const receive = async (slow: boolean): Promise<Buffer[]> => {
      const client = new WebSocket(`ws://127.0.0.1:${proxy.port}/ws`);
      const got: Buffer[] = [];
      const all = new Promise<void>((resolve, reject) => {
        client.on('message', (d: Buffer) => {
          got.push(d);
          if (got.length === messages.length) resolve();
          else if (slow) {
            client.pause();
            setTimeout(() => client.resume(), 2);
          }
        });
        // A corrupted frame makes ws close the connection: a failure, not a wait for mocha's timeout.
        client.on('error', reject);
        client.on('close', () => reject(new Error(`closed after ${got.length} of ${messages.length} messages`)));
      });
      try {
        await all;
      } finally {
        client.close();
      }
      return got;
    };
    try {
      const [slow, fast] = await Promise.all([receive(true), receive(false)]);
      assert.equal(digest(slow), digest(messages), 'the slow tunnel');
      assert.equal(digest(fast), digest(messages), 'the fast tunnel');
    } finally {
      wss.close();
    }
  });

  it('refuses an invalid handshake with 400 and never forwards what follows (payload 10)', async () => {
    const backend = await startRawBackend(() => {});
    const proxy = await startProxy({ pickUpstream: () => upstreamAt(backend.port) });
    const { text } = await rawRequest(proxy.port, `${handshake('', '1337')}GET /internal HTTP/1.1\r\nHost: localhost\r\n\r\n`);
    assert.deepEqual(statusLines(text), ['400']);
    assert.equal(backend.connections, 0);
  });

  it('passes on a non-101 answer, closes, and opens no tunnel', async () => {
    const backend = await startRawBackend((data, socket) => {
      if (data.toString('latin1').startsWith('GET /ws')) socket.write('HTTP/1.1 426 Upgrade Required\r\ncontent-length: 0\r\n\r\n');
    });
    const proxy = await startProxy({ pickUpstream: () => upstreamAt(backend.port) });
    const { text, ended } = await rawRequest(proxy.port, `${handshake()}GET /internal HTTP/1.1\r\nHost: localhost\r\n\r\n`);
    assert.deepEqual(statusLines(text), ['426']);
    assert.equal(ended, 'end');
    const seen = backend.received.flat().map((b) => b.toString('latin1')).join('');
    assert.doesNotMatch(seen, /internal/);
  });

  it('holds bytes sent after the handshake until the backend answers 101', async () => {
    let sawFrameBefore101 = false;
    let answered = false;
    const backend = await startRawBackend((data, socket) => {
      const text = data.toString('latin1');
      if (text.startsWith('GET /ws')) {
        if (text.includes('early-bytes')) sawFrameBefore101 = true;
        answered = true;
        socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\nfrom-backend');
      } else if (text.includes('early-bytes')) {
        sawFrameBefore101 = !answered;
        socket.write('echo:early-bytes');
      }
    });
    const proxy = await startProxy({ pickUpstream: () => upstreamAt(backend.port) });
    const { text } = await rawRequest(proxy.port, `${handshake()}early-bytes`, { until: (t) => t.includes('echo:early-bytes') });
    assert.match(text, /^HTTP\/1\.1 101 Switching Protocols\r\n[\s\S]*sec-websocket-accept: s3pPLMBiTxaQ9kYGzzhZRbK\+xOo=\r\n[\s\S]*\r\n\r\nfrom-backend/i);
    assert.equal(sawFrameBefore101, false);
  });

  it('strips an h2c upgrade and forwards a plain request (no 101)', async () => {
    const backend = await startHttpBackend((req, res) => res.end(JSON.stringify(req.headers)));
    backend.server.on('upgrade', (_req, socket) => socket.end('HTTP/1.1 101 Switching Protocols\r\n\r\n'));
    const proxy = await startProxy({ pickUpstream: () => upstreamAt(backend.port) });
    const { text } = await rawRequest(proxy.port, 'GET / HTTP/1.1\r\nHost: a\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\nConnection: Upgrade, HTTP2-Settings, close\r\n\r\n');
    assert.deepEqual(statusLines(text), ['200']);
    const seen = JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4)) as Record<string, string>;
    assert.equal(seen.upgrade, undefined);
    assert.equal(seen['http2-settings'], undefined);
  });

  it('answers 502 to a 101 the client never asked for', async () => {
    const backend = await startRawBackend((_d, socket) => socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\n\r\n'));
    const proxy = await startProxy({ pickUpstream: () => upstreamAt(backend.port) });
    const { text } = await rawRequest(proxy.port, 'GET / HTTP/1.1\r\nHost: a\r\n\r\n');
    assert.deepEqual(statusLines(text), ['502']);
  });

  it('closes the client when the backend closes the tunnel', async () => {
    const backend = await startHttpBackend((_req, res) => res.end());
    const wss = new WebSocketServer({ server: backend.server });
    wss.on('connection', (socket) => socket.terminate());
    const proxy = await startProxy({ pickUpstream: () => upstreamAt(backend.port) });
    const client = new WebSocket(`ws://127.0.0.1:${proxy.port}/ws`);
    client.on('error', () => {});
    const [code] = (await once(client, 'close')) as [number];
    assert.equal(code, 1006);
    wss.close();
  });

  it('relays every byte of a large burst to a client that reads late, then passes the backend\'s FIN on', async () => {
    const size = 32 * 1024 * 1024;
    let sent = 0;
    // Whether the backend waits for a 'drain' now, and a signal for the next time it starts to.
    let blocked = false;
    let backendBlocked = signal();
    const backend = await startRawBackend((_d, socket) => {
      socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n');
      const piece = Buffer.alloc(1024 * 1024, 0x62);
      const pump = (): void => {
        blocked = false;
        while (sent < size) {
          sent += piece.length;
          if (!socket.write(piece)) {
            blocked = true;
            backendBlocked.fire();
            return void socket.once('drain', pump);
          }
        }
        socket.end();
      };
      pump();
    });
    // A send timeout no other timer has, on a clock that never moves: only the tunnel's pause makes it.
    const sendTimeout = 3_600_000;
    const { watched, nextTimer } = watchedClock(sendTimeout);
    const paused = nextTimer();
    const proxy = await startProxy({ pickUpstream: () => upstreamAt(backend.port), sendTimeout, clock: watched });
    const client = net.connect(proxy.port, '127.0.0.1');
    await once(client, 'connect');
    client.write(handshake());
    client.pause();
    // The client reads nothing yet: the tunnel must hold the backend back, not buffer it all. Once
    // the tunnel has paused the backend (its client socket full), the backend's socket fills too
    // and it waits for a 'drain' that only a read by the tunnel could bring; then it is far from done.
    // The write it waits on may be one it made before the pause (waiting only for its next write
    // hung there when that write never drained: 1 run in 6 on a busy machine).
    await paused;
    backendBlocked = signal();
    if (!blocked) await backendBlocked.promise;
    assert.ok(sent < size / 2, `the backend got ${sent} of ${size} bytes out to a client reading nothing`);
    let received = 0;
    let head = '';
    client.on('data', (d: Buffer) => {
      if (head.includes('\r\n\r\n')) received += d.length;
      else {
        head += d.toString('latin1');
        const end = head.indexOf('\r\n\r\n');
        if (end !== -1) received += Buffer.byteLength(head, 'latin1') - end - 4;
      }
    });
    client.resume();
    await once(client, 'end');
    assert.match(head, /^HTTP\/1\.1 101 /);
    assert.equal(received, size);
    client.destroy();
  });

  it('holds back a client that floods the tunnel while the backend reads nothing, then relays every byte in order', async () => {
    const size = 64 * 1024 * 1024;
    const piece = 1024 * 1024;
    // The backend answers 101, then stops reading until told to.
    let backendSocket: net.Socket | undefined;
    const backendServer = net.createServer((socket) => {
      socket.on('error', () => {});
      socket.once('data', () => {
        socket.pause();
        backendSocket = socket;
        socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n');
      });
    });
    backendServer.listen(0, '127.0.0.1');
    await once(backendServer, 'listening');
    const backendPort = (backendServer.address() as net.AddressInfo).port;
    // A send timeout no other timer has, on a clock that never moves: only the tunnel's pause makes it.
    const sendTimeout = 3_600_000;
    const { watched, nextTimer } = watchedClock(sendTimeout);
    const paused = nextTimer();
    const proxy = await startProxy({ pickUpstream: () => upstreamAt(backendPort), sendTimeout, clock: watched });
    const client = net.connect(proxy.port, '127.0.0.1');
    client.on('error', () => {});
    await once(client, 'connect');
    client.write(handshake());
    const [answer] = (await once(client, 'data')) as [Buffer];
    assert.match(answer.toString('latin1'), /^HTTP\/1\.1 101 /);
    // The client writes as fast as its socket takes bytes: whatever Portico reads and cannot pass
    // on, it would have to hold, unless it stops reading the client.
    const sentHash = createHash('sha256');
    let sent = 0;
    // Whether the client waits for a 'drain' now, and a signal for the next time it starts to.
    let waiting = false;
    let blocked = signal();
    const written = signal();
    const pump = (): void => {
      waiting = false;
      while (sent < size) {
        const bytes = randomBytes(piece);
        sentHash.update(bytes);
        sent += piece;
        if (!client.write(bytes)) {
          waiting = true;
          blocked.fire();
          return void client.once('drain', pump);
        }
      }
      client.end();
      written.fire();
    };
    pump();
    await paused;
    // Portico paused the client for the full backend socket: every buffer on the way fills, and
    // the client waits for a 'drain' far from done (maybe one it began to wait for before the pause).
    blocked = signal();
    if (!waiting) await Promise.race([blocked.promise, written.promise]);
    assert.ok(sent < size / 2, `the client got ${sent} of ${size} bytes into a tunnel whose backend reads nothing`);
    const receivedHash = createHash('sha256');
    let received = 0;
    const socket = backendSocket!;
    socket.on('data', (d: Buffer) => {
      receivedHash.update(d);
      received += d.length;
    });
    socket.resume();
    await once(socket, 'end');
    assert.equal(received, size);
    assert.equal(receivedHash.digest('hex'), sentHash.digest('hex'));
    socket.destroy();
    client.destroy();
    backendServer.close();
  });

  it('relays 8 MiB and then thousands of tiny pieces of two tunnels at once to backends that read late, each intact and in order (the read buffer they share)', async () => {
    // Each client read lands in one buffer every tunnel shares and is copied before it is passed
    // on: two tunnels whose reads alternate must not see each other's bytes, even when the
    // backends read nothing for a while, so that what the proxy writes them waits in its queue.
    const received = new Map<string, string>();
    const held: net.Socket[] = [];
    const backendServer = net.createServer((socket) => {
      socket.on('error', () => {});
      let text = '';
      socket.once('data', () => {
        socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n');
        socket.pause();
        held.push(socket);
        socket.setEncoding('latin1').on('data', (chunk: string) => (text += chunk));
        socket.on('end', () => {
          received.set(text[0]!, text);
          socket.end();
        });
      });
    });
    backendServer.listen(0, '127.0.0.1');
    await once(backendServer, 'listening');
    try {
      const proxy = await startProxy({ pickUpstream: () => upstreamAt((backendServer.address() as net.AddressInfo).port) });
      const open = async (): Promise<net.Socket> => {
        const client = net.connect(proxy.port, '127.0.0.1');
        client.setNoDelay(true);
        await once(client, 'connect');
        client.write(handshake());
        const [answer] = (await once(client, 'data')) as [Buffer];
        assert.match(answer.toString('latin1'), /^HTTP\/1\.1 101 /);
        return client;
      };
      const [a, b] = [await open(), await open()];
      const pieces = 5_000;
      // Enough to fill every socket buffer on the way to a backend that does not read.
      const filler = 8 * 1024 * 1024;
      const expected = { a: 'a'.repeat(filler), b: 'b'.repeat(filler) };
      a.write(expected.a);
      b.write(expected.b);
      for (let i = 0; i < pieces; i++) {
        for (const [tag, client] of [['a', a], ['b', b]] as const) {
          const piece = `${tag}${i % 10}`;
          expected[tag] += piece;
          client.write(piece);
        }
        // A turn of the event loop now and then, so the proxy reads many small pieces.
        if (i % 25 === 0) await new Promise((resolve) => setImmediate(resolve));
      }
      a.end();
      b.end();
      for (const socket of held) socket.resume();
      await Promise.all([once(a, 'close'), once(b, 'close')]);
      assert.ok(received.get('a') === expected.a, `tunnel a: ${received.get('a')?.length} bytes, ${expected.a.length} sent`);
      assert.ok(received.get('b') === expected.b, `tunnel b: ${received.get('b')?.length} bytes, ${expected.b.length} sent`);
    } finally {
      backendServer.close();
    }
  });

  it('relays large reads mixed with tiny ones both ways through two tunnels whose far ends read late, each byte intact and in order (the read buffers of a tunnel\'s own)', async () => {
    // After a large read a tunnel reads into a buffer of its own and writes its reads on without
    // a copy; a write the far socket queues keeps that buffer, so the next read must go elsewhere.
    // The far ends read nothing until their senders wait for a 'drain', so writes do queue.
    const send = (socket: net.Socket): { readonly blocked: Promise<void>; readonly sent: Promise<string> } => {
      const blocked = signal();
      const hash = createHash('sha256');
      const sent = (async () => {
        // About 10 MB each way: more than the kernel's socket buffers take from a reader that waits.
        for (let round = 0; round < 100; round++) {
          const pieces = [randomBytes(96 * 1024), ...Array.from({ length: 20 }, (_, i) => randomBytes(1 + (i % 3)))];
          for (const piece of pieces) {
            hash.update(piece);
            if (!socket.write(piece)) {
              blocked.fire();
              await once(socket, 'drain');
            }
          }
          await new Promise((resolve) => setImmediate(resolve));
        }
        blocked.fire();
        return hash.digest('hex');
      })();
      return { blocked: blocked.promise, sent };
    };
    // A far end reads slowly: each read waits a millisecond, so Portico's writes to it are often
    // taken in part, and the rest waits in the socket's queue while the next read comes.
    const receive = (socket: net.Socket): Promise<string> => {
      const hash = createHash('sha256');
      socket.on('data', (chunk: Buffer) => {
        hash.update(chunk);
        socket.pause();
        setTimeout(() => socket.resume(), 1);
      });
      return once(socket, 'end').then(() => hash.digest('hex'));
    };
    const backendSides: Array<{ readonly socket: net.Socket; readonly received: Promise<string> }> = [];
    const backendsOpen = signal();
    const backendServer = net.createServer({ allowHalfOpen: true }, (socket) => {
      socket.on('error', () => {});
      socket.once('data', () => {
        socket.pause();
        socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n');
        backendSides.push({ socket, received: receive(socket) });
        if (backendSides.length === 2) backendsOpen.fire();
      });
    });
    backendServer.listen(0, '127.0.0.1');
    await once(backendServer, 'listening');
    // Client sockets that queue up to 1 MiB before write() says wait: Portico goes on reading the
    // backend while its writes to the client wait in the queue, so a read must never land where
    // a queued write still points.
    const forwarder = createForwarder({ pickUpstream: () => upstreamAt((backendServer.address() as net.AddressInfo).port) });
    const proxyServer = net.createServer({ allowHalfOpen: true, highWaterMark: 1024 * 1024 }, (socket) => forwarder.handleConnection(socket));
    proxyServer.listen(0, '127.0.0.1');
    await once(proxyServer, 'listening');
    try {
      const open = async (): Promise<net.Socket> => {
        const client = net.connect((proxyServer.address() as net.AddressInfo).port, '127.0.0.1');
        client.setNoDelay(true);
        await once(client, 'connect');
        client.write(handshake());
        const [answer] = (await once(client, 'data')) as [Buffer];
        assert.match(answer.toString('latin1'), /^HTTP\/1\.1 101 [^]*\r\n\r\n$/);
        client.pause();
        return client;
      };
      const clients = [await open(), await open()];
      await backendsOpen.promise;
      const tunnels = clients.map((client, i) => ({ client, backend: backendSides[i]!.socket, fromBackend: receive(client), toBackend: backendSides[i]!.received }));
      const sending = tunnels.map(({ client, backend }) => ({ up: send(client), down: send(backend) }));
      // Both far ends start reading once every sender waits on a full socket (or is done).
      await Promise.all(sending.flatMap(({ up, down }) => [up.blocked, down.blocked]));
      for (const { client, backend } of tunnels) {
        client.resume();
        backend.resume();
      }
      for (const [i, { client, backend, fromBackend, toBackend }] of tunnels.entries()) {
        const { up, down } = sending[i]!;
        const sentUp = await up.sent;
        client.end();
        // The backend's FIN closes the tunnel once relayed: it comes after all the client sent.
        assert.equal(await toBackend, sentUp, `tunnel ${i}, client to backend`);
        const sentDown = await down.sent;
        backend.end();
        assert.equal(await fromBackend, sentDown, `tunnel ${i}, backend to client`);
      }
    } finally {
      await forwarder.close();
      proxyServer.close();
      backendServer.close();
    }
  });

  it('closes both sides sendTimeout after the client\'s FIN when the backend never closes its side (a close frame never answered)', async () => {
    const { clock, watched, nextTimer } = watchedClock(200);
    // A backend that stays half-open: it takes the client's FIN and never ends its own side.
    const backend = net.createServer({ allowHalfOpen: true }, (socket) => {
      socket.on('error', () => {});
      socket.once('data', () => socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n'));
    });
    backend.listen(0, '127.0.0.1');
    await once(backend, 'listening');
    const proxy = await startProxy({ pickUpstream: () => upstreamAt((backend.address() as net.AddressInfo).port), sendTimeout: 200, clock: watched });
    const client = net.connect(proxy.port, '127.0.0.1');
    client.on('error', () => {});
    await once(client, 'connect');
    client.write(handshake());
    await once(client, 'data');
    const armed = nextTimer();
    const closed = once(client, 'close');
    // A masked close frame (code 1000), then FIN.
    client.end(Buffer.of(0x88, 0x82, 1, 2, 3, 4, 0x03 ^ 1, 0xe8 ^ 2));
    await armed;
    clock.advance(199);
    assert.equal(proxy.forwarder.connectionCount, 1);
    clock.advance(1);
    // The client, whose FIN was its last word, sees the connection end: the tunnel closed both sides.
    await closed;
    while (proxy.forwarder.connectionCount > 0) await new Promise((resolve) => setImmediate(resolve));
    backend.close();
  });

  it('closes both sides when the client reads nothing of the tunnel for sendTimeout', async () => {
    const { clock, watched, nextTimer } = watchedClock(200);
    const backendGone = signal();
    const backend = await startRawBackend((_d, socket) => {
      socket.on('close', backendGone.fire);
      socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n');
      const piece = Buffer.alloc(1024 * 1024, 0x62);
      const pump = (): void => {
        while (socket.write(piece));
        socket.once('drain', pump);
      };
      pump();
    });
    let paused = nextTimer();
    const proxy = await startProxy({ pickUpstream: () => upstreamAt(backend.port), sendTimeout: 200, clock: watched });
    const client = net.connect(proxy.port, '127.0.0.1');
    client.on('error', () => {});
    await once(client, 'connect');
    client.write(handshake());
    client.pause();
    // Each time the tunnel pauses the backend for the full client, its stall deadline runs from
    // then: 199 ms later both sides are still open, at 200 ms the tunnel closes them. The client's
    // socket may still take a little more (a drain clears the deadline, and its timer then lapses)
    // until every buffer on the way is full; the next pause arms a new timer, and the same holds.
    for (let gone = false; !gone; ) {
      await paused;
      paused = nextTimer();
      assert.equal(proxy.forwarder.connectionCount, 1);
      clock.advance(199);
      assert.equal(proxy.forwarder.connectionCount, 1);
      clock.advance(1);
      gone = await Promise.race([backendGone.promise.then(() => true), paused.then(() => false)]);
    }
    // The client connection's close is reported on a later turn.
    while (proxy.forwarder.connectionCount > 0) await new Promise((resolve) => setImmediate(resolve));
    client.destroy();
  });
});

