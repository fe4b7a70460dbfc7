import assert from 'node:assert/strict';
import tls from 'node:tls';
import net from 'node:net';
import { after, before, describe, it } from 'mocha';
import { createListener, type ListenEntry, type Listener } from '@portico/listener';
import { testCertificate, type TestCertificate } from './helpers/http2Front.ts';
import { app, startPortico, stopAllPorticos } from './helpers/portico.ts';

/** A listener whose handler holds every connection open, in `served`, and says it has it with one byte. */
function holdingListener(entries: ListenEntry[], maxConnections: number, served: net.Socket[]): Listener {
  return createListener({
    entries,
    maxConnections,
    handler: () => ({
      handleConnection(socket) {
        served.push(socket);
        socket.on('error', () => {});
        socket.write('+');
      },
    }),
  });
}

/** Resolves `held` once the listener's handler has the client's connection, `closed` when it was closed unserved. */
function fateOf(socket: net.Socket): Promise<'held' | 'closed'> {
  socket.on('error', () => {});
  return new Promise((resolve) => {
    socket.once('data', () => resolve('held'));
    socket.once('close', () => resolve('closed'));
  });
}

// An HTTPS listener counts against the same limits.maxConnections as a plain one beside it: the
// listener refuses a connection past the limit before its TLS handshake (openssl makes the
// certificate, hence this tier).
describe('limits.maxConnections over an HTTPS and a plain listener', () => {
  let certificate: TestCertificate;
  let listener: Listener;
  let plainPort: number;
  let tlsPort: number;
  const sockets: net.Socket[] = [];
  before(async () => {
    certificate = await testCertificate();
    const entries = [
      { port: 0, host: '127.0.0.1' },
      { port: 0, host: '127.0.0.1', tls: { cert: certificate.cert, key: certificate.key }, http2: false },
    ];
    listener = holdingListener(entries, 2, sockets);
    [plainPort, tlsPort] = (await listener.start()).map((address) => address.port) as [number, number];
  });
  after(async () => {
    for (const socket of sockets) socket.destroy();
    await listener.stopAccepting();
    await certificate.remove();
  });

  function fate(socket: net.Socket): Promise<'held' | 'closed'> {
    sockets.push(socket);
    return fateOf(socket);
  }
  const overTls = () => fate(tls.connect({ port: tlsPort, host: '127.0.0.1', rejectUnauthorized: false }));
  const plain = () => fate(net.connect(plainPort, '127.0.0.1'));

  it('refuses the third connection over both, before any handshake, and keeps serving the two', async () => {
    assert.equal(await overTls(), 'held');
    assert.equal(await plain(), 'held');
    assert.equal(await overTls(), 'closed');
    assert.equal(await plain(), 'closed');
  });
});

// The budget counts a connection until its raw socket closes: under TLS that socket is wrapped
// (the handshake, then the TLS socket the handler gets), so a place must come back both when a
// served HTTPS connection closes and when a handshake fails, or a limit of one would refuse every
// client after the first.
describe('limits.maxConnections gives back the place of an HTTPS connection once it closes', () => {
  let certificate: TestCertificate;
  let listener: Listener;
  let port: number;
  const served: net.Socket[] = [];
  before(async () => {
    certificate = await testCertificate();
    listener = holdingListener([{ port: 0, host: '127.0.0.1', tls: { cert: certificate.cert, key: certificate.key }, http2: false }], 1, served);
    port = (await listener.start())[0]!.port;
  });
  after(async () => {
    for (const socket of served) socket.destroy();
    await listener.stopAccepting();
    await certificate.remove();
  });

  /** An HTTPS client's fate, and its socket to close. */
  function overTls(): { socket: tls.TLSSocket; fate: Promise<'held' | 'closed'> } {
    const socket = tls.connect({ port, host: '127.0.0.1', rejectUnauthorized: false });
    return { socket, fate: fateOf(socket) };
  }

  it('serves one HTTPS client after another, and after clients whose handshake failed', async () => {
    for (let round = 0; round < 3; round++) {
      const client = overTls();
      assert.equal(await client.fate, 'held', `client ${round + 1}`);
      assert.equal(await overTls().fate, 'closed', 'a second one while the first is open');
      const closed = new Promise((resolve) => served.at(-1)!.once('close', resolve));
      client.socket.destroy();
      served.at(-1)!.destroy();
      await closed;
    }
    for (let round = 0; round < 3; round++) {
      // Plain HTTP to the HTTPS port: the handshake fails and the server closes the connection.
      const garbage = net.connect(port, '127.0.0.1', () => garbage.end('GET / HTTP/1.1\r\nHost: a\r\n\r\n'));
      garbage.on('error', () => {});
      await new Promise((resolve) => garbage.once('close', resolve));
    }
    const last = overTls();
    assert.equal(await last.fate, 'held', 'a client after three failed handshakes');
    last.socket.destroy();
  });
});

// The same through the config: a Portico with two listen entries and limits.maxConnections.
describe('limits.maxConnections of a Portico with two listen entries', function () {
  this.timeout(60_000);
  afterEach(stopAllPorticos);

  /** A keep-alive connection that asks once: served (and held open), or closed unanswered. */
  const open = (port: number) =>
    new Promise<{ socket: net.Socket; served: boolean }>((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => socket.write('GET / HTTP/1.1\r\nHost: a\r\n\r\n'));
      socket.once('data', () => resolve({ socket, served: true }));
      socket.once('close', () => resolve({ socket, served: false }));
      socket.on('error', () => {});
    });

  it('serves two connections in all over both entries and closes the third unanswered, on either', async () => {
    const listen = [
      { port: 0, host: '127.0.0.1' },
      { port: 0, host: '127.0.0.1' },
    ];
    const { portico } = await startPortico({ listen, limits: { maxConnections: 2 }, apps: [app('shop', { start: 'eager' })] });
    const [first, second] = (await portico.start()).listen.map((address) => address.port) as [number, number];
    const served = [await open(first), await open(second)];
    const refused = [await open(first), await open(second)];
    for (const { socket } of [...served, ...refused]) socket.destroy();
    assert.deepEqual([...served, ...refused].map((c) => c.served), [true, true, false, false]);
  });
});
