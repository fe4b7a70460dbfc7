// Type tests of @portico/testkit's public surface (see packages/portico/test/types).
import { expectTypeOf } from 'expect-type';
import type fc from 'fast-check';
import type { AnyActorRef } from 'xstate';
import {
  applyFault,
  assertStopOrder,
  faultScheduleArbitrary,
  findChild,
  recordTreeEvents,
  runSimulatedModel,
  simulationCommands,
  type FaultAction,
  type Simulation,
  type SimulatedClock,
  type SimulatedProcessHost,
  type SimulatedSystem,
  type FaultSchedule,
  type TimedEvent,
} from '@portico/testkit';
import type { Clock } from '@portico/supervisor';
import type { ProcessHost } from '@portico/worker-actor';

describe('@portico/testkit public types', () => {
  it('simulates the clock and the process host that Portico takes', () => {
    expectTypeOf<SimulatedClock>().toExtend<Clock>();
    expectTypeOf<SimulatedProcessHost>().toExtend<ProcessHost>();
    expectTypeOf<Simulation['clock']>().toExtend<Clock>();
    expectTypeOf(faultScheduleArbitrary).returns.toEqualTypeOf<fc.Arbitrary<FaultSchedule>>();
  });

  // docs/testkit.md: an integrator's own model-based run over a tree of its own.
  it('types a model-based run over your own system', () => {
    interface Model {
      readonly crashes: number;
    }
    interface Shop extends SimulatedSystem {
      readonly events: TimedEvent[];
    }
    expectTypeOf(simulationCommands<Model, Shop>).returns.toEqualTypeOf<fc.Arbitrary<fc.AsyncCommand<Model, Shop>>[]>();
    expectTypeOf(runSimulatedModel<Model, Shop>).parameter(1).toEqualTypeOf<Iterable<fc.AsyncCommand<Model, Shop>>>();
    expectTypeOf<SimulatedSystem['inject']>().toEqualTypeOf<(fault: FaultAction) => void>();
    expectTypeOf(findChild).returns.toEqualTypeOf<AnyActorRef | undefined>();
    expectTypeOf(recordTreeEvents).returns.toEqualTypeOf<TimedEvent[]>();
    expectTypeOf(applyFault).parameters.toEqualTypeOf<[SimulatedProcessHost, FaultSchedule[number], (target: string) => number | undefined]>();
  });

  // docs/testkit.md's worked example mapped stop events with e.childId, which is unknown: it did not compile.
  it('leaves a recorded event’s fields unknown, for the caller to name', () => {
    const events: TimedEvent[] = [];
    // @ts-expect-error unknown[] is not the ids assertStopOrder takes
    assertStopOrder([], events.map((e) => e.childId));
    assertStopOrder([], events.flatMap((e) => (e.type === 'supervisor.child_stopped' ? [String(e.childId)] : [])));
  });
});
