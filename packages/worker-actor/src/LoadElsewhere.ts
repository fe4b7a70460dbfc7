/**
 * The requests on a pool's workers that other processes forward (the fronts, which report every
 * second), by worker process: a pool adds them to its own when it decides to grow or shrink.
 */
export interface LoadElsewhere {
  /** Requests in flight on the process now, as last reported. */
  inFlight(id: string, pid: number): number;
  /** The most in flight at once on the process over the last report's period. */
  peak(id: string, pid: number): number;
}
