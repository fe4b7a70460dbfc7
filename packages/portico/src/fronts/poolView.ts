import type { Clock } from '@portico/supervisor';
import type { WorkerPool } from '@portico/worker-actor';
import type { PoolView } from './FrontMessage.ts';

/** What a front needs of a pool to route to it, in plain JSON. */
export function poolView(pool: WorkerPool, clock: Clock): PoolView {
  return {
    state: pool.state,
    ready: pool.ready.map((w) => ({ id: w.id, pid: w.pid, endpoint: w.endpoint, token: w.token })),
    lastExit: pool.lastExit,
    // The clocks of two processes differ: a delay travels, not a time.
    retryIn: pool.retryAt === undefined ? undefined : Math.max(0, pool.retryAt - clock.now()),
    held: pool.held,
  };
}
