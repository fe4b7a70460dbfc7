// An integrator's own supervision tree, fuzzed with @portico/testkit: random restart policies,
// random crashes and terminations, time moving in random steps, and the testkit's invariants
// after every step and after the stop. Only public entry points are imported.
import assert from 'node:assert/strict';
import { createSupervisor, stopSupervisor, terminateChild, whichChildren, type SupervisorRef } from '@portico/supervisor';
import {
  assertQuiescent,
  assertRestartIntensity,
  assertSimulation,
  assertStateTimeLimits,
  assertStopOrder,
  findChild,
  recordEvents,
  restartPolicyArbitrary,
  runSimulatedModel,
  Simulation,
  simulationCommands,
  trackActors,
  trackChildStates,
  type ActorTracker,
  type ChildStateTracker,
  type FaultAction,
  type RestartPolicy,
  type SimulatedSystem,
  type TimedEvent,
} from '@portico/testkit';
import fc from 'fast-check';
import { createActor, setup } from 'xstate';

// The system under test: a service that warms up for 100 ms before it serves, crashes on
// `crash`, and stops cleanly on the supervisor's `portico.shutdown`.
const service = setup({
  types: {
    input: {} as { name: string },
    context: {} as { name: string },
    events: {} as { type: 'crash' } | { type: 'portico.shutdown' },
  },
}).createMachine({
  context: ({ input }) => ({ name: input.name }),
  initial: 'warming',
  states: {
    warming: { after: { 100: 'serving' } },
    serving: {},
    stopped: { type: 'final' },
  },
  on: {
    crash: {
      actions: ({ context }) => {
        throw new Error(`${context.name} crashed`);
      },
    },
    'portico.shutdown': '.stopped',
  },
  output: { exit: 'shutdown' },
});

const childIds = ['db', 'cache', 'web'];

function shopTree(policy: RestartPolicy, random: () => number) {
  return createSupervisor({
    ...policy,
    random,
    children: childIds.map((id) => ({ id, logic: service, input: { name: id }, ready: (s: { value: unknown }) => s.value === 'serving', shutdown: 1 })),
  });
}

// The model: what the test knows must hold. Here: children it terminated stay down until their
// group restarts (one_for_all, rest_for_one), which starts them again, as OTP does. Each maps to
// the number of events recorded when it was terminated.
interface Model {
  readonly terminated: Map<string, number>;
}

interface Shop extends SimulatedSystem {
  readonly root: SupervisorRef;
  readonly events: TimedEvent[];
  readonly actors: ActorTracker;
  readonly states: ChildStateTracker;
}

function startShop(policy: RestartPolicy, seed: number): Shop {
  const sim = new Simulation({ seed });
  const root = createActor(shopTree(policy, sim.random), { clock: sim.clock });
  const events = recordEvents(root, sim.clock);
  const actors = trackActors(root);
  const states = trackChildStates(root, sim.clock);
  root.on('*', (event) => sim.note('childId' in event ? `${event.type} ${event.childId}` : event.type));
  root.start();
  return {
    sim,
    root,
    events,
    actors,
    states,
    inject: (fault: FaultAction) => {
      if (fault.kind === 'crash') findChild(root, fault.target)?.send({ type: 'crash' });
    },
  };
}

// An integrator's own command, mixed with the testkit's: terminate a child on purpose.
class TerminateCommand implements fc.AsyncCommand<Model, Shop> {
  readonly id: string;
  constructor(id: string) {
    this.id = id;
  }
  check = (model: Readonly<Model>) => !model.terminated.has(this.id);
  async run(model: Model, shop: Shop): Promise<void> {
    const snapshot = shop.root.getSnapshot();
    if (snapshot.status !== 'active' || snapshot.phase !== 'running') return;
    shop.sim.note(`terminate ${this.id}`);
    model.terminated.set(this.id, shop.events.length);
    void terminateChild(shop.root, this.id);
    await shop.sim.flush();
  }
  toString = () => `terminate ${this.id}`;
}

// Every stop ends: a child is stopped within its shutdown time (1 s) once its turn comes, and
// its turn waits at most for the stops queued before it (every other child's) and for one
// sibling's warm-up. A child left stopping for longer has been lost track of.
const stopBound = childIds.length * 1_000 + 100;
const stopsEnd = (_model: Model, shop: Shop) => {
  if (shop.root.getSnapshot().status !== 'active') return;
  assertStateTimeLimits(shop.states, shop.sim.clock, { stopping: stopBound }, { trace: shop.sim.trace });
};

const terminatedStayTerminated = (model: Model, shop: Shop) => {
  if (shop.root.getSnapshot().status !== 'active') return;
  for (const [id, mark] of model.terminated) {
    const takenBack = shop.events.slice(mark).some((e) => e.type === 'supervisor.child_restarting' && (e.group as string[]).includes(id));
    if (takenBack) model.terminated.delete(id);
  }
  for (const child of whichChildren(shop.root)) {
    if (model.terminated.has(child.id)) {
      assert.ok(['stopping', 'terminated'].includes(child.state), `${child.id} was terminated and is ${child.state} again:\n${shop.sim.trace.join('\n')}`);
    }
  }
};

describe('the shop supervision tree, fuzzed with @portico/testkit', () => {
  it('keeps its restart intensity, stops in reverse order and leaves nothing behind', async function () {
    this.timeout(30_000);
    const stats = { commands: 0 };
    const scenario = fc.tuple(
      restartPolicyArbitrary({ strategies: ['one_for_one', 'rest_for_one', 'one_for_all'], jitter: true }),
      fc.integer({ min: 0, max: 1_000_000 }),
      fc.commands(
        [
          ...simulationCommands<Model, Shop>({ targets: childIds, kinds: ['crash'], maxAdvanceMs: 2_000 }),
          fc.constantFrom(...childIds).map((id) => new TerminateCommand(id)),
        ],
        { maxCommands: 40 },
      ),
    );
    const details = await assertSimulation(
      fc.asyncProperty(scenario, async ([policy, seed, commands]) => {
        await runSimulatedModel(() => ({ model: { terminated: new Map<string, number>() }, real: startShop(policy, seed) }), commands, {
          stats,
          invariants: [
            (_model, shop) => assertRestartIntensity(shop.events, policy, { trace: shop.sim.trace }),
            terminatedStayTerminated,
            stopsEnd,
          ],
          teardown: async (_model, shop) => {
            const running = shop.root.getSnapshot().status === 'active';
            const startOrder = running ? whichChildren(shop.root).map((c) => c.id) : [];
            const mark = shop.events.length;
            await shop.sim.until(stopSupervisor(shop.root));
            const stopped = shop.events.slice(mark).flatMap((e) => (e.type === 'supervisor.child_stopped' ? [String(e.childId)] : []));
            assertStopOrder(startOrder, stopped, { trace: shop.sim.trace });
            assertQuiescent({ clock: shop.sim.clock, actors: shop.actors }, { trace: shop.sim.trace });
          },
        });
      }),
      { interruptAfterTimeLimit: 5_000, numRuns: 500 },
    );
    console.log(`      explored ${details.numRuns} runs, ${stats.commands} commands`);
  });
});
