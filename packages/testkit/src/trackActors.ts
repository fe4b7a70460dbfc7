import type { AnyActorRef } from 'xstate';

/** Every actor of one actor system, as seen through xstate's inspection API. */
export interface ActorTracker {
  /** Actors that were started and have not stopped, finished or failed. */
  live(): readonly AnyActorRef[];
  /** How many actors the system has created so far. */
  readonly created: number;
}

// xstate's ProcessingStatus.Running; it is not exported, and a done actor may keep an
// 'active'-looking snapshot for a moment, so the processing status is what says "still running".
const running = 1;

/**
 * Tracks the actors of `root`'s system (root included), so a test can prove that none is left
 * running after a stop. Call it before `root.start()` so that every child is seen.
 *
 * @example
 * const actors = trackActors(supervisor);
 * supervisor.start(); … await stopSupervisor(supervisor);
 * assertQuiescent({ clock: sim.clock, actors });
 */
export function trackActors(root: AnyActorRef): ActorTracker {
  const seen = new Set<AnyActorRef>([root]);
  root.system.inspect({
    next: (event) => {
      if (event.type === '@xstate.actor') seen.add(event.actorRef as AnyActorRef);
    },
  });
  return {
    live: () => [...seen].filter((ref) => (ref as unknown as { _processingStatus: number })._processingStatus === running && ref.getSnapshot().status === 'active'),
    get created() {
      return seen.size;
    },
  };
}
