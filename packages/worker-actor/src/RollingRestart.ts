import type { RecycleReason } from './Recycling.ts';
import type { WorkerExit } from './WorkerExit.ts';

/**
 * Why every worker of a pool is replaced, one at a time, although its config did not change: an
 * operator's `portico restart` (IIS's `OnDemand` recycle), or a watched file that changed (IIS's
 * `ConfigChange`).
 */
export type RestartReason = 'restart' | 'watch';

/** Why a worker is replaced by a new one started beside it: a recycling trigger or a rolling restart. */
export type ReplaceReason = RecycleReason | RestartReason;

/** The replacement that stopped a rolling restart; the workers it did not reach serve on. */
export interface ReplacementFailure {
  /** The worker that was to be replaced, and serves on; absent when the pool stopped meanwhile. */
  readonly worker?: string;
  /** The new worker started beside it that did not become ready, when one was started. */
  readonly replacement?: string;
  /** How that new worker ended, when its exit was recorded. */
  readonly exit?: WorkerExit;
  /** What went wrong, in a sentence. */
  readonly error: string;
}

/**
 * How `WorkerPool.rollingRestart` ended: every worker replaced, or stopped at the first replacement
 * that failed. The workers replaced before it keep their new processes.
 */
export type RollingRestartOutcome = { readonly ok: true } | { readonly ok: false; readonly failure: ReplacementFailure };
