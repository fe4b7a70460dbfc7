import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLogger } from '@portico/log-sink';
import { createPortico, resolveConfig, type Portico } from '@portico/portico';
import { h2Request } from './helpers/http2Front.ts';
import { request, startPortico, stopAllPorticos, type Reply } from './helpers/portico.ts';

const unanswering = fileURLToPath(new URL('./fixtures/unanswering-backend.mjs', import.meta.url));
const poisoned = fileURLToPath(new URL('./fixtures/poisoned-backend.mjs', import.meta.url));

/** An app whose worker listens (the TCP readiness check passes) and then never answers. */
const brokenApp = (fails: 'destroy' | 'exit', extra: Record<string, unknown> = {}) => ({
  name: 'broken-shop',
  processPath: process.execPath,
  arguments: [unanswering],
  environmentVariables: { FAILS: fails },
  startupTimeLimit: 3,
  shutdownTimeLimit: 1,
  rapidFailsPerMinute: 2,
  restart: { backoff: { min: 0, max: 0.05 } },
  ...extra,
});

interface Front {
  send(path: string, options?: { method?: string; headers?: Record<string, string>; body?: string }): Promise<Reply>;
  stop(): Promise<void>;
}

/** The app behind Portico's own listener: the socket forwarder. */
async function behindListener(app: Record<string, unknown>): Promise<Front> {
  const { port } = await startPortico({ apps: [app] });
  return { send: (path, options) => request(port, path, options), stop: stopAllPorticos };
}

/** The app behind an h2c listener, each request a stream of one HTTP/2 connection: the HTTP/2 front. */
async function behindHttp2(app: Record<string, unknown>): Promise<Front> {
  const { port } = await startPortico({ listen: [{ port: 0, host: '127.0.0.1', h2c: true }], apps: [app] });
  const session = http2.connect(`http://127.0.0.1:${port}`);
  session.on('error', () => {});
  return {
    async send(path, options = {}) {
      const headers = { ':method': options.method ?? 'GET', ':path': path, ...options.headers };
      const answer = await h2Request(session, headers, options.body);
      return { status: answer.status, headers: answer.headers as http.IncomingHttpHeaders, body: answer.body.toString() };
    },
    async stop() {
      session.destroy();
      await stopAllPorticos();
    },
  };
}

/** The app behind a host's node:http server that hands requests to `portico.handler`: the embedded forwarder. */
async function behindHost(app: Record<string, unknown>): Promise<Front> {
  const config = resolveConfig({ listen: [{ port: 0, host: '127.0.0.1' }], apps: [app] }, { file: '/tmp/portico.json', baseDir: '/tmp' });
  const portico: Portico = createPortico(config, { logger: createLogger({ level: 'silent' }) });
  await portico.start({ listen: false });
  const server = http.createServer(portico.handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    send: (path, options) => request(port, path, options),
    async stop() {
      server.closeAllConnections();
      await Promise.all([portico.stop(), new Promise((resolve) => server.close(resolve))]);
    },
  };
}

function assertStartUpPage(reply: Reply, what: string): void {
  assert.equal(reply.status, 502, `${what}: ${reply.body.slice(0, 120)}`);
  assert.match(reply.body, /<h1>502 The app could not start<\/h1>/, `${what} got a bare 502: ${JSON.stringify(reply.body.slice(0, 80))}`);
  assert.match(reply.body, /broken-shop/, `${what}: the page names the app`);
}

// Issue 20, "Servers that bind before the app is loaded": gunicorn's master listens before its
// worker imports the app, so with a broken import the TCP readiness check passed and the first
// requests got a bare "502 Bad Gateway" instead of the start-up failure page naming the app.
// A worker that closes a connection before any response byte, or dies, before it ever answered
// is a failed start: the request waits for the next incarnation within startupTimeLimit, and gets
// the page once the app is held down or the limit passes.
const fronts = [['Portico\'s listener', behindListener], ['the embedded forwarder', behindHost], ['the HTTP/2 front', behindHttp2]] as const;
for (const [engine, front] of fronts) {
  describe(`a worker that becomes ready and never answers, behind ${engine}`, function () {
    this.timeout(30_000);
    let running: Front | undefined;
    afterEach(async () => {
      await running?.stop();
      running = undefined;
    });

    // A query of death: a GET that makes every process it reaches exit before answering looks,
    // from the second process on, like a failed start. It is sent to two processes at most, then
    // answered with the page, and the app serves the next request by itself.
    it('sends a GET that kills the worker it reaches to two workers at most, then answers the page', async () => {
      const dir = await mkdtemp(join(tmpdir(), 'portico-poison-'));
      try {
        const deaths = join(dir, 'deaths');
        await writeFile(deaths, '');
        const started = await front({
          name: 'broken-shop',
          processPath: process.execPath,
          arguments: [poisoned],
          environmentVariables: { DEATHS: deaths },
          rapidFailsPerMinute: 100,
          shutdownTimeLimit: 1,
          restart: { backoff: { min: 0, max: 0.05 } },
        });
        running = started;
        assert.match((await started.send('/')).body, /^ok \d+/, 'the app serves before the poison');
        assertStartUpPage(await started.send('/poison'), 'the poisoned GET');
        const killed = (await readFile(deaths, 'utf8')).split('\n').filter(Boolean);
        assert.equal(killed.length, 2, `the poisoned GET reached ${killed.length} processes: ${killed.join(', ')}`);
        assert.match((await started.send('/')).body, /^ok \d+/, 'the app serves again by itself');
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });

    for (const [fails, how] of [['exit', 'exits once it accepts a connection'], ['destroy', 'closes every connection without a byte']] as const) {
      it(`gets every request the start-up failure page, never a bare 502, when it ${how}`, async () => {
        const started = await front(brokenApp(fails));
        running = started;
        const gets = Array.from({ length: 6 }, (_, i) => started.send(`/item/${i}`));
        // A POST cannot be sent again once its bytes went out; it gets the page at once.
        const post = started.send('/order', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'one widget' });
        const replies = await Promise.all([...gets, post]);
        replies.forEach((reply, i) => assertStartUpPage(reply, i === gets.length ? 'the POST' : `GET ${i}`));
        // Once the app is held down (or its worker still fails), a later request gets the page too.
        assertStartUpPage(await started.send('/later'), 'a later GET');
      });
    }
  });
}
