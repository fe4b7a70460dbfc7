import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveConfig } from '@portico/portico';
import { turnsUntil } from '@portico/test-support';
import { app, request, startPortico, stopAllPorticos } from './helpers/portico.ts';

// A reload's new router starts (it reads each app's app_offline.htm) before it takes over. Portico's
// stop drained the router in force when it began, and waited for the reload; the reload then handed
// over to its new router, which was never drained: for the rest of the stop a request that had to
// wait for a worker waited (and started its app) instead of getting 503 Portico is stopping.
//
// The new router's start is held here by the reload's new app: its app_offline.htm is a named pipe,
// whose open waits for a writer, which the test opens once the stop has begun. The stop is held by a
// request in flight, and requests come through a host's server (Portico embedded), which the stop
// leaves to its host to drain.
describe('Portico stopping while a reload starts its new router', function () {
  this.timeout(60_000);
  afterEach(stopAllPorticos);

  it('drains the new router too: a request that would wait gets 503, Portico is stopping', async () => {
    const apps = [
      app('shop', { start: 'eager', shutdownTimeLimit: 600 }),
      app('later', { start: 'lazy', match: { path: '/later' }, startupTimeLimit: 30 }),
    ];
    const { portico, port, dir } = await startPortico({ apps });
    const host = http.createServer((req, res) => portico.handler(req, res));
    await new Promise<void>((resolve) => host.listen(0, '127.0.0.1', resolve));
    const hostPort = (host.address() as { port: number }).port;

    const slow = http.get({ host: '127.0.0.1', port, path: '/?delay=600000', agent: false });
    slow.on('error', () => {});
    await turnsUntil(() => (portico.status().apps.find((a) => a.name === 'shop')?.inFlight ?? 0) > 0);

    const gateDir = await mkdtemp(join(tmpdir(), 'portico-gate-'));
    const pipe = join(gateDir, 'app_offline.htm');
    execFileSync('mkfifo', [pipe]);
    const next = resolveConfig(
      { listen: [{ port: 0, host: '127.0.0.1' }], apps: [...apps, app('gate', { start: 'lazy', match: { path: '/gate' }, workingDirectory: gateDir })] },
      { file: join(dir, 'portico.json'), baseDir: dir },
    );
    const reloaded = portico.reload(next);
    // The switch has begun (its new app's series is added first), and its new router waits on the pipe.
    await turnsUntil(() => portico.metrics.apps().includes('gate'));
    const stopped = portico.stop();
    closeSync(openSync(pipe, 'w'));
    assert.equal((await reloaded).ok, true);

    try {
      const answer = await request(hostPort, '/later');
      assert.equal(answer.status, 503);
      assert.match(answer.body, /Portico is stopping/);
      assert.deepEqual(portico.status().apps.find((a) => a.name === 'later')?.workers.filter((w) => w.pid !== undefined), [], 'no worker was started for the request');
    } finally {
      slow.destroy();
      host.close();
      await stopped;
    }
  });
});
