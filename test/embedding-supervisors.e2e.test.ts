// An integrator's own supervision tree, written from docs/supervisor.md and docs/worker.md with
// the public packages only: a machine of the integrator's own beside Portico workers (real
// backend processes), one crashed at a time, the restart policy read from the events.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { assign, createActor, setup } from 'xstate';
import { createSupervisor, stopSupervisor, systemClock, whichChild, whichChildren, type SupervisorEmitted, type SupervisorRef } from '@portico/supervisor';
import { createNodeProcessHost, workerChildSpec, type WorkerActorRef } from '@portico/worker-actor';

const backend = fileURLToPath(new URL('fixtures/echo-backend.mjs', import.meta.url));

/** The integrator's own service: counts ticks, throws on 'crash', ends as asked on portico.shutdown. */
const counter = setup({
  types: { context: {} as { ticks: number }, events: {} as { type: 'tick' } | { type: 'crash' } | { type: 'portico.shutdown' } },
}).createMachine({
  context: { ticks: 0 },
  initial: 'counting',
  states: {
    counting: {
      on: {
        tick: { actions: assign({ ticks: ({ context }) => context.ticks + 1 }) },
        crash: {
          actions: () => {
            throw new Error('the counter broke');
          },
        },
        'portico.shutdown': 'done',
      },
    },
    done: { type: 'final' },
  },
  output: { exit: 'shutdown' },
});

async function until(what: string, condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Whether `pid` runs (a zombie has ended). */
const alive = (pid: number): boolean => {
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
};

function shopTree() {
  const host = createNodeProcessHost();
  return createActor(
    createSupervisor({
      strategy: 'rest_for_one',
      intensity: 3,
      period: 30,
      children: [
        { id: 'counter', logic: counter },
        workerChildSpec('api', { app: 'api', processPath: 'node', arguments: [backend], host, shutdownTimeLimit: 5 }),
        workerChildSpec('jobs', { app: 'jobs', processPath: 'node', arguments: [backend], host }, { restart: 'transient' }),
      ],
    }),
    { clock: systemClock },
  );
}

/** A worker's backend, as docs/worker.md reads it: its actor's context. */
const backendOf = (tree: SupervisorRef, id: string) => (whichChild(tree, id)?.ref as WorkerActorRef | undefined)?.getSnapshot().context;
const running = (tree: SupervisorRef) => whichChildren(tree).every((c) => c.state === 'running');

describe('embedding: an integrator’s own supervision tree', function () {
  this.timeout(60_000);

  it('restarts by policy, says so in events, gives up past its intensity and leaves no backend behind', async () => {
    const tree = shopTree();
    const events: SupervisorEmitted[] = [];
    tree.on('*', (e) => events.push(e));
    const groups: (readonly string[])[] = [];
    tree.on('supervisor.child_restarting', (e) => groups.push(e.group));
    tree.start();
    await until('every child running', () => running(tree));
    const first = backendOf(tree, 'api');
    assert.equal(first?.endpoint?.kind, 'tcp');
    assert.ok(first?.token && first.pid !== undefined && alive(first.pid));

    // The integrator's own machine throws: rest_for_one restarts it and every child after it.
    whichChild(tree, 'counter')?.ref?.send({ type: 'crash' });
    await until('the group restarted', () => whichChild(tree, 'jobs')?.incarnation === 2 && running(tree));
    assert.deepEqual(groups, [['counter', 'api', 'jobs']]);
    const crashed = events.find((e) => e.type === 'supervisor.child_exited' && e.childId === 'counter');
    assert.equal(crashed?.type === 'supervisor.child_exited' ? crashed.exit.kind : undefined, 'crash');
    const second = backendOf(tree, 'api')?.pid;
    assert.ok(second !== undefined && second !== first.pid && !alive(first.pid), 'the api backend was replaced, the old one is gone');

    // A backend killed from outside: the api and the jobs after it restart, the counter does not.
    process.kill(second, 'SIGKILL');
    await until('the api restarted', () => whichChild(tree, 'jobs')?.incarnation === 3 && running(tree));
    assert.deepEqual(groups[1], ['api', 'jobs']);
    assert.equal(whichChild(tree, 'counter')?.incarnation, 2);

    // Two more crashes within the window: the fourth restart is past intensity 3, and the tree gives up.
    whichChild(tree, 'counter')?.ref?.send({ type: 'crash' });
    await until('the group restarted', () => whichChild(tree, 'counter')?.incarnation === 3 && running(tree));
    const last = ['api', 'jobs'].map((id) => backendOf(tree, id)?.pid);
    whichChild(tree, 'counter')?.ref?.send({ type: 'crash' });
    await until('the tree to give up', () => tree.getSnapshot().status === 'done');
    assert.deepEqual(tree.getSnapshot().output, { exit: 'shutdown', reason: 'gave_up' });
    assert.deepEqual(
      events.filter((e) => e.type === 'supervisor.gave_up' || e.type === 'supervisor.stopped').map((e) => e.type),
      ['supervisor.gave_up', 'supervisor.stopped'],
    );
    for (const pid of last) assert.ok(pid !== undefined && !alive(pid), `backend ${pid} outlived the tree that gave up`);
  });

  it('stops in reverse start order, and every backend has exited when stopSupervisor resolves', async () => {
    const tree = shopTree();
    const stopped: string[] = [];
    tree.on('supervisor.child_stopped', (e) => stopped.push(`${e.childId} ${e.how}`));
    tree.start();
    await until('every child running', () => running(tree));
    const pids = ['api', 'jobs'].map((id) => backendOf(tree, id)?.pid);
    await stopSupervisor(tree);
    assert.deepEqual(stopped, ['jobs graceful', 'api graceful', 'counter graceful']);
    for (const pid of pids) assert.ok(pid !== undefined && !alive(pid), `backend ${pid} outlived stopSupervisor`);
  });
});
