// An integrator's own supervision tree over real backend processes, built from the public exports
// as docs/worker.md shows: two apps (one_for_all and one_for_one), a backend that cannot start,
// a child added and removed at run time, and a stop while a child is still starting. OTP's
// promises are checked on the events, and `ps` checks that no backend outlives its actor.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createActor } from 'xstate';
import {
  createSupervisor,
  deleteChild,
  startChild,
  stopSupervisor,
  systemClock,
  terminateChild,
  whichChild,
  whichChildren,
  type SupervisorEmitted,
  type SupervisorRef,
} from '@portico/supervisor';
import { createNodeProcessHost, workerChildSpec, type WorkerChildSettings, type WorkerOptions, type WorkerSnapshot } from '../src/index.ts';
import { backend, isAlive, waitForDeath } from './helpers.ts';

const host = createNodeProcessHost();

function worker(id: string, env: Record<string, string> = {}, options: Partial<WorkerOptions> = {}, settings: WorkerChildSettings = {}) {
  return workerChildSpec(id, { app: id, processPath: process.execPath, arguments: [backend], environmentVariables: env, host, startupTimeLimit: 20, shutdownTimeLimit: 2, ...options }, settings);
}

/** The fixture backends this process has started that are still running, as `ps` lists them. */
function backendsAlive(): string[] {
  const lines = execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(process.pid)], { encoding: 'utf8' }).split('\n');
  return lines.filter((line) => line.includes(backend));
}

