import assert from 'node:assert/strict';
import tls from 'node:tls';
import net from 'node:net';
import { after, before, describe, it } from 'mocha';
import { createListener, type Listener } from '@portico/listener';
import { testCertificate, type TestCertificate } from './helpers/http2Front.ts';

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
    listener = createListener({
      entries: [
        { port: 0, host: '127.0.0.1' },
        { port: 0, host: '127.0.0.1', tls: { cert: certificate.cert, key: certificate.key }, http2: false },
      ],
      maxConnections: 2,
      handler: () => ({
        handleConnection(socket) {
          sockets.push(socket);
          socket.on('error', () => {});
          socket.write('+');
        },
      }),
    });
    [plainPort, tlsPort] = (await listener.start()).map((address) => address.port) as [number, number];
  });
  after(async () => {
    for (const socket of sockets) socket.destroy();
    await listener.stopAccepting();
    await certificate.remove();
  });

  function fate(socket: net.Socket): Promise<'held' | 'closed'> {
    sockets.push(socket);
    socket.on('error', () => {});
    return new Promise((resolve) => {
      socket.once('data', () => resolve('held'));
      socket.once('close', () => resolve('closed'));
    });
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
