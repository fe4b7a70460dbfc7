import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import WebSocket from 'ws';
import { app, json, request, startPortico, stopAllPorticos } from './helpers/portico.ts';

// Issue 20: an app mounted at /asgi received /asgi/... unchanged, so `uvicorn --root-path /asgi`
// answered 404. With stripPrefix the backend gets the path below the mount and the prefix in
// x-forwarded-prefix (Traefik's StripPrefix, Spring's ForwardedHeaderFilter).
describe('an app mounted at a path with stripPrefix', function () {
  this.timeout(30_000);
  afterEach(stopAllPorticos);

  const apps = () => [
    app('asgi', { match: { path: '/asgi' }, stripPrefix: true }),
    app('kept', { match: { path: '/kept' } }),
  ];

  it('forwards the path below the mount and sends the prefix in x-forwarded-prefix', async () => {
    const { port } = await startPortico({ apps: apps() });
    const cases: [string, string][] = [['/asgi/items/7?x=1', '/items/7?x=1'], ['/asgi', '/'], ['/asgi?q=2', '/?q=2'], ['/asgi/', '/'], ['/%61sgi/x', '/x'], ['/asgi%2Fitems', '/items']];
    for (const [sent, received] of cases) {
      const echoed = json(await request(port, sent, { headers: { 'x-forwarded-prefix': '/evil' } }));
      assert.equal(echoed.url, received, sent);
      assert.equal(echoed.headers['x-forwarded-prefix'], '/asgi', sent);
    }
  });

  it('leaves the path of an app without it alone, and removes a client\'s x-forwarded-prefix', async () => {
    const { port } = await startPortico({ apps: apps() });
    const echoed = json(await request(port, '/kept/a', { headers: { 'x-forwarded-prefix': '/evil', 'X_Forwarded_Prefix': '/evil' } }));
    assert.equal(echoed.url, '/kept/a');
    assert.equal(echoed.headers['x-forwarded-prefix'], undefined);
    assert.ok(!echoed.rawHeaders.some((h) => h.toLowerCase().replace(/_/g, '-') === 'x-forwarded-prefix'));
  });

  it('strips the prefix of a WebSocket handshake', async () => {
    const { port } = await startPortico({ apps: apps() });
    const socket = new WebSocket(`ws://127.0.0.1:${port}/asgi/ws?tell=handshake`);
    const [first] = (await once(socket, 'message')) as [Buffer];
    assert.deepEqual(JSON.parse(first.toString()), { url: '/ws?tell=handshake', prefix: '/asgi', user: null });
    socket.close();
  });

  it('strips it in the embedding handler too', async () => {
    const { portico } = await startPortico({ apps: apps() });
    const host = http.createServer(portico.handler);
    host.listen(0, '127.0.0.1');
    await once(host, 'listening');
    try {
      const echoed = json(await request((host.address() as { port: number }).port, '/asgi/embedded?z'));
      assert.equal(echoed.url, '/embedded?z');
      assert.equal(echoed.headers['x-forwarded-prefix'], '/asgi');
    } finally {
      host.close();
    }
  });
});
