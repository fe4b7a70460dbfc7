// An integrator's host server, written from docs/embedding.md with the public packages only: a
// node:http server with routes and a session login of its own, Portico mounted for /shop (a real
// backend with a stubborn child of its own) and /never (an app that never becomes ready), the
// host's WebSocket upgrades handed to Portico, the host's user forwarded through the forward
// authenticator, and the host's own graceful stop in the order the docs give.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { createLogger } from '@portico/log-sink';
import { createPortico, resolveConfig, type Portico } from '@portico/portico';
import { getOnHttp2Host } from '@portico/test-support/http2';
import WebSocket from 'ws';

const backend = fileURLToPath(new URL('fixtures/family-backend.mjs', import.meta.url));

interface Answer {
  readonly status: number;
  readonly body: string;
}

function send(port: number, path: string, headers: Record<string, string> = {}, agent: http.Agent | false = false): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path, headers, agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
  });
}

/** Whether `pid` runs: gone, or a zombie waiting for its reaper (the backend's child is re-parented to PID 1), does not. */
const alive = (pid: number): boolean => {
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
};

async function until(what: string, condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

interface Host {
  readonly port: number;
  readonly portico: Portico;
  readonly childFile: string;
  stop(): Promise<void>;
}

/** The host, as docs/embedding.md builds it: bind first, then the config from the server's address. */
async function startHost(): Promise<Host> {
  const sessions = new Map([['s3cret', 'alice'], ['z0e', 'zoë']]);
  const sessionUser = (req: http.IncomingMessage) => sessions.get(/(?:^|;\s*)sid=([^;]+)/.exec(req.headers.cookie ?? '')?.[1] ?? '');
  const dir = mkdtempSync(join(tmpdir(), 'portico-embedder-'));
  const childFile = join(dir, 'child.pid');
  let portico: Portico | undefined;
  const mounted = (url: string | undefined) => /^\/(shop|never)(\/|\?|$)/.test(url ?? '');
  const server = http.createServer((req, res) => {
    if (req.url === '/_portico-auth') {
      const user = sessionUser(req);
      // The name's UTF-8 bytes, as docs/embedding.md writes it: node:http sends a string as latin1.
      res.writeHead(user ? 200 : 401, user ? { 'x-auth-user': Buffer.from(user).toString('latin1') } : {}).end();
      return;
    }
    if (mounted(req.url) && portico) return portico.handler(req, res);
    res.end('the host’s own page\n');
  });
  server.on('upgrade', (req: http.IncomingMessage, socket, head: Buffer) => {
    if (mounted(req.url) && portico) return portico.upgrade(req, socket, head);
    socket.destroy();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const config = resolveConfig(
    {
      listen: [{ port: 0 }], // required by the schema; not bound when embedded
      apps: [
        {
          name: 'shop',
          match: { path: '/shop' },
          processPath: process.execPath,
          arguments: [backend],
          environmentVariables: { CHILD_FILE: childFile },
          shutdownTimeLimit: 4, // the slow request below (1.5 s) finishes within it; the open tunnel holds the drain this long
          auth: { type: 'forward', url: `http://127.0.0.1:${port}/_portico-auth` },
        },
        { name: 'never', match: { path: '/never' }, processPath: process.execPath, arguments: ['-e', 'setInterval(() => {}, 1000)'], startupTimeLimit: 60 },
      ],
    },
    { file: 'portico.json', baseDir: process.cwd() },
  );
  portico = createPortico(config, { logger: createLogger({ level: 'silent' }) });
  await portico.start({ listen: false });
  const started = portico;
  return {
    port,
    portico: started,
    childFile,
    async stop() {
      const closed = new Promise((resolve) => server.close(resolve)); // stop accepting
      await started.stop(); // requests in flight finish, then every backend stops
      server.closeAllConnections(); // keep-alive connections left idle meanwhile
      await closed;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

describe('embedding: an integrator’s node:http host', function () {
  this.timeout(60_000);
  let host: Host | undefined;
  afterEach(async () => {
    await host?.stop();
    host = undefined;
  });

  it('serves its own routes and forwards its user to the backend, over HTTP and WebSocket', async () => {
    host = await startHost();
    assert.match((await send(host.port, '/')).body, /the host’s own page/);
    assert.match((await send(host.port, '/shopping')).body, /the host’s own page/, 'a path that only starts like Portico’s is the host’s');
    assert.equal((await send(host.port, '/shop/cart')).status, 401, 'no session, no backend');
    const answer = await send(host.port, '/shop/cart', { cookie: 'sid=s3cret', 'x-portico-user': 'mallory' });
    assert.equal(answer.status, 200, answer.body);
    const seen = JSON.parse(answer.body) as { url: string; headers: Record<string, string> };
    assert.equal(seen.url, '/shop/cart');
    assert.equal(seen.headers['x-portico-user'], 'alice', 'the host’s user, not the spoofed one');
    assert.equal(seen.headers['x-portico-auth'], 'forward');
    const zoe = JSON.parse((await send(host.port, '/shop/cart', { cookie: 'sid=z0e' })).body) as { headers: Record<string, string> };
    assert.equal(Buffer.from(zoe.headers['x-portico-user'] ?? '', 'latin1').toString(), 'zoë', 'a name outside ASCII, as UTF-8');

    const ws = new WebSocket(`ws://127.0.0.1:${host.port}/shop/live?tell=handshake`, { headers: { cookie: 'sid=s3cret' } });
    const [first] = (await once(ws, 'message')) as [Buffer];
    assert.deepEqual(JSON.parse(first.toString()), { url: '/shop/live?tell=handshake', prefix: null, user: 'alice' });
    ws.close();
    await once(ws, 'close');

    const refused = new WebSocket(`ws://127.0.0.1:${host.port}/shop/live`);
    refused.on('error', () => {}); // terminate() of a socket still connecting reports one
    const [, response] = (await once(refused, 'unexpected-response')) as [unknown, http.IncomingMessage];
    assert.equal(response.statusCode, 401, 'a handshake without a session does not reach the backend');
    refused.terminate();
  });

  it('stops gracefully: the request in flight finishes, a waiting one gets 503, the tunnel closes, no process is left', async () => {
    host = await startHost();
    const agent = new http.Agent({ keepAlive: true });
    try {
      const first = await send(host.port, '/shop/warm', { cookie: 'sid=s3cret' }, agent);
      const backendPid = (JSON.parse(first.body) as { pid: number }).pid;
      const childPid = Number(readFileSync(host.childFile, 'utf8'));
      assert.ok(alive(backendPid) && alive(childPid));
      const ws = new WebSocket(`ws://127.0.0.1:${host.port}/shop/live`, { headers: { cookie: 'sid=s3cret' } });
      await once(ws, 'open');
      const wsClosed = once(ws, 'close');

      const started = host;
      const shop = () => started.portico.status().apps.find((a) => a.name === 'shop');
      const never = () => started.portico.status().apps.find((a) => a.name === 'never');
      await until('the warm request released', () => (shop()?.inFlight ?? 0) === 0);
      const slow = send(host.port, '/shop/slow?delay=1500', { cookie: 'sid=s3cret' }, agent);
      const waiting = send(host.port, '/never/x');
      await until('both requests in Portico', () => (shop()?.inFlight ?? 0) > 0 && (never()?.queueDepth ?? 0) > 0);
      const neverPid = never()?.workers?.[0]?.pid;

      await host.stop();
      host = undefined;
      const finished = await slow;
      assert.equal(finished.status, 200, finished.body);
      assert.equal((JSON.parse(finished.body) as { url: string }).url, '/shop/slow?delay=1500', 'the whole answer arrived');
      const refused = await waiting;
      assert.equal(refused.status, 503);
      assert.match(refused.body, /Portico is stopping/);
      await wsClosed;
      assert.ok(neverPid !== undefined, 'the app that never became ready had a process');
      // The backend's own child ignores SIGTERM: the kill of what is left of the backend's group
      // ends it (docs/worker.md), and PID 1 reaps it when it gets to it.
      await until('no process left', () => ![backendPid, childPid, neverPid].some(alive));
    } finally {
      agent.destroy();
    }
  });

  // docs/embedding.md, The two functions: an http2 server's compatibility API is not node:http's.
  it('refuses an http2 host’s requests with 505 and says in the log what to change', async () => {
    const lines: string[] = [];
    const destination = new PassThrough().on('data', (chunk: Buffer) => lines.push(...chunk.toString().split('\n').filter(Boolean)));
    const config = resolveConfig(
      { listen: [{ port: 0 }], apps: [{ name: 'shop', match: { path: '/shop' }, processPath: process.execPath, arguments: [backend], environmentVariables: { CHILD_FILE: '/dev/null' } }] },
      { file: 'portico.json', baseDir: process.cwd() },
    );
    const portico = createPortico(config, { logger: createLogger({ level: 'info', destination }) });
    await portico.start({ listen: false });
    try {
      const { headers } = await getOnHttp2Host(portico.handler, '/shop/x');
      assert.equal(headers[':status'], 505);
      await until('the refusal logged', () => lines.some((line) => line.includes('proxy.request_refused')));
      const refusal = JSON.parse(lines.find((line) => line.includes('proxy.request_refused'))!) as { reason: string };
      assert.match(refusal.reason, /HTTP\/2\.0 request reached Portico's embedded handler/);
      assert.equal(portico.status().apps[0]?.workers.length, 0, 'no backend started for it');
    } finally {
      await portico.stop();
    }
  });

  // The host as its own process (examples/embed-http): its graceful stop on SIGTERM, and its death
  // by SIGKILL, when no code of Portico's runs and the orphan guard ends the backends.
  for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
    it(`leaves no backend behind when the host process gets ${signal}`, async () => {
      const example = fileURLToPath(new URL('../examples/embed-http/server.mjs', import.meta.url));
      const child = spawn(process.execPath, [example], { env: { ...process.env, PORT: '0' }, stdio: ['ignore', 'pipe', 'inherit'] });
      try {
        let out = '';
        child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
        await until('the host listening', () => /listening on http:\/\/127\.0\.0\.1:(\d+)\//.test(out));
        const port = Number(/127\.0\.0\.1:(\d+)\//.exec(out)?.[1]);
        const answer = await send(port, '/app/x');
        const pid = (JSON.parse(answer.body) as { pid: number }).pid;
        assert.ok(alive(pid));
        const exited = once(child, 'exit') as Promise<[number | null, string | null]>;
        child.kill(signal);
        const [code, by] = await exited;
        if (signal === 'SIGTERM') assert.equal(code, 0, 'the host stopped by itself, its stop done');
        else assert.equal(by, 'SIGKILL');
        await until(`the backend gone after the host's ${signal}`, () => !alive(pid));
      } finally {
        child.kill('SIGKILL');
      }
    });
  }
});
