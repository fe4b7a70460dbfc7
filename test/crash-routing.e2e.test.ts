import assert from 'node:assert/strict';
import type { Portico } from '@portico/portico';
import { answered, changed, settled, startLoad } from './helpers/load.ts';
import { app, startPortico, stopAllPorticos } from './helpers/portico.ts';

const readyPid = (portico: Portico) => portico.status().apps[0]?.workers.find((w) => w.state === 'ready')?.pid;

// Issue 15, "A crashed worker leaves the ready set at once": a dead worker stayed routable until
// its exit was fully processed (log files synced), and a request that met the refused connect got
// 502 although no byte had reached a backend (1 request in 40 across a crash).
describe('a crashed worker under load', function () {
  this.timeout(60_000);
  afterEach(stopAllPorticos);

  it('costs no request: requests that meet the dead worker wait for its restart', async () => {
    const { portico, port } = await startPortico({
      apps: [app('shop', { start: 'eager', rapidFailsPerMinute: 100, stdoutLogEnabled: true, stdoutLogFile: 'logs/shop', restart: { backoff: { min: 0, max: 0.05 } } })],
    });
    await changed(portico, () => readyPid(portico) !== undefined);
    const load = startLoad(port, '/', 16);
    for (let crash = 0; crash < 8; crash++) {
      await answered(load.tally, 50);
      const pid = readyPid(portico)!;
      process.kill(pid, 'SIGKILL');
      await changed(portico, () => readyPid(portico) !== undefined && readyPid(portico) !== pid);
      // Each request meets one crash at most: the retry rule retries once (docs/proxy.md), so a
      // request retried onto the new worker must be over before that worker is killed too.
      await settled(load.tally);
    }
    await answered(load.tally, 50);
    const tally = await load.stop();
    assert.equal(tally.pids.length, 9, 'each crash brought a new process');
    assert.equal(tally.failed, 0, `${tally.failed} of ${tally.requests} failed: ${tally.errors.join(' | ')}`);
  });
});