async function until(what: string, condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** `type childId` lines, one per event, for comparing sequences. */
function record(ref: SupervisorRef): string[] {
  const lines: string[] = [];
  ref.on('*', (event: SupervisorEmitted) => lines.push(`${event.type.replace('supervisor.', '')}${'childId' in event ? ` ${event.childId}` : ''}${'how' in event ? ` ${event.how}` : ''}${'how' in event && event.how === 'killed' ? `: ${event.reason}` : ''}`));
  return lines;
}

const pidOf = (supervisor: SupervisorRef, id: string) => (whichChild(supervisor, id)?.ref?.getSnapshot() as WorkerSnapshot | undefined)?.context.pid;

describe('workerChildSpec: backends in your own supervision tree', function () {
  this.timeout(90_000);

  it('waits for readiness and gives the worker’s own stop time before the supervisor’s', () => {
    const spec = worker('w');
    assert.equal(spec.shutdown, 2 + 5, 'shutdownTimeLimit plus a 5 s backstop');
    assert.equal(spec.restart, undefined, 'permanent, the default');
    assert.equal(workerChildSpec('w', { app: 'w', processPath: 'node', host }).shutdown, 10 + 5, 'the worker’s default limit plus the backstop');
    assert.equal(worker('w', {}, {}, { shutdown: 'infinity' }).shutdown, 'infinity', 'settings override it');
  });

  // A wrong option was found only as each incarnation started: every start failed, each one
  // counted against the supervisor's intensity, and the tree gave up far from the mistake.
  it('refuses wrong worker options when the spec is made, naming the option', () => {
    assert.throws(() => workerChildSpec('x', { app: '', processPath: 'node', host }), (error: Error) => error.name === 'InvalidWorkerOptionError' && /"app"/.test(error.message));
    assert.throws(() => worker('x', {}, { shutdownTimeLimit: -3 }), /shutdownTimeLimit/);
  });

  it('keeps OTP’s promises over real processes and leaves none behind', async () => {
    // EXIT_IF_EXISTS names a file that exists: b2's backend exits before it listens, every time.
    const appA = createSupervisor({ strategy: 'one_for_all', intensity: 3, period: 30, children: [worker('a1'), worker('a2'), worker('a3', { IGNORE_SIGTERM: '1' })] });
    const appB = createSupervisor({ strategy: 'one_for_one', intensity: 2, period: 30, children: [worker('b1'), worker('b2', { EXIT_IF_EXISTS: backend })] });
    const root = createActor(
      createSupervisor({
        strategy: 'one_for_one',
        intensity: 5,
        period: 60,
        children: [
          { id: 'appA', kind: 'supervisor', logic: appA },
          { id: 'appB', kind: 'supervisor', logic: appB, restart: 'transient' },
        ],
      }),
      { clock: systemClock },
    );
    const rootEvents = record(root);
    root.start();
    const a = whichChild(root, 'appA')!.ref! as SupervisorRef;
    const b = whichChild(root, 'appB')!.ref! as SupervisorRef;
    const aEvents = record(a);
    const bEvents = record(b);
    try {
      // appB: b2 fails at start three times (intensity 2), appB gives up, stopping b1, and as a
      // transient child is not restarted by root; appA is untouched.
      await until('appB to give up', () => whichChild(root, 'appB')?.state === 'terminated');
      assert.deepEqual(bEvents.filter((e) => !e.startsWith('child_exited')), [
        'child_started b1',
        ...['child_start_failed b2', 'child_restarting b2', 'child_start_failed b2', 'child_restarting b2', 'child_start_failed b2'],
        'gave_up b2',
        'child_stopped b1 graceful',
        'stopped',
      ]);
      await until('appA to be running', () => whichChildren(a).every((c) => c.state === 'running'));
      assert.deepEqual(aEvents, ['child_started a1', 'child_started a2', 'child_started a3'], 'children start one at a time, each once the one before is ready');

      // one_for_all: a2's process is killed; a3 then a1 are stopped (reverse start order; a3
      // ignores SIGTERM and is killed at its shutdownTimeLimit), then all three start in order.
      const before = ['a1', 'a2', 'a3'].map((id) => pidOf(a, id)!);
      const mark = aEvents.length;
      process.kill(before[1]!, 'SIGKILL');
      await until('appA to restart', () => whichChildren(a).every((c) => c.state === 'running' && c.incarnation === 2));
      assert.deepEqual(aEvents.slice(mark), [
        'child_exited a2',
        'child_restarting a2',
        'child_exited a3',
        'child_stopped a3 killed: the backend did not exit within shutdownTimeLimit (2 s) of SIGTERM; its process group was killed with SIGKILL',
        'child_exited a1',
        'child_stopped a1 graceful',
        'child_started a1',
        'child_started a2',
        'child_started a3',
      ]);
      for (const pid of before) assert.equal(isAlive(pid), false, `old process ${pid} is gone`);

      // A child added and removed at run time.
      const added = await startChild(a, worker('a4'));
      assert.ok(added.ok, 'a4 started');
      const a4 = pidOf(a, 'a4')!;
      assert.ok((await terminateChild(a, 'a4')).ok);
      assert.ok((await deleteChild(a, 'a4')).ok);
      assert.equal(isAlive(a4), false, 'a4’s process is gone once terminateChild answered');
      assert.deepEqual(whichChildren(a).map((c) => c.id), ['a1', 'a2', 'a3']);

      // Stopping the tree while a5 is still starting: a5 is stopped first, then a3, a2, a1.
      const starting = startChild(a, worker('a5', { LISTEN_DELAY_MS: '60000' }));
      await until('a5 to be starting', () => pidOf(a, 'a5') !== undefined);
      const stopMark = aEvents.length;
      await stopSupervisor(root);
      assert.equal((await starting).ok, false, 'the start waiting on a5 is answered');
      assert.deepEqual(aEvents.slice(stopMark).filter((e) => e.startsWith('child_stopped')), ['child_stopped a5 graceful', 'child_stopped a3 killed: the backend did not exit within shutdownTimeLimit (2 s) of SIGTERM; its process group was killed with SIGKILL', 'child_stopped a2 graceful', 'child_stopped a1 graceful']);
      assert.deepEqual(rootEvents.slice(-2), ['child_stopped appA graceful', 'stopped']);
      assert.deepEqual(root.getSnapshot().output, { exit: 'shutdown', reason: 'shutdown' });
      assert.deepEqual(backendsAlive(), [], 'no backend outlives the tree');
    } finally {
      root.stop();
    }
  });

  it('stops a backend outright when the supervisor’s shutdown is shorter than the worker’s own limit', async () => {
    const root = createActor(
      createSupervisor({
        children: [
          // The worker would wait 60 s for its backend; the supervisor gives it 1 s.
          worker('slow', { IGNORE_SIGTERM: '1' }, { shutdownTimeLimit: 60 }, { shutdown: 1 }),
          worker('brutal', { IGNORE_SIGTERM: '1' }, {}, { shutdown: 'brutal_kill' }),
        ],
      }),
      { clock: systemClock },
    );
    const events = record(root);
    root.start();
    try {
      await until('both to be running', () => whichChildren(root).every((c) => c.state === 'running'));
      const pids = ['slow', 'brutal'].map((id) => pidOf(root, id)!);
      await stopSupervisor(root);
      assert.deepEqual(events.filter((e) => e.startsWith('child_stopped')), ['child_stopped brutal brutal', 'child_stopped slow timeout']);
      // Stopped outright, a backend is sent SIGKILL as its actor stops; the kernel ends it moments later.
      for (const pid of pids) await waitForDeath(pid);
      assert.deepEqual(backendsAlive(), []);
    } finally {
      root.stop();
    }
  });
});
