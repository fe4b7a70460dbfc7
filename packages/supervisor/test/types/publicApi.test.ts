// Type tests of @portico/supervisor's public surface (see packages/portico/test/types).
import { expectTypeOf } from 'expect-type';
import {
  countChildren,
  createSupervisor,
  deleteChild,
  getChildSpec,
  restartChild,
  startChild,
  terminateChild,
  whichChild,
  type ChildCommandFailure,
  type ChildCommandResult,
  type ChildCounts,
  type ChildInfo,
  type ChildSpec,
  type Clock,
  type SupervisorLogic,
  type SupervisorOptions,
  type SupervisorRef,
} from '@portico/supervisor';

describe('@portico/supervisor public types', () => {
  it('answers every child command with a result, never a bare promise of nothing', () => {
    expectTypeOf(createSupervisor).parameters.toEqualTypeOf<[SupervisorOptions?]>();
    expectTypeOf(createSupervisor).returns.toEqualTypeOf<SupervisorLogic>();
    expectTypeOf(startChild).parameters.toEqualTypeOf<[SupervisorRef, ChildSpec]>();
    for (const command of [startChild, terminateChild, restartChild, deleteChild]) {
      expectTypeOf(command).returns.toEqualTypeOf<Promise<ChildCommandResult>>();
    }
    expectTypeOf<Extract<ChildCommandResult, { ok: false }>['failure']>().toEqualTypeOf<ChildCommandFailure>();
    expectTypeOf<'not_found'>().toExtend<ChildCommandFailure>();
  });

  it('introspects as OTP does', () => {
    expectTypeOf(whichChild).returns.toEqualTypeOf<ChildInfo | undefined>();
    expectTypeOf(getChildSpec).returns.toEqualTypeOf<ChildSpec | undefined>();
    expectTypeOf(countChildren).returns.toEqualTypeOf<ChildCounts>();
    expectTypeOf<Clock['now']>().returns.toEqualTypeOf<number>();
  });
});
