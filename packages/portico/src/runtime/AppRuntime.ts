import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { createAuthenticator, type Authenticator } from '@portico/auth-forwarder';
import { logEvent, type EventLogger } from '@portico/log-sink';
import type { AppRoute } from '@portico/router';
import type { Clock } from '@portico/supervisor';
import { WorkerPool, type PoolHistory, type ProcessHost } from '@portico/worker-actor';
import type { AppConfig } from '../config/AppSchema.ts';
import { toAuthConfig } from '../config/toAuthConfig.ts';
import { toWorkerPoolOptions } from '../config/toWorkerPoolOptions.ts';

export interface AppWiring {
  readonly host: ProcessHost;
  readonly logger: EventLogger;
  readonly clock?: Clock;
  readonly baseEnvironment?: Readonly<Record<string, string | undefined>>;
  /** Seconds between samples of each worker's CPU and memory; 0 turns sampling off. */
  readonly sampleInterval?: number;
}

/** One configured app, live: its pool of workers, its authenticator, and its route. */
export class AppRuntime {
  readonly config: AppConfig;
  readonly pool: WorkerPool;
  readonly authenticator: Authenticator | undefined;
  readonly route: AppRoute;

  /** `history`: the runtime this one replaces goes on in it (restart counts, last exits). */
  constructor(config: AppConfig, wiring: AppWiring, history?: PoolHistory) {
    this.config = config;
    this.pool = new WorkerPool({ ...toWorkerPoolOptions(config, wiring), ...(history ? { history } : {}) });
    const auth = toAuthConfig(config);
    this.authenticator = auth
      ? createAuthenticator(auth, {
          // `secretEnv` is read from the environment the config was loaded with, as `check` reads it.
          ...(wiring.baseEnvironment ? { env: wiring.baseEnvironment } : {}),
          onEvent: ({ name, fields }) => {
            try {
              logEvent(wiring.logger, name as never, { app: config.name, ...fields });
            } catch {
              // An event the catalogue does not know must not fail a request.
            }
          },
        })
      : undefined;
    this.route = {
      name: config.name,
      match: config.match,
      backends: this.pool,
      ...(this.authenticator ? { authenticator: this.authenticator } : {}),
      requestTimeout: config.requestTimeout,
      startupTimeLimit: config.queue.timeout,
      maxWaiting: config.queue.maxWaiting,
      disableStartUpErrorPage: config.disableStartUpErrorPage,
      detailedErrors: config.detailedErrors,
      appOfflineFile: join(config.workingDirectory, 'app_offline.htm'),
      allowTrace: config.allowTrace,
      trustRequestId: config.trustRequestId,
      stripPrefix: config.stripPrefix,
      ...(config.compat === undefined ? {} : { compat: config.compat }),
    };
  }

  /** Whether a reloaded config for this app can keep this runtime as it is. */
  sameAs(config: AppConfig): boolean {
    return isDeepStrictEqual(this.config, config);
  }

  /** Drains and stops the workers, and releases the authenticator and activation sockets. */
  async close(): Promise<void> {
    await Promise.all([this.pool.close(), this.authenticator?.close()]);
  }
}
