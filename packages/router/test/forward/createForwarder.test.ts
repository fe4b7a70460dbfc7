import assert from 'node:assert/strict';
import http from 'node:http';
import { createForwarder } from '@portico/router';
import { closeAll, httpGet, rawRequest, startHttpBackend, startProxy, startRawBackend, statusLines, upstreamAt } from './harness.ts';

const okBackend = (): Promise<Awaited<ReturnType<typeof startHttpBackend>>> =>
  startHttpBackend((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (d: Buffer) => chunks.push(d));
    req.on('end', () => res.end(JSON.stringify({ method: req.method, url: req.url, headers: req.headers, rawHeaders: req.rawHeaders, body: Buffer.concat(chunks).toString() })));
  });

describe('createForwarder', () => {
  afterEach(closeAll);

  it('refuses options it cannot use, naming the option', () => {
    assert.throws(() => createForwarder({ pickUpstream: () => undefined, requestTimeout: -1 }), /requestTimeout/);
    assert.throws(() => createForwarder({} as never), /pickUpstream/);
  });

  it('forwards a request and relays the response', async () => {
    const backend = await okBackend();
    const proxy = await startProxy({ pickUpstream: () => upstreamAt(backend.port) });
    const res = await httpGet(proxy.port, '/a/b?c=d');
    assert.equal(res.status, 200);
    assert.deepEqual([JSON.parse(res.body).method, JSON.parse(res.body).url], ['GET', '/a/b?c=d']);
  });

  it('sends the pairing token and x-forwarded headers, replacing inbound copies and look-alikes', async () => {
    const backend = await okBackend();
    const proxy = await startProxy({ pickUpstream: () => upstreamAt(backend.port, 'b', 's3cret'), proto: 'https' });
    const { text } = await rawRequest(proxy.port,
      'GET / HTTP/1.1\r\nHost: shop.example\r\nX-Forwarded-For: 6.6.6.6\r\nX_Forwarded_For: 6.6.6.6\r\nx-portico-token: forged\r\nX.Portico.Token: forged\r\nX-Request-Id: mine\r\nX-Forwarded-Host: evil\r\nConnection: close\r\n\r\n');
    const seen = JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4)) as { headers: Record<string, string>; rawHeaders: string[] };
    assert.equal(seen.headers['x-portico-token'], 's3cret');
    assert.equal(seen.headers['x-forwarded-for'], '127.0.0.1');
    assert.equal(seen.headers['x-forwarded-proto'], 'https');
    assert.equal(seen.headers['x-forwarded-host'], 'shop.example');
    assert.equal(seen.headers['x-forwarded-port'], String(proxy.port));
    assert.equal(seen.headers.host, 'shop.example');
    assert.match(seen.headers['x-request-id']!, /^[A-Za-z0-9_-]{21}$/);
    const names = seen.rawHeaders.filter((_, i) => i % 2 === 0).map((n) => n.toLowerCase());
    assert.ok(!names.includes('x_forwarded_for') && !names.includes('x.portico.token'), names.join());
    assert.equal(names.filter((n) => n === 'x-portico-token').length, 1);
  });

  it('removes hop-by-hop headers and every header named in Connection, but never Host', async () => {
    const backend = await okBackend();
    const proxy = await startProxy({ pickUpstream: () => upstreamAt(backend.port) });
    const { text } = await rawRequest(proxy.port,
      'GET / HTTP/1.1\r\nHost: a\r\nConnection: keep-alive, X-Secret, host\r\nX-Secret: 1\r\nKeep-Alive: 5\r\nTE: trailers\r\nProxy-Authorization: Basic x\r\nX-Kept: yes\r\n\r\n',
      { until: (t) => t.includes('}') });
    const seen = JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4)) as { headers: Record<string, string> };
    for (const gone of ['x-secret', 'keep-alive', 'te', 'proxy-authorization', 'connection']) assert.equal(seen.headers[gone], undefined, gone);
    assert.equal(seen.headers['x-kept'], 'yes');
    assert.equal(seen.headers.host, 'a');
  });

  it('removes hop-by-hop headers spelled with _ or . as backends that fold names read them, with no transform set', async () => {
    const backend = await okBackend();
    const proxy = await startProxy({ pickUpstream: () => upstreamAt(backend.port) });
    const { text } = await rawRequest(proxy.port,
      'GET / HTTP/1.1\r\nHost: a\r\nProxy_Authorization: Basic x\r\nKeep.Alive: 5\r\nHTTP2_Settings: AAA\r\nProxy_Connection: close\r\nX_Kept: yes\r\nConnection: close\r\n\r\n');
    const seen = JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4)) as { rawHeaders: string[] };
    const names = seen.rawHeaders.filter((_, i) => i % 2 === 0).map((n) => n.toLowerCase());
    for (const gone of ['proxy_authorization', 'keep.alive', 'http2_settings', 'proxy_connection']) assert.ok(!names.includes(gone), `${gone} reached the backend`);
    assert.ok(names.includes('x_kept'));
  });

  it('lets transformRequestHeaders remove and add headers but not framing or its own', async () => {
    const backend = await okBackend();
    const proxy = await startProxy({
      pickUpstream: () => upstreamAt(backend.port, 'b', 'real'),
      transformRequestHeaders: (headers) => [...headers.filter(([n]) => n.toLowerCase() !== 'x-user'), ['x-portico-user', 'alice'], ['x-portico-token', 'fake'], ['content-length', '99']],
    });
    const res = await httpGet(proxy.port, '/', undefined, { 'x-user': 'mallory' });
    const seen = JSON.parse(res.body) as { headers: Record<string, string> };
    assert.equal(seen.headers['x-user'], undefined);
    assert.equal(seen.headers['x-portico-user'], 'alice');
    assert.equal(seen.headers['x-portico-token'], 'real');
    assert.equal(seen.headers['content-length'], undefined);
  });

  it('keeps every Set-Cookie line', async () => {
    const backend = await startHttpBackend((_req, res) => {
      res.setHeader('Set-Cookie', ['a=1; Path=/', 'b=2; HttpOnly', 'c=3']);
      res.end();
    });
    const proxy = await startProxy({ pickUpstream: () => upstreamAt(backend.port) });
    assert.deepEqual((await httpGet(proxy.port, '/')).headers['set-cookie'], ['a=1; Path=/', 'b=2; HttpOnly', 'c=3']);
  });

  it('re-frames a chunked request body as canonical chunks', async () => {
    const backend = await startRawBackend((data, socket) => {
      if (data.toString('latin1').includes('0\r\n\r\n')) socket.end('HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n');
    });
    const proxy = await startProxy({ pickUpstream: () => upstreamAt(backend.port) });
    await rawRequest(proxy.port, 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n005;ext="x"\r\nhello\r\n0\r\nX-Trailer: t\r\n\r\n', { until: (t) => t.includes('\r\n\r\n') });
    const sent = Buffer.concat(backend.received[0]!).toString('latin1');
    assert.match(sent, /transfer-encoding: chunked\r\n/);
    assert.ok(sent.endsWith('\r\n\r\n5\r\nhello\r\n0\r\n\r\n'), JSON.stringify(sent));
    assert.doesNotMatch(sent, /ext=|X-Trailer/);
  });

  it('forwards a Content-Length body as exactly that many bytes', async () => {
    const backend = await startRawBackend((_data, socket) => socket.write('HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n'));
    const proxy = await startProxy({ pickUpstream: () => upstreamAt(backend.port) });
    await rawRequest(proxy.port, 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello');
    const sent = Buffer.concat(backend.received[0]!).toString('latin1');
    assert.match(sent, /content-length: 5\r\n/);
    assert.ok(sent.endsWith('\r\n\r\nhello'));
  });

  it('reuses a backend connection for sequential requests', async () => {
    const backend = await okBackend();
    let connections = 0;
    backend.server.on('connection', () => connections++);
    const proxy = await startProxy({ pickUpstream: () => upstreamAt(backend.port, 'b') });
    for (let i = 0; i < 3; i++) assert.equal((await httpGet(proxy.port, `/${i}`)).status, 200);
    assert.equal(connections, 1);
    assert.equal(proxy.forwarder.idleUpstreamConnections('b'), 1);
  });

  it('keeps no more idle backend connections than maxIdlePerUpstream', async () => {
    const backend = await okBackend();
    const proxy = await startProxy({ pickUpstream: () => upstreamAt(backend.port, 'b'), maxIdlePerUpstream: 1 });
    const agent = new http.Agent({ keepAlive: false });
    await Promise.all([1, 2, 3].map((i) => httpGet(proxy.port, `/${i}`, agent)));
    assert.equal(proxy.forwarder.idleUpstreamConnections('b'), 1);
  });

  it('answers pipelined requests in order', async () => {
    const backend = await startHttpBackend((req, res) => {
      // The first response is the slowest; order must still hold.
      const delay = req.url === '/1' ? 30 : 0;
      setTimeout(() => res.end(req.url), delay);
    });
    const proxy = await startProxy({ pickUpstream: () => upstreamAt(backend.port) });
    const requests = [1, 2, 3].map((i) => `GET /${i} HTTP/1.1\r\nHost: a\r\n${i === 3 ? 'Connection: close\r\n' : ''}\r\n`).join('');
    const { text } = await rawRequest(proxy.port, requests);
    assert.deepEqual([...text.matchAll(/\r\n\r\n(\/\d)/g)].map((m) => m[1]), ['/1', '/2', '/3']);
  });

  it('answers pipelined requests that follow a body', async () => {
    const backend = await okBackend();
    const proxy = await startProxy({ pickUpstream: () => upstreamAt(backend.port) });
    const { text } = await rawRequest(proxy.port,
      'POST /1 HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabcPOST /2 HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nde\r\n0\r\n\r\nGET /3 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
    const bodies = [...text.matchAll(/\r\n\r\n(\{[^\r]*\})/g)].map((m) => JSON.parse(m[1]!) as { url: string; body: string });
    assert.deepEqual(bodies.map((b) => [b.url, b.body]), [['/1', 'abc'], ['/2', 'de'], ['/3', '']]);
  });

  it('answers the pipelined requests before a malformed one, then refuses it and closes', async () => {
    const backend = await startHttpBackend((req, res) => res.end(req.url));
    const proxy = await startProxy({ pickUpstream: () => upstreamAt(backend.port) });
    const { text, ended } = await rawRequest(proxy.port, 'GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nGET /3 HTTP/1.1\r\nHost: a\r\n\r\n');
    assert.deepEqual(statusLines(text), ['200', '400']);
    assert.equal(ended, 'end');
  });

  it('relays 103 Early Hints to an HTTP/1.1 client before the final response', async () => {
    const backend = await startHttpBackend((_req, res) => {
      res.writeEarlyHints({ link: '</style.css>; rel=preload; as=style' });
      res.end('done');
    });
    const proxy = await startProxy({ pickUpstream: () => upstreamAt(backend.port) });
    const { text } = await rawRequest(proxy.port, 'GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
    assert.deepEqual(statusLines(text), ['103', '200']);
    assert.match(text, /link: <\/style\.css>; rel=preload; as=style/i);
  });

  it('does not relay 103 Early Hints to an HTTP/1.0 client', async () => {
    const backend = await startHttpBackend((_req, res) => {
      res.writeEarlyHints({ link: '</style.css>; rel=preload; as=style' });
      res.end('done');
    });
    const proxy = await startProxy({ pickUpstream: () => upstreamAt(backend.port) });
    const { text } = await rawRequest(proxy.port, 'GET / HTTP/1.0\r\n\r\n');
    assert.deepEqual(statusLines(text), ['200']);
  });

  it('closes an HTTP/1.0 connection after the response, sending a chunked body close-delimited', async () => {
    const backend = await startHttpBackend((_req, res) => {
      res.write('part1-');
      res.end('part2');
    });
    const proxy = await startProxy({ pickUpstream: () => upstreamAt(backend.port) });
    const { text, ended } = await rawRequest(proxy.port, 'GET / HTTP/1.0\r\n\r\n');
    assert.equal(ended, 'end');
    assert.match(text, /connection: close/i);
    assert.doesNotMatch(text, /transfer-encoding/i);
    assert.ok(text.endsWith('\r\n\r\npart1-part2'));
  });

  it('keeps an HTTP/1.0 connection that asked for keep-alive', async () => {
    const backend = await startHttpBackend((req, res) => res.end(req.url));
    const proxy = await startProxy({ pickUpstream: () => upstreamAt(backend.port) });
    const { text } = await rawRequest(proxy.port, 'GET /x HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /y HTTP/1.0\r\n\r\n');
    assert.deepEqual(statusLines(text), ['200', '200']);
    assert.match(text, /connection: keep-alive\r\n[\s\S]*\/x/i);
  });

  it('relays 100 Continue from the backend to a client that asked for it', async () => {
    const backend = await startHttpBackend((req, res) => {
      let n = 0;
      req.on('data', (d: Buffer) => (n += d.length));
      req.on('end', () => res.end(`got ${n}`));
    });
    const proxy = await startProxy({ pickUpstream: () => upstreamAt(backend.port) });
    const { text } = await rawRequest(proxy.port, 'POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n', { until: (t) => t.includes('100 Continue') });
    assert.match(text, /^HTTP\/1\.1 100 Continue\r\n/);
  });

  it('sends the body after 100 Continue and relays the final response', async () => {
    const backend = await startHttpBackend((req, res) => {
      let n = 0;
      req.on('data', (d: Buffer) => (n += d.length));
      req.on('end', () => res.end(`got ${n}`));
    });
    const proxy = await startProxy({ pickUpstream: () => upstreamAt(backend.port) });
    const res = await new Promise<{ continued: boolean; body: string }>((resolve, reject) => {
      let continued = false;
      const req = http.request({ port: proxy.port, host: '127.0.0.1', method: 'POST', headers: { expect: '100-continue', 'content-length': 4 } }, (r) => {
        let body = '';
        r.on('data', (d: Buffer) => (body += d));
        r.on('end', () => resolve({ continued, body }));
      });
      req.on('continue', () => {
        continued = true;
        req.end('abcd');
      });
      req.on('error', reject);
    });
    assert.deepEqual(res, { continued: true, body: 'got 4' });
  });

  it('keeps Content-Length on a HEAD response without sending a body', async () => {
    const backend = await startHttpBackend((req, res) => {
      res.setHeader('content-length', '1234');
      res.end(req.method === 'HEAD' ? undefined : 'x'.repeat(1234));
    });
    const proxy = await startProxy({ pickUpstream: () => upstreamAt(backend.port) });
    const { text } = await rawRequest(proxy.port, 'HEAD / HTTP/1.1\r\nHost: a\r\n\r\nGET /next HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
    const [first, second] = text.split(/(?=HTTP\/1\.1 200)/);
    assert.match(first!, /content-length: 1234\r\n\r\n$/);
    assert.equal(second!.length - second!.indexOf('\r\n\r\n') - 4, 1234);
  });

  it('re-frames a close-delimited backend response as chunked and keeps the client connection', async () => {
    const backend = await startRawBackend((_d, socket) => socket.end('HTTP/1.1 200 OK\r\n\r\nuntil-close body'));
    const proxy = await startProxy({ pickUpstream: () => upstreamAt(backend.port) });
    const { text, ended } = await rawRequest(proxy.port, 'GET / HTTP/1.1\r\nHost: a\r\n\r\n', { until: (t) => t.endsWith('0\r\n\r\n') });
    assert.equal(ended, 'open');
    assert.match(text, /transfer-encoding: chunked\r\n\r\n10\r\nuntil-close body\r\n0\r\n\r\n$/);
  });

  it('refuses a malformed request with its status and closes', async () => {
    const backend = await okBackend();
    const proxy = await startProxy({ pickUpstream: () => upstreamAt(backend.port) });
    const { text, ended } = await rawRequest(proxy.port, 'GET / HTTP/1.1\r\nHost: a\r\nX : y\r\n\r\n');
    assert.match(text, /^HTTP\/1\.1 400 Bad Request\r\n[\s\S]*connection: close/);
    assert.equal(ended, 'end');
    assert.equal(proxy.events[0]?.type, 'request.refused');
  });

  it('answers 405 with Allow to CONNECT', async () => {
    const proxy = await startProxy({ pickUpstream: () => undefined });
    const { text } = await rawRequest(proxy.port, 'CONNECT a:443 HTTP/1.1\r\nHost: a:443\r\n\r\n');
    assert.match(text, /^HTTP\/1\.1 405 [\s\S]*allow: GET/);
  });

  it('refuses absolute-form for a host it does not serve', async () => {
    const backend = await okBackend();
    const proxy = await startProxy({ pickUpstream: () => upstreamAt(backend.port) });
    const { text } = await rawRequest(proxy.port, 'GET http://evil.example/x HTTP/1.1\r\nHost: a\r\n\r\n');
    assert.deepEqual(statusLines(text), ['400']);
  });

  it('maps absolute-form to origin-form for a host it serves', async () => {
    const backend = await okBackend();
    const proxy = await startProxy({ pickUpstream: () => upstreamAt(backend.port), servesHost: (h) => h === 'shop.example' });
    const { text } = await rawRequest(proxy.port, 'GET http://shop.example/x?y HTTP/1.1\r\nHost: other\r\nConnection: close\r\n\r\n');
    const seen = JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4)) as { url: string; headers: Record<string, string> };
    assert.equal(seen.url, '/x?y');
    assert.equal(seen.headers.host, 'shop.example');
  });

  it('closes an idle keep-alive connection after keepAliveTimeout', async () => {
    const backend = await okBackend();
    const proxy = await startProxy({ pickUpstream: () => upstreamAt(backend.port), keepAliveTimeout: 50 });
    const { ended, text } = await rawRequest(proxy.port, 'GET / HTTP/1.1\r\nHost: a\r\n\r\n');
    assert.equal(ended, 'end');
    assert.deepEqual(statusLines(text), ['200']);
  });

  it('answers 408 to a head that does not complete within headersTimeout', async () => {
    const proxy = await startProxy({ pickUpstream: () => undefined, headersTimeout: 50 });
    const { text } = await rawRequest(proxy.port, 'GET / HTTP/1.1\r\nHost: a\r\n');
    assert.deepEqual(statusLines(text), ['408']);
  });
});
