// A user's own tree of backend processes (workerChildSpec) on the simulated host, under random
// crashes, kills, hangs on stop and starts that never become ready: each supervisor keeps its
// restart intensity, the tree stops in reverse start order, and nothing is left running.
import fc from 'fast-check';
import { createActor } from 'xstate';
import { createSupervisor, stopSupervisor, whichChild, whichChildren, type SupervisorRef } from '@portico/supervisor';
import { workerChildSpec, type ProcessHost, type WorkerSnapshot } from '@portico/worker-actor';
import {
  assertNoOrphans,
  assertQuiescent,
  assertRestartIntensity,
  assertSimulation,
  assertStopOrder,
  faultScheduleArbitrary,
  recordTreeEvents,
  runFaultSchedule,
  Simulation,
  trackActors,
} from '../src/index.ts';

const apps = {
  appA: { strategy: 'one_for_all' as const, intensity: 3, period: 30, workers: ['a1', 'a2', 'a3'] },
  appB: { strategy: 'one_for_one' as const, intensity: 2, period: 10, workers: ['b1', 'b2'] },
};
type AppName = keyof typeof apps;

function tree(host: ProcessHost) {
  const app = (name: AppName) => {
    const { workers, ...policy } = apps[name];
    const children = workers.map((id) => workerChildSpec(id, { app: id, processPath: 'backend', host, startupTimeLimit: 5, shutdownTimeLimit: 2 }));
    return createSupervisor({ ...policy, children });
  };
  return createSupervisor({
    strategy: 'one_for_one',
    intensity: 10,
    period: 60,
    children: [
      { id: 'appA', kind: 'supervisor', logic: app('appA') },
      { id: 'appB', kind: 'supervisor', logic: app('appB'), restart: 'transient' },
    ],
  });
}

describe('a tree of workers on the simulated host (property)', () => {
  it('keeps each supervisor’s intensity, stops in reverse order and leaves no process behind', async function () {
    this.timeout(120_000);
    const targets = [...apps.appA.workers, ...apps.appB.workers];
    const schedules = faultScheduleArbitrary({ targets, horizonMs: 30_000, maxFaults: 10, kinds: ['crash', 'kill', 'hang-on-stop', 'never-ready'] });
    const details = await assertSimulation(
      fc.asyncProperty(fc.integer(), schedules, async (seed, schedule) => {
        const sim = new Simulation({ seed });
        sim.host.define('backend', ({ random }) => ({ readyAfter: 10 + Math.floor(random() * 90), stopDelay: 5 + Math.floor(random() * 50) }));
        const root = createActor(tree(sim.host), { clock: sim.clock });
        const events = recordTreeEvents(root, sim.clock);
        const actors = trackActors(root);
        root.start();
        const pidOf = (target: string) => {
          const app = whichChild(root, target.startsWith('a') ? 'appA' : 'appB')?.ref as SupervisorRef | undefined;
          return (app && (whichChild(app, target)?.ref?.getSnapshot() as WorkerSnapshot | undefined))?.context.pid;
        };
        await runFaultSchedule(sim, schedule, pidOf);
        await sim.advance(40_000);
        // Each incarnation of each app's supervisor against its own policy (actorId: appA#2, …).
        for (const app of Object.keys(apps) as AppName[]) {
          const emitted = events.filter((e) => String(e.actorId).startsWith(`${app}#`));
          for (const session of new Set(emitted.map((e) => e.sessionId))) {
            assertRestartIntensity(emitted.filter((e) => e.sessionId === session), apps[app], { trace: sim.trace });
          }
        }
        const startOrder = whichChildren(root).map((c) => c.id);
        const mark = events.length;
        await sim.until(stopSupervisor(root));
        const stopped = events.slice(mark).flatMap((e) => (e.type === 'supervisor.child_stopped' && e.sessionId === root.sessionId ? [e.childId as string] : []));
        assertStopOrder(startOrder, stopped, { trace: sim.trace });
        assertNoOrphans(sim.host);
        assertQuiescent({ clock: sim.clock, host: sim.host, actors }, { trace: sim.trace });
      }),
      // Time-boxed by the tier's budget (PORTICO_PROPERTY_SECONDS): 1 s in pnpm test, 8 s in test:slow.
      { numRuns: 1_000 },
    );
    console.log(`      explored ${details.numRuns} runs`);
  });
});
