import assert from 'node:assert/strict';
import { Simulation } from '@portico/testkit';
import { WorkerPool } from '@portico/worker-actor';

// Issue 16, "A failed app never comes back": the failed state ends on its schedule by a timer,
// not a request. A pool over a backend that always fails at start, on simulated time: each time it
// is failed, it starts again by itself after 60 s, 120 s, 240 s, … up to 600 s; once the backend
// is fixed, the next retry brings it back to ready, with no call to start() at all.
describe('a failed pool on simulated time', function () {
  this.timeout(30_000);

  it('starts again by itself on the retryFailed schedule, doubling to max, and comes back once fixed', async () => {
    const sim = new Simulation({ seed: 1 });
    let fixed = false;
    sim.host.define('shop', () => (fixed ? { readyAfter: 20 } : { crashAt: 10, exitCode: 1, stderr: 'no database' }));
    const pool = new WorkerPool({
      worker: { app: 'shop', processPath: 'shop', host: sim.host, startupTimeLimit: 5, shutdownTimeLimit: 1 },
      rapidFailsPerMinute: 2,
      backoff: { min: 0.1, max: 0.1, jitter: 0 },
      retryFailed: { min: 60, max: 600 },
      clock: sim.clock,
    });
    const holds: number[] = [];
    void pool.start();
    for (let failure = 0; failure < 6; failure++) {
      await sim.runUntil(() => pool.state === 'failed');
      const failedAt = sim.now;
      assert.match(pool.failure ?? '', /rapidFailsPerMinute \(2\); last exit: failed to start, code 1$/);
      holds.push(Math.round((pool.retryAt! - failedAt) / 1000));
      await sim.runUntil(() => pool.state !== 'failed');
      assert.equal(sim.now, pool.history.states.at(-1)!.at, 'left failed exactly at retryAt');
      assert.ok(sim.now >= failedAt + holds.at(-1)! * 1000);
    }
    assert.deepEqual(holds, [60, 120, 240, 480, 600, 600]);
    fixed = true;
    await sim.runUntil(() => pool.state === 'ready', 700_000);
    assert.equal(pool.ready.length, 1);
    const closing = pool.close();
    await sim.advance(5_000);
    await closing;
    assert.equal(sim.host.alive().length, 0);
  });
});
