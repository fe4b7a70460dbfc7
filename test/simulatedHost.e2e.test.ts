// One scenario, one set of process scripts, run on @portico/testkit's simulated host and on the
// real one: a supervision tree of two apps (a one_for_all app whose middle backend is killed
// from outside, a transient one_for_one app whose backend cannot start), then a stop. The
// supervisors must decide the same things in the same order, with the same exits, on both, or
// the simulated runs a user's property tests explore would not be the runs of production.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createActor } from 'xstate';
import {
  createSupervisor,
  describeExit,
  stopSupervisor,
  systemClock,
  whichChild,
  whichChildren,
  type Clock,
  type SupervisorEmitted,
  type SupervisorRef,
} from '@portico/supervisor';
import { Simulation, type ProcessScript } from '@portico/testkit';
import { createNodeProcessHost, workerChildSpec, type ProcessHost, type WorkerSnapshot } from '@portico/worker-actor';

const backend = fileURLToPath(new URL('fixtures/scripted-backend.mjs', import.meta.url));

const scripts: Record<string, ProcessScript> = {
  a1: { readyAfter: 40 },
  a2: { readyAfter: 40 },
  a3: { readyAfter: 40, ignoresSigterm: true },
  b1: { readyAfter: 40 },
  b2: { neverListens: true, crashAt: 30, exitCode: 3, stderr: 'cannot open the database\n' },
};

/** How the scenario reaches a world: its host and clock, and how it waits and kills there. */
interface World {
  readonly host: ProcessHost;
  readonly clock: Clock;
  until(condition: () => boolean): Promise<void>;
  settle<T>(promise: Promise<T>): Promise<T>;
  kill(pid: number): void;
}

function tree(host: ProcessHost) {
  const worker = (id: string) =>
    workerChildSpec(id, { app: id, processPath: process.execPath, arguments: [backend], environmentVariables: { PORTICO_SCRIPT: JSON.stringify(scripts[id]) }, host, startupTimeLimit: 20, shutdownTimeLimit: 2 });
  return createSupervisor({
    strategy: 'one_for_one',
    intensity: 5,
    period: 60,
    children: [
      { id: 'appA', kind: 'supervisor', logic: createSupervisor({ strategy: 'one_for_all', intensity: 3, period: 30, children: [worker('a1'), worker('a2'), worker('a3')] }) },
      { id: 'appB', kind: 'supervisor', restart: 'transient', logic: createSupervisor({ strategy: 'one_for_one', intensity: 2, period: 30, children: [worker('b1'), worker('b2')] }) },
    ],
  });
}

/** What a crashed backend last wrote to stderr, as the worker's error carries it. */
function stderrTail(exit: unknown): string {
  const tail = (exit as { error?: { exit?: { stderrTail?: string } } }).error?.exit?.stderrTail;
  return tail ? `, stderr ${JSON.stringify(tail)}` : '';
}

/** Each supervisor's decisions, in its own order (the two apps run side by side, so only each one's order is defined). */
async function scenario(world: World): Promise<Record<string, string[]>> {
  const decisions: Record<string, string[]> = { root: [], appA: [], appB: [] };
  const follow = (name: string, ref: SupervisorRef) =>
    ref.on('*', (event: SupervisorEmitted) => {
      const child = 'childId' in event ? ` ${event.childId}` : '';
      const detail = 'exit' in event ? ` (${describeExit(event.exit)}${stderrTail(event.exit)})` : 'how' in event ? ` ${event.how}` : 'reason' in event ? ` ${event.reason}` : '';
      decisions[name]!.push(`${event.type}${child}${detail}`);
    });
  const root = createActor(tree(world.host), { clock: world.clock });
  follow('root', root);
  root.start();
  const appA = whichChild(root, 'appA')!.ref! as SupervisorRef;
  follow('appA', appA);
  follow('appB', whichChild(root, 'appB')!.ref! as SupervisorRef);
  try {
    await world.until(() => whichChildren(appA).every((c) => c.state === 'running') && whichChild(root, 'appB')?.state === 'terminated');
    world.kill((whichChild(appA, 'a2')!.ref!.getSnapshot() as WorkerSnapshot).context.pid!);
    await world.until(() => whichChildren(appA).every((c) => c.state === 'running' && c.incarnation === 2));
    await world.settle(stopSupervisor(root));
  } finally {
    root.stop();
  }
  return decisions;
}

function simulated(seed: number): { world: World; sim: Simulation } {
  const sim = new Simulation({ seed });
  sim.host.define(process.execPath, ({ spec }) => JSON.parse(spec.env.PORTICO_SCRIPT ?? '{}') as ProcessScript);
  return { sim, world: { host: sim.host, clock: sim.clock, until: (condition) => sim.runUntil(condition), settle: (promise) => sim.until(promise), kill: (pid) => sim.host.kill(pid, 'SIGKILL') } };
}

const real: World = {
  host: createNodeProcessHost(),
  clock: systemClock,
  async until(condition) {
    const deadline = Date.now() + 60_000;
    while (!condition()) {
      if (Date.now() > deadline) throw new Error('the real run did not reach the state the simulated run reached');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  },
  settle: (promise) => promise,
  kill: (pid) => process.kill(pid, 'SIGKILL'),
};

describe('the simulated host against the real one', function () {
  this.timeout(90_000);

  it('runs one scenario with the same supervisor decisions and exits on both, and leaves no process behind', async () => {
    const { world } = simulated(11);
    const inSimulation = await scenario(world);
    const forReal = await scenario(real);
    assert.deepEqual(forReal, inSimulation);
    // The scenario does reach what it is about: the failed starts, the giving up, the group restart.
    assert.ok(inSimulation.appB!.includes('supervisor.gave_up b2'));
    assert.ok(inSimulation.appB!.some((line) => /child_exited b2 .*code 3.*stderr "cannot open the database/.test(line)), inSimulation.appB!.join('\n'));
    assert.ok(inSimulation.appA!.includes('supervisor.child_restarting a2'));
    const left = execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(process.pid)], { encoding: 'utf8' }).split('\n').filter((line) => line.includes(backend));
    assert.deepEqual(left, []);
  });

  it('replays a seed event for event', async () => {
    const once = async () => {
      const { sim, world } = simulated(11);
      const decisions = await scenario(world);
      return { decisions, trace: sim.trace };
    };
    const first = await once();
    assert.deepEqual(await once(), first);
  });
});
