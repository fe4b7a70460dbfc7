// The h2c sniff, attacked through the real listener and forwarder: a client whose first bytes
// start like the HTTP/2 preface and then leave it, sent a byte at a time, is served as HTTP/1.1
// (or refused by the strict framer) with every byte read once and in order, pipelined body and
// WebSocket included, exactly as on a listener without h2c; and one that stops inside the preface
// is cut, never held.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import net from 'node:net';
import { createListener, type Listener } from '@portico/listener';
import { createForwarder, type Forwarder } from '@portico/router';
import { WebSocketServer } from 'ws';

const PREFACE = 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n';

/** A masked client text frame (RFC 6455 §5.2), payload under 126 bytes, as latin1 text. */
function clientTextFrame(text: string): string {
  const payload = Buffer.from(text);
  const mask = Buffer.from([1, 2, 3, 4]);
  return Buffer.concat([Buffer.from([0x81, 0x80 | payload.length]), mask, Buffer.from(payload.map((b, i) => b ^ mask[i % 4]!))]).toString('latin1');
}

interface Seen {
  readonly method: string;
  readonly url: string;
  readonly body: string;
}

describe('an h2c listener sniffing for the preface', () => {
  let backend: http.Server;
  const seen: Seen[] = [];
  const closers: (() => Promise<void>)[] = [];
  const clients: net.Socket[] = [];

  beforeEach(async () => {
    backend = http.createServer((req, res) => {
      let body = '';
      req.setEncoding('latin1');
      req.on('data', (c: string) => (body += c));
      req.on('end', () => {
        seen.push({ method: req.method!, url: req.url!, body });
        res.end(`got ${req.method} ${req.url} ${body}`);
      });
    });
    const wss = new WebSocketServer({ server: backend });
    wss.on('connection', (ws, req) => {
      seen.push({ method: req.method!, url: req.url!, body: '' });
      ws.on('message', (m: Buffer) => ws.send(`echo:${m.toString()}`));
    });
    backend.listen(0, '127.0.0.1');
    await once(backend, 'listening');
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) c.destroy();
    await Promise.all(closers.splice(0).map((close) => close()));
    backend.closeAllConnections();
    await new Promise((resolve) => backend.close(resolve));
    seen.length = 0;
  });

  /** Portico's listener (h2c or not) and socket forwarder in front of the backend. */
  async function front(h2c: boolean, timeouts: { headersTimeout?: number; handshakeTimeout?: number } = {}): Promise<number> {
    const port = (backend.address() as net.AddressInfo).port;
    const forwarder: Forwarder = createForwarder({
      pickUpstream: () => ({ id: 'b', address: { host: '127.0.0.1', port }, token: 't' }),
      ...(timeouts.headersTimeout === undefined ? {} : { headersTimeout: timeouts.headersTimeout }),
    });
    const listener: Listener = createListener({
      entries: [{ port: 0, host: '127.0.0.1', h2c }],
      handler: () => forwarder,
      ...(timeouts.handshakeTimeout === undefined ? {} : { handshakeTimeout: timeouts.handshakeTimeout }),
    });
    const [address] = await listener.start();
    closers.push(async () => {
      await Promise.all([listener.stopAccepting(), forwarder.close()]);
    });
    return address!.port;
  }

  /** A raw client that writes `pieces` one per turn of the event loop, and collects what comes back. */
  async function send(port: number, pieces: readonly string[]): Promise<{ socket: net.Socket; received: () => string; closed: Promise<unknown> }> {
    const socket = net.connect(port, '127.0.0.1');
    socket.setNoDelay(true);
    socket.on('error', () => {});
    clients.push(socket);
    let received = '';
    socket.on('data', (d: Buffer) => (received += d.toString('latin1')));
    const closed = once(socket, 'close');
    await once(socket, 'connect');
    for (const piece of pieces) {
      socket.write(piece, 'latin1');
      // Each piece in a read of its own where the machine allows: the sniffer sees each prefix.
      await new Promise((resolve) => setImmediate(resolve));
      await new Promise((resolve) => setImmediate(resolve));
    }
    return { socket, received: () => received, closed };
  }

  /** Resolves once `predicate` holds of what the client received (looked at after each read). */
  async function receivedUntil(client: { socket: net.Socket; received: () => string }, predicate: (text: string) => boolean): Promise<string> {
    while (!predicate(client.received())) await once(client.socket, 'data');
    return client.received();
  }

  const bytewise = (text: string): string[] => [...text];
  const upgrade = 'GET /ws HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n';
  const pipelined = `Content-Length: 5\r\n\r\nhello${upgrade}${clientTextFrame('hi')}`;
  const echoFrame = '\x81\x07echo:hi';

  for (const h2c of [true, false]) {
    const listener = h2c ? 'an h2c listener' : 'a listener without h2c';
    const served: ReadonlyArray<readonly [string, readonly string[], string]> = [
      ['a POST begun with P, then O', ['P', 'O', `ST /a HTTP/1.1\r\nHost: a\r\n${pipelined}`], 'POST'],
      ['a PUT begun byte by byte', [...bytewise('PUT /a HT'), `TP/1.1\r\nHost: a\r\n${pipelined}`], 'PUT'],
      ['a POST whose head and body come in one read', [`POST /a HTTP/1.1\r\nHost: a\r\n${pipelined}`], 'POST'],
    ];
    for (const [name, pieces, method] of served) {
      it(`serves ${name} on ${listener}, then its pipelined WebSocket, every byte once and in order`, async () => {
        const client = await send(await front(h2c), pieces);
        const text = await receivedUntil(client, (t) => t.includes(echoFrame));
        assert.match(text, new RegExp(`^HTTP/1\\.1 200 OK\\r\\n[^]*got ${method} /a hello`));
        assert.match(text, /HTTP\/1\.1 101 Switching Protocols\r\n/);
        assert.ok(text.endsWith(echoFrame), `after the echo: ${JSON.stringify(text.slice(text.indexOf(echoFrame)))}`);
        assert.deepEqual(seen, [
          { method, url: '/a', body: 'hello' },
          { method: 'GET', url: '/ws', body: '' },
        ]);
      });
    }

    const refused: ReadonlyArray<readonly [string, readonly string[], number]> = [
      ['PRI * HTTP/1.1, the preface\'s request line with another version', [...bytewise('PRI * HTTP/'), `1.1\r\nHost: a\r\n${pipelined}`], 501],
      ['the preface but its last byte, then another', [...bytewise(PREFACE.slice(0, -1)), `X${pipelined}`], 505],
    ];
    for (const [name, pieces, status] of refused) {
      it(`refuses ${name} on ${listener} with the framer's ${status}, and closes`, async () => {
        const client = await send(await front(h2c), pieces);
        await client.closed;
        assert.match(client.received(), new RegExp(`^HTTP/1\\.1 ${status} `));
        assert.deepEqual(seen, []);
      });
    }

    it(`cuts a client that sent one byte of the preface and then nothing on ${listener}`, async () => {
      // The sniff is bounded by the listener's handshakeTimeout; a head by the forwarder's headersTimeout.
      const client = await send(await front(h2c, { headersTimeout: 300, handshakeTimeout: 300 }), ['P']);
      await client.closed;
      assert.deepEqual(seen, []);
    });

    it(`cuts a client that left the preface at its second byte and then sent nothing on ${listener}, with 408`, async () => {
      const client = await send(await front(h2c, { headersTimeout: 300, handshakeTimeout: 60_000 }), ['P', 'O']);
      await client.closed;
      assert.match(client.received(), /^HTTP\/1\.1 408 /);
    });
  }
});
