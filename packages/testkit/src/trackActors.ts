import type { AnyActorRef } from 'xstate';

/** Every actor of one actor system, as seen through xstate's inspection API. */
export interface ActorTracker {
  /** Actors that were started and have not stopped, finished or failed. */
  live(): readonly AnyActorRef[];
  /** How many actors the system has created so far. */
  readonly created: number;
}

/**
 * Tracks the actors of `root`'s system (root included), so a test can prove that none is left
 * running after a stop. Call it before `root.start()` so that every child is seen.
 *
 * Only xstate's public surface is read: an actor counts as started once the inspection API shows
 * it its `xstate.init` event, and as ended once its snapshot says `done`, `error` or `stopped`.
 * An actor created but never started (a spawn cancelled in the same step) is never live.
 *
 * @example
 * const actors = trackActors(supervisor);
 * supervisor.start(); … await stopSupervisor(supervisor);
 * assertQuiescent({ clock: sim.clock, actors });
 */
export function trackActors(root: AnyActorRef): ActorTracker {
  const seen = new Set<AnyActorRef>([root]);
  const started = new Set<AnyActorRef>();
  root.system.inspect({
    next: (event) => {
      if (event.type === '@xstate.actor') seen.add(event.actorRef as AnyActorRef);
      else if (event.type === '@xstate.event' && event.event.type === 'xstate.init') started.add(event.actorRef as AnyActorRef);
    },
  });
  return {
    live: () => [...started].filter((ref) => ref.getSnapshot().status === 'active'),
    get created() {
      return seen.size;
    },
  };
}
