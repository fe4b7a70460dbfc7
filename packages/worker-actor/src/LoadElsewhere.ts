/**
 * The requests on a pool's workers that other processes forward (the fronts, which report every
 * second), by worker process: a pool adds them to its own when it decides to grow or shrink.
 */
export interface LoadElsewhere {
  /** Requests in flight on the process now, as last reported. */
  inFlight(id: string, pid: number): number;
  /**
   * The most in flight at once on the process since the last call, as reported (every report's
   * peak counts, however many came between two calls); the next period starts from what is in
   * flight now. Read by the pool's look, as `takePeak` reads its own.
   */
  takePeak(id: string, pid: number): number;
}
