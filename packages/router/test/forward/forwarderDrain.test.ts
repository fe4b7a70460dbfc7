import assert from 'node:assert/strict';
import { once } from 'node:events';
import type http from 'node:http';
import http2 from 'node:http2';
import net from 'node:net';
import { createForwarder } from '@portico/router';
import { closeAll, floodWithoutReading, startHttpBackend, startProxy, upstreamAt } from './harness.ts';
import { FrameType, RawHttp2Client } from '@portico/test-support/http2';

/** A backend that answers `/` at once and holds `/held` until the test lets it answer. */
async function gatedBackend() {
  const held: http.ServerResponse[] = [];
  const urls: string[] = [];
  const backend = await startHttpBackend((req, res) => {
    urls.push(req.url!);
    if (req.url === '/held') held.push(res);
    else res.end('ok');
  });
  return { ...backend, held, urls };
}

/** A raw client connection and everything it has read, and whether the proxy ended it. */
async function rawClient(port: number) {
  const socket = net.connect(port, '127.0.0.1');
  await once(socket, 'connect');
  let text = '';
  socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
  const ended = new Promise<void>((resolve) => socket.once('end', resolve));
  socket.on('error', () => {});
  return { socket, read: () => text, ended };
}

async function until(done: () => boolean): Promise<void> {
  for (let i = 0; i < 400 && !done(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
  assert.ok(done(), 'the condition came true');
}

/** Waits until `count()` has stayed the same for 300 ms (Portico has stopped taking requests). */
async function settled(count: () => number): Promise<void> {
  for (let last = -1, same = 0; same < 30; await new Promise((resolve) => setTimeout(resolve, 10))) {
    same = count() === last ? same + 1 : 0;
    last = count();
  }
}

// Portico's stop closes the listeners and then drains the workers (up to shutdownTimeLimit); the
// client connections it holds were only cut at the end, so a keep-alive client's next request in
// that window was taken, waited for a worker that was stopping, and was reset. As nginx's
// graceful quit: an idle keep-alive connection closes at once, a busy one finishes its response
// with `connection: close`, and an HTTP/2 session gets GOAWAY and finishes its open streams.
describe('forwarder.drain()', () => {
  afterEach(closeAll);

  it('closes idle keep-alive connections at once and lets a request in flight finish with connection: close', async () => {
    const backend = await gatedBackend();
    const proxy = await startProxy({ pickUpstream: () => upstreamAt(backend.port) });
    const idle = await rawClient(proxy.port);
    idle.socket.write('GET / HTTP/1.1\r\nHost: a\r\n\r\n');
    await until(() => idle.read().endsWith('ok'));
    const busy = await rawClient(proxy.port);
    busy.socket.write('GET /held HTTP/1.1\r\nHost: a\r\n\r\n');
    await until(() => backend.held.length === 1);

    proxy.forwarder.drain();
    await idle.ended;
    assert.equal(busy.read(), '', 'the request in flight is not cut');

    backend.held[0]!.end('all of it');
    await busy.ended;
    assert.match(busy.read(), /^HTTP\/1\.1 200 OK\r\n/);
    assert.match(busy.read(), /\r\nconnection: close\r\n/i);
    assert.ok(busy.read().endsWith('all of it'));
    await until(() => proxy.forwarder.connectionCount === 0);
  });

  it('answers only the request in flight of a pipelining client, with connection: close, and drops the ones behind it', async () => {
    const backend = await gatedBackend();
    const proxy = await startProxy({ pickUpstream: () => upstreamAt(backend.port) });
    const client = await rawClient(proxy.port);
    client.socket.write('GET /held HTTP/1.1\r\nHost: a\r\n\r\n'.repeat(3));
    await until(() => backend.held.length === 1);
    proxy.forwarder.drain();
    backend.held[0]!.end('first');
    await client.ended;
    assert.equal(client.read().match(/HTTP\/1\.1 /g)?.length, 1, 'one response');
    assert.match(client.read(), /\r\nconnection: close\r\n[\s\S]*first$/i);
    assert.equal(backend.held.length, 1, 'the pipelined requests behind it never reached the backend');
  });

  it('serves a request that arrives on a fresh connection after the drain, then closes it', async () => {
    const backend = await gatedBackend();
    const proxy = await startProxy({ pickUpstream: () => upstreamAt(backend.port) });
    const fresh = await rawClient(proxy.port);
    await until(() => proxy.forwarder.connectionCount === 1);
    proxy.forwarder.drain();
    fresh.socket.write('GET / HTTP/1.1\r\nHost: a\r\n\r\n');
    await fresh.ended;
    assert.match(fresh.read(), /^HTTP\/1\.1 200 OK\r\n[\s\S]*connection: close\r\n[\s\S]*ok$/i);
  });

  // The drain found such a connection neither idle nor with a request in flight: its last answer
  // was done and waited in the socket for a slow reader (sendTimeout), so once the client read it
  // the connection went back to reading requests, and the pipelined ones behind it reached the
  // backend during the stop.
  it('closes a connection whose answers wait for a slow reader once it has read them, taking no request after', async () => {
    let requests = 0;
    const backend = await startHttpBackend((_req, res) => {
      requests++;
      res.end(Buffer.alloc(4096, 'a'));
    });
    const upstream = upstreamAt(backend.port);
    const proxy = await startProxy({ pickUpstream: () => upstream, keepAliveTimeout: 600_000, sendTimeout: 600_000 });
    // Far more answers than the sockets' buffers hold: Portico stops at a full socket, an answer done.
    const client = await floodWithoutReading(proxy.port, 4000);
    await settled(() => requests);
    assert.ok(requests < 4000, 'Portico waits for the client to read');
    await until(() => proxy.forwarder.idleUpstreamConnections(upstream.id) === 1);
    const answered = requests;
    proxy.forwarder.drain();

    const ended = once(client, 'end');
    client.resume();
    await ended;
    assert.equal(requests, answered, 'no request taken after the drain');
    client.destroy();
  });

  it('sends GOAWAY to an HTTP/2 client and lets its open stream finish', async () => {
    const backend = await gatedBackend();
    const forwarder = createForwarder({ pickUpstream: () => upstreamAt(backend.port) });
    const server = net.createServer((socket) => forwarder.handleHttp2Connection(socket));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const session = http2.connect(`http://127.0.0.1:${(server.address() as net.AddressInfo).port}`);
    try {
      session.on('error', () => {});
      const goaway = once(session, 'goaway');
      const stream = session.request({ ':path': '/held' });
      let body = '';
      stream.on('data', (chunk: Buffer) => (body += chunk.toString()));
      const response = once(stream, 'response') as Promise<[http2.IncomingHttpHeaders]>;
      const ended = once(stream, 'end');
      await until(() => backend.held.length === 1);

      forwarder.drain();
      const [code] = (await goaway) as [number];
      assert.equal(code, http2.constants.NGHTTP2_NO_ERROR);
      backend.held[0]!.end('all of it');
      const [headers] = await response;
      assert.equal(headers[':status'], 200);
      await ended;
      assert.equal(body, 'all of it');
      await until(() => forwarder.connectionCount === 0);
    } finally {
      session.destroy();
      await forwarder.close();
      server.close();
    }
  });

  // RFC 9113 §6.8: streams above the GOAWAY's last stream id are not processed, and the client may
  // send them again elsewhere. node:http2's client refuses to open one after a GOAWAY, so a
  // frame-level client does, as a client that has not read the GOAWAY yet would.
  it('never forwards a stream an HTTP/2 client opens after the GOAWAY, and finishes the open one', async () => {
    const backend = await gatedBackend();
    const forwarder = createForwarder({ pickUpstream: () => upstreamAt(backend.port) });
    const server = net.createServer((socket) => forwarder.handleHttp2Connection(socket));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const client = await RawHttp2Client.connect((server.address() as net.AddressInfo).port);
    try {
      client.get(1, '/held');
      await until(() => backend.held.length === 1);
      forwarder.drain();
      await client.until(() => client.frames.some((f) => f.type === FrameType.GOAWAY));
      const goaway = client.frames.find((f) => f.type === FrameType.GOAWAY)!;
      assert.equal(goaway.payload.readUInt32BE(0) & 0x7fffffff, 1, 'the GOAWAY names stream 1 as the last one taken');
      assert.equal(goaway.payload.readUInt32BE(4), http2.constants.NGHTTP2_NO_ERROR);

      client.get(3, '/late');
      await client.ping();
      assert.deepEqual(client.framesOf(FrameType.HEADERS, 3), [], 'stream 3 got no response');
      backend.held[0]!.end('all of it');
      await client.until(() => client.framesOf(FrameType.DATA, 1).some((f) => (f.flags & 0x1) !== 0));
      await until(() => forwarder.connectionCount === 0);
      assert.deepEqual(backend.urls, ['/held'], 'the stream opened after the GOAWAY never reached the backend');
      assert.deepEqual(client.frames.filter((f) => f.streamId === 3), [], 'stream 3 was ignored: the GOAWAY told the client it was not processed');
    } finally {
      client.socket.destroy();
      await forwarder.close();
      server.close();
    }
  });
});
