import type { ChildSpec } from '@portico/supervisor';
import { workerMachine, type WorkerSnapshot } from './workerMachine.ts';
import { supervisorShutdown } from './internal/supervisorShutdown.ts';
import { validateWorkerOptions, type WorkerOptions } from './WorkerOptions.ts';

/** What a caller may set on a worker's child spec besides the worker itself. */
export type WorkerChildSettings = Partial<Pick<ChildSpec<typeof workerMachine>, 'restart' | 'shutdown' | 'significant' | 'backoff'>>;

/** Whether a worker's snapshot is ready: its backend listens (or said READY=1) and takes requests. */
function isReady(snapshot: WorkerSnapshot): boolean {
  return snapshot.matches({ live: 'ready' });
}

/**
 * One backend process as a child of your own supervisor. It counts as started once the backend
 * is ready, so the next sibling starts only then and an exit before it is a failed start; and it
 * is given `shutdown` seconds beyond its `shutdownTimeLimit`, so a stop runs the worker's own
 * SIGTERM-then-SIGKILL sequence before the supervisor's limit. Both can be overridden. Wrong
 * options throw `InvalidWorkerOptionError` here, naming the option, rather than fail every start.
 *
 * @example
 * createSupervisor({
 *   strategy: 'one_for_all',
 *   children: [
 *     workerChildSpec('api', { app: 'api', processPath: 'node', arguments: ['api.js'], host }),
 *     workerChildSpec('jobs', { app: 'jobs', processPath: 'python3', arguments: ['jobs.py'], host }, { restart: 'transient' }),
 *   ],
 * });
 */
export function workerChildSpec(id: string, options: WorkerOptions, settings: WorkerChildSettings = {}): ChildSpec<typeof workerMachine> {
  validateWorkerOptions(options);
  return {
    id,
    logic: workerMachine,
    input: { options },
    ready: isReady,
    shutdown: supervisorShutdown(options),
    ...settings,
  };
}
