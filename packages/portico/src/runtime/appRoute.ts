import { join } from 'node:path';
import type { Authenticator } from '@portico/auth-forwarder';
import type { AppBackends, AppRoute } from '@portico/router';
import type { AppConfig } from '../config/AppSchema.ts';

/**
 * One app as the router takes it, over `backends`: the pool itself in one process, a front's
 * mirror of it in a front process (docs/architecture.md), so both route by the same settings.
 */
export function appRoute(config: AppConfig, backends: AppBackends, authenticator: Authenticator | undefined): AppRoute {
  return {
    name: config.name,
    match: config.match,
    backends,
    ...(authenticator ? { authenticator } : {}),
    requestTimeout: config.requestTimeout,
    startupTimeLimit: config.queue.timeout,
    maxWaiting: config.queue.maxWaiting,
    disableStartUpErrorPage: config.disableStartUpErrorPage,
    detailedErrors: config.detailedErrors,
    appOfflineFile: join(config.workingDirectory, 'app_offline.htm'),
    eager: config.start === 'eager',
    allowTrace: config.allowTrace,
    trustRequestId: config.trustRequestId,
    stripPrefix: config.stripPrefix,
    ...(config.compat === undefined ? {} : { compat: config.compat }),
  };
}
