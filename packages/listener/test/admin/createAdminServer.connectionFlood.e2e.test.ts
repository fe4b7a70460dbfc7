import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { defaultAdminConnectionLimits } from '../../src/index.ts';

const fixture = fileURLToPath(new URL('./fixtures/adminServerProcess.ts', import.meta.url));

/** GET /healthz on a connection of its own: the status, or the error that ended it. */
function probe(port: number): Promise<number | string> {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/healthz', agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
}

const counts = (results: readonly (number | string)[]) => results.reduce<Record<string, number>>((all, r) => ({ ...all, [r]: (all[r] ?? 0) + 1 }), {});

// The TCP port's limits (docs/admin.md, Security) against clients in another process, whose
// connections the server accepts in batches, before it reads any of their heads.
describe('createAdminServer (a flood and a burst from another process)', function () {
  this.timeout(90_000);
  let server: ChildProcess;
  let port: number;
  const sockets: net.Socket[] = [];

  before(async () => {
    server = spawn(process.execPath, ['--import', 'tsx/esm', '--conditions=portico-source', fixture], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    server.stdout!.setEncoding('utf8');
    while (!/port (\d+)/.test(out)) out += String((await once(server.stdout!, 'data'))[0]);
    port = Number(/port (\d+)/.exec(out)![1]);
  });
  after(() => {
    for (const socket of sockets) socket.destroy();
    server.kill();
  });

  // Failed with the first form of the limits, which closed the oldest waiting connection at
  // once: of 200 requests sent at once, 113 were reset, accepted together before any head was read.
  it('serves a burst of 400 requests sent at once', async () => {
    const results = await Promise.all(Array.from({ length: 400 }, () => probe(port)));
    assert.deepEqual(counts(results), { 200: 400 });
  });

  // Failed before the limits: every connection was kept, one descriptor each, until Node's head
  // deadline (60 to 90 s).
  it('holds at most `connections` descriptors for a flood of connections that send nothing, and serves probes during it', async () => {
    const flood = 3000;
    let closedByServer = 0;
    const probes: Promise<number | string>[] = [];
    for (let i = 0; i < flood; i++) {
      const socket = net.connect(port, '127.0.0.1');
      socket.on('error', () => {});
      socket.on('close', () => closedByServer++);
      sockets.push(socket);
      if (i % 100 === 99) {
        probes.push(probe(port));
        await once(socket, 'connect');
      }
    }
    await Promise.all(sockets.filter((socket) => socket.connecting).map((socket) => once(socket, 'connect').catch(() => {})));
    // The server has closed all but `connections` of them.
    while (closedByServer < flood - defaultAdminConnectionLimits.connections) await new Promise((resolve) => setTimeout(resolve, 20));
    const descriptors = readdirSync(`/proc/${server.pid}/fd`).length;
    assert.ok(descriptors <= defaultAdminConnectionLimits.connections + 40, `${descriptors} descriptors`);
    assert.deepEqual(counts(await Promise.all(probes)), { 200: probes.length });
    assert.equal(await probe(port), 200, 'and after it');
  });
});
