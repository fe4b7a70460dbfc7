import assert from 'node:assert/strict';
import { WorkerPool } from '@portico/worker-actor';
import { assertNoOrphans, assertQuiescent, Simulation } from '../src/index.ts';
import { simulatedWorker } from './helpers.ts';

describe('SimulatedProcessHost', () => {
  it('makes a worker ready once the process listens after readyAfter', async () => {
    const w = simulatedWorker({ readyAfter: 50 });
    await w.sim.advance(49);
    assert.ok(w.actor.getSnapshot().matches({ live: { starting: 'probing' } }));
    await w.sim.advance(10);
    assert.ok(w.actor.getSnapshot().matches({ live: 'ready' }));
    const readyAt = w.at('worker.ready')!;
    assert.ok(readyAt >= 50 && readyAt <= 53, `ready at ${readyAt}ms, within one probe interval of 50ms`);
  });

  // In a tree of workers that all run one command (node), `spawn node#3 pid=1002` did not say
  // which worker the process was, and a fault schedule names workers: the trace could not be
  // read against the counterexample.
  it('names the app a process was started for in the trace', async () => {
    const w = simulatedWorker({ readyAfter: 10 }, { app: 'billing' });
    await w.sim.advance(20);
    assert.deepEqual(w.sim.trace.filter((line) => line.includes(' spawn ')), ['t=0ms spawn backend#1 app=billing pid=1000 port=20000']);
  });

  it('reports a crash at crashAt with its exit code and stderr as a crashed worker', async () => {
    const w = simulatedWorker({ readyAfter: 20, crashAt: 300, exitCode: 3, stderr: 'boom' });
    await w.sim.advance(400);
    const exit = w.exit()!;
    assert.equal(w.exitedAt(), 300);
    assert.deepEqual([exit.kind, exit.code, exit.signal, exit.stderrTail], ['crashed', 3, null, 'boom\n']);
  });

  it('reports an exit before ready as a failed start with the exit code', async () => {
    const w = simulatedWorker({ readyAfter: 100, crashAt: 40, exitCode: 78 });
    await w.sim.advance(200);
    assert.deepEqual([w.exit()!.kind, w.exit()!.code], ['failed_to_start', 78]);
  });

  it('reports a spawn error as a failed start carrying the error', async () => {
    const w = simulatedWorker({ spawnError: 'ENOENT' });
    await w.sim.advance(10);
    assert.equal(w.exit()!.kind, 'failed_to_start');
    assert.match(w.exit()!.spawnError ?? '', /ENOENT/);
  });

  it('stops a process that obeys SIGTERM after its stopDelay', async () => {
    const w = simulatedWorker({ readyAfter: 10, stopDelay: 30 });
    await w.sim.advance(100);
    w.actor.send({ type: 'portico.shutdown' });
    await w.sim.advance(100);
    const exit = w.exit()!;
    assert.deepEqual([w.exitedAt(), exit.kind, exit.code, exit.killed], [130, 'stopped', 0, false]);
    assert.equal(w.actor.getSnapshot().status, 'done');
  });

  it('stops an ASP.NET Core backend through its shutdown request', async () => {
    const w = simulatedWorker({ readyAfter: 10 }, { compat: 'aspnetcore' });
    await w.sim.advance(50);
    w.actor.send({ type: 'portico.shutdown' });
    await w.sim.advance(50);
    assert.equal(w.exit()?.kind, 'stopped');
    assert.deepEqual(w.sim.host.processes[0]!.signals, ['SIGTERM']);
    assert.ok(w.sim.trace.some((line) => /shutdown request pid=1000/.test(line)));
  });

  it('kills a process that ignores SIGTERM with SIGKILL after shutdownTimeLimit', async () => {
    const w = simulatedWorker({ readyAfter: 10, ignoresSigterm: true }, { shutdownTimeLimit: 2 });
    await w.sim.advance(100);
    w.actor.send({ type: 'portico.shutdown' });
    await w.sim.advance(5_000);
    const exit = w.exit()!;
    assert.deepEqual([w.exitedAt(), exit.signal, exit.killed], [2_100, 'SIGKILL', true]);
    assert.deepEqual(w.sim.host.processes[0]!.signals, ['SIGTERM', 'SIGKILL']);
  });

  it('times out a process that never listens after startupTimeLimit', async () => {
    const w = simulatedWorker({ neverListens: true }, { startupTimeLimit: 3 });
    await w.sim.advance(10_000);
    assert.equal(w.at('worker.startup_timeout'), 3_000);
    assert.equal(w.exit()!.kind, 'timed_out');
    assertQuiescent({ clock: w.sim.clock, host: w.sim.host });
  });

  it('kills grandchildren with the group on SIGKILL', async () => {
    const w = simulatedWorker({ readyAfter: 10, ignoresSigterm: true, leavesGrandchildren: 2 }, { shutdownTimeLimit: 1 });
    await w.sim.advance(100);
    assert.equal(w.sim.host.alive()[0]!.grandchildrenAlive, 2);
    w.actor.send({ type: 'portico.shutdown' });
    await w.sim.advance(500);
    assert.equal(w.sim.host.alive()[0]!.grandchildrenAlive, 2, 'SIGTERM does not reach them');
    await w.sim.advance(1_000);
    assertNoOrphans(w.sim.host);
  });

  it('kills the grandchildren of a process that crashed, as the real host does', async () => {
    const w = simulatedWorker({ readyAfter: 10, crashAt: 50, leavesGrandchildren: 3 });
    await w.sim.advance(100);
    assertNoOrphans(w.sim.host);
  });

  it('restarts on another port when the port collides, without counting a crash', async () => {
    const w = simulatedWorker({ readyAfter: 20 }, {}, (sim) => sim.host.collideNextPorts(1));
    await w.sim.advance(200);
    assert.equal(w.emitted.filter((e) => e.type === 'worker.port_in_use_retry').length, 1);
    assert.ok(w.actor.getSnapshot().matches({ live: 'ready' }));
    assert.deepEqual(w.sim.host.processes.map((p) => [p.endpoint?.kind === 'tcp' && p.endpoint.port, p.exit?.code ?? 'running']), [
      [20_000, 1],
      [20_001, 'running'],
    ]);
  });

  it('notifies readiness to a worker that waits for READY=1', async () => {
    const w = simulatedWorker({ readyAfter: 70 }, { readiness: { kind: 'notify' } });
    await w.sim.advance(100);
    assert.equal(w.at('worker.ready'), 70);
    assert.equal(w.sim.host.probeCount, 0);
  });

  it('gives a script function the attempt, so the third start can behave differently', async () => {
    const sim = new Simulation({ seed: 3 });
    sim.host.define('backend', ({ attempt }) => (attempt < 3 ? { readyAfter: 10, crashAt: 100 } : { readyAfter: 10 }));
    const pool = new WorkerPool({ worker: { app: 'shop', processPath: 'backend', host: sim.host }, clock: sim.clock, backoff: { min: 0.1, max: 0.1 } });
    await sim.until(pool.start());
    await sim.advance(2_000);
    assert.deepEqual(sim.host.processes.map((p) => p.exit?.code ?? 'running'), [1, 1, 'running']);
    assert.equal(pool.ready.length, 1);
    await sim.until(pool.stop());
    assertQuiescent({ clock: sim.clock, host: sim.host });
  });

  it('binds simulated listen sockets for socket activation and closes them with the pool', async () => {
    const sim = new Simulation();
    const pool = new WorkerPool({
      worker: { app: 'shop', processPath: 'backend', host: sim.host, listenMode: 'socket-activation' },
      processesPerApplication: 2,
      clock: sim.clock,
    });
    await sim.until(pool.start());
    await sim.advance(100);
    assert.equal(sim.host.openListenSockets.length, 2);
    assert.equal(pool.ready.length, 2);
    await sim.until(pool.close());
    assert.equal(sim.host.openListenSockets.length, 0);
  });

  it('carries stdout to the worker output capture through real streams', async () => {
    const w = simulatedWorker({ readyAfter: 10, stdout: 'hello from the backend\n' });
    await w.sim.advance(50);
    assert.equal(w.actor.getSnapshot().context.capture?.tail(), 'hello from the backend\n');
  });
});

// Regressions of two worker-actor bugs this kit found: an unasked exit was never emitted as
// worker.exited (the failing entry action dropped the emit queued in the same macrostep), and a
// worker that failed while probing left its readiness probe running forever.
describe('workerMachine on the simulated host (regressions)', () => {
  it('emits worker.exited when the process crashes', async () => {
    const w = simulatedWorker({ readyAfter: 20, crashAt: 100, exitCode: 3 });
    await w.sim.advance(200);
    assert.equal(w.exit()?.kind, 'crashed');
    assert.ok(w.emitted.some((e) => e.type === 'worker.exited'), 'worker.exited was not emitted for a crash');
  });

  it('stops probing once the worker has failed to start', async () => {
    const w = simulatedWorker({ readyAfter: 100, crashAt: 20 });
    await w.sim.advance(50);
    assert.equal(w.exit()?.kind, 'failed_to_start');
    const probes = w.sim.host.probeCount;
    await w.sim.advance(1_000);
    assert.equal(w.sim.host.probeCount, probes, `${w.sim.host.probeCount - probes} probes after the worker failed`);
    assert.equal(w.sim.clock.pendingTimers, 0);
  });
});
