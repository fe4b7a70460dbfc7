import { createActor } from 'xstate';
import { createSupervisor, SimulatedClock, whichChildren, type ChildSpec, type SupervisorEmitted, type SupervisorOptions } from '../../src/index.ts';
import { testChild, type TestChildInput } from './testChild.ts';

export type TestSpec = Omit<ChildSpec, 'logic' | 'input'> & { input?: Partial<TestChildInput> };

/** A supervisor over test children on a simulated clock, recording what happens. */
export function harness(options: Omit<SupervisorOptions, 'children'>, specs: readonly TestSpec[]) {
  const log: string[] = [];
  const emitted: SupervisorEmitted[] = [];
  const clock = new SimulatedClock();
  const inputs: Record<string, TestChildInput> = {};
  const children = specs.map(({ input, ...spec }) => ({
    ...spec,
    logic: testChild,
    input: (inputs[spec.id] = { log, name: spec.id, ...input }),
  })) as ChildSpec[];
  const supervisor = createActor(createSupervisor({ ...options, children }), { clock });
  supervisor.on('*', (event) => emitted.push(event));
  return {
    supervisor,
    log,
    /** Each initial child's input, the same object every incarnation gets: a test may change it. */
    inputs,
    emitted,
    clock,
    start() {
      supervisor.start();
      return this;
    },
    send(id: string, type: 'crash' | 'exit' | 'exit_shutdown' | 'ready' | 'portico.shutdown') {
      const ref = whichChildren(supervisor).find((c) => c.id === id)?.ref;
      if (!ref) throw new Error(`child ${id} is not running`);
      ref.send({ type });
    },
    /** `id@incarnation:state` for each child, in start order. */
    states(): string[] {
      return whichChildren(supervisor).map((c) => `${c.id}@${c.incarnation}:${c.state}`);
    },
    types(): string[] {
      return emitted.map((e) => ('childId' in e ? `${e.type}:${e.childId}` : e.type));
    },
  };
}
