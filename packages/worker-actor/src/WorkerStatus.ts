import type { ChildInfo } from '@portico/supervisor';
import type { PoolHistory } from './PoolHistory.ts';
import type { Endpoint } from './ProcessHost.ts';
import type { ResourceSampler, WorkerResources } from './ResourceSampler.ts';
import { exitOfError, type WorkerExit } from './WorkerExit.ts';
import type { WorkerLoad, WorkerSnapshot } from './workerMachine.ts';

/** One worker of a pool as `WorkerPool.status()` shows it. */
export interface WorkerStatus {
  readonly id: string;
  readonly state: string;
  readonly pid: number | undefined;
  readonly endpoint: Endpoint | undefined;
  readonly restarts: number;
  readonly inFlight: number;
  readonly readySince: number | undefined;
  readonly lastExit: WorkerExit | undefined;
  /** When the current process was started (the clock's ms): its uptime is now minus this. */
  readonly startedAt: number | undefined;
  /** Requests the current process has answered. */
  readonly requests: number;
  /** What its process tree cost at the last sample; none before the first, or where the host cannot tell. */
  readonly resources: WorkerResources | undefined;
}

/** The workers of a running pool, from the supervisor's children, their load counters and the last samples. */
export function liveWorkers(children: readonly ChildInfo[], loads: ReadonlyMap<string, WorkerLoad>, history: PoolHistory, sampler: ResourceSampler): WorkerStatus[] {
  return children.map((child) => {
    const snapshot = child.ref?.getSnapshot() as WorkerSnapshot | undefined;
    const crash = child.lastExit?.reason.kind === 'crash' ? exitOfError(child.lastExit.reason.error) : undefined;
    const load = loads.get(child.id);
    const pid = snapshot?.context.pid;
    return {
      id: child.id,
      state: snapshot ? workerState(snapshot) : child.state,
      pid: snapshot?.context.pid,
      endpoint: snapshot?.context.endpoint,
      restarts: history.restarts(child.id) + child.restarts,
      inFlight: load?.inFlight ?? 0,
      readySince: snapshot?.context.readyAt,
      lastExit: crash ?? history.lastExit(child.id),
      startedAt: pid === undefined ? undefined : snapshot?.context.spawnedAt,
      requests: pid === undefined ? 0 : (load?.served ?? 0) - (snapshot?.context.servedAtSpawn ?? 0),
      resources: sampler.get(child.id, pid),
    };
  });
}

/** The workers of a pool without processes (failed, stopped, idle): their names, in `state`, and what they went through. */
export function pastWorkers(names: readonly string[], state: 'failed' | 'idle' | 'stopped', history: PoolHistory): WorkerStatus[] {
  return names.map((id) => ({
    id,
    state,
    pid: undefined,
    endpoint: undefined,
    restarts: history.restarts(id),
    inFlight: 0,
    readySince: undefined,
    lastExit: history.lastExit(id),
    startedAt: undefined,
    requests: 0,
    resources: undefined,
  }));
}

/**
 * What `liveWorkers` shows of each slot that changes by itself, as the workers start, drain and
 * end (name, state, process id), in a string that differs when that does: the pool tells its
 * listeners on a change of it, and not on each of the worker actors' many other snapshots (one
 * per line of output).
 */
export function shownWorkers(children: readonly ChildInfo[]): string {
  let shown = '';
  for (const child of children) {
    const snapshot = child.ref?.getSnapshot() as WorkerSnapshot | undefined;
    shown += `${child.id} ${snapshot ? workerState(snapshot) : child.state} ${snapshot?.context.pid};`;
  }
  return shown;
}

function workerState(snapshot: WorkerSnapshot): string {
  if (snapshot.status !== 'active') return snapshot.status === 'done' ? 'stopped' : 'exited';
  const value = snapshot.value;
  if (typeof value === 'string') return value;
  const live = (value as { live?: unknown }).live;
  return typeof live === 'string' ? live : 'starting';
}
