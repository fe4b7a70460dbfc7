// Type tests of @portico/worker-actor's public surface (see packages/portico/test/types).
import { expectTypeOf } from 'expect-type';
import type { ChildSpec, SupervisorOptions } from '@portico/supervisor';
import {
  createNodeProcessHost,
  workerChildSpec,
  type Endpoint,
  type WorkerActorRef,
  type WorkerChildSettings,
  type WorkerOptions,
  type WorkerPool,
  type PoolState,
  type ProcessHost,
  type ReadyWorker,
  type WorkerStatus,
} from '@portico/worker-actor';

describe('@portico/worker-actor public types', () => {
  it('publishes ready workers and statuses from a pool over a ProcessHost', () => {
    expectTypeOf(createNodeProcessHost).returns.toExtend<ProcessHost>();
    expectTypeOf<WorkerPool['ready']>().toEqualTypeOf<readonly ReadyWorker[]>();
    expectTypeOf<WorkerPool['state']>().toEqualTypeOf<PoolState>();
    expectTypeOf<WorkerPool['status']>().returns.toEqualTypeOf<readonly WorkerStatus[]>();
    expectTypeOf<ReadyWorker['pid']>().toEqualTypeOf<number>();
    expectTypeOf<'failed'>().toExtend<PoolState>();
  });

  // docs/worker.md, In your own supervision tree: a worker is a child of the integrator's own
  // supervisor, and its endpoint and pairing token are read from its actor, typed.
  it('makes a child spec for your own supervisor, and names what its actor holds', () => {
    expectTypeOf(workerChildSpec).parameters.toEqualTypeOf<[string, WorkerOptions, WorkerChildSettings?]>();
    expectTypeOf(workerChildSpec).returns.toExtend<NonNullable<SupervisorOptions['children']>[number]>();
    expectTypeOf(workerChildSpec).returns.toExtend<ChildSpec>();
    type Context = ReturnType<WorkerActorRef['getSnapshot']>['context'];
    expectTypeOf<Context['endpoint']>().toEqualTypeOf<Endpoint | undefined>();
    expectTypeOf<Context['token']>().toEqualTypeOf<string | undefined>();
    expectTypeOf<Context['pid']>().toEqualTypeOf<number | undefined>();
  });
});
