// The listener's handshakeTimeout is a total from accept, attacked with real sockets: a client
// that trickles its h2c preface or its TLS ClientHello a byte at a time, each byte well inside the
// timeout, is closed all the same, as is a TLS client that says nothing. A timer of silence
// (socket.setTimeout) let the trickle hold a connection for the preface's 24 bytes times the
// timeout (230 s by default), and a TLS handshake that timed out was reported and left open.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';
import tls from 'node:tls';
import { createListener, type ListenEntry, type Listener } from '@portico/listener';
import { createForwarder, type Forwarder } from '@portico/router';
import { testCertificate, type TestCertificate } from './helpers/http2Front.ts';

const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');
/** Well under the gap between two bytes of the trickle times the bytes sent: closed only by a total. */
const HANDSHAKE_TIMEOUT = 500;
/** Each byte comes within HANDSHAKE_TIMEOUT of the last, so no timer of silence ever fires. */
const TRICKLE_GAP = 300;

describe('handshakeTimeout, a total from accept', () => {
  let certificate: TestCertificate;
  const closers: (() => Promise<void>)[] = [];
  const clients: net.Socket[] = [];

  before(async () => {
    certificate = await testCertificate();
  });
  after(async () => {
    await certificate.remove();
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) c.destroy();
    await Promise.all(closers.splice(0).map((close) => close()));
  });

  /** A listener with `entry` and handshakeTimeout HANDSHAKE_TIMEOUT, serving nothing (no request gets that far). */
  async function listen(entry: Omit<ListenEntry, 'port' | 'host'>, headersTimeout = 60_000): Promise<number> {
    const forwarder: Forwarder = createForwarder({ pickUpstream: () => undefined, proto: entry.tls ? 'https' : 'http', keepAliveTimeout: 60_000, headersTimeout });
    const listener: Listener = createListener({ entries: [{ ...entry, port: 0, host: '127.0.0.1' }], handler: () => forwarder, handshakeTimeout: HANDSHAKE_TIMEOUT });
    const [bound] = await listener.start();
    closers.push(() => Promise.all([listener.stopAccepting(), forwarder.close()]).then(() => undefined));
    return bound!.port;
  }

  async function connect(port: number): Promise<net.Socket> {
    const socket = net.connect(port, '127.0.0.1');
    socket.setNoDelay(true);
    socket.on('error', () => {});
    clients.push(socket);
    await once(socket, 'connect');
    return socket;
  }

  /** Writes `bytes` one at a time, TRICKLE_GAP apart, until the server closes; how many it wrote. */
  async function trickle(socket: net.Socket, bytes: Buffer): Promise<{ closed: boolean; sent: number }> {
    let closed = false;
    socket.once('close', () => (closed = true));
    let sent = 0;
    while (sent < bytes.length && !closed) {
      socket.write(bytes.subarray(sent, sent + 1));
      sent++;
      await new Promise((resolve) => setTimeout(resolve, TRICKLE_GAP));
    }
    return { closed, sent };
  }

  /** The ClientHello a Node TLS client offering h2 sends first, as it sends it. */
  async function clientHello(): Promise<Buffer> {
    const recorder = net.createServer();
    recorder.listen(0, '127.0.0.1');
    await once(recorder, 'listening');
    const first = new Promise<Buffer>((resolve) => recorder.once('connection', (s: net.Socket) => s.once('data', (d: Buffer) => (resolve(d), s.destroy()))));
    const client = tls.connect({ port: (recorder.address() as net.AddressInfo).port, host: '127.0.0.1', rejectUnauthorized: false, ALPNProtocols: ['h2'] });
    client.on('error', () => {});
    const hello = await first;
    client.destroy();
    await new Promise((resolve) => recorder.close(resolve));
    return hello;
  }

  it('closes an h2c client that trickles the preface, each byte inside the timeout', async () => {
    const socket = await connect(await listen({ h2c: true }));
    // All but the last byte: the sniff never decides.
    const { closed, sent } = await trickle(socket, PREFACE.subarray(0, -1));
    assert.ok(closed, `still open after ${sent} bytes of the preface, ${sent * TRICKLE_GAP} ms, handshakeTimeout ${HANDSHAKE_TIMEOUT} ms`);
  });

  it('closes a TLS client that says nothing', async () => {
    const socket = await connect(await listen({ tls: certificate }));
    // Generous: closed is what counts, not when (the trickle tests hold the total).
    const closed = await Promise.race([once(socket, 'close').then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 20 * HANDSHAKE_TIMEOUT))]);
    assert.ok(closed, `a silent TLS client is still open ${20 * HANDSHAKE_TIMEOUT} ms on, handshakeTimeout ${HANDSHAKE_TIMEOUT} ms`);
  });

  it('closes a TLS client that trickles its ClientHello, each byte inside the timeout', async () => {
    const hello = await clientHello();
    const socket = await connect(await listen({ tls: certificate }));
    // 20 bytes at most: the record's header and the start of the hello, never a whole one.
    const { closed, sent } = await trickle(socket, hello.subarray(0, 20));
    assert.ok(closed, `still open after ${sent} bytes of the ClientHello, ${sent * TRICKLE_GAP} ms, handshakeTimeout ${HANDSHAKE_TIMEOUT} ms`);
  });

  it('closes an h2 client that trickles its preface after ALPN, by the connection\'s first wait', async () => {
    // The handshake is over, so handshakeTimeout no longer runs: the HTTP/2 connection's wait for
    // its first stream (headersTimeout) bounds the preface, and bytes of it do not start the wait over.
    const port = await listen({ tls: certificate }, HANDSHAKE_TIMEOUT);
    const socket = tls.connect({ port, host: '127.0.0.1', rejectUnauthorized: false, ALPNProtocols: ['h2'] });
    socket.on('error', () => {});
    clients.push(socket);
    await once(socket, 'secureConnect');
    assert.equal(socket.alpnProtocol, 'h2');
    // Portico's SETTINGS, read and dropped: a socket holding unread bytes never emits its close.
    socket.resume();
    const { closed, sent } = await trickle(socket, PREFACE.subarray(0, -1));
    assert.ok(closed, `still open after ${sent} bytes of the preface, ${sent * TRICKLE_GAP} ms, headersTimeout ${HANDSHAKE_TIMEOUT} ms`);
  });
});
