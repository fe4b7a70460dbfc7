import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import http2 from 'node:http2';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import { h2Request, startFront, startRecordingBackend, testCertificate, type Front, type RecordingBackend, type TestCertificate } from './helpers/http2Front.ts';

/** The values of every `name` line a backend received, in order. */
const header = (raw: readonly string[], name: string): string[] => raw.flatMap((n, i) => (i % 2 === 0 && n.toLowerCase() === name ? [raw[i + 1]!] : []));

describe('HTTP/2 at the front', function () {
  let certificate: TestCertificate;
  let backend: RecordingBackend;
  const fronts: Front[] = [];
  const sessions: http2.ClientHttp2Session[] = [];

  before(async () => {
    certificate = await testCertificate();
  });
  after(() => certificate.remove());
  beforeEach(async () => {
    backend = await startRecordingBackend((req, res) => {
      res.setHeader('set-cookie', ['a=1', 'b=2']);
      res.setHeader('x-portico-token', 'leaked');
      res.end(`ok:${req.method} ${req.url}`);
    });
  });
  afterEach(async () => {
    for (const s of sessions.splice(0)) s.destroy();
    await Promise.all(fronts.splice(0).map((f) => f.close()));
    await backend.close();
  });

  const front = async (entry: Parameters<typeof startFront>[0]): Promise<Front> => {
    const f = await startFront(entry, backend.port);
    fronts.push(f);
    return f;
  };
  const connect = async (url: string): Promise<http2.ClientHttp2Session> => {
    const session = http2.connect(url, { ca: certificate.certPem });
    sessions.push(session);
    session.on('error', () => {});
    await once(session, 'connect');
    return session;
  };

  it('offers h2 by ALPN on an HTTPS listener and forwards a stream as an HTTP/1.1 request', async () => {
    const f = await front({ tls: { cert: certificate.cert, key: certificate.key } });
    const session = await connect(`https://127.0.0.1:${f.port}`);
    assert.equal((session.socket as tls.TLSSocket).alpnProtocol, 'h2');
    const answer = await h2Request(session, { ':path': '/a/b?c=d', ':authority': 'shop.example', cookie: ['x=1', 'y=2'], 'user-agent': 'h2-test' });
    assert.equal(answer.status, 200);
    assert.equal(answer.body.toString(), 'ok:GET /a/b?c=d');
    assert.deepEqual(answer.headers['set-cookie'], ['a=1', 'b=2']);
    assert.equal(answer.headers['x-portico-token'], undefined, 'Portico secrets never reach the client');
    const [seen] = backend.seen;
    assert.equal(header(seen!.rawHeaders, 'host')[0], 'shop.example');
    assert.deepEqual(header(seen!.rawHeaders, 'cookie'), ['x=1; y=2']);
    assert.equal(header(seen!.rawHeaders, 'x-forwarded-proto')[0], 'https');
    assert.equal(header(seen!.rawHeaders, 'x-portico-token')[0], 'pairing-token');
    assert.equal(header(seen!.rawHeaders, 'user-agent')[0], 'h2-test');
    assert.match(backend.bytes(), /^GET \/a\/b\?c=d HTTP\/1\.1\r\nhost: shop\.example\r\n/);
  });

  it('keeps HTTP/1.1 on the same HTTPS listener on Portico\'s framer', async () => {
    const f = await front({ tls: { cert: certificate.cert, key: certificate.key } });
    const status = await new Promise<number>((resolve, reject) => {
      https.get({ host: '127.0.0.1', port: f.port, path: '/one', ca: certificate.certPem, ALPNProtocols: ['http/1.1'] } as https.RequestOptions, (res) => {
        res.resume();
        resolve(res.statusCode!);
      }).on('error', reject);
    });
    assert.equal(status, 200);
    // The framer's own refusal, which node:http would not give: an empty list member in Transfer-Encoding.
    const socket = tls.connect({ host: '127.0.0.1', port: f.port, ca: certificate.certPem, ALPNProtocols: ['http/1.1'] });
    await once(socket, 'secureConnect');
    assert.equal(socket.alpnProtocol, 'http/1.1');
    socket.end('POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: ,chunked\r\n\r\n0\r\n\r\n');
    let reply = '';
    socket.on('data', (d: Buffer) => (reply += d.toString('latin1')));
    await once(socket, 'close');
    assert.match(reply, /^HTTP\/1\.1 400 /);
  });

  it('offers only http/1.1 on an HTTPS listener with http2: false', async () => {
    const f = await front({ tls: { cert: certificate.cert, key: certificate.key }, http2: false });
    const socket = tls.connect({ host: '127.0.0.1', port: f.port, ca: certificate.certPem, ALPNProtocols: ['h2', 'http/1.1'] });
    await once(socket, 'secureConnect');
    assert.equal(socket.alpnProtocol, 'http/1.1');
    socket.end('GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
    socket.resume();
    await once(socket, 'close');
  });

  it('serves h2c with prior knowledge on a plain listener with h2c: true, and HTTP/1.1 beside it', async () => {
    const f = await front({ h2c: true });
    const session = await connect(`http://127.0.0.1:${f.port}`);
    const answer = await h2Request(session, { ':path': '/plain' });
    assert.equal(answer.status, 200);
    assert.equal(answer.body.toString(), 'ok:GET /plain');
    assert.equal(header(backend.seen[0]!.rawHeaders, 'x-forwarded-proto')[0], 'http');
    const status = await new Promise<number>((resolve, reject) => {
      http.get({ host: '127.0.0.1', port: f.port, path: '/h1' }, (res) => {
        res.resume();
        resolve(res.statusCode!);
      }).on('error', reject);
    });
    assert.equal(status, 200);
  });

  it('answers the HTTP/2 preface with 505 on a plain listener without h2c', async () => {
    const f = await front({});
    const socket = net.connect(f.port, '127.0.0.1');
    socket.end('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');
    let reply = '';
    socket.on('data', (d: Buffer) => (reply += d.toString('latin1')));
    await once(socket, 'close');
    assert.match(reply, /^HTTP\/1\.1 505 /);
  });

  it('never takes h2c by Upgrade on an h2c listener: the request goes on as HTTP/1.1 with Upgrade stripped', async () => {
    const f = await front({ h2c: true });
    const socket = net.connect(f.port, '127.0.0.1');
    socket.write('GET /up HTTP/1.1\r\nHost: a\r\nConnection: Upgrade, HTTP2-Settings, close\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n');
    let reply = '';
    socket.on('data', (d: Buffer) => (reply += d.toString('latin1')));
    await once(socket, 'close');
    assert.match(reply, /^HTTP\/1\.1 200 /);
    assert.equal(header(backend.seen[0]!.rawHeaders, 'upgrade').length, 0);
    assert.equal(header(backend.seen[0]!.rawHeaders, 'http2-settings').length, 0);
  });

  it('forwards a request body with its content-length, and one without as chunked', async () => {
    const f = await front({ h2c: true });
    const session = await connect(`http://127.0.0.1:${f.port}`);
    const sized = await h2Request(session, { ':method': 'POST', ':path': '/sized', 'content-length': '5' }, 'hello');
    assert.equal(sized.status, 200);
    const unsized = await h2Request(session, { ':method': 'POST', ':path': '/unsized' }, 'world!');
    assert.equal(unsized.status, 200);
    const [a, b] = backend.seen;
    assert.equal(a!.body.toString(), 'hello');
    assert.equal(header(a!.rawHeaders, 'content-length')[0], '5');
    assert.equal(b!.body.toString(), 'world!');
    assert.equal(header(b!.rawHeaders, 'transfer-encoding')[0], 'chunked');
  });

  it('gives Portico\'s own answers on the stream: 503 when no upstream is ready', async () => {
    const f = await startFront({ h2c: true }, backend.port, { pickUpstream: () => undefined });
    fronts.push(f);
    const session = await connect(`http://127.0.0.1:${f.port}`);
    const answer = await h2Request(session, { ':path': '/' });
    assert.equal(answer.status, 503);
    assert.equal(answer.body.toString(), '503 Service Unavailable\n');
    // The connection stays usable for the next stream.
    assert.equal((await h2Request(session, { ':path': '/again' })).status, 503);
  });

  it('relays a large download with flow control and a HEAD answer with its length and no body', async () => {
    await backend.close();
    const big = Buffer.alloc(3 * 1024 * 1024, 0x62);
    backend = await startRecordingBackend((req, res) => {
      res.setHeader('content-length', big.length);
      res.end(req.method === 'HEAD' ? undefined : big);
    });
    const f = await front({ h2c: true });
    const session = await connect(`http://127.0.0.1:${f.port}`);
    const download = await h2Request(session, { ':path': '/big' });
    assert.equal(download.body.length, big.length);
    assert.equal(download.headers['content-length'], String(big.length));
    const head = await h2Request(session, { ':method': 'HEAD', ':path': '/big' });
    assert.equal(head.status, 200);
    assert.equal(head.body.length, 0);
    assert.equal(head.headers['content-length'], String(big.length));
  });
});
