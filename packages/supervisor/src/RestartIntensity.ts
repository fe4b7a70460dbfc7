/**
 * OTP's restart intensity: at most `intensity` restarts within any `period` seconds (a sliding
 * window). ANCM's `rapidFailsPerMinute` is this with period 60.
 *
 * The window ending at `now` holds the restarts dated `now - period * 1000` ms or later: both
 * ends are in it, as in OTP's supervisor.erl (`inPeriod`: `Now =< Then + Period`). OTP dates
 * restarts in whole seconds of monotonic time, so its window is `period` to `period + 1` s long
 * depending on where in their seconds the restarts fall; Portico's clock is in milliseconds, and
 * its window is exactly `period` s long. Both agree for restarts whole seconds apart.
 */
export interface RestartIntensity {
  readonly intensity: number;
  readonly period: number;
}

/**
 * Records a restart at `at` (ms) into `history` (ascending times, pruned in place to the window
 * that ends at the latest of them) and says whether it stays within the limit. Restarts are
 * dated when their child exited, and an exit may be heard of after a later one (a worker reports
 * its process's exit once the output is on disk): such a restart goes in its place in time, and
 * one more than a whole period older than the latest falls in no window that is still open.
 */
export function admitRestart(limit: RestartIntensity, history: number[], at: number): boolean {
  const windowStart = Math.max(at, history.at(-1) ?? at) - limit.period * 1000;
  while (history.length > 0 && (history[0] as number) < windowStart) history.shift();
  if (at < windowStart) return history.length <= limit.intensity;
  let place = history.length;
  while (place > 0 && (history[place - 1] as number) > at) place--;
  history.splice(place, 0, at);
  return history.length <= limit.intensity;
}
