import assert from 'node:assert/strict';
import http from 'node:http';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { changed } from './helpers/load.ts';
import { socketOwner } from './helpers/socketOwner.ts';
import { admin, app, startPortico, stopAllPorticos } from './helpers/portico.ts';

// /status named a worker by its slot (`shop#1`) and looked the fronts' requests in flight up under
// it, while the fronts key them by the process's id (`shop#1#1@pid`): every worker showed 0 in
// flight with `fronts: 2`, on /status, /metrics and the live page, while a backend held requests.
describe('fronts: requests in flight on a worker', function () {
  this.timeout(60_000);
  // The held requests go before Portico stops, whatever failed: it would wait for them.
  let after = () => {};
  afterEach(() => after());
  afterEach(stopAllPorticos);

  it('shows on /status and /metrics the requests held by a backend through both fronts, added up', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'portico-fronts-in-flight-'));
    const socket = join(dir, 'run', 'admin.sock');
    const { portico, port } = await startPortico({ fronts: 2, admin: { port: 0, socket }, apps: [app('shop', { start: 'eager' })] }, dir);
    await changed(portico, () => portico.ready());
    const pids = portico.status().fronts!.map((f) => f.pid!);
    // Held requests, each on its own connection, until each front has at least one.
    const held: http.ClientRequest[] = [];
    after = () => held.forEach((req) => req.destroy());
    const owners = new Map<number, number>();
    while (owners.size < 2 || held.length < 3) {
      const req = http.get({ host: '127.0.0.1', port, path: '/held?delay=50000', agent: false });
      req.on('error', () => {});
      held.push(req);
      const clientPort = await new Promise<number>((resolve) => req.on('socket', (s) => s.on('connect', () => resolve(s.localPort!))));
      let owner: number | undefined;
      while ((owner = await socketOwner(port, clientPort, pids)) === undefined) await new Promise((r) => setTimeout(r, 20));
      owners.set(owner, (owners.get(owner) ?? 0) + 1);
      assert.ok(held.length < 40, `the kernel gave every connection to one front: ${[...owners].join(' ')}`);
    }
    // Each held request reaches the backend in its own time: wait (10 s at most) until /status counts them all.
    type Status = { apps: { inFlight: number; workers: { inFlight: number }[] }[] };
    let status: Status;
    const until = Date.now() + 10_000;
    do status = JSON.parse(await admin(socket, '/status')) as Status;
    while (status.apps[0]!.workers.reduce((n, w) => n + w.inFlight, 0) !== held.length && Date.now() < until);
    assert.equal(status.apps[0]!.workers.reduce((n, w) => n + w.inFlight, 0), held.length, `/status workers[].inFlight with ${[...owners.values()].join(' + ')} held`);
    assert.equal(status.apps[0]!.inFlight, held.length);
    const metrics = await admin(socket, '/metrics');
    const shown = [...metrics.matchAll(/^portico_worker_requests_in_flight\{app="shop",worker="[^"]+"\} (\d+)$/gm)].reduce((n, m) => n + Number(m[1]), 0);
    assert.equal(shown, held.length);
  });
});
