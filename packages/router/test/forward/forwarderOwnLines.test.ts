// The lines Portico writes for the backend (host, x-forwarded-*, x-request-id, the pairing token,
// an authenticator's identity) come from Portico alone, in every engine: a connection's cached
// host and forwarded lines (ClientOrigin.linesFor) never carry another request's Host, and no
// client line that passes for one of Portico's own once a backend folds its name reaches the
// backend, with or without a header transform, while the client's own Authorization does.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import http2 from 'node:http2';
import net from 'node:net';
import { createForwarder, type Dispatch, type HeaderPair, type Upstream } from '@portico/router';
import { closeAll as closeHosts, send, startHost } from '../embed/embedHarness.ts';
import { closeAll, rawRequest, startHttpBackend, startProxy, startRawBackend, upstreamAt } from './harness.ts';

/** A name as a WSGI, PHP or Rack backend reads it. */
const fold = (name: string): string => name.toLowerCase().replace(/[_.]/g, '-');

/** A backend that answers with the request's raw header list as JSON. */
async function echoBackend() {
  return startHttpBackend((req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(req.rawHeaders));
  });
}

/** The values of every line of `raw` whose folded name is `name`. */
function values(raw: readonly string[], name: string): string[] {
  const out: string[] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) if (fold(raw[i]!) === name) out.push(raw[i + 1]!);
  return out;
}

/** Lines a client forges, each passing for one of Portico's own once folded. */
const FORGED: ReadonlyArray<readonly [string, string]> = [
  ['X_Portico_User', 'mallory'], ['x.portico.claims', '{"admin":true}'], ['X-PORTICO-TOKEN', 'forged'], ['X-Portico-Auth', 'forged'],
  ['Ms_AspNetCore_Token', 'forged'], ['ms-aspnetcore-clientcert', 'forged'], ['X_Forwarded_For', '6.6.6.6'], ['x.forwarded.host', 'evil'],
  ['X-Forwarded-Proto', 'https'], ['x-forwarded-proto', 'https'], ['X-Forwarded-Prefix', '/evil'], ['x-forwarded-user', 'mallory'],
  ['Forwarded', 'for=6.6.6.6'], ['FORWARDED', 'for=1.1.1.1'], ['X_Request_Id', 'forged'],
];

/** A transform as an authenticator's: identity lines first, the client's after. */
const identity = (headers: HeaderPair[]): HeaderPair[] => [['x-portico-user', 'alice'], ['x-forwarded-user', 'alice'], ...headers];

/** What the backend saw: Portico's lines once each, the transform's identity if any, the client's own lines, nothing forged. */
function assertOwnLines(raw: readonly string[], backendPort: number, transformed: boolean): void {
  const context = JSON.stringify(raw);
  assert.deepEqual(values(raw, 'x-forwarded-for'), ['127.0.0.1'], context);
  assert.deepEqual(values(raw, 'x-forwarded-proto'), ['http'], context);
  assert.deepEqual(values(raw, 'x-portico-token'), [`token-${backendPort}`], context);
  const requestIds = values(raw, 'x-request-id');
  assert.equal(requestIds.length, 1, context);
  assert.notEqual(requestIds[0], 'forged', context);
  assert.deepEqual(values(raw, 'x-portico-user'), transformed ? ['alice'] : [], context);
  assert.deepEqual(values(raw, 'x-forwarded-user'), transformed ? ['alice'] : [], context);
  for (const name of ['forwarded', 'x-portico-claims', 'x-portico-auth', 'ms-aspnetcore-token', 'ms-aspnetcore-clientcert', 'x-forwarded-prefix']) {
    assert.deepEqual(values(raw, name), [], `${name}: ${context}`);
  }
  assert.deepEqual(values(raw, 'authorization'), ['Bearer t'], context);
  assert.deepEqual(values(raw, 'x-kept'), ['yes'], context);
}

/** A forwarder taking HTTP/2 connections on 127.0.0.1:0, and a session to it. */
async function http2Front(upstream: Upstream, dispatch?: () => Dispatch) {
  const forwarder = createForwarder({ pickUpstream: () => upstream, ...(dispatch === undefined ? {} : { dispatch }) });
  const server = net.createServer((socket) => forwarder.handleHttp2Connection(socket));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const session = http2.connect(`http://127.0.0.1:${(server.address() as net.AddressInfo).port}`);
  const get = (headers: http2.OutgoingHttpHeaders): Promise<string> =>
    new Promise((resolve, reject) => {
      const stream = session.request(headers);
      let body = '';
      stream.on('data', (chunk: Buffer) => (body += chunk.toString()));
      stream.on('end', () => resolve(body));
      stream.on('error', reject);
    });
  const close = async (): Promise<void> => {
    session.destroy();
    await forwarder.close();
    server.close();
  };
  return { get, close };
}

