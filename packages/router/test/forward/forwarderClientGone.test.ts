// The status an exchange is released with when its client leaves or its body is refused, which
// the router's metrics count: before, every one of these was released with 0, a 5xx (a server
// error) in /metrics, though the client left (nginx's 499) or sent a body Portico refused (400, 408).
import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';
import { closeAll, signal, startProxy, startRawBackend, upstreamAt } from './harness.ts';
import { MethodDispatch } from './MethodDispatch.ts';

/** A proxy to a backend that calls `respond` with each read, and the dispatch each request got. */
async function proxyTo(respond: (data: Buffer, socket: net.Socket) => void, options: { bodyIdleTimeout?: number } = {}) {
  const backend = await startRawBackend(respond);
  const dispatches: MethodDispatch[] = [];
  const proxy = await startProxy({
    ...options,
    pickUpstream: () => undefined,
    dispatch: () => {
      const d = new MethodDispatch(upstreamAt(backend.port), upstreamAt(backend.port), ['x-added', 'yes']);
      dispatches.push(d);
      return d;
    },
  });
  return { proxy, dispatches };
}

/** A client that sends `bytes`, waits for `ready`, then leaves as `how` says. */
async function leave(port: number, bytes: string, ready: Promise<void>, how: 'fin' | 'reset'): Promise<void> {
  const client = net.connect(port, '127.0.0.1');
  client.on('error', () => {});
  await once(client, 'connect');
  client.write(bytes);
  await ready;
  if (how === 'fin') client.end();
  else client.resetAndDestroy();
}

describe('forwarder: the status of an exchange whose client left or whose body was refused', () => {
  afterEach(closeAll);

  for (const how of ['fin', 'reset'] as const) {
    it(`releases 499 when the client leaves (${how}) before any of the response`, async () => {
      const arrived = signal();
      const { proxy, dispatches } = await proxyTo(() => arrived.fire());
      await leave(proxy.port, 'GET / HTTP/1.1\r\nHost: a\r\n\r\n', arrived.promise, how);
      const outcome = await dispatches[0]!.released;
      assert.equal(outcome.status, 499);
      assert.equal(outcome.answered, false);
      assert.equal(outcome.clientClosed, true);
    });
  }

  it('releases the response\'s status when the client leaves after its head reached it', async () => {
    const { proxy, dispatches } = await proxyTo((_d, socket) => socket.write('HTTP/1.1 206 Partial Content\r\nContent-Length: 100\r\n\r\nsome'));
    const head = signal();
    const client = net.connect(proxy.port, '127.0.0.1');
    client.on('error', () => {});
    client.on('data', () => head.fire());
    client.write('GET / HTTP/1.1\r\nHost: a\r\n\r\n');
    await head.promise;
    client.resetAndDestroy();
    const outcome = await dispatches[0]!.released;
    assert.equal(outcome.status, 206);
    assert.equal(outcome.clientClosed, false, 'the head reached the client');
  });

  // Regression: a backend's own 499 was counted as a client that left (status 499 alone decided).
  it('releases a backend\'s own 499, answered in full, as an answer and not as a client that left', async () => {
    const { proxy, dispatches } = await proxyTo((_d, socket) => socket.write('HTTP/1.1 499 Whatever\r\nContent-Length: 2\r\n\r\nok'));
    const client = net.connect(proxy.port, '127.0.0.1');
    let text = '';
    client.on('data', (d: Buffer) => (text += d.toString('latin1')));
    client.on('error', () => {});
    client.write('GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
    await new Promise((resolve) => client.once('close', resolve));
    assert.match(text, /^HTTP\/1\.1 499 [\s\S]*\r\n\r\nok$/);
    const outcome = await dispatches[0]!.released;
    assert.deepEqual({ status: outcome.status, answered: outcome.answered, clientClosed: outcome.clientClosed }, { status: 499, answered: true, clientClosed: false });
  });

  it('releases 400 for a malformed chunked body whose head went to the backend, and 408 for one that stalls', async () => {
    for (const [rest, status] of [['zz\r\n', 400], ['', 408]] as const) {
      const arrived = signal();
      const { proxy, dispatches } = await proxyTo(() => arrived.fire(), { bodyIdleTimeout: 200 });
      const client = net.connect(proxy.port, '127.0.0.1');
      let text = '';
      client.on('data', (d: Buffer) => (text += d.toString('latin1')));
      client.on('error', () => {});
      client.write('POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n');
      await arrived.promise;
      client.write(rest);
      await once(client, 'close');
      assert.match(text, new RegExp(`^HTTP/1\\.1 ${status} `));
      assert.equal((await dispatches[0]!.released).status, status);
    }
  });
  // What the client got is what is counted (endedEarly.ts): a body refused once the response's
  // head reached the client cuts a 200 the client saw, which is no 400 or 408. Before, the
  // exchange was released with the refusal's status, a response the client never got.
  for (const [rest, label] of [['zz\r\n', 'malformed'], ['', 'stalled']] as const) {
    it(`releases the status of the head the client got for a ${label} body once that head reached it`, async () => {
      const { proxy, dispatches } = await proxyTo((_d, socket) => socket.write('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npart'), { bodyIdleTimeout: 200 });
      const client = net.connect(proxy.port, '127.0.0.1');
      let text = '';
      const head = signal();
      client.on('data', (d: Buffer) => {
        text += d.toString('latin1');
        if (text.includes('part')) head.fire();
      });
      client.on('error', () => {});
      client.write('POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n');
      await head.promise;
      client.write(rest);
      // Reset: `once` would reject with the reset's error.
      await new Promise((resolve) => client.once('close', resolve));
      assert.match(text, /^HTTP\/1\.1 200 OK\r\n/);
      assert.equal((await dispatches[0]!.released).status, 200);
    });
  }
});
