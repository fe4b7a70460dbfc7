import { logEvent, type EventLogger } from '@portico/log-sink';
import type { SupervisorEmitted } from '@portico/supervisor';
import type { ProcessIsolation, ResourceLimits } from '../ProcessHost.ts';
import { exitOfError } from '../WorkerExit.ts';
import type { WorkerEmitted } from '../workerMachine.ts';
import type { WorkerOptions } from '../WorkerOptions.ts';

/** Logs what a worker of `app` emitted, under its catalogue name. */
export function logWorkerEvent(logger: EventLogger, app: string, event: WorkerEmitted): void {
  if (event.type === 'output.event') {
    const { event: name, ...fields } = event.event;
    return logEvent(logger, name, { app, ...fields });
  }
  if (event.type === 'worker.exited') {
    if (event.exit.kind === 'failed_to_start') return logEvent(logger, 'worker.start_failed', { app, exit: event.exit });
    // A stop Portico asked for (a reload, a rollout, portico stop) is routine: info, not warn.
    return logEvent(logger, 'worker.exited', { app, exit: event.exit, expected: event.exit.kind === 'stopped' });
  }
  // `pid` is Portico's own on every log line; the backend's is `workerPid`.
  const { type, pid, ...fields } = event;
  logEvent(logger, type, { app, workerPid: pid, ...fields });
}

/** Logs what the supervisor of `app`'s workers emitted, a crash with the worker's exit rather than the error object. */
export function logSupervisorEvent(logger: EventLogger, app: string, event: SupervisorEmitted): void {
  const { type, ...fields } = event;
  const exit = 'exit' in fields && fields.exit.kind === 'crash' ? { ...fields, exit: exitOfError(fields.exit.error) ?? fields.exit } : fields;
  logEvent(logger, type, { supervisor: app, ...exit });
}

/** Limits asked for that the host cannot apply are said once per start, never dropped in silence. */
export function reportLimits(logger: EventLogger, app: string, worker: Pick<WorkerOptions, 'limits' | 'host'>): void {
  const { limits, host } = worker;
  if (!limits) return;
  const isolation = host.isolation?.() ?? { kind: 'process-group', why: 'the process host has no cgroups' };
  const missing = unappliedLimits(limits, isolation);
  if (missing.length === 0) return;
  const why = isolation.kind === 'process-group' ? isolation.why : (isolation.why ?? `the cgroup v2 controllers enabled for ${isolation.path} are: ${isolation.controllers.join(', ') || 'none'}`);
  logEvent(logger, 'worker.limits_unavailable', { app, limits: missing, why });
}

const limitController = { memoryMax: 'memory', cpuQuota: 'cpu', tasksMax: 'pids' } as const;

/** The limits of `limits` that `isolation` cannot apply: no cgroup, or not its controller. */
function unappliedLimits(limits: ResourceLimits, isolation: ProcessIsolation): string[] {
  return (Object.keys(limitController) as (keyof typeof limitController)[]).filter(
    (key) => limits[key] !== undefined && (isolation.kind !== 'cgroup' || !isolation.controllers.includes(limitController[key])),
  );
}
