// A response head with nothing for Portico to change (no hop-by-hop or hidden field, its framing
// the one the client's head announces) goes to the client as the backend wrote it; any other is
// rebuilt. Both read the same to a client: this file holds the bytes of each case, end to end
// through a real forwarder and backend sockets.
import assert from 'node:assert/strict';
import { closeAll, rawRequest, startProxy, startRawBackend, upstreamAt } from './harness.ts';

const GET = 'GET / HTTP/1.1\r\nHost: a\r\n\r\n';

/** The client's bytes for one request answered by a backend that writes `response`, in `pieces` writes. */
async function relayed(response: string, options: { request?: string; pieces?: number; hidden?: readonly string[] } = {}): Promise<string> {
  const backend = await startRawBackend((_data, socket) => {
    const bytes = Buffer.from(response, 'latin1');
    const pieces = options.pieces ?? 1;
    const size = Math.ceil(bytes.length / pieces);
    // Each piece its own read: the next one goes after the proxy has read the one before.
    const send = (at: number): void => {
      if (at >= bytes.length) return;
      socket.write(bytes.subarray(at, at + size), () => setTimeout(() => send(at + size), 20));
    };
    send(0);
  });
  const upstream = upstreamAt(backend.port);
  const hidden = options.hidden;
  const proxy = await startProxy({
    pickUpstream: () => upstream,
    ...(hidden === undefined ? {} : { dispatch: () => ({ kind: 'forward' as const, upstream, hiddenResponseHeaders: hidden }) }),
  });
  const expectedEnd = response.length;
  const reply = await rawRequest(proxy.port, options.request ?? GET, {
    // Ends once the head and its declared body arrived.
    until: (text) => {
      const end = text.indexOf('\r\n\r\n');
      if (end === -1) return false;
      const length = /\r\ncontent-length: *(\d+)/i.exec(text.slice(0, end + 2));
      return (options.request ?? GET).startsWith('HEAD') || text.length >= end + 4 + Number(length?.[1] ?? 0) || text.length >= expectedEnd * 2;
    },
  });
  return reply.text;
}

describe('a response head Portico has nothing to change', () => {
  afterEach(closeAll);

  it('reaches the client byte for byte as the backend wrote it: spelling, spacing, order, an empty reason', async () => {
    const response = 'HTTP/1.1 200\r\nX-B:  two spaces \r\nContent-Length:\t5\r\nset-cookie: a=1\r\nSet-Cookie: b=2\r\nx-empty:\r\n\r\nhello';
    assert.equal(await relayed(response), response);
  });

  it('is rebuilt when it came over several reads, and reads the same', async () => {
    const response = 'HTTP/1.1 200 OK\r\nX-B: b\r\nContent-Length: 5\r\n\r\nhello';
    const text = await relayed(response, { pieces: 4 });
    // The pieces go 20 ms apart; a proxy held up longer on a loaded machine may read them as one,
    // and then rightly sends the backend's bytes (responseHeadSplits.slow holds every split).
    assert.ok(text === 'HTTP/1.1 200 OK\r\nX-B: b\r\ncontent-length: 5\r\n\r\nhello' || text === response, text);
  });

  const rebuilt: ReadonlyArray<readonly [string, string, string]> = [
    ['a hop-by-hop field', 'HTTP/1.1 200 OK\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\nContent-Length: 2\r\n\r\nok', 'HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok'],
    ['a field the backend named in Connection', 'HTTP/1.1 200 OK\r\nConnection: x-private\r\nX-Private: 1\r\nContent-Length: 2\r\n\r\nok', 'HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok'],
    ['a Portico secret', 'HTTP/1.1 200 OK\r\nX-Portico-Token: leaked\r\nContent-Length: 2\r\n\r\nok', 'HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok'],
    ['a Content-Length with a leading zero', 'HTTP/1.1 200 OK\r\nContent-Length: 02\r\n\r\nok', 'HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok'],
    ['an HTTP/1.0 status line', 'HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nok', 'HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok'],
    ['a chunked body', 'HTTP/1.1 200 OK\r\nX-A: 1\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n', 'HTTP/1.1 200 OK\r\nX-A: 1\r\ntransfer-encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n'],
    ['a 204 with a Content-Length', 'HTTP/1.1 204 No Content\r\nX-A: 1\r\nContent-Length: 0\r\n\r\n', 'HTTP/1.1 204 No Content\r\nX-A: 1\r\n\r\n'],
  ];
  for (const [what, response, expected] of rebuilt) {
    it(`is rebuilt with ${what}`, async () => {
      const text = await relayed(response);
      assert.equal(text.slice(0, expected.length), expected);
    });
  }

  it('is rebuilt without an app\'s hidden header', async () => {
    const text = await relayed('HTTP/1.1 200 OK\r\nX-Auth-Email: a@b\r\nContent-Length: 2\r\n\r\nok', { hidden: ['x-auth-email'] });
    assert.equal(text, 'HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok');
  });

  it('is rebuilt with connection: close for a client that asked to close', async () => {
    const text = await relayed('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok', { request: 'GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n' });
    assert.equal(text, 'HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-length: 2\r\n\r\nok');
  });

  it('is rebuilt for an HTTP/1.0 client, which is told keep-alive', async () => {
    const text = await relayed('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok', { request: 'GET / HTTP/1.0\r\nHost: a\r\nConnection: keep-alive\r\n\r\n' });
    assert.equal(text, 'HTTP/1.1 200 OK\r\nconnection: keep-alive\r\ncontent-length: 2\r\n\r\nok');
  });

  it('keeps a HEAD answer\'s Content-Length as the backend wrote it', async () => {
    const response = 'HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n';
    assert.equal(await relayed(response, { request: 'HEAD / HTTP/1.1\r\nHost: a\r\n\r\n' }), response);
  });
});
