import { WorkerCrashedError, WorkerStartFailedError, WorkerStartupTimeoutError, WorkerUnresponsiveError } from './errors.ts';

/**
 * How a backend process ended: `stopped` (Portico asked it to), `crashed` (it died unasked after
 * it was ready), `failed_to_start` (it died before it was ready, or never started), `timed_out`
 * (it was not ready within `startupTimeLimit` and was killed), `unresponsive` (it was alive but
 * failed its liveness check: it was replaced, and stopped within `shutdownTimeLimit`).
 */
export type WorkerExitKind = 'stopped' | 'crashed' | 'failed_to_start' | 'timed_out' | 'unresponsive';

export interface WorkerExit {
  readonly kind: WorkerExitKind;
  readonly pid: number | undefined;
  readonly code: number | null;
  readonly signal: string | null;
  /** From spawn to exit, in ms. */
  readonly uptimeMs: number;
  /**
   * When it exited (or was found unresponsive), by the worker's clock: earlier than the worker
   * reports it, which waits for the process's output to be on disk. Absent where no process ran.
   */
  readonly exitedAt?: number;
  /** The last of what it wrote to stderr (the in-memory tail). */
  readonly stderrTail: string;
  /** True when it had to be killed after `shutdownTimeLimit`. */
  readonly killed: boolean;
  /** Why it never ran, e.g. the command does not exist. */
  readonly spawnError?: string;
  /** `unresponsive`: how the liveness check failed. */
  readonly reason?: string;
}

/** `code 1`, `signal SIGKILL`, or the spawn error, for messages. */
export function summarizeExit(exit: WorkerExit): string {
  if (exit.spawnError) return exit.spawnError;
  if (exit.kind === 'unresponsive') return exit.reason ?? 'unresponsive';
  return exit.signal ? `signal ${exit.signal}` : `code ${exit.code}`;
}

/** The error a worker actor fails with, carrying its `WorkerExit` as `exit`. */
export function workerExitError(exit: WorkerExit, startupTimeLimit: number, readiness: string): Error & { exit: WorkerExit } {
  const error =
    exit.kind === 'timed_out'
      ? new WorkerStartupTimeoutError(startupTimeLimit, readiness)
      : exit.kind === 'unresponsive'
        ? new WorkerUnresponsiveError(summarizeExit(exit))
      : exit.kind === 'failed_to_start'
        ? new WorkerStartFailedError(summarizeExit(exit))
        : new WorkerCrashedError(summarizeExit(exit));
  return Object.assign(error, { exit });
}

/** The `WorkerExit` inside an error from a worker actor, if it is one. */
export function exitOfError(error: unknown): WorkerExit | undefined {
  return (error as { exit?: WorkerExit } | null)?.exit;
}
