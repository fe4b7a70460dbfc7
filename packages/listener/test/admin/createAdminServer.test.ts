import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { createAdminServer, RequestMetrics, type AdminServer, type PorticoStatus } from '../../src/index.ts';
import { FakeAdminSource } from './FakeAdminSource.ts';
import { LiveClient, request } from './http.ts';
import { parseExposition, valueOf } from './parseExposition.ts';

describe('createAdminServer', () => {
  let source: FakeAdminSource;
  let metrics: RequestMetrics;
  let admin: AdminServer;
  let port: number;
  const clients: LiveClient[] = [];

  beforeEach(async () => {
    source = new FakeAdminSource();
    metrics = new RequestMetrics();
    admin = createAdminServer({ source, metrics, port: 0, allowedHosts: ['portico.internal'] });
    ({ port } = await admin.start());
  });

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await admin.close();
  });

  const live = async (headers: Record<string, string> = {}) => {
    const client = new LiveClient(port, headers);
    clients.push(client);
    await client.opened();
    return client;
  };

  describe('endpoints', () => {
    it('answers GET /status with the source status as JSON', async () => {
      const res = await request(port, 'GET', '/status');
      assert.equal(res.status, 200);
      assert.match(String(res.headers['content-type']), /^application\/json/);
      assert.deepEqual(JSON.parse(res.body), JSON.parse(JSON.stringify(source.status())));
    });

    it('answers GET /metrics in the text format 0.0.4 with the recorded requests', async () => {
      metrics.record('shop', 200, 12, 10, 20);
      metrics.record('shop', 503, 40, 10, 20);
      const res = await request(port, 'GET', '/metrics');
      assert.equal(res.status, 200);
      assert.equal(res.headers['content-type'], 'text/plain; version=0.0.4; charset=utf-8');
      const families = parseExposition(res.body);
      assert.equal(valueOf(families, 'portico_request_duration_seconds_count', { app: 'shop' }), 2);
      assert.equal(valueOf(families, 'portico_workers_up', { app: 'shop' }), 2);
    });

    it('brings the source up to now (refresh) before /status and /metrics read it', async () => {
      let refreshes = 0;
      source.refresh = async () => {
        await new Promise((resolve) => setImmediate(resolve));
        refreshes++;
        source.updateApp('shop', (app) => ({ ...app, requests: 1000 + refreshes }));
      };
      assert.equal((JSON.parse((await request(port, 'GET', '/status')).body) as PorticoStatus).apps.find((a) => a.name === 'shop')!.requests, 1001);
      assert.equal((await request(port, 'GET', '/metrics')).status, 200);
      assert.equal(refreshes, 2);
    });

    it('answers GET /healthz with 200 ok', async () => {
      const res = await request(port, 'GET', '/healthz');
      assert.deepEqual([res.status, res.body], [200, 'ok']);
    });

    it('answers GET /readyz with 200 when every eager app is ready', async () => {
      const res = await request(port, 'GET', '/readyz');
      assert.deepEqual([res.status, JSON.parse(res.body)], [200, { ready: true }]);
    });

    it('answers GET /readyz with 503 naming the eager apps that are not ready', async () => {
      source.updateApp('shop', (a) => ({ ...a, state: 'starting' }));
      const res = await request(port, 'GET', '/readyz');
      assert.equal(res.status, 503);
      assert.deepEqual(JSON.parse(res.body), { ready: false, notReady: [{ app: 'shop', state: 'starting' }] });
    });

    it('answers POST /reload with 200 and {ok:true} when the reload succeeds', async () => {
      const res = await request(port, 'POST', '/reload');
      assert.deepEqual([res.status, JSON.parse(res.body), source.reloads], [200, { ok: true }, 1]);
    });

    it('answers POST /reload with 400 and the errors when the reload is refused', async () => {
      source.reloadResult = async () => ({ ok: false, errors: ['apps[0].port: must be a number'] });
      const res = await request(port, 'POST', '/reload');
      assert.deepEqual([res.status, JSON.parse(res.body)], [400, { ok: false, errors: ['apps[0].port: must be a number'] }]);
    });

    it('answers POST /reload with 500 when the reload throws', async () => {
      source.reloadResult = async () => {
        throw new Error('disk on fire');
      };
      const res = await request(port, 'POST', '/reload');
      assert.deepEqual([res.status, JSON.parse(res.body)], [500, { ok: false, errors: ['disk on fire'] }]);
    });

    it('answers a second POST /reload with 409 while the first runs', async () => {
      let finish!: () => void;
      source.reloadResult = () => new Promise((resolve) => (finish = () => resolve({ ok: true })));
      const first = request(port, 'POST', '/reload');
      while (source.reloads === 0) await new Promise((r) => setImmediate(r));
      const second = await request(port, 'POST', '/reload');
      finish();
      assert.equal(second.status, 409);
      assert.equal((await first).status, 200);
      assert.equal(source.reloads, 1);
    });

    it('serves GET / as an HTML page whose CSP admits exactly its inline script and its own origin\'s chart library', async () => {
      const res = await request(port, 'GET', '/');
      assert.equal(res.status, 200);
      assert.match(String(res.headers['content-type']), /^text\/html/);
      assert.doesNotMatch(res.body, /<(script|link|img)[^>]+(src|href)="(https?:)?\/\//);
      const script = /<script>([\s\S]*)<\/script>/.exec(res.body)?.[1] ?? '';
      const digest = createHash('sha256').update(script).digest('base64');
      const csp = String(res.headers['content-security-policy']);
      assert.ok(csp.includes(`script-src 'self' 'sha256-${digest}'`), csp);
      assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|\*/);
      assert.doesNotMatch(script, /innerHTML/);
      assert.deepEqual([...res.body.matchAll(/<(?:script|link)[^>]+(?:src|href)="([^"]+)"/g)].map((m) => m[1]), ['data:,', '/assets/uplot.css', '/assets/uplot.js']);
    });

    it('serves the chart library from the installed uPlot package, byte for byte', async () => {
      const require = createRequire(import.meta.url);
      for (const [path, file, type] of [['/assets/uplot.js', 'uplot/dist/uPlot.iife.min.js', 'text/javascript'], ['/assets/uplot.css', 'uplot/dist/uPlot.min.css', 'text/css']] as const) {
        const res = await request(port, 'GET', path);
        assert.equal(res.status, 200, path);
        assert.match(String(res.headers['content-type']), new RegExp(`^${type};`));
        assert.equal(res.body, readFileSync(require.resolve(file, { paths: [fileURLToPath(new URL('../../', import.meta.url))] }), 'utf8'));
      }
    });

    // It was sent with no-store like the live data: every page opened fetched its 50 KB again.
    it('serves the chart library with its content hash as ETag, 304 to a matching If-None-Match, and a cache that revalidates', async () => {
      for (const path of ['/assets/uplot.js', '/assets/uplot.css']) {
        const first = await request(port, 'GET', path);
        const etag = String(first.headers['etag']);
        assert.equal(etag, `"${createHash('sha256').update(first.body).digest('base64url')}"`, path);
        assert.equal(first.headers['cache-control'], 'no-cache', path);
        assert.equal(first.headers['x-content-type-options'], 'nosniff');
        for (const ifNoneMatch of [etag, `W/${etag}`, `"other", ${etag}`, `"other",\t${etag}\t`, '*']) {
          for (const method of ['GET', 'HEAD']) {
            const again = await request(port, method, path, { 'If-None-Match': ifNoneMatch });
            assert.deepEqual([again.status, again.body, again.headers['etag'], again.headers['cache-control']], [304, '', etag, 'no-cache'], `${method} ${path} ${ifNoneMatch}`);
          }
        }
        // Optional whitespace is SP and HTAB; a 0xA0 (U+00A0 once read as latin1) is part of the tag (issue 15).
        for (const stale of ['"other"', etag.slice(0, -2) + '"', 'W/"x"', `\xa0${etag}`, `"other", ${etag}\xa0`, '\xa0*']) {
          const full = await request(port, 'GET', path, { 'If-None-Match': stale });
          assert.deepEqual([full.status, full.body.length], [200, first.body.length], `${path} ${stale}`);
        }
      }
      for (const path of ['/', '/status', '/history', '/metrics']) {
        const answer = await request(port, 'GET', path, { 'If-None-Match': '*' });
        assert.deepEqual([answer.status, answer.headers['cache-control'], answer.headers['etag']], [200, 'no-store', undefined], path);
      }
    });

    it('answers GET /history with the ring\'s samples, and 400 for a seconds it cannot take', async () => {
      const res = await request(port, 'GET', '/history?seconds=300');
      assert.equal(res.status, 200);
      const body = JSON.parse(res.body) as { intervalMs: number; capacity: number; samples: unknown[] };
      assert.deepEqual([body.intervalMs, body.capacity, Array.isArray(body.samples)], [1000, 300, true]);
      for (const bad of ['0', '301', '1.5', '-1', 'abc', '', '1e2', '9'.repeat(400)]) {
        const refused = await request(port, 'GET', `/history?seconds=${bad}`);
        assert.equal(refused.status, 400, bad);
        assert.match(JSON.parse(refused.body).error, /^seconds must be a whole number from 1 to 300 \(the history keeps 300 seconds; without seconds, the last 60\), got "/, bad);
        assert.ok(refused.body.length < 200, 'the answer does not echo a long value whole');
      }
    });

    it('answers HEAD on /history and the chart library with the length and no body, other methods with 405 and Allow, and takes the first of repeated seconds', async () => {
      for (const path of ['/history', '/assets/uplot.js', '/assets/uplot.css']) {
        const [get, head] = [await request(port, 'GET', path), await request(port, 'HEAD', path)];
        assert.deepEqual([head.status, head.body, head.headers['content-length']], [200, '', String(Buffer.byteLength(get.body))], path);
        for (const method of ['OPTIONS', 'POST', 'PUT', 'DELETE']) {
          const refused = await request(port, method, path);
          assert.deepEqual([refused.status, refused.headers['allow']], [405, 'GET, HEAD'], `${method} ${path}`);
        }
      }
      assert.equal((await request(port, 'GET', '/history?seconds=5&seconds=abc')).status, 200);
      assert.equal((await request(port, 'GET', '/history?seconds=abc&seconds=5')).status, 400);
      for (const garbage of ['/history?%zz=%', '/history?&&&=', '/history?' + 'x'.repeat(6000)]) assert.equal((await request(port, 'GET', garbage)).status, 200, garbage.slice(0, 40));
    });

    it('answers 404 for an unknown path', async () => {
      const res = await request(port, 'GET', '/admin');
      assert.equal(res.status, 404);
    });

    it('ignores the query string when routing', async () => {
      assert.equal((await request(port, 'GET', '/healthz?probe=1')).status, 200);
    });

    it('answers GET /live without an upgrade with 426', async () => {
      assert.equal((await request(port, 'GET', '/live')).status, 426);
    });
  });

  describe('app commands', () => {
    it('passes POST /apps/NAME/restart, /stop and /start to the source, with the app name decoded', async () => {
      const asked: string[] = [];
      source.appCommand = async (app, command) => {
        asked.push(`${command} ${app}`);
        return { ok: true, app, state: command === 'stop' ? 'stopped' : 'ready' };
      };
      for (const command of ['restart', 'stop', 'start']) {
        const res = await request(port, 'POST', `/apps/shop%20eu/${command}`);
        assert.equal(res.status, 200);
        assert.equal(JSON.parse(res.body).app, 'shop eu');
      }
      assert.deepEqual(asked, ['restart shop eu', 'stop shop eu', 'start shop eu']);
    });

    it('answers 404 for an unknown app and 502 when the new workers did not start', async () => {
      source.appCommand = async (app) =>
        app === 'shop' ? { ok: false, app, errors: ['rollout of shop failed: shop#1 failed to start, code 1'] } : { ok: false, app, notFound: true, errors: [`no app named "${app}"`] };
      const missing = await request(port, 'POST', '/apps/shp/restart');
      assert.equal(missing.status, 404);
      const failed = await request(port, 'POST', '/apps/shop/restart');
      assert.equal(failed.status, 502);
      assert.deepEqual(JSON.parse(failed.body).errors, ['rollout of shop failed: shop#1 failed to start, code 1']);
    });

    it('answers 405 to GET, 404 to another command, and 501 when the source takes no commands', async () => {
      assert.equal((await request(port, 'GET', '/apps/shop/restart')).status, 405);
      assert.equal((await request(port, 'POST', '/apps/shop/reboot')).status, 404);
      assert.equal((await request(port, 'POST', '/apps/shop/restart')).status, 501);
    });

    it('answers POST /reload with 502 and failedRollouts when an app\'s new workers did not start', async () => {
      source.reloadResult = async () => ({ ok: false, errors: ['rollout of shop failed: shop#1 failed to start, code 1'], failedRollouts: ['shop'] });
      const res = await request(port, 'POST', '/reload');
      assert.equal(res.status, 502);
      assert.deepEqual(JSON.parse(res.body).failedRollouts, ['shop']);
    });
  });

  describe('methods', () => {
    it('answers POST /status with 405 and Allow: GET, HEAD', async () => {
      const res = await request(port, 'POST', '/status');
      assert.deepEqual([res.status, res.headers.allow], [405, 'GET, HEAD']);
    });

    it('answers GET /reload with 405 and Allow: POST, without reloading', async () => {
      const res = await request(port, 'GET', '/reload');
      assert.deepEqual([res.status, res.headers.allow, source.reloads], [405, 'POST', 0]);
    });

    it('answers HEAD like GET, without a body', async () => {
      const res = await request(port, 'HEAD', '/status');
      assert.equal(res.status, 200);
      assert.equal(res.body, '');
      assert.equal(Number(res.headers['content-length']), Buffer.byteLength(JSON.stringify(source.status())));
    });
  });

  describe('malformed requests', () => {
    /** The raw answer to `bytes`, read until the server closes. */
    const raw = async (bytes: string): Promise<string> => {
      const socket = net.connect(port, '127.0.0.1');
      socket.on('error', () => {});
      await once(socket, 'connect');
      let text = '';
      socket.on('data', (d: Buffer) => (text += d.toString('latin1')));
      socket.write(bytes);
      await once(socket, 'close');
      return text;
    };

    it('answers 431 to a header too large, rather than resetting the connection', async () => {
      const text = await raw(`GET /status HTTP/1.1\r\nHost: portico.internal\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
      assert.match(text, /^HTTP\/1\.1 431 /);
    });

    it('answers 400 to bytes that are no HTTP request', async () => {
      const text = await raw('\x16\x03\x01 garbage\r\n\r\n');
      assert.match(text, /^HTTP\/1\.1 400 /);
    });
  });

  describe('Host and Origin check', () => {
    for (const host of ['localhost', 'localhost:9901', 'app.localhost', '127.0.0.1', '127.8.9.1:1', '[::1]:9901', 'portico.internal:80']) {
      it(`serves Host ${host}`, async () => {
        assert.equal((await request(port, 'GET', '/healthz', { Host: host })).status, 200);
      });
    }

    for (const host of ['evil.example', 'evil.example:9901', '127.0.0.1.evil.example', '10.0.0.1', 'localhost.evil.example', '[::2]', 'local host']) {
      it(`refuses Host ${host} with 403`, async () => {
        assert.equal((await request(port, 'GET', '/status', { Host: host })).status, 403);
      });
    }

    it('refuses a request without Host', async () => {
      const socket = net.connect(port, '127.0.0.1');
      socket.end('GET /status HTTP/1.0\r\n\r\n');
      let text = '';
      socket.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      await once(socket, 'close');
      assert.match(text, /^HTTP\/1\.1 403 /);
    });

    it('refuses POST /reload from a page of another site (Origin) and does not reload', async () => {
      const res = await request(port, 'POST', '/reload', { Origin: 'https://evil.example' });
      assert.deepEqual([res.status, source.reloads], [403, 0]);
    });

    it('serves a request whose Origin is the admin page itself', async () => {
      const res = await request(port, 'POST', '/reload', { Origin: `http://127.0.0.1:${port}` });
      assert.equal(res.status, 200);
    });

    it('refuses a /live upgrade from a page of another site', async () => {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/live`, { origin: 'http://evil.example' });
      const [error] = (await once(ws, 'error')) as [Error];
      assert.match(error.message, /403/);
    });

    it('refuses a /live upgrade with a foreign Host', async () => {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/live`, { headers: { Host: 'evil.example' } });
      const [error] = (await once(ws, 'error')) as [Error];
      assert.match(error.message, /403/);
    });
  });

  describe('/live', () => {
    type StatusMessage = { type: 'status'; now: number; status: PorticoStatus };
    type RatesMessage = { type: 'rates'; apps: { app: string; requestsPerSecond: number; serverErrorsPerSecond: number }[] };

    it('sends the status as soon as a client connects', async () => {
      const client = await live();
      const first = await client.next<StatusMessage>((m) => m.type === 'status');
      assert.deepEqual(first.status, JSON.parse(JSON.stringify(source.status())));
    });

    it('pushes the new status when a worker crashes', async () => {
      const client = await live();
      await client.next((m) => m.type === 'status');
      source.updateWorker('shop', 'shop#1', (w) => ({ ...w, state: 'exited', restarts: w.restarts + 1 }));
      const pushed = await client.next<StatusMessage>((m) => m.type === 'status' && (m as StatusMessage).status.apps[0]?.workers[0]?.state === 'exited');
      assert.equal(pushed.status.apps[0]?.workers[0]?.restarts, 1);
    });

    it('coalesces a burst of changes into at most two pushes, the last with the final status', async () => {
      const client = await live();
      await client.next((m) => m.type === 'status');
      const from = client.messages.length;
      for (let i = 1; i <= 50; i++) source.updateApp('shop', (a) => ({ ...a, queueDepth: i }));
      await client.next((m) => m.type === 'status' && (m as StatusMessage).status.apps[0]?.queueDepth === 50, from);
      const pushes = client.messages.slice(from).filter((m) => m.type === 'status');
      assert.ok(pushes.length <= 2, `${pushes.length} pushes`);
    });

    it('pushes request rates per app every second', async function () {
      this.timeout(5_000);
      const client = await live();
      for (let i = 0; i < 30; i++) metrics.record('shop', i < 3 ? 500 : 200, 1, 0, 0);
      const rates = await client.next<RatesMessage>((m) => m.type === 'rates' && (m as RatesMessage).apps.some((a) => a.app === 'shop' && a.requestsPerSecond > 0));
      const shop = rates.apps.find((a) => a.app === 'shop')!;
      // 30 requests within one interval of about a second.
      assert.ok(shop.requestsPerSecond > 15 && shop.requestsPerSecond <= 31, String(shop.requestsPerSecond));
      assert.ok(shop.serverErrorsPerSecond > 1.5 && shop.serverErrorsPerSecond <= 3.1, String(shop.serverErrorsPerSecond));
    });
  });

  describe('lifecycle', () => {
    it('returns the same address from a second start()', async () => {
      assert.deepEqual(await admin.start(), { host: '127.0.0.1', port });
    });

    it('closes live sockets, unsubscribes from the source and stops listening on close(), idempotently', async () => {
      const client = await live();
      assert.equal(source.listenerCount, 1);
      const closed = once(client.ws, 'close');
      await Promise.all([admin.close(), admin.close()]);
      const [code] = (await closed) as [number];
      assert.equal(code, 1001);
      assert.equal(source.listenerCount, 0);
      await assert.rejects(request(port, 'GET', '/healthz'), /ECONNREFUSED/);
      await admin.close();
    });

    it('rejects start() with ListenFailedError when the port is taken', async () => {
      const other = createAdminServer({ source, metrics, port });
      await assert.rejects(other.start(), { code: 'PORTICO_ERR_LISTENER_LISTEN_FAILED' });
      await other.close();
    });

    it('names the option that is wrong', () => {
      assert.throws(() => createAdminServer({ source, metrics, port: 70_000 }), { code: 'PORTICO_ERR_LISTENER_INVALID_OPTION', message: /admin\.port/ });
      assert.throws(() => createAdminServer({ source: {} as FakeAdminSource, metrics, port: 0 }), { message: /admin\.source/ });
      assert.throws(() => createAdminServer({ source, metrics: {} as RequestMetrics, port: 0 }), { message: /admin\.metrics/ });
    });
  });
});
