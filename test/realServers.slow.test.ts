import assert from 'node:assert/strict';
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Portico } from '@portico/portico';
import WebSocket from 'ws';
import { buildGo, integrations, missing, privateDir, programs, send } from './helpers/languageBackends.ts';
import { answered, changed, startLoad } from './helpers/load.ts';
import { request, startPortico, stopAllPorticos } from './helpers/portico.ts';

/**
 * Third-party servers from Debian's packages (.ci/run installs them), started by Portico with the
 * integrations of integrations/<lang>/: gunicorn with Flask, uvicorn with Starlette, a Go program
 * built with Debian's toolchain, Puma with a Rack app, and PHP's built-in server. Issue 20: a Flask
 * app on gunicorn answered a direct request without the token with 200.
 */
interface RealServer {
  readonly name: string;
  readonly needs: Parameters<typeof missing>[0];
  app(dir: string): Promise<Record<string, unknown>>;
  /** Why the server has no WebSocket, or undefined when /ws echoes. */
  readonly noWebSocket?: string;
}

const example = (lang: string, file = '') => join(integrations, lang, 'example', file);
const common = { startupTimeLimit: 30, shutdownTimeLimit: 10, stdoutLogEnabled: true, stdoutLogFile: 'logs/app', restart: { backoff: { min: 0, max: 0.05 } } };

const servers: readonly RealServer[] = [
  {
    name: 'gunicorn with Flask',
    needs: { programs: ['python', 'gunicorn'], pythonModules: ['flask'] },
    app: async () => ({
      processPath: programs.gunicorn,
      arguments: ['-c', join(integrations, 'python/gunicorn.conf.py'), '--chdir', example('python'), 'flask_app:app'],
      readiness: { kind: 'notify' },
    }),
    noWebSocket: 'gunicorn\'s WSGI workers do not speak WebSocket (WSGI has no upgrade)',
  },
  {
    name: 'uvicorn with Starlette',
    needs: { programs: ['python'], pythonModules: ['uvicorn', 'starlette'] },
    app: async () => ({
      processPath: programs.python,
      arguments: ['-m', 'uvicorn', '--host', '127.0.0.1', '--port', '${PORT}', '--app-dir', example('python'), 'starlette_app:app'],
    }),
  },
  {
    name: 'a Go net/http program (standard library only)',
    needs: { programs: ['go'] },
    app: async (dir) => ({ processPath: await buildGo(dir, './example', 'echo'), listenMode: 'socket-activation', readiness: { kind: 'notify' } }),
    noWebSocket: 'Go\'s standard library has no WebSocket server',
  },
  {
    name: 'Puma with a Rack app',
    needs: { programs: ['ruby', 'puma'] },
    app: async () => ({ processPath: programs.puma, arguments: ['-C', join(integrations, 'ruby/puma.rb'), example('ruby', 'config.ru')], listenMode: 'unix', readiness: { kind: 'notify' } }),
    noWebSocket: 'Rack 2 has no WebSocket interface (Puma\'s hijack needs a library)',
  },
  {
    name: 'PHP\'s built-in server',
    needs: { programs: ['php'] },
    app: async () => ({ processPath: programs.php, arguments: ['-S', '127.0.0.1:${PORT}', example('php', 'index.php')] }),
    noWebSocket: 'PHP\'s built-in server does not speak WebSocket',
  },
];

const readyPid = (portico: Portico) => portico.status().apps[0]?.workers.find((w) => w.state === 'ready')?.pid;

