import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createActor } from 'xstate';
import { stopSupervisor, whichChildren, type SupervisorRef } from '@portico/supervisor';
import {
  assertQuiescent,
  assertRestartIntensity,
  assertSimulation,
  assertStopOrder,
  buildSupervisionTree,
  findChild,
  recordEvents,
  runSimulatedModel,
  Simulation,
  simulationCommands,
  supervisionTreeArbitrary,
  trackActors,
  treeWorkers,
  type ActorTracker,
  type FaultAction,
  type SimulatedSystem,
  type SupervisorNodeSpec,
  type TimedEvent,
} from '../src/index.ts';

interface Model {
  faults: number;
}

interface Tree extends SimulatedSystem {
  readonly root: SupervisorRef;
  readonly events: TimedEvent[];
  readonly actors: ActorTracker;
  readonly log: string[];
}

function plant(spec: SupervisorNodeSpec, seed: number): Tree {
  const sim = new Simulation({ seed });
  const log: string[] = [];
  const root = createActor(buildSupervisionTree(spec, log, { random: sim.random }), { clock: sim.clock });
  const events = recordEvents(root, sim.clock);
  const actors = trackActors(root);
  root.start();
  return {
    sim,
    root,
    events,
    actors,
    log,
    inject(fault: FaultAction) {
      if (fault.kind !== 'crash') return;
      findChild(root, fault.target)?.send({ type: 'test.crash' });
    },
  };
}

describe('generated supervision trees (model-based property)', () => {
  it('keep the root restart intensity and stop in reverse order, leaving no actor or timer', async function () {
    this.timeout(60_000);
    let runs = 0;
    const stats = { commands: 0 };
    const scenario = supervisionTreeArbitrary({ maxDepth: 1, maxChildren: 3 }).chain((spec) =>
      fc.tuple(
        fc.constant(spec),
        fc.integer({ min: 0, max: 1_000_000 }),
        fc.commands(simulationCommands<Model, Tree>({ targets: treeWorkers(spec), kinds: ['crash'], maxAdvanceMs: 3_000 }), { maxCommands: 30 }),
      ),
    );
    const details = await assertSimulation(
      fc.asyncProperty(scenario, async ([spec, seed, commands]) => {
        runs++;
        await runSimulatedModel(() => ({ model: { faults: 0 }, real: plant(spec, seed) }), commands, {
          stats,
          invariants: [(_model, tree) => assertRestartIntensity(tree.events, spec.policy, { trace: tree.sim.trace })],
          teardown: async (_model, tree) => {
            const running = tree.root.getSnapshot().status === 'active';
            const startOrder = running ? whichChildren(tree.root).map((c) => c.id) : [];
            const mark = tree.events.length;
            await tree.sim.until(stopSupervisor(tree.root));
            const stopped = tree.events.slice(mark).flatMap((e) => (e.type === 'supervisor.child_stopped' ? [e.childId as string] : []));
            assertStopOrder(startOrder, stopped, { trace: tree.sim.trace });
            assertQuiescent({ clock: tree.sim.clock, actors: tree.actors }, { trace: tree.sim.trace });
          },
        });
      }),
      // Time-boxed by the tier's budget (PORTICO_PROPERTY_SECONDS): 1 s in pnpm test, 8 s in test:slow.
      { numRuns: 1_000 },
    );
    console.log(`      explored ${details.numRuns} runs, ${stats.commands} commands`);
    assert.equal(runs >= details.numRuns, true);
  });
});
