import { elasticityDefaults, validateElasticity, type Elasticity } from '../ElasticScaling.ts';
import { InvalidWorkerOptionError } from '../errors.ts';
import type { ListenSocket } from '../ProcessHost.ts';
import { recyclingDefaults, validateRecycling, type Recycling } from '../Recycling.ts';
import { defaultRetryFailed, validateRetryFailed, type RetryFailed } from '../RetryFailed.ts';
import { validateWorkerOptions } from '../WorkerOptions.ts';
import type { WorkerPoolOptions } from '../WorkerPoolOptions.ts';

/** A pool's options with their defaults filled in, each checked: what a `WorkerPool` is made of. */
export interface PoolSettings {
  /** `processesPerApplication`: the workers the pool keeps (an elastic pool's minimum). */
  readonly count: number;
  readonly rapidFailsPerMinute: number;
  readonly retryFailed: RetryFailed;
  readonly recycling: Recycling;
  /** Set when maxProcesses is above processesPerApplication. */
  readonly elasticity: Elasticity | undefined;
  /** Seconds without a request before the workers stop; 0 for never. */
  readonly idleTimeout: number;
}

/**
 * Checks a pool's options up front, in this order, and fills in their defaults; the error names
 * the first option that is wrong and says what it must be.
 */
export function resolvePoolOptions(options: WorkerPoolOptions): PoolSettings {
  validateWorkerOptions({ ...options.worker, ...(options.worker.listenMode === 'socket-activation' ? { listenSocket: placeholderSocket } : {}) });
  const count = options.processesPerApplication ?? 1;
  if (!Number.isInteger(count) || count < 1 || count > 100) {
    throw new InvalidWorkerOptionError('processesPerApplication', `must be a whole number from 1 to 100 (ANCM's range), got ${count}`);
  }
  const rapidFailsPerMinute = options.rapidFailsPerMinute ?? 10;
  if (!Number.isInteger(rapidFailsPerMinute) || rapidFailsPerMinute < 0 || rapidFailsPerMinute > 100) {
    throw new InvalidWorkerOptionError('rapidFailsPerMinute', `must be a whole number from 0 to 100 (ANCM's range), got ${rapidFailsPerMinute}`);
  }
  const retryFailed = options.retryFailed ?? defaultRetryFailed;
  validateRetryFailed(retryFailed);
  const recycling = options.recycling ?? recyclingDefaults;
  validateRecycling(recycling);
  const max = options.maxProcesses ?? 0;
  const elasticity: Elasticity | undefined =
    max === 0 ? undefined : { min: count, max, idleTime: options.processIdleTime ?? elasticityDefaults.idleTime, busyRequests: options.busyRequests ?? elasticityDefaults.busyRequests };
  if (elasticity) validateElasticity(elasticity);
  const idleTimeout = options.idleTimeout ?? 0;
  if (!(Number.isFinite(idleTimeout) && idleTimeout >= 0)) throw new InvalidWorkerOptionError('idleTimeout', `must be seconds, 0 for never, got ${idleTimeout}`);
  return { count, rapidFailsPerMinute, retryFailed, recycling, elasticity, idleTimeout };
}

/** Stands in for the sockets the pool binds itself, so option validation can run up front. */
const placeholderSocket: ListenSocket = { endpoint: { kind: 'tcp', host: '127.0.0.1', port: 0 }, fd: -1, close: async () => {} };
