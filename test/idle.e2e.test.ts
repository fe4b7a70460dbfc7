import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolveConfig } from '@portico/portico';
import { changed } from './helpers/load.ts';
import { app, request, startPortico, stopAllPorticos } from './helpers/portico.ts';

// Issue 18, "Idle shutdown": an app nobody uses kept its processes for good; IIS stops a worker
// after 20 idle minutes, Passenger after 5, and the next request starts it again.
const resourceBackend = fileURLToPath(new URL('./fixtures/resource-backend.mjs', import.meta.url));

/** Whether `pid` runs: gone, or a zombie waiting for its reaper, does not. */
function runs(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

describe('idle shutdown', function () {
  this.timeout(60_000);
  afterEach(stopAllPorticos);

  it('stops an app that had no request for idleTimeout, leaves no process, says it is idle, and serves the next request', async function () {
    if (process.platform !== 'linux') this.skip(); // processes are looked up in /proc
    const { portico, port, logs } = await startPortico({ apps: [app('shop', { arguments: [resourceBackend], idleTimeout: 0.5, environmentVariables: { CHILDREN: '1' } })] });
    const first = JSON.parse((await request(port, '/')).body) as { pid: number; children: number[] };
    assert.ok(runs(first.pid) && runs(first.children[0]!));
    await changed(portico, () => portico.status().apps[0]!.state === 'idle' && portico.status().apps[0]!.workers.every((w) => w.pid === undefined));
    const shop = portico.status().apps[0]!;
    assert.equal(runs(first.pid), false, 'the worker is gone');
    assert.equal(runs(first.children[0]!), false, 'and the process it started');
    assert.deepEqual(shop.history!.at(-1), { state: 'idle', at: shop.history!.at(-1)!.at, reason: 'no request for 0.5 s (idleTimeout)' });
    assert.ok(logs.some((l) => l['event'] === 'app.idle_stopped' && l['app'] === 'shop' && l['idleTimeout'] === 0.5));
    const next = await request(port, '/');
    assert.equal(next.status, 200);
    assert.notEqual(JSON.parse(next.body).pid, first.pid);
    assert.equal(portico.status().apps[0]!.state, 'ready');
  });

  it('does not stop an app for idleness in the middle of a rolling restart, and stops it once the restart is done', async () => {
    // Two workers that take 1 s to listen, idleTimeout 0.5 s, no request during the restart: the
    // pool was stopped for idleness halfway through, and the restart reported as failed.
    const { portico, port } = await startPortico({
      apps: [app('shop', { idleTimeout: 0.5, processesPerApplication: 2, environmentVariables: { LISTEN_DELAY_MS: '1000' } })],
    });
    // Requests until both workers are ready, each keeping the app from idling meanwhile: waiting
    // after one request raced the second worker's start against the 0.5 s idleTimeout, which a
    // loaded machine lost (the pool idled before the restart was asked).
    const ready = () => portico.status().apps[0]!.workers.filter((w) => w.state === 'ready').length;
    do assert.equal((await request(port, '/')).status, 200);
    while (ready() < 2);
    const result = await portico.restart('shop');
    assert.equal(result.ok, true, JSON.stringify(result));
    await changed(portico, () => portico.status().apps[0]!.state === 'idle');
  });

  it('defaults to 20 minutes for a lazy app and to never for an eager one, unless the eager app sets it', () => {
    const dir = '/tmp';
    const resolved = resolveConfig(
      { listen: [{ port: 0 }], apps: [app('lazy'), { ...app('eager', { start: 'eager' }), match: { path: '/e' } }, { ...app('eager-idle', { start: 'eager', idleTimeout: 300 }), match: { path: '/i' } }] },
      { file: join(dir, 'portico.json'), baseDir: dir },
    );
    assert.deepEqual(resolved.apps.map((a) => a.idleTimeout), [1200, 0, 300]);
  });
});
