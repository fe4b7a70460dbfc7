// WebSocket over HTTP/2 (RFC 8441 extended CONNECT): the client's CONNECT stream with
// `:protocol websocket` reaches the backend as an RFC 6455 handshake, and once the backend answers
// 101 the stream's DATA carries the WebSocket frames both ways.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { startFront, type Front } from './helpers/http2Front.ts';

/** A masked client text frame (RFC 6455 §5.2), payload under 126 bytes. */
function clientTextFrame(text: string): Buffer {
  const payload = Buffer.from(text);
  const mask = Buffer.from([1, 2, 3, 4]);
  return Buffer.concat([Buffer.from([0x81, 0x80 | payload.length]), mask, Buffer.from(payload.map((b, i) => b ^ mask[i % 4]!))]);
}

describe('WebSocket over HTTP/2', () => {
  let server: http.Server;
  let port: number;
  let front: Front;
  let session: http2.ClientHttp2Session;
  const handshakes: http.IncomingHttpHeaders[] = [];

  beforeEach(async () => {
    server = http.createServer((_req, res) => res.end('plain'));
    const wss = new WebSocketServer({ server });
    wss.on('headers', (_headers, req) => handshakes.push(req.headers));
    wss.on('connection', (ws) => ws.on('message', (m: Buffer) => ws.send(`echo:${m.toString()}`)));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    port = (server.address() as AddressInfo).port;
    front = await startFront({ h2c: true }, port);
    session = http2.connect(`http://127.0.0.1:${front.port}`);
    session.on('error', () => {});
    await once(session, 'remoteSettings');
  });
  afterEach(async () => {
    session.destroy();
    await front.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    handshakes.length = 0;
  });

  it('announces SETTINGS_ENABLE_CONNECT_PROTOCOL', () => {
    assert.equal(session.remoteSettings.enableConnectProtocol, true);
  });

  it('tunnels a WebSocket on an extended CONNECT stream, the backend getting a valid RFC 6455 handshake', async () => {
    const stream = session.request({ ':method': 'CONNECT', ':protocol': 'websocket', ':path': '/ws?room=1', ':scheme': 'http', ':authority': 'front.test', 'sec-websocket-version': '13' }, { endStream: false });
    const [response] = (await once(stream, 'response')) as [http2.IncomingHttpHeaders];
    assert.equal(response[':status'], 200);
    assert.equal(response['sec-websocket-accept'], undefined);
    stream.write(clientTextFrame('hello'));
    const [reply] = (await once(stream, 'data')) as [Buffer];
    assert.deepEqual(reply, Buffer.concat([Buffer.from([0x81, 10]), Buffer.from('echo:hello')]));
    const [seen] = handshakes;
    assert.equal(seen!.upgrade, 'websocket');
    assert.equal(seen!['sec-websocket-version'], '13');
    assert.match(seen!['sec-websocket-key']!, /^[A-Za-z0-9+/]{22}==$/);
    assert.equal(seen!['x-portico-token'], 'pairing-token');
    assert.equal(seen!.host, 'front.test');
    stream.close();
  });

  it('passes on a refused handshake and opens no tunnel', async () => {
    const stream = session.request({ ':method': 'CONNECT', ':protocol': 'websocket', ':path': '/not-ws', ':scheme': 'http', ':authority': 'front.test' }, { endStream: false });
    server.removeAllListeners('upgrade');
    server.on('upgrade', (_req, socket) => socket.end('HTTP/1.1 426 Upgrade Required\r\ncontent-length: 0\r\nconnection: close\r\n\r\n'));
    const [response] = (await once(stream, 'response')) as [http2.IncomingHttpHeaders];
    assert.equal(response[':status'], 426);
    stream.destroy();
  });

  it('refuses other :protocol values with 501 and a plain CONNECT with 405', async () => {
    const other = session.request({ ':method': 'CONNECT', ':protocol': 'webtransport', ':path': '/', ':scheme': 'http', ':authority': 'front.test' }, { endStream: false });
    assert.equal(((await once(other, 'response')) as [http2.IncomingHttpHeaders])[0][':status'], 501);
    const plain = session.request({ ':method': 'CONNECT', ':authority': 'front.test:443' }, { endStream: false });
    assert.equal(((await once(plain, 'response')) as [http2.IncomingHttpHeaders])[0][':status'], 405);
  });
});
