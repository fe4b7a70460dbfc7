import type { AnyActorRef } from 'xstate';
import type { Clock } from '@portico/supervisor';
import type { TimedEvent } from './recordEvents.ts';

/**
 * Records what every actor of `root`'s system emits (the root, the supervisors nested in it and
 * their workers, every incarnation) with the clock's time, the emitter's `actorId` (a child's id
 * and incarnation in its supervisor: `inner#2`) and `sessionId` (xstate's, one per actor).
 * `recordEvents` hears one actor you hold; a nested supervisor is replaced at each restart, and
 * one subscribed to only once it is seen may have started and given up unheard. Call it before
 * `root.start()`: the events of the start are emitted as it runs.
 *
 * @example
 * const events = recordTreeEvents(root, sim.clock);
 * root.start(); …
 * const inner = events.filter((e) => String(e.actorId).startsWith('inner#'));
 * for (const id of new Set(inner.map((e) => e.sessionId))) assertRestartIntensity(inner.filter((e) => e.sessionId === id), innerPolicy);
 */
export function recordTreeEvents(root: AnyActorRef, clock: Clock, into: TimedEvent[] = []): TimedEvent[] {
  const heard = new Set<AnyActorRef>();
  const hear = (actor: AnyActorRef) => {
    if (heard.has(actor)) return;
    heard.add(actor);
    actor.on('*', (event: { type: string }) => into.push({ ...event, at: clock.now(), actorId: actor.id, sessionId: actor.sessionId }));
  };
  hear(root);
  // '@xstate.actor' comes as an actor is created, before its start runs its first actions.
  root.system.inspect({ next: (event) => event.type === '@xstate.actor' && hear(event.actorRef as AnyActorRef) });
  return into;
}
