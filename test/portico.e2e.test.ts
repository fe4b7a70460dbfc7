import assert from 'node:assert/strict';
import { once } from 'node:events';
import http2 from 'node:http2';
import net from 'node:net';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import bcrypt from 'bcryptjs';
import { join } from 'node:path';
import WebSocket from 'ws';
import { until } from './helpers/frontClients.ts';
import { h2Request } from './helpers/http2Front.ts';
import { app, echoBackend, json, request, startPortico, stopAllPorticos } from './helpers/portico.ts';

describe('portico end to end', function () {
  this.timeout(30_000);
  afterEach(stopAllPorticos);

  describe('routing and lazy start', () => {
    it('starts an idle app on its first request and forwards with Portico’s headers', async () => {
      const { portico, port } = await startPortico({ apps: [app('shop')] });
      assert.equal(portico.status().apps[0]?.state, 'idle');
      const reply = await request(port, '/cart?x=1', { headers: { host: 'shop.test' } });
      assert.equal(reply.status, 200);
      const seen = json(reply);
      assert.equal(seen.url, '/cart?x=1');
      assert.equal(seen.headers['x-forwarded-for'], '127.0.0.1');
      assert.equal(seen.headers['x-forwarded-proto'], 'http');
      assert.equal(seen.headers['x-forwarded-host'], 'shop.test');
      assert.match(seen.headers['x-request-id'] ?? '', /^[\w-]{21}$/);
      assert.equal(portico.status().apps[0]?.state, 'ready');
    });

    it('chooses the app by host, then the longest path prefix', async () => {
      const { port } = await startPortico({
        apps: [
          app('root'),
          app('api', { match: { path: '/api' } }),
          app('admin', { match: { host: 'admin.test', path: '/' } }),
        ],
      });
      const pidOf = async (path: string, host = 'x.test') => json(await request(port, path, { headers: { host } })).pid;
      const [root, api, apiDeep, admin, apish] = await Promise.all([pidOf('/'), pidOf('/api'), pidOf('/api/v1/x'), pidOf('/api', 'admin.test'), pidOf('/apis')]);
      assert.equal(api, apiDeep);
      assert.notEqual(root, api);
      assert.notEqual(admin, api, 'the exact host wins over the path');
      assert.equal(apish, root, '/apis is not under /api');
    });

    it('refuses an encoded dot-segment path that would escape a prefix', async () => {
      const { port } = await startPortico({ apps: [app('root'), app('admin', { match: { path: '/admin' } })] });
      assert.equal((await request(port, '/public/%2e%2e/admin')).status, 400);
    });

    // Tomcat, Jetty and Spring drop each segment's path parameters (`;…`) before they resolve the
    // path: `/public/..;/admin` is `/admin` to them and `/admin;x/users` is `/admin/users`, where the
    // router read the segments `..;` and `admin;x` and chose the app at `/`, whose backend, if it
    // mounts both, served them without the `/admin` app's authenticator (the "..;" bypass of
    // Orange Tsai's "Breaking Parser Logic", 2018; nginx passes both on). Failed before: both 200.
    it('refuses a path whose path parameters (;…) hide a dot-segment or would make the app another', async () => {
      const { port } = await startPortico({ apps: [app('root'), app('admin', { match: { path: '/admin' } })] });
      for (const path of ['/public/..;/admin', '/public/..;x/admin/users', '/public/.;x/b', '/admin;x/users', '/%61dmin;x']) {
        const answer = await request(port, path);
        assert.equal(answer.status, 400, path);
      }
      // Parameters that leave the app as it is pass on as sent.
      assert.equal(json(await request(port, '/admin/users;jsessionid=1')).url, '/admin/users;jsessionid=1');
      assert.equal(json(await request(port, '/shop;v=2/cart')).url, '/shop;v=2/cart');
    });

    // Issue 15: trustRequestId was in the schema but never reached the router; the id was replaced.
    it('keeps a well-formed inbound x-request-id for an app with trustRequestId, and only then', async () => {
      const { port } = await startPortico({ apps: [app('trusting', { match: { path: '/t' }, trustRequestId: true }), app('plain')] });
      const idSeen = async (path: string, id: string) => json(await request(port, path, { headers: { 'x-request-id': id } })).headers['x-request-id'];
      assert.equal(await idSeen('/t', 'c0ffee-4a1b-9e2d-upstream-lb'), 'c0ffee-4a1b-9e2d-upstream-lb');
      assert.match((await idSeen('/t', 'two words')) ?? '', /^[\w-]{21}$/, 'a malformed id is replaced');
      assert.match((await idSeen('/', 'c0ffee-4a1b-9e2d-upstream-lb')) ?? '', /^[\w-]{21}$/, 'an app without trustRequestId replaces it');
    });

    it('removes every spelling of spoofed identity and forwarding headers', async () => {
      const { port } = await startPortico({ apps: [app('shop')] });
      const reply = await request(port, '/', {
        headers: {
          'x-portico-user': 'admin',
          X_Portico_User: 'admin',
          'x.portico.user': 'admin',
          'X-Forwarded-For': '6.6.6.6',
          'x-forwarded_host': 'evil',
          'x-portico-token': 'guess',
          forwarded: 'for=6.6.6.6',
        } as Record<string, string>,
      });
      const names = json(reply).rawHeaders.filter((_, i) => i % 2 === 0).map((n) => n.toLowerCase().replace(/[_.]/g, '-'));
      assert.ok(!names.includes('x-portico-user'), names.join());
      assert.ok(!names.includes('forwarded'));
      assert.equal(names.filter((n) => n === 'x-forwarded-for').length, 1);
      assert.equal(json(reply).headers['x-forwarded-for'], '127.0.0.1');
    });
  });

  describe('authentication', () => {
    it('forwards the authenticated user, never the password, and refuses a wrong one with a challenge', async () => {
      const dir = await mkdtemp(join(tmpdir(), 'portico-auth-'));
      await writeFile(join(dir, 'users.htpasswd'), `alice:${bcrypt.hashSync('wonderland', 4)}\n`);
      const { port } = await startPortico({ apps: [app('shop', { auth: { type: 'basic', htpasswdFile: 'users.htpasswd', realm: 'Shop' } })] }, dir);
      const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

      const refused = await request(port, '/', { headers: { authorization: basic('alice', 'guess') } });
      assert.equal(refused.status, 401);
      assert.match(String(refused.headers['www-authenticate']), /^Basic realm="Shop"/);

      const none = await request(port, '/', { headers: { 'x-portico-user': 'alice' } });
      assert.equal(none.status, 401, 'a spoofed identity header is no credential');

      const ok = await request(port, '/', { headers: { authorization: basic('alice', 'wonderland'), 'X_Portico_User': 'mallory' } });
      assert.equal(ok.status, 200);
      const seen = json(ok);
      assert.equal(seen.headers['x-portico-user'], 'alice');
      assert.equal(seen.headers['x-portico-auth'], 'basic');
      assert.equal(seen.headers.authorization, undefined, 'forwardAuthToken is off by default');
      assert.equal(seen.rawHeaders.filter((h) => h.toLowerCase().replace(/[_.]/g, '-') === 'x-portico-user').length, 1);
    });
  });

  describe('failures', () => {
    it('answers 502 with a page naming the app and the correlation id when the app cannot start', async () => {
      const { port } = await startPortico({
        apps: [app('broken', { environmentVariables: { CRASH_AT_START: '1' }, rapidFailsPerMinute: 1, restart: { backoff: { min: 0, max: 0 } }, detailedErrors: true })],
      });
      const reply = await request(port, '/');
      assert.equal(reply.status, 502);
      assert.match(reply.body, /broken/);
      assert.match(reply.body, /Correlation id: <code>[\w-]+<\/code>/);
      assert.match(reply.body, /cannot open database/);
      assert.match(reply.body, /code <code>3<\/code>/);
    });

    it('gives a bare 502 with disableStartUpErrorPage', async () => {
      const { port } = await startPortico({
        apps: [app('broken', { environmentVariables: { CRASH_AT_START: '1' }, rapidFailsPerMinute: 0, disableStartUpErrorPage: true })],
      });
      const reply = await request(port, '/');
      assert.equal(reply.status, 502);
      assert.equal(reply.body, '');
    });

    it('answers 503 with Retry-After when the start queue is full', async () => {
      const { port } = await startPortico({
        apps: [app('slow', { environmentVariables: { LISTEN_DELAY_MS: '800' }, queue: { maxWaiting: 1 } })],
      });
      const first = request(port, '/');
      await new Promise((resolve) => setImmediate(resolve));
      const second = await request(port, '/');
      assert.equal(second.status, 503);
      assert.equal(second.headers['retry-after'], '1');
      assert.equal((await first).status, 200);
    });

    // A place in the start queue is held by a request, not by a client that has gone: before, two
    // clients that sent a request and left held both places until the worker was ready, and every
    // other client got 503 meanwhile (1 000 of them would shut an app out of a whole cold start).
    it('gives a place in the start queue back when its client leaves: a closed socket, a reset HTTP/2 stream', async () => {
      const { port, portico } = await startPortico({
        listen: [{ port: 0, host: '127.0.0.1', h2c: true }],
        apps: [app('slow', { environmentVariables: { LISTEN_DELAY_MS: '5000' }, queue: { maxWaiting: 2 } })],
      });
      const slow = () => portico.status().apps[0]!;
      const socket = net.connect(port, '127.0.0.1', () => socket.write('GET /left HTTP/1.1\r\nHost: a\r\n\r\n'));
      socket.on('error', () => {});
      const session = http2.connect(`http://127.0.0.1:${port}`);
      session.on('error', () => {});
      const stream = session.request({ ':path': '/reset' });
      stream.on('error', () => {});
      await until(() => slow().queueDepth === 2);
      assert.equal((await request(port, '/')).status, 503, 'the queue is full');
      socket.destroy();
      stream.close(http2.constants.NGHTTP2_CANCEL);
      await until(() => slow().queueDepth === 0);
      assert.equal(slow().state, 'starting', 'the places came back before any worker was ready');
      const [h1, h2] = await Promise.all([request(port, '/'), h2Request(session, { ':path': '/' })]);
      assert.deepEqual([h1.status, h2.status], [200, 200]);
      session.close();
    });

    it('answers 504 when the backend does not answer within requestTimeout', async () => {
      const { port } = await startPortico({ apps: [app('slow', { requestTimeout: 0.3 })] });
      assert.equal((await request(port, '/?delay=2000')).status, 504);
    });

    it('applies the front-socket limits: keepAliveTimeout 0 closes after each response, a stalled body gets 408', async () => {
      const { port } = await startPortico({ apps: [app('shop')], limits: { keepAliveTimeout: 0, bodyIdleTimeout: 0.2 } });
      const reply = await request(port, '/');
      assert.equal(reply.status, 200);
      assert.equal(reply.headers.connection, 'close');
      const socket = net.connect(port, '127.0.0.1');
      let text = '';
      socket.on('data', (d: Buffer) => (text += d.toString('latin1')));
      socket.write('POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nabc');
      await once(socket, 'close');
      assert.match(text, /^HTTP\/1\.1 408 /);
    });

    it('restarts a crashed backend and serves again', async () => {
      const { port, portico } = await startPortico({ apps: [app('shop', { restart: { backoff: { min: 0, max: 0 } } })] });
      const first = json(await request(port, '/')).pid;
      process.kill(first, 'SIGKILL');
      let pid = first;
      while (pid === first) {
        const reply = await request(port, '/');
        if (reply.status === 200) pid = json(reply).pid;
      }
      assert.equal(portico.status().apps[0]?.workers[0]?.restarts, 1);
    });
  });

  describe('app_offline.htm', () => {
    it('answers 503 with its content while it exists, stops the app, and starts it again once removed', async () => {
      const { port, dir, portico } = await startPortico({ apps: [app('shop')] });
      const first = json(await request(port, '/')).pid;
      const offline = join(dir, 'app_offline.htm');
      await writeFile(offline, '<h1>Back soon</h1>');
      // writeFile creates the file before it writes it: a 503 may come with the page still empty.
      let reply = await request(port, '/');
      while (reply.status !== 503 || reply.body === '') reply = await request(port, '/');
      assert.equal(reply.body, '<h1>Back soon</h1>');
      await new Promise<void>((resolve) => {
        const off = portico.onChange(() => portico.status().apps[0]?.state === 'stopped' && (off(), resolve()));
        if (portico.status().apps[0]?.state === 'stopped') resolve();
      });
      await rm(offline);
      reply = await request(port, '/');
      while (reply.status === 503) reply = await request(port, '/');
      assert.equal(reply.status, 200);
      assert.notEqual(json(reply).pid, first);
    });
  });

  describe('balancing', () => {
    it('sends concurrent requests to the worker with the fewest in flight', async () => {
      const { port, portico } = await startPortico({ apps: [app('shop', { processesPerApplication: 2, start: 'eager' })] });
      const bothReady = () => portico.status().apps[0]?.workers.filter((w) => w.state === 'ready').length === 2;
      await new Promise<void>((resolve) => {
        if (bothReady()) return resolve();
        const off = portico.onChange(() => bothReady() && (off(), resolve()));
      });
      const replies = await Promise.all([request(port, '/?delay=300'), request(port, '/?delay=300')]);
      const pids = new Set(replies.map((r) => json(r).pid));
      assert.equal(pids.size, 2);
    });
  });

  describe('WebSocket', () => {
    it('tunnels a WebSocket to the backend and echoes', async () => {
      const { port } = await startPortico({ apps: [app('chat')] });
      await request(port, '/');
      const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, { perMessageDeflate: true });
      const echoed = await new Promise<string>((resolve, reject) => {
        ws.on('open', () => ws.send('hello through portico'));
        ws.on('message', (data) => resolve(String(data)));
        ws.on('error', reject);
      });
      ws.close();
      assert.equal(echoed, 'hello through portico');
    });
  });

  it('uses the echo backend fixture', () => assert.ok(echoBackend.endsWith('echo-backend.mjs')));
});
