import assert from 'node:assert/strict';
import { createActor } from 'xstate';
import { createSupervisor, whichChild, type SupervisorEmitted } from '@portico/supervisor';
import { WorkerPool, workerChildSpec } from '@portico/worker-actor';
import { Simulation } from '../src/index.ts';
import { simulatedWorker } from './helpers.ts';

// A worker reports its process's exit once the output is read to the end, on disk, and the
// cgroup empty: seconds later when something the backend left behind holds its pipes. The exit
// was dated when the report came, so two crashes within the restart window could be counted in
// two windows, and the uptime and the status history were off by the wait.
describe('an exit the host reports late', () => {
  it('is dated when the process exited: the worker exit, its uptime', async () => {
    const w = simulatedWorker({ readyAfter: 20, crashAt: 300, reportsExitAfter: 2_000 });
    await w.sim.advance(2_500);
    const exit = w.exit()!;
    assert.equal(exit.kind, 'crashed');
    assert.deepEqual([exit.exitedAt, exit.uptimeMs], [300, 300]);
  });

  it('counts against the restart intensity when the process exited', async () => {
    const sim = new Simulation({ seed: 1 });
    // The first process crashes 1 s after it starts and is reported at once; the second 3 s after
    // its start (about 4 s) and is reported 3 s later: two crashes within 5 s.
    sim.host.define('backend', ({ attempt }) => (attempt === 1 ? { readyAfter: 10, crashAt: 1_000 } : { readyAfter: 10, crashAt: 3_000, reportsExitAfter: 3_000 }));
    const spec = workerChildSpec('w', { app: 'shop', processPath: 'backend', host: sim.host, startupTimeLimit: 5, shutdownTimeLimit: 2 });
    const supervisor = createActor(createSupervisor({ intensity: 1, period: 5, children: [spec] }), { clock: sim.clock });
    const emitted: SupervisorEmitted[] = [];
    supervisor.on('*', (event) => emitted.push(event));
    supervisor.start();
    await sim.advance(2_000);
    assert.equal(whichChild(supervisor, 'w')?.lastExit?.at, 1_000);
    await sim.advance(6_000);
    const exits = sim.host.processes.map((p) => p.exitedAt);
    assert.ok(exits[1]! - exits[0]! < 5_000, `the two crashes are within 5 s: ${exits.join(', ')}`);
    assert.ok(
      emitted.some((e) => e.type === 'supervisor.gave_up'),
      `gave up: ${emitted.map((e) => e.type).join(', ')}`,
    );
  });

  it("is dated in the pool's exit history when the process exited", async () => {
    const sim = new Simulation({ seed: 1 });
    sim.host.define('backend', ({ attempt }) => (attempt === 1 ? { readyAfter: 10, crashAt: 500, reportsExitAfter: 2_000 } : { readyAfter: 10 }));
    const pool = new WorkerPool({ worker: { app: 'shop', processPath: 'backend', host: sim.host, shutdownTimeLimit: 2 }, processesPerApplication: 1, clock: sim.clock });
    await sim.until(pool.start());
    await sim.runUntil(() => pool.history.exits.length === 1);
    const [crashed] = sim.host.processes;
    assert.equal(pool.history.exits[0]!.at, crashed!.exitedAt);
    assert.ok(sim.now >= crashed!.exitedAt! + 2_000, 'the exit was reported 2 s after it happened');
    await sim.until(pool.stop());
  });
});

