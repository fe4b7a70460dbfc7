import type { SupervisorRef } from '@portico/supervisor';
import type { SampleTarget } from '../ResourceSampler.ts';
import type { WorkerActorRef, WorkerSnapshot } from '../workerMachine.ts';

// What a pool reads of its supervisor's children (the worker actors, by slot name): looked up
// when asked, never kept, since a restart puts a new actor in the slot.

/** The actor in slot `name` now, if any. */
export function workerRef(supervisor: SupervisorRef | undefined, name: string): WorkerActorRef | undefined {
  return supervisor?.getSnapshot().children.find((c) => c.id === name)?.ref as WorkerActorRef | undefined;
}

/** The process slot `name` runs now, if any. */
export function processOf(supervisor: SupervisorRef | undefined, name: string): number | undefined {
  return workerRef(supervisor, name)?.getSnapshot().context.pid;
}

/** Every slot with a live process: what the sampler reads. */
export function* sampleTargets(supervisor: SupervisorRef | undefined): Iterable<SampleTarget> {
  for (const child of supervisor?.getSnapshot().children ?? []) {
    const snapshot = child.ref?.getSnapshot() as WorkerSnapshot | undefined;
    const pid = snapshot?.status === 'active' ? snapshot.context.pid : undefined;
    if (pid !== undefined) yield { slot: child.id, pid, startedAt: snapshot!.context.spawnedAt };
  }
}

/** What each slot's current process wrote lately (stdout and stderr together); `''` while a slot has no process. */
export function workerLogs(supervisor: SupervisorRef | undefined): { worker: string; pid: number | undefined; tail: string }[] {
  return (supervisor?.getSnapshot().children ?? []).map((child) => {
    const snapshot = child.ref?.getSnapshot() as WorkerSnapshot | undefined;
    return { worker: child.id, pid: snapshot?.context.pid, tail: snapshot?.context.capture?.tail() ?? '' };
  });
}
