// How the embedded forwarder counts an exchange that ends early, as the socket forwarder does
// (endedEarly.ts, forwarderIncomplete.test.ts): the status of the head the client got, marked
// incomplete, once node:http wrote that head; 499 and client closed while none had reached it.
// Before, a response cut after its head was released with 0, a 5xx, and the early closes of a
// client whose dispatch was still pending had no test of their flag.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';
import type { Dispatch, ExchangeOutcome, Upstream } from '@portico/router';
import { turnsUntil } from '@portico/test-support';
import { closeAll, getUntilEnding, rawRequest, startHost, startRawBackend, upstreamAt } from './embedHarness.ts';
import { signal } from '../forward/harness.ts';

const forward = (upstream: Upstream): (() => Dispatch) => () => ({ kind: 'forward', upstream });

function ending(outcome: ExchangeOutcome | undefined): { status: number; clientClosed: boolean; incomplete: boolean } | undefined {
  return outcome && { status: outcome.status, clientClosed: outcome.clientClosed, incomplete: outcome.incomplete };
}

const HANDSHAKE = 'GET /ws HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n';

describe('embedded forwarder: how a response that ends early is counted', () => {
  afterEach(closeAll);

  // node:http holds a head back to send it with the first body bytes: a backend that died after its
  // head and before any body, or fell silent there for requestTimeout, left the client a reset and
  // no byte, counted 0, where the socket forwarder and HTTP/2 relay the head as it is read (the
  // client has the 200, then the cut: 200, incomplete). The head now goes at the end of the turn
  // it was read in, with the body that came in it.
  for (const how of ['dies', 'falls silent for requestTimeout'] as const) {
    it(`counts the 200 the client got, incomplete, when the backend ${how} after its head and before any body`, async () => {
      const headSeen = signal();
      const backend = await startRawBackend((_d, socket) => {
        socket.write('HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n');
        if (how === 'dies') void headSeen.promise.then(() => socket.destroy());
      });
      const host = await startHost(forward(upstreamAt(backend.port)), how === 'dies' ? {} : { requestTimeout: 300 });
      const reply = await rawRequest(host.port, 'GET / HTTP/1.1\r\nHost: a\r\n\r\n', {
        until: (got) => {
          if (got.includes('\r\n\r\n')) headSeen.fire();
          return false;
        },
      });
      assert.match(reply.text, /^HTTP\/1\.1 200 OK\r\n/);
      assert.equal(reply.ended, 'reset');
      await turnsUntil(() => host.released.length === 1);
      assert.deepEqual(ending(host.released[0]), { status: 200, clientClosed: false, incomplete: true });
    });
  }

  // As the socket forwarder (forwarderIncomplete.test.ts): a fault in the read that carried the
  // head leaves nothing sent, and the client gets 502 for a malformed response. Before, a reset
  // and no byte, counted 0.
  it('answers 502, counted 502, when the head and a broken chunk arrive in one read', async () => {
    const backend = await startRawBackend((_d, socket) => socket.write('HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n4\r\npart\r\nzz\r\n'));
    const host = await startHost(forward(upstreamAt(backend.port)));
    const reply = await rawRequest(host.port, 'GET / HTTP/1.1\r\nHost: a\r\n\r\n');
    assert.match(reply.text, /^HTTP\/1\.1 502 /);
    assert.doesNotMatch(reply.text, /200 OK|part/);
    await turnsUntil(() => host.released.length === 1);
    assert.deepEqual(ending(host.released[0]), { status: 502, clientClosed: false, incomplete: false });
  });

  it('counts the status the client got, incomplete, when the client leaves mid-body', async () => {
    const backend = await startRawBackend((_d, socket) => socket.write('HTTP/1.1 206 Partial Content\r\ncontent-length: 100\r\n\r\nsome'));
    const host = await startHost(forward(upstreamAt(backend.port)));
    const serverSide = once(host.server, 'connection') as Promise<[net.Socket]>;
    const client = await getUntilEnding(host.port, 'some');
    const [socket] = await serverSide;
    socket.resetAndDestroy();
    await client.closed;
    await turnsUntil(() => host.released.length === 1);
    assert.deepEqual(ending(host.released[0]), { status: 206, clientClosed: false, incomplete: true });
  });

  it('counts a refused upgrade cut mid-body with its status, incomplete', async () => {
    const backend = await startRawBackend((_d, socket) => {
      socket.write('HTTP/1.1 426 Upgrade Required\r\ncontent-length: 100\r\n\r\nnope');
      setTimeout(() => socket.destroy(), 50);
    });
    const host = await startHost(forward(upstreamAt(backend.port)));
    const reply = await rawRequest(host.port, HANDSHAKE);
    assert.match(reply.text, /^HTTP\/1\.1 426 /);
    await turnsUntil(() => host.released.length === 1);
    assert.deepEqual(ending(host.released[0]), { status: 426, clientClosed: false, incomplete: true });
  });

  // node:http's server refuses a malformed body itself (its 'clientError': a 400 while no head of
  // the response went out) and destroys the socket: the client got that 400 and left nothing. As
  // the socket forwarder counts its own refusal (400, or the head's status, incomplete). Before,
  // both were counted 499, client closed, and logged as a client that closed the connection.
  it('counts the 400 node:http answered a malformed chunked body, not a client that closed', async () => {
    const arrived = signal();
    const backend = await startRawBackend(() => arrived.fire());
    const host = await startHost(forward(upstreamAt(backend.port)));
    const client = net.connect(host.port, '127.0.0.1');
    let text = '';
    client.on('data', (d: Buffer) => (text += d.toString('latin1')));
    client.on('error', () => {});
    client.write('POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n');
    await arrived.promise;
    client.write('zz\r\n');
    await turnsUntil(() => host.released.length === 1);
    await turnsUntil(() => client.destroyed || text.length > 0);
    assert.match(text, /^HTTP\/1\.1 400 /);
    assert.deepEqual(ending(host.released[0]), { status: 400, clientClosed: false, incomplete: false });
    client.destroy();
  });

  it("counts the 408 node:http answered a body not sent within its requestTimeout, not a client that closed", async () => {
    const arrived = signal();
    const backend = await startRawBackend(() => arrived.fire());
    const host = await startHost(forward(upstreamAt(backend.port)), {}, { requestTimeout: 300, connectionsCheckingInterval: 50 });
    const client = net.connect(host.port, '127.0.0.1');
    let text = '';
    client.on('data', (d: Buffer) => (text += d.toString('latin1')));
    client.on('error', () => {});
    client.write('POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nhello');
    await arrived.promise;
    await turnsUntil(() => host.released.length === 1);
    await turnsUntil(() => client.destroyed || text.length > 0);
    assert.match(text, /^HTTP\/1\.1 408 /);
    assert.deepEqual(ending(host.released[0]), { status: 408, clientClosed: false, incomplete: false });
    client.destroy();
  });

  it('counts the head the client got, incomplete, when node:http refuses a malformed body after it', async () => {
    const backend = await startRawBackend((_d, socket) => socket.write('HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\nsome'));
    const host = await startHost(forward(upstreamAt(backend.port)));
    const client = net.connect(host.port, '127.0.0.1');
    let text = '';
    client.on('data', (d: Buffer) => {
      text += d.toString('latin1');
      if (text.endsWith('some')) client.write('zz\r\n');
    });
    client.on('error', () => {});
    client.write('POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n');
    await turnsUntil(() => host.released.length === 1);
    assert.match(text, /^HTTP\/1\.1 200 /);
    assert.deepEqual(ending(host.released[0]), { status: 200, clientClosed: false, incomplete: true });
    client.destroy();
  });

  // A FIN went unseen before: node:http's server lets sockets half-close, and an upgrade's socket
  // gave 'end' alone, so the backend held the handshake until requestTimeout.
  for (const how of ['fin', 'reset'] as const) {
    it(`counts 499, client closed, when the client leaves (${how}) an upgrade before the backend answers`, async () => {
      const arrived = signal();
      const backend = await startRawBackend(() => arrived.fire());
      const host = await startHost(forward(upstreamAt(backend.port)));
      const client = net.connect(host.port, '127.0.0.1');
      client.on('error', () => {});
      client.write(HANDSHAKE);
      await arrived.promise;
      if (how === 'fin') client.end();
      else client.resetAndDestroy();
      await turnsUntil(() => host.released.length === 1);
      assert.deepEqual(ending(host.released[0]), { status: 499, clientClosed: true, incomplete: false });
      client.destroy();
    });
  }

  // createEmbeddedForwarder's own release, for a dispatch that arrives after the client left.
  it('counts 499, client closed, for an upgrade whose dispatch arrives after the client left', async () => {
    let decideNow!: (d: Dispatch) => void;
    const host = await startHost(() => new Promise<Dispatch>((resolve) => (decideNow = resolve)));
    const serverSide = once(host.server, 'connection') as Promise<[net.Socket]>;
    const client = net.connect(host.port, '127.0.0.1');
    client.on('error', () => {});
    client.write(HANDSHAKE);
    const [socket] = await serverSide;
    await turnsUntil(() => host.dispatched() === 1);
    // A FIN: the host's socket is left half open ('end', no 'close'), which went unseen before.
    const gone = once(socket, 'end');
    client.end();
    await gone;
    decideNow({ kind: 'forward', upstream: upstreamAt(1) });
    await turnsUntil(() => host.released.length === 1);
    assert.deepEqual(ending(host.released[0]), { status: 499, clientClosed: true, incomplete: false });
    assert.equal(socket.destroyed, true);
    client.destroy();
  });
});

