// WebSocket over HTTP/2 (RFC 8441 extended CONNECT): the client's CONNECT stream with
// `:protocol websocket` reaches the backend as an RFC 6455 handshake, and once the backend answers
// 101 the stream's DATA carries the WebSocket frames both ways.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import type { Portico } from '@portico/portico';
import { clientTextFrame, h2Request, startFront, type Front } from './helpers/http2Front.ts';
import { until } from './helpers/frontClients.ts';
import { changed } from './helpers/load.ts';
import { app, json, startPortico, stopAllPorticos } from './helpers/portico.ts';

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

// A WebSocket over HTTP/2 is one stream of a session that outlives it: the tunnel held its worker
// (drain on a rollout, stop, idle shutdown and the balancing all wait for it) until the whole
// session's socket closed, so a browser tab that opened and closed a WebSocket on a long-lived
// HTTP/2 connection kept its worker busy until the connection went, or shutdownTimeLimit.
describe('a WebSocket over HTTP/2 and its worker', function () {
  this.timeout(60_000);
  const sessions: http2.ClientHttp2Session[] = [];
  afterEach(async () => {
    for (const s of sessions.splice(0)) s.destroy();
    await stopAllPorticos();
  });

  /** Portico with one eager worker whose drain would wait far longer than the test: only a released worker stops in time. */
  const start = async (environmentVariables: Record<string, string> = {}) => {
    const started = await startPortico({ listen: [{ port: 0, host: '127.0.0.1', h2c: true }], apps: [app('shop', { start: 'eager', shutdownTimeLimit: 600, environmentVariables })] });
    await changed(started.portico, () => started.portico.ready());
    const session = http2.connect(`http://127.0.0.1:${started.port}`);
    session.on('error', () => {});
    sessions.push(session);
    await once(session, 'remoteSettings');
    return { ...started, session };
  };
  const pids = (portico: Portico) => portico.status().apps[0]!.workers.map((w) => w.pid);

  /** An echoing WebSocket on a CONNECT stream of `session`, open and answered once. */
  const openWebSocket = async (session: http2.ClientHttp2Session) => {
    const stream = session.request({ ':method': 'CONNECT', ':protocol': 'websocket', ':path': '/socket', ':scheme': 'http', ':authority': 'shop.test', 'sec-websocket-version': '13' }, { endStream: false });
    stream.on('error', () => {});
    const [response] = (await once(stream, 'response')) as [http2.IncomingHttpHeaders];
    assert.equal(response[':status'], 200);
    stream.write(clientTextFrame('hello'));
    const [reply] = (await once(stream, 'data')) as [Buffer];
    assert.equal(reply.subarray(2).toString(), 'hello');
    return stream;
  };

  /** A rolling restart whose old worker stops: it does only once nothing holds it (shutdownTimeLimit is 600 s). */
  const rollOver = async (portico: Portico, session: http2.ClientHttp2Session) => {
    const [old] = pids(portico);
    assert.equal((await portico.restart('shop')).ok, true);
    await until(() => !pids(portico).includes(old));
    // The session lived through it, and its next stream goes to the new worker.
    assert.equal(session.closed || session.destroyed, false);
    const after = await h2Request(session, { ':path': '/after', ':authority': 'shop.test' });
    assert.equal(after.status, 200);
    assert.notEqual(json({ status: after.status, headers: {}, body: after.body.toString() }).pid, old);
  };

  it('releases its worker when the client ends the stream, the session staying open', async () => {
    const { portico, session } = await start();
    const stream = await openWebSocket(session);
    stream.end();
    await once(stream, 'close');
    await rollOver(portico, session);
  });

  it('releases its worker when the client resets the stream mid-tunnel (RST_STREAM)', async () => {
    const { portico, session } = await start();
    const stream = await openWebSocket(session);
    stream.close(http2.constants.NGHTTP2_CANCEL);
    await once(stream, 'close');
    await rollOver(portico, session);
  });

  it('holds its draining worker while the stream is open, and lets go when the stream closes', async () => {
    // A backend that exits at SIGTERM, open WebSockets and all: a worker not held would cut the tunnel at the switch.
    const { portico, session } = await start({ EXIT_ON_SIGTERM: '1' });
    const stream = await openWebSocket(session);
    const [old] = pids(portico);
    assert.equal((await portico.restart('shop')).ok, true);
    stream.write(clientTextFrame('after the switch'));
    const [reply] = (await once(stream, 'data')) as [Buffer];
    assert.equal(reply.subarray(2).toString(), 'after the switch');
    assert.equal(portico.status().apps[0]!.workers.find((w) => w.pid === old)?.state, 'draining');
    stream.close(http2.constants.NGHTTP2_CANCEL);
    await until(() => !pids(portico).includes(old));
  });

  it('keeps the tunnel through the client\'s GOAWAY, and releases its worker when the stream ends', async () => {
    const { portico, session } = await start();
    const stream = await openWebSocket(session);
    const [old] = pids(portico);
    // GOAWAY: no new streams, the open ones run to their end (RFC 9113 §6.8).
    session.close();
    stream.write(clientTextFrame('after goaway'));
    const [reply] = (await once(stream, 'data')) as [Buffer];
    assert.equal(reply.subarray(2).toString(), 'after goaway');
    assert.equal((await portico.restart('shop')).ok, true);
    stream.end();
    await until(() => !pids(portico).includes(old));
  });

  it('releases the worker of a plain request the client reset before its answer', async () => {
    const { portico, session } = await start();
    const stream = session.request({ ':path': '/slow?delay=600000', ':authority': 'shop.test' });
    stream.on('error', () => {});
    await until(() => portico.status().apps[0]!.inFlight === 1);
    stream.close(http2.constants.NGHTTP2_CANCEL);
    await until(() => portico.status().apps[0]!.inFlight === 0);
    await rollOver(portico, session);
  });
});
