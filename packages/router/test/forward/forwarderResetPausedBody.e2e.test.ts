import assert from 'node:assert/strict';
import { once } from 'node:events';
import net, { type AddressInfo } from 'node:net';
import { createForwarder, type ExchangeOutcome } from '@portico/router';
import { FrameType, RawHttp2Client, initialWindow, windowUpdate } from '@portico/test-support/http2';
import { BulkAnswer, signal, startRawBackend, upstreamAt } from './harness.ts';
import { MethodDispatch } from './MethodDispatch.ts';

const ending = (outcome: ExchangeOutcome) => ({ status: outcome.status, clientClosed: outcome.clientClosed, incomplete: outcome.incomplete });
const settle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// A client's RST_STREAM with NO_ERROR, on a stream whose request body Portico has paused (its
// backend reads slowly), is held by node:http2: the stream's `close` waits for the body's end.
// Portico counted the exchange when the backend side gave up (some two minutes on); by then the
// HEADERS it had queued behind an earlier write were dropped by nghttp2 and its queue was empty,
// which read as "sent": counted 200 for a client that never got them (seen on Node 24;
// Node 20 writes the HEADERS before it reads the reset). Seconds of real time: an e2e test.
describe('forwarder: a client reset with NO_ERROR while its body is paused', function () {
  this.timeout(120_000);
  const closers: Array<() => unknown> = [];
  afterEach(async () => {
    for (const close of closers.splice(0)) await close();
  });

  it('is counted by what reached the client, as the reset is read', async () => {
    const size = 32 * 1024 * 1024;
    let held: net.Socket | undefined;
    const arrived = signal();
    const bulk = new BulkAnswer(size);
    const backend = await startRawBackend((d, socket) => {
      if (!d.toString('latin1').includes('/bulk')) {
        if (held) return;
        held = socket;
        socket.pause(); // reads none of the body: Portico pauses the client's stream once the socket is full
        return arrived.fire();
      }
      bulk.writeTo(socket);
    });
    closers.push(() => backend.close());
    const dispatches: MethodDispatch[] = [];
    const forwarder = createForwarder({
      pickUpstream: () => undefined,
      dispatch: () => {
        const d = new MethodDispatch(upstreamAt(backend.port), upstreamAt(backend.port), ['x-added', 'yes']);
        dispatches.push(d);
        return d;
      },
    });
    const server = net.createServer((socket) => forwarder.handleHttp2Connection(socket));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    closers.push(() => forwarder.close(), () => new Promise((resolve) => server.close(resolve)));

    const client = await RawHttp2Client.connect((server.address() as AddressInfo).port);
    closers.push(() => client.socket.destroy());
    client.send(initialWindow(0x7fffffff), windowUpdate(0, 0x7fffffff - 65535));
    client.post(1, '/held');
    await arrived.promise;
    // The body, within the windows Portico grants, until it grants no more: the stream is paused.
    const granted = (id: number) => client.frames.filter((f) => f.type === FrameType.WINDOW_UPDATE && f.streamId === id).reduce((n, f) => n + f.payload.readUInt32BE(0), 65535);
    const piece = Buffer.alloc(16 * 1024, 0x62);
    let sent = 0;
    for (let idle = 0; idle < 5; ) {
      if (Math.min(granted(1), granted(0)) - sent >= piece.length) {
        client.data(1, piece, false);
        sent += piece.length;
        idle = 0;
        if (sent % (1024 * 1024) === 0) await new Promise((resolve) => setImmediate(resolve));
      } else {
        idle++;
        await settle(100);
      }
    }
    // A download the client does not read fills the sockets: what Portico sends next waits in nghttp2.
    client.socket.pause();
    client.get(3, '/bulk');
    await bulk.stalled();
    held!.write('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npart');
    await settle(200);
    client.reset(1, 0x0);
    client.socket.resume();
    const outcome = ending(await dispatches[0]!.released);
    await client.ping();
    const got = client.framesOf(FrameType.HEADERS, 1).length > 0;
    assert.deepEqual(outcome, got ? { status: 200, clientClosed: false, incomplete: true } : { status: 499, clientClosed: true, incomplete: false }, `the client ${got ? 'got' : 'never got'} the HEADERS`);
  });
});
