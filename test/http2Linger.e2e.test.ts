// The end of an HTTP/2 connection Portico closes (a DATA flood, rapid reset, a header block left
// open, an idle or draining connection). Its GOAWAY goes out behind whatever the connection still
// had to send, then a FIN, and node:http2 destroyed the socket as soon as the FIN was handed to
// the kernel: with the client's bytes still arriving, the kernel answers them with a reset and
// drops what it had not sent, the GOAWAY among it, so a client still sending and a little behind
// in reading learnt only that its connection was reset. HTTP/1.1's closing linger (docs/proxy.md,
// Limits and timeouts) reads and drops what comes for 2 s after the FIN; the HTTP/2 front now does
// the same (LingeringClose). And node:http2 ends the socket only once its last frames are written,
// so a client that read nothing kept its connection for good once Portico closed it.
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import { data, FrameType, headers, initialWindow, ping, RawHttp2Clients, request, windowUpdate, type RawHttp2Client } from '@portico/test-support/http2';
import { until } from './helpers/frontClients.ts';
import { startFront, startRecordingBackend, testCertificate, type Front, type RecordingBackend, type TestCertificate } from './helpers/http2Front.ts';

const { NGHTTP2_ENHANCE_YOUR_CALM, NGHTTP2_NO_ERROR } = http2.constants;
const MiB = 1024 * 1024;
/** packages/router/src/internal/h2/http2Bounds.ts: more tiny DATA frames than a second allows. */
const FLOOD = 12_000;
const goaways = (a: RawHttp2Client): number[] => a.frames.filter((f) => f.type === FrameType.GOAWAY).map((f) => f.payload.readUInt32BE(4));

/** Writes a PING a turn of the event loop until the connection closes: a client still sending. */
function keepSending(a: RawHttp2Client): void {
  let n = 0;
  const next = (): void => {
    if (a.socket.destroyed || !a.socket.writable) return;
    a.socket.write(ping(++n));
    setImmediate(next);
  };
  next();
}

/** Reads a chunk of the socket every 5 ms: a client on a slow link, a little behind what was sent to it. */
function readSlowly(a: RawHttp2Client): void {
  a.socket.on('data', () => {
    a.socket.pause();
    setTimeout(() => a.socket.resume(), 5);
  });
  a.socket.resume();
}

/** GET /big with windows as large as HTTP/2 allows; resolves once its first DATA came, the client's reading stopped. */
async function downloadUnread(a: RawHttp2Client): Promise<void> {
  a.send(initialWindow(0x7fffffff), windowUpdate(0, 0x7fffffff - 65_535), headers(1, request('GET', '/big'), true));
  await a.waitFor((f) => f.type === FrameType.DATA && f.streamId === 1);
  a.socket.pause();
}

/** The socket's error code, once it has one. */
function socketError(a: RawHttp2Client): () => string {
  let error = 'none';
  a.socket.on('error', (e: NodeJS.ErrnoException) => (error = e.code ?? e.message));
  return () => error;
}

describe('HTTP/2 front: the end of a connection Portico closes', function () {
  this.timeout(30_000);
  let certificate: TestCertificate;
  let backend: RecordingBackend;
  let front: Front;
  const attackers = new RawHttp2Clients();

  before(async () => {
    certificate = await testCertificate();
    // /big: 16 MiB, more than the kernel's buffers hold for a client that reads nothing.
    const chunk = Buffer.alloc(MiB, 0x61);
    backend = await startRecordingBackend((req, res) => {
      if (req.url !== '/big') return void res.end('ok');
      let sent = 0;
      const more = (): void => {
        while (sent < 16) {
          sent++;
          if (!res.write(chunk)) return void res.once('drain', more);
        }
        res.end();
      };
      more();
    });
  });
  after(async () => {
    await backend.close();
    await certificate.remove();
  });
  afterEach(async () => {
    attackers.closeAll();
    await front.close();
  });

  for (const tls of [false, true]) {
    it(`a client still sending and reading behind when refused for a DATA flood reads why (h2c: its GOAWAY ENHANCE_YOUR_CALM), then a FIN, not a reset (${tls ? 'TLS' : 'h2c'})`, async () => {
      front = await startFront(tls ? { tls: { cert: certificate.cert, key: certificate.key } } : { h2c: true }, backend.port);
      const a = await attackers.connect(front.port, tls ? { ca: certificate.certPem } : {});
      const error = socketError(a);
      await downloadUnread(a);
      // The flood goes while the client reads nothing, so the front's answer waits behind the download.
      const tiny = data(3, 'x', false);
      await new Promise<void>((resolve) => a.socket.write(Buffer.concat([headers(3, request('POST', '/flood'), false), ...Array.from({ length: FLOOD }, () => tiny)]), () => resolve()));
      keepSending(a);
      readSlowly(a);
      await until(() => a.closed);
      assert.ok(front.events.some((e) => e.type === 'request.refused' && e.reason.includes('DATA frames')), 'the flood was refused');
      // On the old code: EPIPE or ECONNRESET, and no GOAWAY.
      assert.equal(error(), 'none', `the connection was reset (GOAWAY read: ${goaways(a).join(', ') || 'none'})`);
      // Over TLS node:http2 writes its GOAWAY only where no write of its own is still in flight
      // when the session is destroyed, and TLS writes complete a turn late: the client gets its
      // stream's RST_STREAM and the close, no GOAWAY (docs/proxy.md).
      assert.deepEqual(goaways(a), tls ? [] : [NGHTTP2_ENHANCE_YOUR_CALM]);
    });
  }

  it('a client that does not end its side at the front\'s GOAWAY and FIN, and goes on sending, is closed all the same: bytes do not start the linger over', async () => {
    front = await startFront({ h2c: true }, backend.port, { keepAliveTimeout: 200, headersTimeout: 200 });
    const a = await attackers.connect(front.port);
    // It does not end its side at the front's FIN (node's default), and sends on after it.
    a.socket.allowHalfOpen = true;
    a.get(1, '/');
    await a.waitFor((f) => f.type === FrameType.GOAWAY);
    keepSending(a);
    await until(() => front.forwarder.connectionCount === 0);
    assert.ok(goaways(a).length > 0 && goaways(a).every((code) => code === NGHTTP2_NO_ERROR), `GOAWAY ${goaways(a).join(', ')}`);
  });

  it('a connection closed while its client reads nothing is destroyed sendTimeout after its GOAWAY was due, not kept for good', async () => {
    front = await startFront({ h2c: true }, backend.port, { keepAliveTimeout: 200, headersTimeout: 200, sendTimeout: 500 });
    const a = await attackers.connect(front.port);
    await downloadUnread(a);
    // The download is cut after sendTimeout, the connection is then idle and closed (GOAWAY): its
    // frames wait behind the download's in the kernel, for a client that never takes them.
    await until(() => front.events.some((e) => e.type === 'response.aborted'));
    // On the old code the connection stayed open as long as the client did.
    await until(() => front.forwarder.connectionCount === 0);
    assert.equal(a.closed, false, 'the client closed it');
  });
});
