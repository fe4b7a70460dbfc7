import assert from 'node:assert/strict';
import { answered, changed, startLoad } from './helpers/load.ts';
import { app, request, startPortico, stopAllPorticos } from './helpers/portico.ts';

// Issue 18, "Elastic pools": between processesPerApplication and maxProcesses workers, grown when
// every ready worker is busy and shrunk after processIdleTime without the need.

const workersOf = (portico: { status(): { apps: readonly { workers: readonly { state: string; pid: number | undefined }[] }[] } }) => portico.status().apps[0]!.workers;

describe('elastic pools', function () {
  this.timeout(90_000);
  afterEach(stopAllPorticos);

  // With several fronts the requests in flight are the fronts' (reported once a second), not the control process's.
  for (const fronts of [1, 2]) {
    it(`grows to maxProcesses under a burst of slow requests and no further, shrinks back to processesPerApplication after processIdleTime, and logs each change (fronts: ${fronts})`, async () => {
      const { portico, port, logs } = await startPortico({
        fronts,
        apps: [app('shop', { start: 'eager', processesPerApplication: 1, maxProcesses: 3, processIdleTime: 1, busyRequests: 1 })],
      });
      await changed(portico, () => workersOf(portico).filter((w) => w.state === 'ready').length === 1);
      let most = 1;
      const off = portico.onChange(() => {
        most = Math.max(most, workersOf(portico).filter((w) => w.pid !== undefined).length);
      });
      const load = startLoad(port, '/?delay=300', 6);
      await changed(portico, () => workersOf(portico).filter((w) => w.state === 'ready').length === 3);
      // Every worker busy still, for a while longer: no fourth.
      await answered(load.tally, 40);
      const tally = await load.stop();
      assert.equal(tally.failed, 0, `failed: ${tally.errors.join('; ')}`);
      assert.equal(most, 3, 'never more than maxProcesses');
      const up = logs.filter((l) => l['event'] === 'app.scaled_up');
      assert.deepEqual(up.map((l) => [l['worker'], l['workers']]), [['shop#2', 2], ['shop#3', 3]]);
      assert.ok(tally.pids.length >= 3, 'the new workers served');
      // Idle now: back to one worker, one at a time.
      await changed(portico, () => workersOf(portico).length === 1);
      off();
      const down = logs.filter((l) => l['event'] === 'app.scaled_down');
      assert.deepEqual(down.map((l) => l['workers']), [2, 1]);
      assert.equal(down[0]!['processIdleTime'], 1);
      assert.equal((await request(port, '/')).status, 200);
    });
  }

  it('refuses a maxProcesses below processesPerApplication, naming both', async () => {
    await assert.rejects(
      startPortico({ apps: [app('shop', { processesPerApplication: 3, maxProcesses: 2 })] }),
      (error: Error) => /apps\[0\]\.maxProcesses/.test(error.message) && /processesPerApplication \(3\)/.test(error.message),
    );
  });
});
