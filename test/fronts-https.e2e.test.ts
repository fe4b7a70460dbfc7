import assert from 'node:assert/strict';
import { once } from 'node:events';
import https from 'node:https';
import http2 from 'node:http2';
import type { IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { WebSocket } from 'ws';
import { resolveConfig } from '@portico/portico';
import { frontPids, until } from './helpers/frontClients.ts';
import { clientTextFrame, h2Request, testCertificate, type TestCertificate } from './helpers/http2Front.ts';
import { changed } from './helpers/load.ts';
import { app, startPortico, stopAllPorticos } from './helpers/portico.ts';
import { socketOwner } from './helpers/socketOwner.ts';

// Issue 21, "Done when": one config with `fronts: 2` and an HTTPS listener serves HTTP/1.1,
// HTTP/2 and WebSocket (over HTTP/1.1 and over HTTP/2) through both fronts; a front killed under
// HTTP/2 load costs the sessions on the other front nothing, and a reload meanwhile rolls the app
// over under them. Which front takes a connection is the kernel's choice, so each test opens
// connections until every front holds one.

/** An open client connection, and the front (pid) that holds its server end. */
interface Held {
  readonly front: number;
  close(): void;
}

/** Opens connections with `open` until every front holds one (at most 40 in all). */
async function onEveryFront<T extends Held>(pids: readonly number[], open: () => Promise<T>): Promise<T[]> {
  const opened: T[] = [];
  while (opened.length < 40 && new Set(opened.map((c) => c.front)).size < pids.length) opened.push(await open());
  assert.equal(new Set(opened.map((c) => c.front)).size, pids.length, `${opened.length} connections, none on one of the fronts ${pids}`);
  return opened;
}

/** The front holding the server end of the client's connection from `localPort`, once one has accepted it. */
async function ownerOf(port: number, localPort: number, pids: readonly number[]): Promise<number> {
  for (;;) {
    const owner = await socketOwner(port, localPort, pids);
    if (owner !== undefined) return owner;
    await sleep(20);
  }
}

/** What the echo backend saw of a request. */
const seen = (body: Buffer | string) => JSON.parse(String(body)) as { pid: number; url: string; headers: Record<string, string> };

describe('fronts: two fronts behind one HTTPS listener', function () {
  this.timeout(90_000);
  let certificate: TestCertificate;
  before(async () => {
    certificate = await testCertificate();
  });
  after(() => certificate.remove());
  afterEach(stopAllPorticos);

  const config = (version: string) => ({
    fronts: 2,
    listen: [{ port: 0, host: '127.0.0.1', tls: { cert: certificate.cert, key: certificate.key } }],
    apps: [app('shop', { start: 'eager', processesPerApplication: 2, shutdownTimeLimit: 30, environmentVariables: { VERSION: version } })],
  });
  const start = async () => {
    const started = await startPortico(config('1'));
    await changed(started.portico, () => started.portico.status().apps[0]?.workers.filter((w) => w.state === 'ready').length === 2);
    return { ...started, pids: frontPids(started.portico) };
  };

  /** HTTP/1.1 over TLS (no ALPN offer: the server's choice is HTTP/1.1), one keep-alive connection. */
  const openHttp1 = async (port: number, pids: readonly number[]) => {
    const agent = new https.Agent({ keepAlive: true, maxSockets: 1, ca: certificate.certPem });
    const get = (path: string) =>
      new Promise<{ status: number; body: string; localPort: number }>((resolve, reject) => {
        const req = https.get({ host: '127.0.0.1', port, path, agent }, (res) => {
          let body = '';
          // Read now: at the end the socket goes back to the agent.
          const localPort = res.socket.localPort ?? 0;
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (body += chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body, localPort }));
        });
        req.on('error', reject);
      });
    const first = await get('/h1');
    assert.equal(first.status, 200);
    return { front: await ownerOf(port, first.localPort, pids), get, close: () => agent.destroy() };
  };

  const openHttp2 = async (port: number, pids: readonly number[]) => {
    const session = http2.connect(`https://127.0.0.1:${port}`, { ca: certificate.certPem });
    session.on('error', () => {});
    await once(session, 'connect');
    assert.equal(session.alpnProtocol, 'h2');
    return { front: await ownerOf(port, session.socket.localPort!, pids), session, close: () => session.destroy() };
  };

  const openWebSocket = async (port: number, pids: readonly number[]) => {
    const ws = new WebSocket(`wss://127.0.0.1:${port}/ws`, { ca: certificate.certPem });
    ws.on('error', () => {});
    // 'open' follows 'upgrade' in the same turn: both are waited for from the start.
    const [[response]] = (await Promise.all([once(ws, 'upgrade'), once(ws, 'open')])) as [[IncomingMessage], unknown];
    return { front: await ownerOf(port, response.socket.localPort!, pids), ws, close: () => ws.terminate() };
  };

  it('serves HTTP/1.1, HTTP/2 and WebSocket over each of them through both fronts', async () => {
    const { port, pids } = await start();
    assert.equal(pids.length, 2);

    const http1 = await onEveryFront(pids, () => openHttp1(port, pids));
    for (const connection of http1) {
      const reply = await connection.get('/again?h1');
      assert.equal(reply.status, 200);
      assert.equal(seen(reply.body).url, '/again?h1');
      assert.equal(seen(reply.body).headers['x-forwarded-proto'], 'https');
    }

    const http2Sessions = await onEveryFront(pids, () => openHttp2(port, pids));
    for (const { session } of http2Sessions) {
      const reply = await h2Request(session, { ':path': '/h2?x=1' });
      assert.equal(reply.status, 200);
      assert.equal(seen(reply.body).url, '/h2?x=1');
      assert.equal(seen(reply.body).headers['x-forwarded-proto'], 'https');
      // WebSocket over HTTP/2 (RFC 8441) on the same session: the backend echoes the message.
      assert.equal(session.remoteSettings.enableConnectProtocol, true);
      const tunnel = session.request({ ':method': 'CONNECT', ':protocol': 'websocket', ':path': '/ws', ':scheme': 'https', ':authority': `127.0.0.1:${port}`, 'sec-websocket-version': '13' }, { endStream: false });
      const [response] = (await once(tunnel, 'response')) as [http2.IncomingHttpHeaders];
      assert.equal(response[':status'], 200);
      tunnel.write(clientTextFrame('over h2'));
      const [echo] = (await once(tunnel, 'data')) as [Buffer];
      assert.deepEqual(echo, Buffer.concat([Buffer.from([0x81, 7]), Buffer.from('over h2')]));
      tunnel.close();
    }

    const sockets = await onEveryFront(pids, () => openWebSocket(port, pids));
    for (const { ws } of sockets) {
      ws.send('over h1');
      const [echo] = (await once(ws, 'message')) as [Buffer];
      assert.equal(String(echo), 'over h1');
    }
    for (const connection of [...http1, ...http2Sessions, ...sockets]) connection.close();
  });

  it('a front killed under HTTP/2 load costs the other front\'s sessions nothing, and a reload meanwhile rolls the app over under them', async () => {
    const { portico, port, pids, dir } = await start();
    const sessions = await onEveryFront(pids, () => openHttp2(port, pids));
    const oldWorkers = portico.status().apps[0]!.workers.map((w) => w.pid);
    let reloaded = false;
    // Back-to-back requests on every session until stopped or its session ends.
    const loads = sessions.map((held) => {
      // `workersAfter`: the workers of the requests begun once the reload had answered.
      const tally = { ok: 0, failed: 0, errors: [] as string[], workersAfter: [] as number[] };
      let running = true;
      const loop = (async () => {
        while (running && !held.session.closed && !held.session.destroyed) {
          const begunAfterReload = reloaded;
          try {
            const reply = await h2Request(held.session, { ':path': '/load' });
            if (reply.status !== 200) throw new Error(`status ${reply.status}`);
            tally.ok++;
            if (begunAfterReload) tally.workersAfter.push(seen(reply.body).pid);
          } catch (error) {
            tally.failed++;
            if (tally.errors.length < 5) tally.errors.push((error as Error).message);
          }
        }
      })();
      return { held, tally, stop: () => ((running = false), loop) };
    });
    const progressed = (which: typeof loads, count: number) => {
      const target = which.map((l) => l.tally.ok + count);
      return until(() => which.every((l, i) => l.tally.ok >= target[i]!));
    };
    await progressed(loads, 20);

    const victim = pids[0]!;
    const survivors = loads.filter((l) => l.held.front !== victim);
    const victims = loads.filter((l) => l.held.front === victim);
    process.kill(victim, 'SIGKILL');
    await changed(portico, () => portico.status().fronts?.[0]?.restarts === 1 && portico.status().fronts?.[0]?.state === 'serving');
    await progressed(survivors, 20);

    const reload = await portico.reload(resolveConfig(config('2'), { file: join(dir, 'portico.json'), baseDir: dir }));
    assert.deepEqual(reload, { ok: true, changed: ['shop'], settings: [] });
    reloaded = true;
    await progressed(survivors, 20);
    await Promise.all(loads.map((l) => l.stop()));

    for (const { tally } of survivors) assert.equal(tally.failed, 0, `a session on the surviving front failed ${tally.failed} of ${tally.ok + tally.failed}: ${tally.errors.join(' | ')}`);
    for (const { tally } of survivors) {
      const latest = tally.workersAfter;
      assert.ok(latest.length > 0 && latest.every((pid) => !oldWorkers.includes(pid)), `after the reload the session reached the new workers only: ${latest} (old ${oldWorkers})`);
    }
    assert.ok(victims.every((l) => l.held.session.closed || l.held.session.destroyed), 'the killed front\'s sessions ended with it');
    // The restarted front takes new sessions again, as the other does.
    const fresh = frontPids(portico);
    assert.ok(!fresh.includes(victim));
    const again = await onEveryFront(fresh, () => openHttp2(port, fresh));
    for (const { session } of again) assert.equal((await h2Request(session, { ':path': '/after' })).status, 200);
    for (const connection of [...sessions, ...again]) connection.close();
  });
});
