// Type tests of @portico/worker-actor's public surface (see packages/portico/test/types).
import { expectTypeOf } from 'expect-type';
import { createNodeProcessHost, type WorkerPool, type PoolState, type ProcessHost, type ReadyWorker, type WorkerStatus } from '@portico/worker-actor';

describe('@portico/worker-actor public types', () => {
  it('publishes ready workers and statuses from a pool over a ProcessHost', () => {
    expectTypeOf(createNodeProcessHost).returns.toExtend<ProcessHost>();
    expectTypeOf<WorkerPool['ready']>().toEqualTypeOf<readonly ReadyWorker[]>();
    expectTypeOf<WorkerPool['state']>().toEqualTypeOf<PoolState>();
    expectTypeOf<WorkerPool['status']>().returns.toEqualTypeOf<readonly WorkerStatus[]>();
    expectTypeOf<ReadyWorker['pid']>().toEqualTypeOf<number>();
    expectTypeOf<'failed'>().toExtend<PoolState>();
  });
});
