import type { Clock } from '@portico/supervisor';
import type { SimulatedProcessHost } from '../SimulatedProcessHost.ts';
import type { ActorTracker } from '../trackActors.ts';
import { assertNoOrphans } from './assertNoOrphans.ts';
import { violated, type CheckOptions } from './violated.ts';

/**
 * Nothing is left after a stop: no pending timer on the clock, no live actor (when `actors` is
 * given), no live simulated process or grandchild (when `host` is given).
 */
export function assertQuiescent(
  world: { readonly clock: Clock & { readonly pendingTimers: number }; readonly host?: SimulatedProcessHost; readonly actors?: ActorTracker },
  options: CheckOptions = {},
): void {
  if (world.clock.pendingTimers !== 0) violated('nothing left after stop', `${world.clock.pendingTimers} timer(s) still pending`, options);
  const live = world.actors?.live() ?? [];
  if (live.length > 0) violated('nothing left after stop', `${live.length} actor(s) still running: ${live.map((a) => a.id).join(', ')}`, options);
  if (world.host) assertNoOrphans(world.host, options);
}
