import { workerDefaults, type WorkerOptions } from '../WorkerOptions.ts';

/**
 * The seconds a supervisor waits beyond the worker's own `shutdownTimeLimit` before it stops
 * the actor outright: the worker's SIGTERM, wait and SIGKILL run first, so its exit is reported
 * as the backend's, and the supervisor's limit only backs it up.
 */
const SHUTDOWN_BACKSTOP = 5;

/** The `shutdown` a supervisor's child spec gives a worker: its own limit, then the backstop. */
export function supervisorShutdown(options: Pick<WorkerOptions, 'shutdownTimeLimit'>): number {
  return (options.shutdownTimeLimit ?? workerDefaults.shutdownTimeLimit) + SHUTDOWN_BACKSTOP;
}
