// Issue 21's "Done when", as a user runs it: `portico start` on a config file with `fronts: 2`
// and an HTTPS listener, in front of a Starlette app under uvicorn. HTTP/1.1, HTTP/2 and WebSocket
// (over each) are served through both fronts; a front killed with SIGKILL under that load costs
// the other front's connections nothing, the killed one's clients get an error at once (never a
// hang), and `portico status` shows the front restarted; `portico reload` to a changed app, to a
// broken one and back, and `portico restart`, roll the app over under the HTTP/1.1 and HTTP/2
// load of the front that was not killed without a failed request. fronts-https.e2e.test.ts holds
// the same through createPortico; this file goes through the command, its config file and its
// admin socket, as docs/cli.md tells a user to.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { writeFile } from 'node:fs/promises';
import https from 'node:https';
import http2 from 'node:http2';
import type { IncomingMessage } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { WebSocket } from 'ws';
import type { PorticoStatus } from '@portico/listener';
import { until } from './helpers/frontClients.ts';
import { testCertificate, type TestCertificate } from './helpers/http2Front.ts';
import { missing, programs } from './helpers/languageBackends.ts';
import { launcher, startPorticoCli, stopAllPorticoClis, type RunningCli } from './helpers/porticoCli.ts';
import { socketOwner } from './helpers/socketOwner.ts';

const run = promisify(execFile);
const shopDir = fileURLToPath(new URL('./fixtures/starlette-shop/', import.meta.url));

/** What the Starlette app says of a request. */
interface Served {
  readonly pid: number;
  readonly version: string;
  readonly proto: string | null;
}

/** A client connection held by one front, its requests (or messages) counted. */
interface Client {
  readonly kind: string;
  readonly front: number;
  ok: number;
  failed: number;
  readonly errors: string[];
  /** Answers from a version older than the last reload's, or from the broken one: `begun: served`. */
  readonly stale: string[];
  /** Stops its loop; resolves once its last request has ended. */
  stop(): Promise<void>;
  close(): void;
}

