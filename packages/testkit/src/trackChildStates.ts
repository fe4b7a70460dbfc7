import type { ChildState, Clock, SupervisorRef } from '@portico/supervisor';

/** Since when each child of one supervisor has been in its current state. */
export interface ChildStateTracker {
  /** Each child's state and the clock time it entered it, in start order. */
  current(): readonly { readonly id: string; readonly state: ChildState; readonly since: number }[];
}

/**
 * Watches a supervisor's snapshots and notes when each child entered its current state, so a
 * test can check how long a state lasted (`assertStateTimeLimits`). Call it before `start()`
 * so the first states are seen at their real times.
 *
 * @example
 * const states = trackChildStates(root, sim.clock);
 * root.start(); … await sim.advance(5_000);
 * assertStateTimeLimits(states, sim.clock, { stopping: 1_000 });
 */
export function trackChildStates(supervisor: SupervisorRef, clock: Pick<Clock, 'now'>): ChildStateTracker {
  let entered = new Map<string, { state: ChildState; since: number }>();
  const note = () => {
    const snapshot = supervisor.getSnapshot();
    const next = new Map<string, { state: ChildState; since: number }>();
    for (const child of snapshot.children) {
      const before = entered.get(child.id);
      next.set(child.id, before?.state === child.state ? before : { state: child.state, since: clock.now() });
    }
    entered = next;
  };
  supervisor.subscribe({ next: note, error: () => {} });
  return {
    current: () => [...entered].map(([id, { state, since }]) => ({ id, state, since })),
  };
}
