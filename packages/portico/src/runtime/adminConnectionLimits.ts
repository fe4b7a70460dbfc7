import type { AdminConnectionLimits } from '@portico/listener';
import type { AdminLimitsConfig } from '../config/AdminLimitsSchema.ts';

/** The admin server's `limits` from the config file's `admin.limits` (seconds to milliseconds). */
export function adminConnectionLimits(limits: AdminLimitsConfig): AdminConnectionLimits {
  return { connections: limits.maxConnections, unadmitted: limits.maxUnadmitted, headTimeoutMs: Math.round(limits.headersTimeout * 1000) };
}
