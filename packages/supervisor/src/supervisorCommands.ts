import { waitFor, type ActorRefFrom } from 'xstate';
import type { ChildSpec } from './ChildSpec.ts';
import type { SupervisorLogic } from './createSupervisor.ts';
import { ChildStillRunning, DuplicateChild, SupervisorNotRunning, UnknownChild } from './errors.ts';
import type { ChildInfo, SupervisorSnapshot } from './SupervisorSnapshot.ts';
import { validateChildSpec } from './SupervisorOptions.ts';

/** A running supervisor, as `createActor(createSupervisor(…))` returns it. */
export type SupervisorRef = ActorRefFrom<SupervisorLogic>;

/** The children, in start order, with their state, restart counts and last exit (OTP which_children). */
export function whichChildren(supervisor: SupervisorRef): readonly ChildInfo[] {
  return supervisor.getSnapshot().children;
}

function running(supervisor: SupervisorRef): SupervisorSnapshot {
  const snapshot = supervisor.getSnapshot();
  if (snapshot.status !== 'active' || snapshot.phase !== 'running') {
    throw new SupervisorNotRunning(snapshot.status === 'active' ? snapshot.phase : snapshot.status);
  }
  return snapshot;
}

function child(snapshot: SupervisorSnapshot, id: string): ChildInfo {
  const found = snapshot.children.find((c) => c.id === id);
  if (!found) throw new UnknownChild(id);
  return found;
}

/** Adds a child at the end of the start order and starts it. Throws on an invalid spec or a taken id. */
export function startChild(supervisor: SupervisorRef, spec: ChildSpec): void {
  const snapshot = running(supervisor);
  validateChildSpec(spec, 'spec');
  if (snapshot.children.some((c) => c.id === spec.id)) throw new DuplicateChild(spec.id);
  supervisor.send({ type: 'supervisor.start_child', spec });
}

/** Stops a child within its shutdown time and keeps its spec; a temporary child is removed. */
export function terminateChild(supervisor: SupervisorRef, id: string): void {
  child(running(supervisor), id);
  supervisor.send({ type: 'supervisor.terminate_child', id });
}

/** Starts a terminated child again. */
export function restartChild(supervisor: SupervisorRef, id: string): void {
  if (child(running(supervisor), id).state !== 'terminated') throw new ChildStillRunning(id, 'restarted');
  supervisor.send({ type: 'supervisor.restart_child', id });
}

/** Removes a terminated child's spec. */
export function deleteChild(supervisor: SupervisorRef, id: string): void {
  if (child(running(supervisor), id).state !== 'terminated') throw new ChildStillRunning(id, 'deleted');
  supervisor.send({ type: 'supervisor.delete_child', id });
}

/**
 * Stops every child in reverse start order, each within its shutdown time, and resolves when the
 * supervisor has ended. Idempotent: a second call waits for the same end.
 */
export async function stopSupervisor(supervisor: SupervisorRef): Promise<void> {
  if (supervisor.getSnapshot().status === 'active') supervisor.send({ type: 'portico.shutdown' });
  await waitFor(supervisor, (snapshot) => snapshot.status !== 'active', { timeout: Number.POSITIVE_INFINITY });
}
