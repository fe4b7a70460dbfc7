import assert from 'node:assert/strict';
import { once } from 'node:events';
import { join } from 'node:path';
import { resolveConfig } from '@portico/portico';
import { WebSocket } from 'ws';
import { answered, changed, startLoad } from './helpers/load.ts';
import { app, json, request, startPortico, stopAllPorticos } from './helpers/portico.ts';

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

// Issue 21: reload and rollout behave with several fronts as with one process. The control
// process rolls the app over; every front switches to the new workers; a worker being drained
// waits for the requests the fronts still have on it, which its own counter cannot see.
describe('fronts: reload and rollout with two fronts', function () {
  this.timeout(90_000);
  afterEach(stopAllPorticos);

  const apps = (version: string, extra: Record<string, unknown> = {}) => [
    // EXIT_ON_SIGTERM: the backend drops what it has at SIGTERM, so only Portico's drain protects a request in flight.
    app('shop', { start: 'eager', processesPerApplication: 2, shutdownTimeLimit: 30, environmentVariables: { VERSION: version, EXIT_ON_SIGTERM: '1' }, ...extra }),
    app('docs', { start: 'eager', match: { path: '/docs' } }),
  ];

  it('rolls a changed app over under load without a failed request, and an old worker drains only once the fronts have nothing on it', async () => {
    const { portico, port, dir } = await startPortico({ fronts: 2, apps: apps('1') });
    const config = (version: string) => resolveConfig({ listen: [{ port: 0, host: '127.0.0.1' }], fronts: 2, apps: apps(version) }, { file: join(dir, 'portico.json'), baseDir: dir });
    const docsBefore = json(await request(port, '/docs')).pid;
    const load = startLoad(port, '/', 8);
    await answered(load.tally, 50);
    const oldPids = load.tally.pids.slice();
    // A WebSocket held by a front: the old worker it is on must not stop under it.
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`);
    await once(ws, 'open');
    const result = await portico.reload(config('2'));
    assert.deepEqual(result, { ok: true, changed: ['shop'], settings: [] });
    const after = load.tally.pids.length;
    await answered(load.tally, 50);
    const tally = await load.stop();
    assert.equal(tally.failed, 0, `${tally.failed} of ${tally.requests} failed: ${tally.errors.join(' | ')}`);
    assert.ok(tally.pids.slice(after).every((pid) => !oldPids.includes(pid)), 'the fronts moved to the new workers');
    ws.send('still there?');
    const echo = await new Promise<Buffer>((resolve, reject) => {
      ws.once('message', resolve);
      ws.once('close', () => reject(new Error('the WebSocket closed: its worker was stopped under it')));
    });
    assert.equal(String(echo), 'still there?', 'the WebSocket on an old worker outlives the rollout');
    ws.close();
    assert.equal(json(await request(port, '/docs')).pid, docsBefore, 'the unchanged app keeps its process');
    // Once nothing is left on them, the old workers stop.
    while (oldPids.some(alive)) await new Promise((resolve) => setTimeout(resolve, 20));
  });

  it("keeps the old workers serving through every front when the new ones fail, and restart rolls over", async () => {
    const { portico, port, dir } = await startPortico({ fronts: 2, apps: apps('1') });
    const config = (version: string, extra: Record<string, unknown>) => resolveConfig({ listen: [{ port: 0, host: '127.0.0.1' }], fronts: 2, apps: apps(version, extra) }, { file: join(dir, 'portico.json'), baseDir: dir });
    await changed(portico, () => portico.status().apps[0]!.workers.every((w) => w.state === 'ready'));
    const oldPids = portico.status().apps[0]!.workers.map((w) => w.pid);
    const failed = await portico.reload(config('2', { environmentVariables: { CRASH_AT_START: '1', EXIT_ON_SIGTERM: '1' } }));
    assert.equal(failed.ok, false);
    assert.deepEqual(!failed.ok && failed.failedRollouts, ['shop']);
    const replies = await Promise.all(Array.from({ length: 8 }, () => request(port, '/')));
    assert.deepEqual(replies.map((r) => r.status), Array(8).fill(200));
    assert.ok(replies.every((r) => oldPids.includes(json(r).pid)), 'the old workers serve on');

    const restarted = await portico.restart('shop');
    assert.equal(restarted.ok, true, JSON.stringify(restarted));
    const now = await Promise.all(Array.from({ length: 8 }, () => request(port, '/')));
    assert.ok(now.every((r) => r.status === 200 && !oldPids.includes(json(r).pid)), 'every front routes to the restarted workers');
  });

  it('restarts under load through both fronts one worker at a time, with no failed request, though each old worker drops what it has at SIGTERM', async () => {
    const { portico, port, logs } = await startPortico({ fronts: 2, apps: apps('1').map((a) => ({ ...a, processesPerApplication: 3 })) });
    await changed(portico, () => portico.status().apps[0]!.workers.filter((w) => w.state === 'ready').length === 3);
    const oldPids = portico.status().apps[0]!.workers.map((w) => w.pid);
    const load = startLoad(port, '/', 8);
    await answered(load.tally, 100);
    const restarted = await portico.restart('shop');
    assert.equal(restarted.ok, true, JSON.stringify(restarted));
    // Done once every front routes to the new workers only.
    const now = await Promise.all(Array.from({ length: 12 }, () => request(port, '/')));
    await answered(load.tally, 100);
    const tally = await load.stop();
    assert.equal(tally.failed, 0, `${tally.failed} of ${tally.requests} failed: ${tally.errors.join(' | ')}`);
    assert.ok(now.every((r) => r.status === 200 && !oldPids.includes(json(r).pid)), `every front routes to the restarted workers: ${now.map((r) => json(r).pid)} (old ${oldPids})`);
    assert.deepEqual(
      logs.filter((l) => l['event'] === 'worker.recycled').map((l) => l['workerPid']),
      oldPids,
      'each old worker was replaced in turn',
    );
  });
});
