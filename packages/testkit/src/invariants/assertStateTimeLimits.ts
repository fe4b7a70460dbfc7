import type { ChildState, Clock } from '@portico/supervisor';
import { formatTime } from '../Simulation.ts';
import type { ChildStateTracker } from '../trackChildStates.ts';
import { violated, type CheckOptions } from './violated.ts';

/**
 * No child has been in a state longer than that state's limit (milliseconds), e.g.
 * `{ stopping: 3_000 }`: a stop must end, a start must be decided. A supervisor that loses
 * track of a child leaves it in one state for ever, which no check on events alone can see.
 */
export function assertStateTimeLimits(
  tracker: ChildStateTracker,
  clock: Pick<Clock, 'now'>,
  limits: Partial<Record<ChildState, number>>,
  options: CheckOptions = {},
): void {
  const now = clock.now();
  for (const { id, state, since } of tracker.current()) {
    const limit = limits[state];
    if (limit !== undefined && now - since > limit) {
      violated(
        `a child leaves ${state} within ${limit}ms`,
        `${id} has been ${state} since t=${formatTime(since)}, ${formatTime(now - since)} by t=${formatTime(now)}`,
        options,
      );
    }
  }
}
