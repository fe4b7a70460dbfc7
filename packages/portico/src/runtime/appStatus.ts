import type { AppStatus } from '@portico/listener';
import type { WorkerStatus } from '@portico/worker-actor';
import type { AppRuntime } from './AppRuntime.ts';

/** One app as `/status` shows it: its pool now, and what happened to it (docs/admin.md). */
export function appStatus(
  app: AppRuntime,
  queueDepth: number,
  rollout: { readonly message: string; readonly at: number } | undefined,
  frontsInFlight?: (slot: string, pid: number | undefined) => number,
): AppStatus {
  const { pool } = app;
  // With fronts, the requests in flight are theirs: as each last reported.
  const workers = pool.status().map((w) => wholeMs(frontsInFlight ? { ...w, inFlight: w.inFlight + frontsInFlight(w.id, w.pid) } : w));
  return {
    name: app.config.name,
    match: app.config.match,
    state: pool.state,
    eager: app.config.start === 'eager',
    workers,
    ...appSums(workers),
    queueDepth,
    ...(pool.failure === undefined ? {} : { failure: pool.failure }),
    ...(pool.retryAt === undefined ? {} : { retryAt: Math.round(pool.retryAt) }),
    ...(pool.newWorkerWait === undefined ? {} : { newWorkerWait: { failures: pool.newWorkerWait.failures, retryAt: Math.round(pool.newWorkerWait.retryAt) } }),
    ...(rollout === undefined ? {} : { rollout: { state: 'failed' as const, message: rollout.message, at: Math.round(rollout.at) } }),
    exits: pool.history.exits.map((e) => ({ worker: e.worker, pid: e.pid, at: Math.round(e.at), kind: e.kind, code: e.code, signal: e.signal, uptimeMs: Math.round(e.uptimeMs), stderrTail: e.stderrTail })),
    history: pool.history.states.map((h) => ({ ...h, at: Math.round(h.at) })),
  };
}

/**
 * A worker's times and durations in whole milliseconds, as every other time of the status: the
 * pool keeps them on the monotonic clock, whose fractions of a millisecond mean nothing to an
 * operator (docs/admin.md).
 */
function wholeMs(worker: WorkerStatus): WorkerStatus {
  const { readySince, startedAt, lastExit, resources } = worker;
  return {
    ...worker,
    readySince: readySince === undefined ? undefined : Math.round(readySince),
    startedAt: startedAt === undefined ? undefined : Math.round(startedAt),
    lastExit: lastExit && { ...lastExit, uptimeMs: Math.round(lastExit.uptimeMs), ...(lastExit.exitedAt === undefined ? {} : { exitedAt: Math.round(lastExit.exitedAt) }) },
    resources: resources && { ...resources, sampledAt: Math.round(resources.sampledAt) },
  };
}

/** An app's figures: its workers' sums. */
function appSums(workers: readonly WorkerStatus[]): Pick<AppStatus, 'resources' | 'requests' | 'inFlight'> {
  let requests = 0;
  let inFlight = 0;
  let resources: { cpuPercent: number; cpuSeconds: number; memoryBytes: number; fds: number; processes: number } | undefined;
  for (const worker of workers) {
    requests += worker.requests;
    inFlight += worker.inFlight;
    const r = worker.resources;
    if (!r) continue;
    resources ??= { cpuPercent: 0, cpuSeconds: 0, memoryBytes: 0, fds: 0, processes: 0 };
    resources.cpuPercent += r.cpuPercent;
    resources.cpuSeconds += r.cpuSeconds;
    resources.memoryBytes += r.memoryBytes;
    resources.fds += r.fds;
    resources.processes += r.processes;
  }
  return { requests, inFlight, ...(resources ? { resources } : {}) };
}
