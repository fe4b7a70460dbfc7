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
 * running after a stop. It must be called before `root.start()`, so that every start is seen;
 * `live()` throws if the root's was not.
 *
 * Only xstate's public surface is read, so an xstate update cannot quietly turn the tracker into
 * one that sees nothing: an actor counts as started once the inspection API shows it its
 * `xstate.init` event, and as ended once it has taken `xstate.stop` or its snapshot says `done`,
 * `error` or `stopped`. An actor created but never started is never live.
 *
 * @example
 * const actors = trackActors(supervisor);
 * supervisor.start(); … await stopSupervisor(supervisor);
 * assertQuiescent({ clock: sim.clock, actors });
 */
export function trackActors(root: AnyActorRef): ActorTracker {
  const seen = new Set<AnyActorRef>([root]);
  const started = new Set<AnyActorRef>();
  // Stopped even where the logic ignores `xstate.stop` and its snapshot still says 'active'.
  const stopped = new Set<AnyActorRef>();
  root.system.inspect({
    next: (event) => {
      const actor = event.actorRef as AnyActorRef;
      if (event.type === '@xstate.actor') seen.add(actor);
      else if (event.type === '@xstate.event' && event.event.type === 'xstate.init') {
        // Children invoked by the root's initial state were created with it, before any inspector.
        seen.add(actor);
        started.add(actor);
      }
      else if (event.type === '@xstate.snapshot' && event.event.type === 'xstate.stop') stopped.add(actor);
    },
  });
  const isLive = (actor: AnyActorRef): boolean => !stopped.has(actor) && (actor.getSnapshot() as { status: string }).status === 'active';
  return {
    live: () => {
      if (!started.has(root)) throw new Error('trackActors(root) saw no start of root: call it before root.start()');
      return [...started].filter(isLive);
    },
    get created() {
      return seen.size;
    },
  };
}
