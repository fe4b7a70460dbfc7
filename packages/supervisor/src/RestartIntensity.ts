/**
 * OTP's restart intensity: at most `intensity` restarts within any `period` seconds (a sliding
 * window). ANCM's `rapidFailsPerMinute` is this with period 60.
 */
export interface RestartIntensity {
  readonly intensity: number;
  readonly period: number;
}

/**
 * Records a restart at `now` (ms) into `history` (ascending times, pruned in place to the window)
 * and says whether it stays within the limit.
 */
export function admitRestart(limit: RestartIntensity, history: number[], now: number): boolean {
  const windowStart = now - limit.period * 1000;
  while (history.length > 0 && (history[0] as number) <= windowStart) history.shift();
  history.push(now);
  return history.length <= limit.intensity;
}