// A backend that sends bytes after a complete answer (past its Content-Length, after its last
// chunk) in the same read: node:http's parser reads them as a next response and fails, and the
// embedded forwarder answered 502 for an answer that was whole. The socket forwarder passes the
// answer on and closes the backend connection (docs/proxy.md, Stray bytes from a backend).
describe('embedded forwarder: stray bytes after a complete answer', () => {
  afterEach(closeAll);

  for (const [how, answer] of [
    ['past its Content-Length', 'HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nhellogarbage\r\n'],
    ['after its last chunk', 'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\ngarbage'],
  ] as const) {
    it(`passes the answer on and drops the backend connection when a backend writes ${how}`, async () => {
      const closed: Promise<unknown>[] = [];
      const backend = await startRawBackend((_d, socket) => {
        closed.push(once(socket, 'close'));
        socket.write(answer);
      });
      const host = await startHost(forward(upstreamAt(backend.port)));
      const reply = await rawRequest(host.port, 'GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
      assert.match(reply.text, /^HTTP\/1\.1 200 OK\r\n/);
      assert.match(reply.text, /\r\n\r\n(5\r\n)?hello(\r\n0\r\n\r\n)?$/);
      assert.doesNotMatch(reply.text, /stolen|garbage/);
      await Promise.all(closed);
      await turnsUntil(() => host.released.length === 1);
      assert.deepEqual(ending(host.released[0]), { status: 200, clientClosed: false, incomplete: false });
    });
  }
});