describe('real third-party servers started by Portico', function () {
  this.timeout(90_000);

  for (const server of servers) {
    describe(server.name, function () {
      let dir: string;
      let portico: Portico;
      let port: number;

      before(async function () {
        const reason = await missing(server.needs);
        if (reason !== undefined) {
          console.log(`      skipped: ${reason}`);
          this.skip();
        }
        dir = await privateDir('portico-real-');
        const started = await startPortico({ apps: [{ name: 'real', ...common, ...(await server.app(dir)) }] }, dir);
        portico = started.portico;
        port = started.port;
      });
      after(async () => {
        await stopAllPorticos();
        if (dir) await rm(dir, { recursive: true, force: true });
      });

      it('starts on the first request and forwards the client data behind the token', async () => {
        assert.equal(readyPid(portico), undefined, 'started before any request');
        const reply = await request(port, '/hello?x=1', { headers: { 'x-forwarded-for': '6.6.6.6', 'x-portico-user': 'mallory' } });
        assert.equal(reply.status, 200, reply.body);
        const body = JSON.parse(reply.body) as { sawToken: boolean; portico: Record<string, unknown> };
        assert.equal(body.sawToken, false, 'the app saw the pairing token');
        const info = Object.fromEntries(Object.entries(body.portico).map(([k, v]) => [k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase()), v]));
        assert.equal(info['clientAddress'], '127.0.0.1', 'the client address is Portico\'s view, not the spoofed header');
        assert.equal(info['protocol'], 'http');
        assert.equal(info['port'], port);
        assert.match(String(info['requestId']), /\S/);
        assert.ok(info['user'] === null || info['user'] === undefined, 'a spoofed x-portico-user reached the app');
      });

      it('refuses a direct request without the token', async () => {
        const endpoint = portico.status().apps[0]!.workers.find((w) => w.state === 'ready')!.endpoint!;
        const target = endpoint.kind === 'unix' ? { socketPath: endpoint.path } : { port: endpoint.port };
        const reply = await send(target, '/direct', [['x-portico-user', 'mallory']]);
        assert.equal(reply.status, 400, reply.body);
        assert.equal((await send(target, '/direct', [['x-portico-token', 'guess']])).status, 400);
      });

      it('relays WebSocket', async function () {
        if (server.noWebSocket !== undefined) {
          console.log(`      skipped: ${server.noWebSocket}`);
          this.skip();
        }
        const socket = new WebSocket(`ws://127.0.0.1:${port}/ws`);
        const echoed = new Promise<string>((resolve, reject) => {
          socket.once('message', (data: Buffer) => resolve(data.toString()));
          socket.once('error', reject);
        });
        await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
        socket.send('ping');
        assert.equal(await echoed, 'None: ping');
        socket.close();
      });

      it('restarts after a crash: the next request is answered by a new process', async () => {
        const before = readyPid(portico)!;
        process.kill(before, 'SIGKILL');
        // A server with workers of its own (gunicorn's) keeps answering from a worker that outlived
        // its SIGKILLed master until Portico sees the exit and takes the process group down; a
        // request that lands in that moment can lose its answer halfway (CI saw a reset), as it
        // would behind any proxy. So the request goes once Portico has seen the crash.
        await changed(portico, () => readyPid(portico) !== before);
        const reply = await request(port, '/after-crash');
        assert.equal(reply.status, 200, reply.body);
        await changed(portico, () => readyPid(portico) !== undefined && readyPid(portico) !== before);
      });

      it('reloads gracefully: a restart under load fails no request', async () => {
        const before = readyPid(portico);
        const load = startLoad(port, '/', 4);
        await answered(load.tally, 30);
        const result = await portico.restart('real');
        await answered(load.tally, 30);
        const tally = await load.stop();
        assert.equal(result.ok, true, JSON.stringify(result));
        assert.equal(tally.failed, 0, `${tally.failed} of ${tally.requests} failed: ${tally.errors.join(' | ')}`);
        assert.notEqual(readyPid(portico), before, 'the restart kept the old process');
      });

      it('captures the server\'s output', async () => {
        await stopAllPorticos(); // flushes the capture files
        const logs = join(dir, 'logs');
        const files = await readdir(logs);
        const text = (await Promise.all(files.map((file) => readFile(join(logs, file), 'utf8')))).join('');
        assert.match(text, /portico\.integration\.token_rejected: 400 for GET \/direct/);
      });
    });
  }

  // Issue 20: with the TCP readiness check, a broken import behind gunicorn's already-bound master
  // gave bare "502 Bad Gateway" answers (11 of 12 here, up to 4.7 s each) before the start-up
  // failure page. gunicorn.conf.py reports ready from the worker after the import, so with the
  // notify readiness the app never counts as ready and every request gets the page. With the TCP
  // check the master passes it, and each request that it then drops is a failed start
  // (docs/proxy.md): it waits for the next gunicorn, and gets the page once the app is held down.
  const readinessChecks = [
    ['gunicorn.conf.py and notify readiness', { readiness: { kind: 'notify' } }],
    ['the TCP readiness check, which its master passes before the import', {}],
  ] as const;
  for (const [how, readiness] of readinessChecks) {
    describe(`gunicorn with an app whose import fails, with ${how}`, function () {
      let dir: string;
      let port: number;
      before(async function () {
        const reason = await missing({ programs: ['python', 'gunicorn'] });
        if (reason !== undefined) {
          console.log(`      skipped: ${reason}`);
          this.skip();
        }
        dir = await privateDir('portico-broken-');
        const broken = fileURLToPath(new URL('./fixtures/broken-python/', import.meta.url));
        const started = await startPortico({
          apps: [{
            name: 'broken-shop', processPath: programs.gunicorn, startupTimeLimit: 20, rapidFailsPerMinute: 3,
            arguments: ['-c', join(integrations, 'python/gunicorn.conf.py'), '--chdir', broken, 'broken_app:app'],
            restart: { backoff: { min: 0.05, max: 0.1 } }, ...readiness,
          }],
        }, dir);
        port = started.port;
      });
      after(async () => {
        await stopAllPorticos();
        if (dir) await rm(dir, { recursive: true, force: true });
      });

      it('answers every request with the start-up failure page naming the app, never a bare 502', async () => {
        const replies = await Promise.all(Array.from({ length: 10 }, (_, i) => request(port, `/item/${i}`)));
        replies.forEach((reply, i) => {
          assert.equal(reply.status, 502, `request ${i}: ${reply.body.slice(0, 80)}`);
          assert.match(reply.body, /broken-shop/, `request ${i} got a bare answer: ${reply.body.slice(0, 80)}`);
        });
      });
    });
  }
});