describe('the lines Portico writes for the backend', function () {
  this.timeout(30_000);
  afterEach(async () => {
    await closeHosts();
    await closeAll();
  });

  it('carry each request\'s own Host on one kept-alive HTTP/1 connection: alternating, absolute-form, none', async () => {
    const backend = await echoBackend();
    const upstream = upstreamAt(backend.port);
    const proxy = await startProxy({ pickUpstream: () => upstream, servesHost: () => true });
    const requests: ReadonlyArray<readonly [string, string | undefined]> = [
      ['GET / HTTP/1.1\r\nHost: a.test\r\n\r\n', 'a.test'],
      ['GET http://c.test:81/ HTTP/1.1\r\nHost: b.test\r\n\r\n', 'c.test:81'],
      ['GET / HTTP/1.1\r\nHost: b.test\r\n\r\n', 'b.test'],
      ['GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n', undefined],
      ['GET / HTTP/1.1\r\nHost: a.test\r\n\r\n', 'a.test'],
      ['GET / HTTP/1.0\r\nConnection: keep-alive\r\nHost: b.test\r\n\r\n', 'b.test'],
    ];
    const client = net.connect(proxy.port, '127.0.0.1');
    await once(client, 'connect');
    let text = '';
    client.on('data', (d: Buffer) => (text += d.toString('latin1')));
    for (const [request, host] of requests) {
      text = '';
      client.write(request);
      while (!/\r\n\r\n\[.*\]$/s.test(text)) await once(client, 'data');
      const raw = JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4)) as string[];
      assert.deepEqual(values(raw, 'host'), [host ?? `127.0.0.1:${backend.port}`], request);
      assert.deepEqual(values(raw, 'x-forwarded-host'), host === undefined ? [] : [host], request);
    }
    client.destroy();
  });

  it('carry each stream\'s own :authority on one HTTP/2 connection, its streams open at once', async () => {
    const backend = await echoBackend();
    const front = await http2Front(upstreamAt(backend.port));
    try {
      const authorities = Array.from({ length: 30 }, (_, i) => `h${i % 4}.test`);
      const bodies = await Promise.all(authorities.map((authority) => front.get({ ':path': '/', ':authority': authority })));
      bodies.forEach((body, i) => {
        const raw = JSON.parse(body) as string[];
        assert.deepEqual(values(raw, 'host'), [authorities[i]]);
        assert.deepEqual(values(raw, 'x-forwarded-host'), [authorities[i]]);
      });
    } finally {
      await front.close();
    }
  });

  it('never take a forged line from a WebSocket handshake, which a backend refusing it answers with connection: close', async () => {
    // Answered once the whole head has come, so what it recorded is all of it.
    const backend = await startRawBackend((data, socket) => {
      if (data.toString('latin1').endsWith('\r\n\r\n')) socket.write('HTTP/1.1 403 Forbidden\r\nContent-Length: 2\r\n\r\nno');
    });
    const proxy = await startProxy({ pickUpstream: () => upstreamAt(backend.port) });
    const forged = FORGED.map(([name, value]) => `${name}: ${value}\r\n`).join('');
    const handshake = 'GET / HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade, X_Portico_User\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n';
    const reply = await rawRequest(proxy.port, `${handshake}Authorization: Bearer t\r\n${forged}X-Kept: yes\r\n\r\n`, { until: (text) => text.endsWith('no') });
    assert.equal(reply.text, 'HTTP/1.1 403 Forbidden\r\nconnection: close\r\ncontent-length: 2\r\n\r\nno');
    const sent = Buffer.concat(backend.received[0]!).toString('latin1');
    const raw = sent.split('\r\n').slice(1, -2).flatMap((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 2)]);
    assert.deepEqual(values(raw, 'upgrade'), ['websocket'], sent);
    assertOwnLines(raw, backend.port, false);
  });

  for (const transformed of [false, true]) {
    const named = transformed ? 'with an authenticator\'s transform' : 'without a transform';
    const dispatch = (port: number) => (): Dispatch => ({ kind: 'forward', upstream: upstreamAt(port), ...(transformed ? { transformHeaders: identity } : {}) });

    it(`never take a forged line from an HTTP/1.1 client, ${named}`, async () => {
      const backend = await echoBackend();
      const proxy = await startProxy({ pickUpstream: () => upstreamAt(backend.port), dispatch: dispatch(backend.port) });
      const forged = FORGED.map(([name, value]) => `${name}: ${value}\r\n`).join('');
      const client = net.connect(proxy.port, '127.0.0.1');
      await once(client, 'connect');
      let text = '';
      client.on('data', (d: Buffer) => (text += d.toString('latin1')));
      client.write(`GET / HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer t\r\n${forged}X-Kept: yes\r\nConnection: close\r\n\r\n`);
      await once(client, 'close');
      assertOwnLines(JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4)) as string[], backend.port, transformed);
    });

    it(`never take a forged line from an HTTP/2 client, ${named}`, async () => {
      const backend = await echoBackend();
      const front = await http2Front(upstreamAt(backend.port), dispatch(backend.port));
      try {
        const headers: http2.OutgoingHttpHeaders = { ':path': '/', authorization: 'Bearer t', 'x-kept': 'yes' };
        // HTTP/2 names are lower case; one name per field, so the upper-case duplicates fold away.
        for (const [name, value] of FORGED) headers[name.toLowerCase()] = value;
        assertOwnLines(JSON.parse(await front.get(headers)) as string[], backend.port, transformed);
      } finally {
        await front.close();
      }
    });

    it(`never take a forged line from a request a host's server parsed (embedded), ${named}`, async () => {
      const backend = await echoBackend();
      const host = await startHost(dispatch(backend.port));
      const raw = ['Host', 'a', 'Authorization', 'Bearer t', ...FORGED.flat(), 'X-Kept', 'yes'];
      const reply = await send(host.port, '/', { headers: raw });
      assert.equal(reply.status, 200, reply.body.toString());
      assertOwnLines(JSON.parse(reply.body.toString()) as string[], backend.port, transformed);
    });
  }
});