describe('portico start with fronts: 2 and an HTTPS listener, as a user runs it', function () {
  this.timeout(180_000);
  let certificate: TestCertificate;
  let skip: string | undefined;
  before(async () => {
    skip = await missing({ programs: ['python'], pythonModules: ['uvicorn', 'starlette', 'wsproto'] });
    certificate = await testCertificate();
  });
  after(() => certificate.remove());
  afterEach(stopAllPorticoClis);

  const config = (version: string, module = 'shop:app') => ({
    fronts: 2,
    // The commands reach it by its unix socket, named after the config file (docs/cli.md).
    admin: { port: 0 },
    listen: [{ port: 0, host: '127.0.0.1', tls: { cert: certificate.cert, key: certificate.key } }],
    apps: [
      {
        name: 'shop',
        processPath: programs.python,
        arguments: ['-m', 'uvicorn', '--host', '127.0.0.1', '--port', '${PORT}', '--app-dir', shopDir, '--log-level', 'warning', module],
        start: 'eager',
        processesPerApplication: 2,
        environmentVariables: { VERSION: version },
      },
    ],
  });

  /** `portico COMMAND -c FILE …`, its exit code and output. */
  const portico = async (cli: RunningCli, ...args: string[]) => {
    try {
      const { stdout } = await run(process.execPath, [launcher, ...args, '-c', cli.file], { cwd: cli.dir });
      return { code: 0, stdout };
    } catch (error) {
      const failed = error as { code: number; stdout: string; stderr: string };
      return { code: failed.code, stdout: `${failed.stdout}${failed.stderr}` };
    }
  };
  const status = async (cli: RunningCli) => {
    const answer = await portico(cli, 'status', '--json');
    assert.equal(answer.code, 0, answer.stdout);
    return JSON.parse(answer.stdout) as PorticoStatus;
  };
  const statusUntil = async (cli: RunningCli, predicate: (s: PorticoStatus) => boolean) => {
    for (;;) {
      const s = await status(cli);
      if (predicate(s)) return s;
      await sleep(100);
    }
  };

  it('serves every protocol through both fronts, survives a front killed under load, and reloads and rolls out under it', async function () {
    if (skip !== undefined) {
      console.log(`      (skipped: ${skip})`);
      return this.skip();
    }
    const cli = await startPorticoCli(config('1'));
    const { port } = cli;
    const first = await statusUntil(cli, (s) => s.apps[0]!.workers.filter((w) => w.state === 'ready').length === 2 && (s.fronts ?? []).every((f) => f.state === 'serving'));
    const pids = first.fronts!.map((f) => f.pid!);
    assert.equal(pids.length, 2);
    const ownerOf = async (localPort: number) => {
      for (;;) {
        const owner = await socketOwner(port, localPort, pids);
        if (owner !== undefined) return owner;
        await sleep(20);
      }
    };
    const ca = certificate.certPem;
    /** The version every request begun from now on must reach, once a reload or restart has answered. */
    let expected: string | undefined;

    /** Back-to-back `one()` until stopped, from the first answer on `front`. */
    const loop = (kind: string, front: number, one: () => Promise<Served | undefined>, close: () => void): Client => {
      let running = true;
      const client: Client = { kind, front, ok: 0, failed: 0, errors: [], stale: [], stop: async () => ((running = false), await done), close };
      const done = (async () => {
        while (running) {
          const begun = expected;
          try {
            const served = await one();
            client.ok++;
            if (served) {
              assert.equal(served.proto, 'https');
              // An older version than the last reload's (a newer one is a reload under way); never the broken 3.
              if (served.version === '3' || (begun !== undefined && Number(served.version) < Number(begun))) client.stale.push(`${begun}: ${served.version}`);
            }
          } catch (error) {
            client.failed++;
            if (client.errors.length < 3) client.errors.push((error as Error).message);
            // The connection is gone (its front was killed): the client's loop ends there.
            return;
          }
        }
      })();
      return client;
    };

    const openHttp1 = async (): Promise<Client> => {
      // One keep-alive connection; no ALPN offer, so the server's choice is HTTP/1.1.
      const agent = new https.Agent({ keepAlive: true, maxSockets: 1, ca });
      let localPort = 0;
      const get = () =>
        new Promise<Served>((resolve, reject) => {
          const req = https.get({ host: '127.0.0.1', port, path: '/h1', agent }, (res: IncomingMessage) => {
            localPort = res.socket.localPort ?? 0;
            let body = '';
            res.setEncoding('utf8');
            res.on('data', (chunk: string) => (body += chunk));
            res.on('end', () => (res.statusCode === 200 ? resolve(JSON.parse(body) as Served) : reject(new Error(`status ${res.statusCode}: ${body}`))));
            res.on('error', reject);
          });
          req.on('error', reject);
        });
      await get();
      // A second connection would be a new client: the agent keeps to the first or fails.
      const fixed = localPort;
      return loop('http/1.1', await ownerOf(fixed), async () => {
        const served = await get();
        if (localPort !== fixed) throw new Error('a new connection was opened');
        return served;
      }, () => agent.destroy());
    };

    const openHttp2 = async (): Promise<Client> => {
      const session = http2.connect(`https://127.0.0.1:${port}`, { ca });
      session.on('error', () => {});
      await once(session, 'connect');
      assert.equal(session.alpnProtocol, 'h2');
      const get = () =>
        new Promise<Served>((resolve, reject) => {
          const stream = session.request({ ':path': '/h2' });
          let status = 0;
          let body = '';
          stream.on('response', (headers) => (status = Number(headers[':status'])));
          stream.setEncoding('utf8');
          stream.on('data', (chunk: string) => (body += chunk));
          stream.on('end', () => (status === 200 ? resolve(JSON.parse(body) as Served) : reject(new Error(`status ${status}: ${body}`))));
          stream.on('error', reject);
        });
      await get();
      return loop('h2', await ownerOf(session.socket.localPort!), get, () => session.destroy());
    };

    const openWebSocket = async (): Promise<Client> => {
      const ws = new WebSocket(`wss://127.0.0.1:${port}/ws`, { ca });
      ws.on('error', () => {});
      const [[response]] = (await Promise.all([once(ws, 'upgrade'), once(ws, 'open')])) as [[IncomingMessage], unknown];
      const front = await ownerOf(response.socket.localPort!);
      let n = 0;
      const echo = () =>
        new Promise<undefined>((resolve, reject) => {
          const text = `m${n++}`;
          const onMessage = (data: Buffer) => {
            off();
            if (String(data).startsWith(`${text} pid=`)) resolve(undefined);
            else reject(new Error(`echo ${String(data)} for ${text}`));
          };
          const onClose = (code: number) => {
            off();
            reject(new Error(`closed ${code}`));
          };
          const off = () => {
            ws.off('message', onMessage);
            ws.off('close', onClose);
          };
          ws.on('message', onMessage);
          ws.on('close', onClose);
          ws.send(text);
        });
      await echo();
      return loop('websocket/http/1.1', front, echo, () => ws.terminate());
    };

    const openWebSocketOverHttp2 = async (): Promise<Client> => {
      const session = http2.connect(`https://127.0.0.1:${port}`, { ca });
      session.on('error', () => {});
      await once(session, 'remoteSettings');
      assert.equal(session.remoteSettings.enableConnectProtocol, true);
      const tunnel = session.request({ ':method': 'CONNECT', ':protocol': 'websocket', ':path': '/ws', ':scheme': 'https', ':authority': `127.0.0.1:${port}`, 'sec-websocket-version': '13' }, { endStream: false });
      tunnel.on('error', () => {});
      const [response] = (await once(tunnel, 'response')) as [http2.IncomingHttpHeaders];
      assert.equal(response[':status'], 200);
      let n = 0;
      let received = Buffer.alloc(0);
      const echo = () =>
        new Promise<undefined>((resolve, reject) => {
          const text = `m${n++}`;
          const payload = Buffer.from(text);
          const mask = Buffer.from([1, 2, 3, 4]);
          // A masked client text frame (RFC 6455 §5.2) of under 126 bytes.
          tunnel.write(Buffer.concat([Buffer.from([0x81, 0x80 | payload.length]), mask, Buffer.from(payload.map((b, i) => b ^ mask[i % 4]!))]));
          const onData = (data: Buffer) => {
            received = Buffer.concat([received, data]);
            if (received.length < 2 || received.length < 2 + received[1]!) return;
            const message = received.subarray(2, 2 + received[1]!).toString();
            received = received.subarray(2 + received[1]!);
            off();
            if (message.startsWith(`${text} pid=`)) resolve(undefined);
            else reject(new Error(`echo ${message} for ${text}`));
          };
          const onClose = () => {
            off();
            reject(new Error(`tunnel closed, code ${tunnel.rstCode}`));
          };
          const off = () => {
            tunnel.off('data', onData);
            tunnel.off('close', onClose);
          };
          tunnel.on('data', onData);
          tunnel.on('close', onClose);
        });
      await echo();
      return loop('websocket/h2', await ownerOf(session.socket.localPort!), echo, () => session.destroy());
    };

    // Connections until every kind is held by both fronts (the kernel chooses the front).
    const clients: Client[] = [];
    for (const open of [openHttp1, openHttp2, openWebSocket, openWebSocketOverHttp2]) {
      const mine: Client[] = [];
      while (mine.length < 40 && new Set(mine.map((c) => c.front)).size < 2) mine.push(await open());
      assert.equal(new Set(mine.map((c) => c.front)).size, 2, `${mine[0]?.kind}: ${mine.length} connections, all on one front`);
      clients.push(...mine);
    }
    const progressed = async (which: readonly Client[], count: number) => {
      const target = which.map((c) => c.ok + count);
      await until(() => which.every((c, i) => c.ok >= target[i]! || c.failed > 0));
    };
    await progressed(clients, 10);

    // A front killed under all of it.
    const victim = pids[0]!;
    const survivors = clients.filter((c) => c.front !== victim);
    const victims = clients.filter((c) => c.front === victim);
    process.kill(victim, 'SIGKILL');
    // Each of its clients gets an error (a reset or a close), not a hang: its loop ends.
    await until(() => victims.every((c) => c.failed > 0));
    const restarted = await statusUntil(cli, (s) => s.fronts![0]!.restarts === 1 && s.fronts![0]!.state === 'serving');
    assert.notEqual(restarted.fronts![0]!.pid, victim);
    assert.match((await portico(cli, 'status')).stdout, /^1 +serving +\d+ +1 +\d+$/m);
    await progressed(survivors, 10);

    // The WebSockets on the other front went on through the kill; a reload's rollout drains their
    // old workers, which waits for their tunnels (docs/proxy.md), so they are closed here.
    const sockets = survivors.filter((c) => c.kind.startsWith('websocket'));
    await Promise.all(sockets.map((c) => c.stop()));
    for (const c of sockets) c.close();
    const requests = survivors.filter((c) => !c.kind.startsWith('websocket'));

    const reload = async (version: string, module?: string) => {
      await writeFile(cli.file, JSON.stringify(config(version, module)));
      return portico(cli, 'reload');
    };
    assert.deepEqual(await reload('2'), { code: 0, stdout: 'reloaded\n' });
    expected = '2';
    await progressed(requests, 10);
    const broken = await reload('3', 'no_such_module:app');
    assert.equal(broken.code, 1, broken.stdout);
    assert.match(broken.stdout, /rollout of shop failed/);
    // The old workers (version 2) serve on.
    await progressed(requests, 10);
    assert.equal((await reload('4')).code, 0);
    expected = '4';
    await progressed(requests, 10);
    const before = (await status(cli)).apps[0]!.workers.map((w) => w.pid);
    const restart = await portico(cli, 'restart', 'shop');
    assert.equal(restart.code, 0, restart.stdout);
    await progressed(requests, 10);
    const after = (await status(cli)).apps[0]!.workers.map((w) => w.pid);
    assert.ok(after.every((pid) => !before.includes(pid)), `restart rolled every worker over: ${before} -> ${after}`);
    await Promise.all(requests.map((c) => c.stop()));

    for (const c of survivors) assert.equal(c.failed, 0, `${c.kind} on the front that was not killed failed ${c.failed} of ${c.ok + c.failed}: ${c.errors.join(' | ')}`);
    // Once a reload had answered, no older version served (and the broken 3 never did).
    for (const c of requests) assert.deepEqual(c.stale, [], `${c.kind}: requests begun after a reload reached another version`);
    for (const c of clients) c.close();
  });
});
