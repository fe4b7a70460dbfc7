// Type tests of @portico/testkit's public surface (see packages/portico/test/types).
import { expectTypeOf } from 'expect-type';
import type fc from 'fast-check';
import { faultScheduleArbitrary, type Simulation, type SimulatedClock, type SimulatedProcessHost, type FaultSchedule } from '@portico/testkit';
import type { Clock } from '@portico/supervisor';
import type { ProcessHost } from '@portico/worker-actor';

describe('@portico/testkit public types', () => {
  it('simulates the clock and the process host that Portico takes', () => {
    expectTypeOf<SimulatedClock>().toExtend<Clock>();
    expectTypeOf<SimulatedProcessHost>().toExtend<ProcessHost>();
    expectTypeOf<Simulation['clock']>().toExtend<Clock>();
    expectTypeOf(faultScheduleArbitrary).returns.toEqualTypeOf<fc.Arbitrary<FaultSchedule>>();
  });
});
