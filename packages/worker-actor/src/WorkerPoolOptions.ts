import type { EventLogger, OutputLine } from '@portico/log-sink';
import type { Backoff, Clock } from '@portico/supervisor';
import type { PoolHistory } from './PoolHistory.ts';
import type { Recycling } from './Recycling.ts';
import type { RetryFailed } from './RetryFailed.ts';
import type { WorkerOptions } from './WorkerOptions.ts';

/** What a `WorkerPool` is made with; every key but `worker` has a default. */
export interface WorkerPoolOptions {
  readonly worker: Omit<WorkerOptions, 'listenSocket'>;
  /** ANCM's processesPerApplication. Default 1. */
  readonly processesPerApplication?: number;
  /** ANCM's rapidFailsPerMinute: restarts allowed within 60 s before the app is failed. Default 10. */
  readonly rapidFailsPerMinute?: number;
  /** Delay between restarts. Default 0.1 s doubling to 5 s, 20 % jitter. */
  readonly backoff?: Backoff;
  /** When a failed pool is started again, by itself. Default 60 s, doubling to 600 s. */
  readonly retryFailed?: RetryFailed;
  /** What happened so far, from the pool this one replaces (a rollout): copied, then kept apart. */
  readonly history?: PoolHistory;
  /** Seconds between samples of each worker's CPU, memory and file descriptors; 0 turns sampling off. Default 5. */
  readonly sampleInterval?: number;
  /** When the workers are replaced, overlapped, although nothing is wrong (IIS's periodicRestart). Default: never. */
  readonly recycling?: Recycling;
  /**
   * Above processesPerApplication: the pool is elastic, and grows up to this many workers when
   * every ready one is busy (IIS's maxProcesses, Passenger's passenger_max_instances). 0 (the
   * default): a fixed count.
   */
  readonly maxProcesses?: number;
  /** Elastic pools: seconds with a worker more than needed before one is retired (Passenger's passenger_pool_idle_time). Default 300. */
  readonly processIdleTime?: number;
  /** Elastic pools: requests in flight at which a worker is busy. Default 1. */
  readonly busyRequests?: number;
  /** Seconds without a request after which the workers are drained and stopped, and the pool is `idle` again (IIS's idleTimeout); 0: never. Default 0. */
  readonly idleTimeout?: number;
  readonly clock?: Clock;
  readonly logger?: EventLogger;
  /**
   * Told of every line each worker's processes write, with the slot (`shop#1`) and pid, in the
   * order written: a process's last line comes before its successor's first.
   */
  readonly onOutput?: (worker: string, pid: number, lines: readonly OutputLine[]) => void;
}

/** Restarts of a pool's workers when `backoff` is not given: 0.1 s doubling to 5 s, 20 % jitter. */
export const defaultBackoff: Backoff = { min: 0.1, max: 5, jitter: 0.2, resetAfter: 30 };
