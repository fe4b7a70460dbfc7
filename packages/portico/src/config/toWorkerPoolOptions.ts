import type { EventLogger, OutputLine } from '@portico/log-sink';
import type { Clock } from '@portico/supervisor';
import type { OutputOptions, ProcessHost, WorkerPoolOptions } from '@portico/worker-actor';
import { lookupAccount, type Account } from '../internal/config/lookupAccount.ts';
import type { AppConfig } from './AppSchema.ts';

export interface PoolWiring {
  readonly host: ProcessHost;
  readonly clock?: Clock;
  readonly logger?: EventLogger;
  /** The environment backends inherit before `environmentVariables`; default `process.env`. */
  readonly baseEnvironment?: Readonly<Record<string, string | undefined>>;
  /** The config's top-level `sampleInterval`. */
  readonly sampleInterval?: number;
  /** Told of every line the app's processes write (`WorkerPoolOptions.onOutput`, with the app's config they run under). */
  readonly onOutput?: (app: AppConfig, worker: string, pid: number, lines: readonly OutputLine[]) => void;
}

/**
 * The `WorkerPool` options for one loaded app: ANCM's names map one to one, `match.path` becomes
 * the backend's `PORTICO_APPL_PATH`, `restart.backoff` the supervisor's backoff, and
 * `restart.retryFailed` when a failed pool starts again.
 *
 * @example
 * const pool = new WorkerPool(toWorkerPoolOptions(config.apps[0], { host: createNodeProcessHost() }));
 */
/** `stdoutLog` as the capture takes it: times in milliseconds, and `retain` bounds each process's own series too. */
function toOutputOptions(app: AppConfig): OutputOptions {
  const { timestamps, maxFileBytes, retain, maxAge, maxTotalBytes, compress } = app.stdoutLog;
  return {
    stdoutLogEnabled: app.stdoutLogEnabled,
    stdoutLogFile: app.stdoutLogFile,
    timestamps,
    maxFileBytes,
    maxFiles: retain,
    retention: {
      retain,
      compress,
      ...(maxAge === undefined ? {} : { maxAgeMs: Math.max(1, Math.round(maxAge * 1000)) }),
      ...(maxTotalBytes === undefined ? {} : { maxTotalBytes }),
    },
  };
}

export function toWorkerPoolOptions(app: AppConfig, wiring: PoolWiring): WorkerPoolOptions {
  return {
    worker: {
      app: app.name,
      processPath: app.processPath,
      arguments: app.arguments,
      workingDirectory: app.workingDirectory,
      environmentVariables: app.environmentVariables,
      listenMode: app.listenMode,
      readiness: app.readiness,
      ...(app.liveness === undefined ? {} : { liveness: app.liveness }),
      ...(app.user === undefined ? {} : { account: accountOf(app.user, app.group) }),
      ...(app.memoryMax === undefined && app.cpuQuota === undefined && app.tasksMax === undefined
        ? {}
        : {
            limits: {
              ...(app.memoryMax === undefined ? {} : { memoryMax: app.memoryMax }),
              ...(app.cpuQuota === undefined ? {} : { cpuQuota: app.cpuQuota }),
              ...(app.tasksMax === undefined ? {} : { tasksMax: app.tasksMax }),
            },
          }),
      startupTimeLimit: app.startupTimeLimit,
      shutdownTimeLimit: app.shutdownTimeLimit,
      applPath: app.match.path,
      ...(app.compat === undefined ? {} : { compat: app.compat }),
      output: toOutputOptions(app),
      host: wiring.host,
      ...(wiring.baseEnvironment === undefined ? {} : { baseEnvironment: wiring.baseEnvironment }),
    },
    processesPerApplication: app.processesPerApplication,
    maxProcesses: app.maxProcesses,
    processIdleTime: app.processIdleTime,
    busyRequests: app.busyRequests,
    rapidFailsPerMinute: app.rapidFailsPerMinute,
    backoff: app.restart.backoff,
    retryFailed: app.restart.retryFailed,
    recycling: app.recycling,
    idleTimeout: app.idleTimeout,
    ...(wiring.sampleInterval === undefined ? {} : { sampleInterval: wiring.sampleInterval }),
    ...(wiring.clock === undefined ? {} : { clock: wiring.clock }),
    ...(wiring.logger === undefined ? {} : { logger: wiring.logger }),
    ...(wiring.onOutput === undefined ? {} : { onOutput: wiring.onOutput.bind(undefined, app) }),
  };
}

/** The loader checked the account exists; a system changed since then is said at start. */
function accountOf(user: string, group: string | undefined): Account & { readonly name: string } {
  const account = lookupAccount(user, group);
  if (typeof account === 'string') throw new Error(`apps: user ${user}: ${account}`);
  return { ...account, name: user };
}
