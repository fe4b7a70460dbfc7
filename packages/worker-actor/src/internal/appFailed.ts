import type { ReplacementFailure } from '../RollingRestart.ts';

/**
 * Why a rolling restart or a recycle ended when the pool failed under it (`reason`: the pool's
 * `failure`, rapidFailsPerMinute passed): the app, not one replacement, is what to look at, and
 * the operator is told what brings it back.
 */
export function appFailed(reason: string): ReplacementFailure {
  return {
    error: `the app failed before every worker was replaced: ${reason}; it is started again by itself after its hold (retryFailed), or at once by portico restart once its cause is fixed`,
  };
}
