import assert from 'node:assert/strict';
import { crashUnderLoad } from './helpers/crashUnderLoad.ts';
import { app, startPortico, stopAllPorticos } from './helpers/portico.ts';

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
    const tally = await crashUnderLoad(portico, port, 8, 16);
    assert.equal(tally.pids.length, 9, 'each crash brought a new process');
    assert.equal(tally.failed, 0, `${tally.failed} of ${tally.requests} failed: ${tally.errors.join(' | ')}`);
  });
});
