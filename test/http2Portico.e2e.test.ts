// HTTP/2 through the whole of Portico (config, router, worker pool): the router's app selection,
// lazy start, app_offline.htm and Portico's error pages answer an HTTP/2 stream as they answer an
// HTTP/1.1 request.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { rm, writeFile } from 'node:fs/promises';
import http2 from 'node:http2';
import { join } from 'node:path';
import { h2Request } from './helpers/http2Front.ts';
import { app, json, request, startPortico, stopAllPorticos } from './helpers/portico.ts';

describe('HTTP/2 through Portico', function () {
  this.timeout(30_000);
  const sessions: http2.ClientHttp2Session[] = [];
  afterEach(async () => {
    for (const s of sessions.splice(0)) s.destroy();
    await stopAllPorticos();
  });

  const connect = async (port: number): Promise<http2.ClientHttp2Session> => {
    const session = http2.connect(`http://127.0.0.1:${port}`);
    session.on('error', () => {});
    sessions.push(session);
    await once(session, 'connect');
    return session;
  };
  const seen = (body: Buffer) => JSON.parse(body.toString()) as { pid: number; url: string; headers: Record<string, string> };

  it('starts an idle app on its first stream and routes by host, then path', async () => {
    const { portico, port } = await startPortico({ listen: [{ port: 0, host: '127.0.0.1', h2c: true }], apps: [app('shop'), app('api', { match: { path: '/api' } })] });
    assert.equal(portico.status().apps[0]?.state, 'idle');
    const session = await connect(port);
    const [shop, api] = await Promise.all([h2Request(session, { ':path': '/cart?x=1', ':authority': 'shop.test' }), h2Request(session, { ':path': '/api/v1' })]);
    assert.equal(shop.status, 200);
    assert.equal(seen(shop.body).url, '/cart?x=1');
    assert.equal(seen(shop.body).headers['x-forwarded-host'], 'shop.test');
    assert.equal(seen(shop.body).headers['x-forwarded-proto'], 'http');
    assert.notEqual(seen(api.body).pid, seen(shop.body).pid, 'each app has its own worker');
    assert.equal(portico.status().apps.find((a) => a.name === 'shop')?.state, 'ready');
  });

  it('answers with the router\'s refusals and app_offline.htm on the stream, and logs the refusal', async () => {
    const { port, dir, logs } = await startPortico({ listen: [{ port: 0, host: '127.0.0.1', h2c: true }], apps: [app('shop')] });
    const session = await connect(port);
    assert.equal((await h2Request(session, { ':path': '/public/%2e%2e/admin' })).status, 400);
    assert.equal((await h2Request(session, { ':method': 'TRACE', ':path': '/' })).status, 405);
    // The framer's refusal of a mapped head is logged as an HTTP/1.1 one is.
    assert.equal((await h2Request(session, { ':path': '/a%zz' })).status, 400);
    assert.ok(logs.some((l) => l['event'] === 'proxy.request_refused' && l['reason'] === 'malformed percent-encoding in request-target'), 'the refusal is logged');
    await writeFile(join(dir, 'app_offline.htm'), '<h1>Back soon</h1>');
    // writeFile creates the file before it writes it: the first 503 may come with the page still
    // empty, and the page follows the file's next change.
    let reply = await h2Request(session, { ':path': '/' });
    while (reply.status !== 503 || reply.body.length === 0) reply = await h2Request(session, { ':path': '/' });
    assert.equal(reply.body.toString(), '<h1>Back soon</h1>');
    assert.match(String(reply.headers['content-type']), /text\/html/);
    await rm(join(dir, 'app_offline.htm'));
  });

  // The h2c sniff hands what it read to the engine it chose; each front's handler passes it on
  // (a handler that dropped it would lose the head of every first request).
  it('serves HTTP/1.1 and HTTP/2 on an h2c listener through two fronts', async () => {
    const { port } = await startPortico({ fronts: 2, listen: [{ port: 0, host: '127.0.0.1', h2c: true }], apps: [app('shop')] });
    const session = await connect(port);
    const [viaHttp2, viaHttp1, posted] = await Promise.all([
      h2Request(session, { ':path': '/two?x=1' }),
      request(port, '/one'),
      request(port, '/post', { method: 'POST', body: 'hello' }),
    ]);
    assert.equal(viaHttp2.status, 200);
    assert.equal(seen(viaHttp2.body).url, '/two?x=1');
    assert.equal(viaHttp1.status, 200);
    assert.equal(json(viaHttp1).url, '/one');
    assert.equal(json(posted).body, 'hello');
  });
});
