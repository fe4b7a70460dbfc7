import type { AnyActorRef, Subscription } from 'xstate';

/**
 * Calls `onReady` once, the first time the child's snapshot satisfies `ready` while it is active.
 * A throwing predicate counts as "not ready yet".
 */
export function watchReady(ref: AnyActorRef, ready: (snapshot: never) => boolean, onReady: () => void): Subscription {
  let signalled = false;
  return ref.subscribe({
    next: (snapshot: { status: string }) => {
      if (signalled || snapshot.status !== 'active') return;
      let isReady = false;
      try {
        isReady = ready(snapshot as never);
      } catch {
        // A throwing predicate means "not ready yet"; the start time limit still applies.
      }
      if (!isReady) return;
      signalled = true;
      onReady();
    },
    // Errors reach the supervisor as xstate.error.actor events; observing them here keeps
    // xstate from reporting them as unhandled.
    error: () => {},
  });
}

