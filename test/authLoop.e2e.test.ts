// A forward authenticator whose URL leads back into the same Portico: each auth subrequest arrived
// as a request for the same app and sent an auth subrequest of its own, a loop of connections
// until the first one's timeout (and on, since nothing cancels the inner ones). Portico marks its
// auth subrequests with a secret of its own and answers such a one 508 where it would send
// another. Each case counts the connections the loop opens and stops at a bound, so the old
// code's failure is an assertion, not a hung suite.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import { createLogger } from '@portico/log-sink';
import { createPortico, resolveConfig, type Portico } from '@portico/portico';

interface Answer {
  readonly status: number;
  readonly body: string;
}

/** More connections than a loop that is caught at its first turn opens (the client's and one subrequest's). */
const loopBound = 10;

/** `GET path` on `port`; rejects with what it saw once `connections()` passes `loopBound`. */
function sendBounded(port: number, path: string, connections: () => number, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const watch = setInterval(() => {
      if (connections() <= loopBound) return;
      clearInterval(watch);
      req.destroy();
      reject(new Error(`the request opened ${connections()} connections into Portico without an answer: an auth loop`));
    }, 5);
    const req = http.get({ host: '127.0.0.1', port, path, headers, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => {
        clearInterval(watch);
        resolve({ status: res.statusCode ?? 0, body });
      });
    });
    req.on('error', (error) => {
      clearInterval(watch);
      reject(error);
    });
  });
}

/** The first line `lines` gets that `test` holds: a front's lines reach the control's log on their own time. */
async function logged(lines: readonly Record<string, unknown>[], what: string, test: (line: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const line = lines.find(test);
    if (line !== undefined) return line;
    if (Date.now() > deadline) throw new Error(`no ${what} in the log: ${JSON.stringify(lines.map((l) => l['event']))}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Portico's log lines as objects, from a logger writing into `lines`. */
function capturedLogger(lines: Record<string, unknown>[]) {
  const destination = new PassThrough().on('data', (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n')) if (line !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
  });
  return createLogger({ level: 'info', destination });
}

/** An app at `/` behind a forward authenticator at `authUrl`; its backend is never reached. */
function protectedApp(authUrl: string): Record<string, unknown> {
  return {
    name: 'shop',
    match: { path: '/' },
    processPath: process.execPath,
    arguments: ['-e', 'setInterval(() => {}, 1000)'],
    auth: { type: 'forward', url: authUrl },
  };
}

const closeServer = (server: net.Server) => {
  const closed = once(server, 'close');
  server.close();
  return closed;
};

describe('forward auth that leads back into the same Portico', function () {
  this.timeout(60_000);
  const cleanups: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('is answered 508 when a node:http host embeds Portico at / and the auth URL is the host', async () => {
    let portico: Portico | undefined;
    let connections = 0;
    const server = http.createServer((req, res) => portico!.handler(req, res));
    server.on('connection', () => connections++);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    cleanups.push(async () => {
      const closed = closeServer(server);
      server.closeAllConnections();
      await closed;
    });
    const { port } = server.address() as AddressInfo;
    const lines: Record<string, unknown>[] = [];
    const config = resolveConfig({ listen: [{ port: 0 }], apps: [protectedApp(`http://127.0.0.1:${port}/auth`)] }, { file: 'portico.json', baseDir: process.cwd() });
    portico = createPortico(config, { logger: capturedLogger(lines) });
    await portico.start({ listen: false });
    const started = portico;
    cleanups.push(() => started.stop());

    const answer = await sendBounded(port, '/cart', () => connections, { 'x-request-id': 'loop-embedded-1' });
    assert.equal(answer.status, 502, 'the client gets a 502: its auth subrequest was answered 508, which is no answer of an auth service');
    assert.equal(connections, 2, 'the client\'s connection and one auth subrequest');
    const loop = await logged(lines, 'auth.loop_detected', (line) => line['event'] === 'auth.loop_detected');
    assert.equal(loop['app'], 'shop');
    assert.equal(loop['url'], `http://127.0.0.1:${port}/auth`);
    await logged(lines, 'the 508 page', (line) => line['event'] === 'proxy.error_page' && line['status'] === 508);
  });

  // Two fronts: the subrequest may arrive at the other front process, which knows the mark too.
  it('is answered 508 on Portico\'s own listeners (two fronts), reached through a relay the config check cannot see', async () => {
    let porticoPort = 0;
    let connections = 0;
    /** What Portico answered on each connection through the relay, in the order they opened. */
    const answers: Buffer[][] = [];
    // A port forward in front of Portico's listener (as a container runtime or an ssh tunnel makes):
    // the auth URL names the relay, whose port is none of Portico's.
    const relay = net.createServer((client) => {
      connections++;
      const answer: Buffer[] = [];
      answers.push(answer);
      const upstream = net.connect(porticoPort, '127.0.0.1');
      upstream.on('data', (chunk: Buffer) => answer.push(chunk));
      client.pipe(upstream).pipe(client);
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
    });
    relay.listen(0, '127.0.0.1');
    await once(relay, 'listening');
    cleanups.push(() => closeServer(relay));
    const relayPort = (relay.address() as AddressInfo).port;
    const lines: Record<string, unknown>[] = [];
    const config = resolveConfig(
      { listen: [{ port: 0, host: '127.0.0.1' }], fronts: 2, apps: [protectedApp(`http://127.0.0.1:${relayPort}/auth`)] },
      { file: 'portico.json', baseDir: process.cwd() },
    );
    const portico = createPortico(config, { logger: capturedLogger(lines) });
    const started = await portico.start();
    cleanups.push(() => portico.stop());
    porticoPort = started.listen[0]!.port;

    const answer = await sendBounded(relayPort, '/cart', () => connections, { 'x-request-id': 'loop-listener-1' });
    assert.equal(answer.status, 502);
    assert.equal(connections, 2, 'the client\'s connection and one auth subrequest');
    const page = Buffer.concat(answers[1]!).toString('latin1');
    assert.match(page, /^HTTP\/1\.1 508 Loop Detected\r\n/);
    const id = /Correlation id: <code>([^<]+)<\/code>/.exec(page)?.[1];
    assert.ok(id !== undefined, page);
    await logged(lines, 'the 508 page with its correlation id', (line) => line['event'] === 'proxy.error_page' && line['status'] === 508 && line['requestId'] === id);
    await logged(lines, 'auth.loop_detected', (line) => line['event'] === 'auth.loop_detected' && line['app'] === 'shop' && line['url'] === `http://127.0.0.1:${relayPort}/auth`);
  });
});
