/**
 * Delay before a restart, growing with consecutive failures (Akka `restartWithBackoff`, PM2
 * `exp_backoff_restart_delay`, systemd `RestartSteps`). Times are in seconds.
 */
export interface Backoff {
  /** Delay before the first restart. */
  readonly min: number;
  /** The delay never grows past this. */
  readonly max: number;
  /** Each consecutive failure multiplies the delay by this. Default 2. */
  readonly factor?: number;
  /** Adds up to this fraction of random extra delay (0.2 = up to 20 %), so a fleet does not restart in step. Default 0. */
  readonly jitter?: number;
  /** A child that stays up this long has its failure count reset to zero. Default (min + max) / 2, as Akka. */
  readonly resetAfter?: number;
}

/** No delay: OTP's behaviour, and the default. */
export const immediate: Backoff = { min: 0, max: 0 };

/**
 * The delay in milliseconds before restart number `attempt` (1 for the first restart after a
 * run of failures). `random` returns a number in [0, 1).
 */
export function backoffDelay(backoff: Backoff, attempt: number, random: () => number): number {
  const factor = backoff.factor ?? 2;
  const base = Math.min(backoff.max, backoff.min * factor ** Math.max(0, attempt - 1));
  const jittered = base * (1 + (backoff.jitter ?? 0) * random());
  return Math.round(jittered * 1000);
}

/** How long, in seconds, a child must stay up for its failure count to reset. */
export function resetAfter(backoff: Backoff): number {
  return backoff.resetAfter ?? (backoff.min + backoff.max) / 2;
}
