// A client that closes its side of an HTTP/2 connection (a FIN, with no GOAWAY: curl's and
// Chromium's way when they are done) has left. The listener's sockets allow half-open connections,
// for HTTP/1.1's framer, and node:http2 does nothing at the end of its socket's input, so the
// session stayed, its socket in CLOSE_WAIT, until keepAliveTimeout (75 s by default): each such
// client held a file descriptor and a place in limits.maxConnections that long, and a stream it
// left in flight kept its backend request running for nobody. HTTP/1.1 closes at the client's
// FIN (aborting a request in flight, nginx's 499), as nginx's HTTP/2 does.
import assert from 'node:assert/strict';
import { EventEmitter, once } from 'node:events';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import tls from 'node:tls';
import { startFront, startRecordingBackend, testCertificate, type Front, type RecordingBackend, type TestCertificate } from './helpers/http2Front.ts';

/** An HTTP/2 frame (RFC 9113 §4.1). */
const frame = (type: number, flags: number, stream: number, payload = Buffer.alloc(0)): Buffer => {
  const head = Buffer.alloc(9);
  head.writeUIntBE(payload.length, 0, 3);
  head[3] = type;
  head[4] = flags;
  head.writeUInt32BE(stream, 5);
  return Buffer.concat([head, payload]);
};

/** The preface, an empty SETTINGS, and HEADERS (END_STREAM, END_HEADERS) for GET `path` on stream 1. */
function request(scheme: 'http' | 'https', path: '/' | '/hold'): Buffer {
  const authority = Buffer.from('127.0.0.1');
  // HPACK: :method GET (2), :scheme http (6) / https (7), :path literal (name 4), :authority literal (name 1).
  const block = Buffer.concat([
    Buffer.from([0x82, scheme === 'https' ? 0x87 : 0x86]),
    Buffer.from([0x04, path.length]),
    Buffer.from(path),
    Buffer.from([0x01, authority.length]),
    authority,
  ]);
  return Buffer.concat([Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'), frame(4, 0, 0), frame(1, 0x5, 1, block)]);
}

describe('an HTTP/2 client that closes its side of the connection', function () {
  this.timeout(20_000);
  let certificate: TestCertificate;
  let backend: RecordingBackend;
  let front: Front | undefined;
  const held = new EventEmitter();
  const sockets: net.Socket[] = [];

  before(async () => {
    certificate = await testCertificate();
    backend = await startRecordingBackend((req, res) => {
      if (req.url === '/hold') held.emit('held', res);
      else res.end('ok');
    });
  });
  after(async () => {
    await backend.close();
    await certificate.remove();
  });
  afterEach(async () => {
    for (const socket of sockets.splice(0)) socket.destroy();
    await front?.close();
    front = undefined;
  });

  // Neither wait that would close the connection anyway comes within the test's time.
  const waits = { keepAliveTimeout: 600_000, headersTimeout: 600_000, requestTimeout: 600_000 };

  for (const scheme of ['https', 'http'] as const) {
    const open = async (): Promise<{ socket: net.Socket; port: number }> => {
      front = await startFront(scheme === 'https' ? { tls: { cert: certificate.cert, key: certificate.key } } : { h2c: true }, backend.port, waits);
      const port = front.port;
      const socket =
        scheme === 'https'
          ? tls.connect({ host: '127.0.0.1', port, ALPNProtocols: ['h2'], ca: certificate.certPem })
          : net.connect({ host: '127.0.0.1', port, allowHalfOpen: true });
      sockets.push(socket);
      socket.on('error', () => {});
      await once(socket, scheme === 'https' ? 'secureConnect' : 'connect');
      return { socket, port };
    };

    it(`is closed at its FIN after its answer, not kept for keepAliveTimeout (${scheme === 'https' ? 'TLS, ALPN h2' : 'h2c'})`, async () => {
      const { socket } = await open();
      let received = '';
      socket.on('data', (d: Buffer) => (received += d.toString('latin1')));
      socket.write(request(scheme, '/'));
      // The answer's DATA ("ok") has come.
      while (!received.includes('ok')) await once(socket, 'data');
      assert.equal(front!.forwarder.connectionCount, 1);
      const closed = once(socket, 'close');
      socket.end();
      await closed;
      // The session's close follows its socket's.
      while (front!.forwarder.connectionCount > 0) await sleep(10);
    });

    it(`is closed when its FIN comes with its request, in one write (${scheme === 'https' ? 'TLS, ALPN h2' : 'h2c, where the sniff reads it first'})`, async () => {
      const { socket } = await open();
      socket.resume();
      const closed = once(socket, 'close');
      socket.end(request(scheme, '/hold'));
      await closed;
      while (front!.forwarder.connectionCount > 0) await sleep(10);
    });

    it(`is closed at its FIN with a stream in flight, whose backend request is aborted (${scheme === 'https' ? 'TLS, ALPN h2' : 'h2c'})`, async () => {
      const { socket } = await open();
      const arrived = once(held, 'held');
      socket.write(request(scheme, '/hold'));
      const [response] = (await arrived) as [{ once(event: 'close', listener: () => void): void; end(body: string): void }];
      const backendClosed = new Promise<void>((resolve) => response.once('close', resolve));
      // Read, or the server's close is never seen.
      socket.resume();
      const closed = once(socket, 'close');
      socket.end();
      await closed;
      await backendClosed;
      const aborted = front!.events.filter((e) => e.type === 'response.aborted');
      assert.equal(aborted.length, 1, JSON.stringify(front!.events));
    });
  }
});
