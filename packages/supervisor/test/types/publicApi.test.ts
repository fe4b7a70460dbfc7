// Type tests of @portico/supervisor's public surface (see packages/portico/test/types).
import { expectTypeOf } from 'expect-type';
import { createActor, type AnyActorRef } from 'xstate';
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
  type SupervisorEmitted,
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

  // docs/supervisor.md: an integrator runs the logic with createActor and listens to its events.
  it('runs as an actor that the commands take, and emits typed events', () => {
    const actor = createActor(createSupervisor());
    expectTypeOf(actor).toExtend<SupervisorRef>();
    actor.on('supervisor.child_restarting', (event) => expectTypeOf(event.group).toEqualTypeOf<readonly string[]>());
    actor.on('*', (event) => expectTypeOf(event).toEqualTypeOf<SupervisorEmitted>());
    // Any actor may be a child: its ref is untyped, and a worker's is cast to WorkerActorRef (docs/worker.md).
    expectTypeOf<ChildInfo['ref']>().toEqualTypeOf<AnyActorRef | undefined>();
  });
});
