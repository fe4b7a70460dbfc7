import { createAdminServer, type AdminLogger, type AdminServer, type AdminSource, type RequestMetrics } from '@portico/listener';
import { logEvent, PorticoEvents, type EventLogger, type PorticoEventName } from '@portico/log-sink';
import type { AdminConfig } from '../config/AdminSchema.ts';
import { adminConnectionLimits } from './adminConnectionLimits.ts';
import { adminSocketGroup, configuredAdminToken, randomToken, writeGeneratedTokenAfterBind } from './adminAccess.ts';
import type { Started } from './Portico.ts';

/** Portico's admin endpoint, made and not yet bound. */
export interface PorticoAdmin {
  readonly server: AdminServer;
  /** Binds it; resolves to where, and where the token it made was written (docs/admin.md). */
  start(): Promise<NonNullable<Started['admin']>>;
}

/**
 * The admin endpoint of `admin` over `source`, with its access settled: the configured token, or
 * one made here and written beside the socket once bound; the socket's group.
 */
export function createPorticoAdmin(
  admin: AdminConfig,
  environment: Readonly<Record<string, string | undefined>>,
  source: AdminSource,
  metrics: RequestMetrics,
  logger: EventLogger,
): PorticoAdmin {
  const configured = configuredAdminToken(admin, environment);
  const generated = configured === undefined ? writeGeneratedTokenAfterBind : undefined;
  const group = adminSocketGroup(admin);
  const token = configured ?? randomToken();
  const server = createAdminServer({
    source,
    metrics,
    host: admin.host,
    port: admin.port,
    allowedHosts: admin.allowedHosts,
    token,
    socket: { path: admin.socket, ...(group === undefined ? {} : { group }) },
    limits: adminConnectionLimits(admin.limits),
    logger: adminEventLogger(logger),
  });
  return {
    server,
    async start() {
      const bound = await server.start();
      // Written once the socket's folder exists, with the socket's protection (docs/admin.md).
      const tokenFile = generated?.(admin, token);
      return { host: bound.host, port: bound.port, socket: admin.socket, ...(tokenFile ? { tokenFile } : {}) };
    },
  };
}

/**
 * The admin server's lines that are catalogued events (`admin.*`, docs/events.md), logged as
 * such; the rest say what Portico logs itself already (its admin address, a reload's outcome, an
 * app command's rollout) and are left out. Before, the admin server had no logger at all, so a
 * 500 "see the log" had nothing in the log.
 */
function adminEventLogger(logger: EventLogger): AdminLogger {
  const forward = (fields: object): void => {
    const { event, ...rest } = fields as { event?: unknown };
    if (typeof event === 'string' && Object.hasOwn(PorticoEvents, event)) logEvent(logger, event as PorticoEventName, rest);
  };
  return { info: forward, warn: forward, error: forward };
}
