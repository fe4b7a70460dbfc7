import assert from 'node:assert/strict';
import { WorkerPool } from '@portico/worker-actor';
import { assertQuiescent, Simulation } from '../src/index.ts';

// A pool's stop asked its supervisor to stop, which stops children one at a time in reverse order
// (OTP's rule for dependent siblings), each within its shutdownTimeLimit: a pool of N workers that
// ignore SIGTERM took N × shutdownTimeLimit to stop, past the TimeoutStopSec that `portico service`
// derives from the longest shutdownTimeLimit, so systemd killed Portico mid-drain.
describe('WorkerPool.stop', () => {
  it('drains and stops every worker at once, all within one shutdownTimeLimit', async () => {
    const sim = new Simulation({ seed: 1 });
    sim.host.define('backend', { readyAfter: 10, ignoresSigterm: true });
    const pool = new WorkerPool({ worker: { app: 'shop', processPath: 'backend', host: sim.host, shutdownTimeLimit: 2 }, processesPerApplication: 4, clock: sim.clock });
    await sim.until(pool.start());
    await sim.runUntil(() => pool.ready.length === 4);
    const stopAskedAt = sim.now;
    await sim.until(pool.stop());
    assert.equal(pool.state, 'stopped');
    const exits = sim.host.processes.map((p) => p.exit);
    assert.ok(exits.every((exit) => exit?.signal === 'SIGKILL'), 'every worker ignored SIGTERM and was killed');
    const took = sim.now - stopAskedAt;
    assert.ok(took < 3_000, `the pool stopped ${took} ms after it was asked: its workers stopped one after another, not together within shutdownTimeLimit (2 s)`);
    assertQuiescent({ clock: sim.clock, host: sim.host });
  });
});

// Portico's stop closes each app's pool, then, once every app has stopped, the forwarders: in
// between, a request on a client's keep-alive connection reaches the router, which starts a pool
// that has no ready worker (lazy start). A closed pool released what it holds for good; started
// again, it spawned workers that nothing stopped, left behind by `portico stop`.
describe('WorkerPool.close', () => {
  it('is for good: a start after it spawns nothing', async () => {
    const sim = new Simulation({ seed: 1 });
    sim.host.define('backend', { readyAfter: 10 });
    const pool = new WorkerPool({ worker: { app: 'shop', processPath: 'backend', host: sim.host, shutdownTimeLimit: 2 }, processesPerApplication: 2, clock: sim.clock });
    await sim.until(pool.start());
    await sim.runUntil(() => pool.ready.length === 2);
    await sim.until(pool.close());
    await sim.until(pool.start());
    await sim.advance(1_000);
    assert.equal(pool.state, 'stopped');
    assert.equal(sim.host.processes.length, 2, 'the closed pool spawned workers again');
    assertQuiescent({ clock: sim.clock, host: sim.host });
  });

  // Portico's stop closes a pool that may be stopping by itself for idleTimeout: the idle stop,
  // ended by the same stop, then made the closed pool idle again, as ready for a request's start.
  it('leaves a pool closed during its idle stop stopped, not idle', async () => {
    const sim = new Simulation({ seed: 1 });
    sim.host.define('backend', { readyAfter: 10, ignoresSigterm: true });
    const pool = new WorkerPool({ worker: { app: 'shop', processPath: 'backend', host: sim.host, shutdownTimeLimit: 2 }, processesPerApplication: 1, idleTimeout: 5, clock: sim.clock });
    await sim.until(pool.start());
    await sim.runUntil(() => pool.ready.length === 1);
    await sim.runUntil(() => pool.state === 'stopping');
    await sim.until(pool.close());
    await sim.advance(100);
    assert.equal(pool.state, 'stopped');
    assertQuiescent({ clock: sim.clock, host: sim.host });
  });
});
