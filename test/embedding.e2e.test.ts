// The three embedding examples (examples/embed-*) hold Portico in a host server of their own;
// each is started in-process and put through the same checks.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import WebSocket from 'ws';

interface Host {
  readonly port: number;
  stop(): Promise<void>;
}

function send(port: number, path: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}) {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, method: options.method ?? 'GET', headers: options.headers, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

const echoed = (body: string) => JSON.parse(body) as { pid: number; method: string; url: string; headers: Record<string, string>; body: string };

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

const examples = [
  ['a plain node:http server', '../examples/embed-http/server.mjs'],
  ['an Express app', '../examples/embed-express/server.mjs'],
  ['a Fastify app', '../examples/embed-fastify/server.mjs'],
] as const;

for (const [what, module] of examples) {
  describe(`example: Portico in ${what}`, function () {
    this.timeout(20_000);
    let host: Host | undefined;
    afterEach(async () => {
      await host?.stop();
      host = undefined;
    });

    it('serves its own routes and forwards /app with Portico’s headers, a body and a WebSocket', async () => {
      const { start } = (await import(module)) as { readonly start: (options: { port: number }) => Promise<Host> };
      host = await start({ port: 0 });
      const own = await send(host.port, '/');
      assert.match(own.body, /the host answers this/);

      const get = await send(host.port, '/app/items?page=2', { headers: { 'x-portico-user': 'admin', 'x-forwarded-for': '6.6.6.6' } });
      assert.equal(get.status, 200);
      const seen = echoed(get.body);
      assert.equal(seen.url, '/app/items?page=2');
      assert.equal(seen.headers['x-portico-user'], undefined, 'a spoofed identity never reaches the backend');
      assert.equal(seen.headers['x-forwarded-for'], '127.0.0.1');
      assert.equal(seen.headers['x-forwarded-proto'], 'http');
      assert.equal(seen.headers['x-forwarded-port'], String(host.port));
      assert.match(seen.headers['x-request-id'] ?? '', /^[\w-]{21}$/);
      assert.ok(seen.headers['x-portico-token'], 'the backend got (and checked) its pairing token');

      const post = echoed((await send(host.port, '/app/orders', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"qty":3}' })).body);
      assert.equal(post.method, 'POST');
      assert.equal(post.body, '{"qty":3}');

      const ws = new WebSocket(`ws://127.0.0.1:${host.port}/app/ws`);
      await once(ws, 'open');
      ws.send('ping');
      const [message] = (await once(ws, 'message')) as [Buffer];
      assert.equal(message.toString(), 'ping');
      // Stopping with the tunnel still open: stop() must not wait on it, and the tunnel closes.
      const wsClosed = once(ws, 'close');
      await host.stop();
      host = undefined;
      await wsClosed;
      assert.equal(alive(seen.pid), false, 'the backend stops with the host');
    });
  });
}
