import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';
import { SimulatedClock } from '@portico/supervisor';
import { closeAll, getUntilEnding, rawRequest, readSlowPieces, signal, stallingClient, startBulkBackend, startHeldBackend, startHttpBackend, startProxy, startRawBackend, statusLines, uploadWithoutReading, upstreamAt } from './harness.ts';

describe('forwarder timeouts', () => {
  afterEach(closeAll);

  it('answers 408 and closes when a request body stalls, and aborts the backend request', async () => {
    const backendClosed = signal();
    const backend = await startHttpBackend((req) => {
      req.socket.on('close', backendClosed.fire);
      req.on('error', () => {});
      req.resume();
    });
    // The backend sees its request cut short; that is the point, not an error to report.
    backend.server.on('clientError', (_err, socket) => socket.destroy());
    const proxy = await startProxy({ pickUpstream: () => upstreamAt(backend.port), bodyIdleTimeout: 150 });
    const started = performance.now();
    const { text, ended } = await rawRequest(proxy.port, 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\n\r\n0123456789');
    assert.deepEqual(statusLines(text), ['408']);
    assert.equal(ended, 'end');
    assert.ok(performance.now() - started >= 140);
    await backendClosed.promise;
    assert.deepEqual(proxy.events.at(-1), { type: 'request.refused', status: 408, reason: 'request body not received in time' });
  });

  it('does not count a client waiting for 100 Continue as a stalled body', async () => {
    const clock = new SimulatedClock();
    let backendSocket!: net.Socket;
    const arrival = signal();
    const backend = await startRawBackend((data, socket) => {
      backendSocket = socket;
      if (data.toString('latin1').startsWith('POST')) arrival.fire();
      else socket.end('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok');
    });
    const proxy = await startProxy({ pickUpstream: () => upstreamAt(backend.port), bodyIdleTimeout: 150, requestTimeout: 10_000, clock });
    const client = net.connect(proxy.port, '127.0.0.1');
    let text = '';
    client.on('data', (d: Buffer) => (text += d.toString('latin1')));
    client.write('POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n');
    await arrival.promise;
    // The backend takes its time to say 100: the client rightly sends nothing meanwhile.
    clock.advance(1_000);
    backendSocket.write('HTTP/1.1 100 Continue\r\n\r\n');
    while (!text.includes('100 Continue')) await once(client, 'data');
    client.write('hello');
    while (!text.endsWith('\r\n\r\nok')) await once(client, 'data');
    assert.deepEqual(statusLines(text), ['100', '200']);
    assert.deepEqual(proxy.events, []);
    client.destroy();
  });

  it('answers 504 when the backend never sends the 100 Continue a client waits for', async () => {
    const clock = new SimulatedClock();
    const arrival = signal();
    const backend = await startRawBackend(() => arrival.fire());
    const proxy = await startProxy({ pickUpstream: () => upstreamAt(backend.port), bodyIdleTimeout: 150, requestTimeout: 500, clock });
    const client = net.connect(proxy.port, '127.0.0.1');
    let text = '';
    client.on('data', (d: Buffer) => (text += d.toString('latin1')));
    client.write('POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n');
    await arrival.promise;
    clock.advance(500);
    await once(client, 'end');
    assert.deepEqual(statusLines(text), ['504']);
    client.destroy();
  });

  it('keeps an upload that keeps coming alive past requestTimeout', async () => {
    const clock = new SimulatedClock();
    let received = 0;
    const backend = await startHttpBackend((req, res) => {
      req.on('data', (d: Buffer) => (received += d.length));
      req.on('end', () => res.end(String(received)));
    });
    const proxy = await startProxy({ pickUpstream: () => upstreamAt(backend.port), requestTimeout: 150, bodyIdleTimeout: 1000, clock });
    const socket = net.connect(proxy.port, '127.0.0.1');
    await once(socket, 'connect');
    let text = '';
    socket.on('data', (d: Buffer) => (text += d.toString('latin1')));
    socket.write('POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 60\r\n\r\n');
    // Six pieces 80 ms apart on the proxy's clock: the upload takes 480 ms, three times the
    // request timeout; each piece is at the backend before the clock moves on.
    for (let sent = 10; sent <= 60; sent += 10) {
      clock.advance(80);
      socket.write('0123456789');
      while (received < sent) {
        assert.ok(!socket.destroyed, `the connection was cut: ${JSON.stringify(proxy.events)}`);
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
    while (!text.endsWith('\r\n\r\n60')) await new Promise((resolve) => setImmediate(resolve));
    socket.destroy();
    assert.deepEqual(statusLines(text), ['200']);
  });

  it('counts a backend still taking the upload after its early response head as progress', async () => {
    const clock = new SimulatedClock();
    let received = 0;
    const backend = await startRawBackend((data, socket) => {
      const text = data.toString('latin1');
      const bodyStart = text.indexOf('\r\n\r\n');
      if (bodyStart !== -1) {
        socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n');
        received += data.length - bodyStart - 4;
      } else received += data.length;
      if (received === 30) socket.write('ok');
    });
    const proxy = await startProxy({ pickUpstream: () => upstreamAt(backend.port), requestTimeout: 200, bodyIdleTimeout: 10_000, clock });
    const client = net.connect(proxy.port, '127.0.0.1');
    let text = '';
    client.on('data', (d: Buffer) => (text += d.toString('latin1')));
    client.on('error', () => {});
    // Fails, rather than waits forever, when the proxy cuts the connection.
    const until = async (done: () => boolean): Promise<void> => {
      while (!done()) {
        if (client.destroyed) assert.fail(`the connection was cut: ${JSON.stringify(proxy.events)}`);
        await new Promise((resolve) => setImmediate(resolve));
      }
    };
    client.write('POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 30\r\n\r\n');
    await until(() => text.includes('200 OK'));
    // Three pieces 150 ms apart on the proxy's clock: 450 ms in all, each gap under the 200 ms timeout.
    for (let sent = 10; sent <= 30; sent += 10) {
      clock.advance(150);
      client.write('0123456789');
      await until(() => received === sent);
    }
    await until(() => text.endsWith('\r\n\r\nok'));
    assert.deepEqual(proxy.events, []);
    client.destroy();
  });

  it('relays a slow response whose pieces come within requestTimeout of each other', async () => {
    const clock = new SimulatedClock();
    const backend = await startHeldBackend();
    const proxy = await startProxy({ pickUpstream: () => upstreamAt(backend.port), requestTimeout: 200, clock });
    // Six pieces 150 ms apart on the forwarder's clock: 900 ms in all, each gap under the 200 ms timeout.
    const text = await readSlowPieces(proxy.port, backend, clock);
    assert.deepEqual(statusLines(text), ['200']);
    assert.match(text, /piece 5\n[\s\S]*done\n/);
  });

  it('cuts the client once the backend is silent for requestTimeout mid-response, and not before', async () => {
    const clock = new SimulatedClock();
    const backend = await startRawBackend((_d, socket) => socket.write('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhalf-'));
    const proxy = await startProxy({ pickUpstream: () => upstreamAt(backend.port), requestTimeout: 200, clock });
    const client = await getUntilEnding(proxy.port, 'half-');
    clock.advance(199);
    assert.equal(proxy.events.length, 0);
    clock.advance(1);
    const { reset } = await client.closed;
    assert.equal(reset, true);
    assert.deepEqual(proxy.events.at(-1), { type: 'response.aborted', reason: 'the backend sent nothing for 200 ms' });
  });

  it('cuts a client that stops reading the response after sendTimeout, and frees the backend', async () => {
    const size = 64 * 1024 * 1024;
    const backend = await startBulkBackend(size);
    const proxy = await startProxy({ pickUpstream: () => upstreamAt(backend.port), sendTimeout: 200 });
    const client = await stallingClient(proxy.port);
    await backend.closed;
    assert.deepEqual(proxy.events.at(-1), { type: 'response.aborted', reason: 'the client read nothing of the response for 200 ms' });
    const received = await client.readRest();
    assert.ok(received < size, `received ${received} of ${size}`);
  });

  it('cuts a client that uploads slowly but reads nothing after sendTimeout: its upload is no sign it reads', async () => {
    const backend = await startBulkBackend(64 * 1024 * 1024);
    const proxy = await startProxy({ pickUpstream: () => upstreamAt(backend.port), sendTimeout: 300 });
    // A byte every 100 ms would restart a deadline that counted any client activity; it must not.
    assert.equal(await uploadWithoutReading(proxy.port), true);
    assert.deepEqual(proxy.events.at(-1), { type: 'response.aborted', reason: 'the client read nothing of the response for 300 ms' });
  });

  it('gives a slow reader sendTimeout to take a closing answer before the linger starts', async () => {
    const clock = new SimulatedClock();
    // Far more than the sockets hold, so most of the answer waits in Portico when the close begins.
    const body = 'x'.repeat(32 * 1024 * 1024);
    const proxy = await startProxy({
      pickUpstream: () => undefined,
      dispatch: () => ({ kind: 'respond', status: 503, body, close: true }),
      sendTimeout: 10_000,
      clock,
    });
    const client = net.connect(proxy.port, '127.0.0.1');
    let reset = false;
    let received = 0;
    client.on('error', () => (reset = true));
    client.on('data', (d: Buffer) => (received += d.length));
    await once(client, 'connect');
    const first = once(client, 'data');
    client.write('GET / HTTP/1.1\r\nHost: a\r\n\r\n');
    // Portico writes its answer and begins the close in one go, so the first bytes mean it has begun.
    await first;
    client.pause();
    // Past the 2 s linger, well within sendTimeout: the answer still queued must not be cut.
    clock.advance(3_000);
    const closed = new Promise((resolve) => client.on('close', resolve));
    client.resume();
    await closed;
    assert.equal(reset, false);
    assert.ok(received > body.length, `received ${received} bytes of a ${body.length}-byte body and its head`);
  });

  it('closes after each response when keepAliveTimeout is 0', async () => {
    const backend = await startHttpBackend((_req, res) => res.end('ok'));
    const proxy = await startProxy({ pickUpstream: () => upstreamAt(backend.port), keepAliveTimeout: 0 });
    const { text, ended } = await rawRequest(proxy.port, 'GET / HTTP/1.1\r\nHost: a\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n');
    assert.deepEqual(statusLines(text), ['200']);
    assert.match(text, /\r\nconnection: close\r\n/i);
    assert.equal(ended, 'end');
  });
});
