/** A request that waited longer than the soak's SOAK_SLOW_MS; times in ms from the start of the load. */
export interface SlowRequest {
  readonly sentMs: number;
  readonly waitedMs: number;
  readonly status: number | 'hung';
  /** The backend process that answered, and when it got the request (its x-served-* headers). */
  readonly servedBy: number | undefined;
  readonly servedMs: number | undefined;
}

/** Where a slow request spent its time, told from its own times and when its backend became ready. */
export type SlowCause =
  | 'waited for a worker to start'
  | 'reached a worker that was ready already, late'
  | 'answered by its backend, delivered late'
  | 'Portico\'s own answer (no backend)'
  | 'never answered';

/**
 * Sorts slow requests by cause. A request its backend got before that backend was ready cannot
 * be: one served by a worker that became ready after the request was sent waited for that start
 * (no worker was ready, or the one it was sent to was killed and it waited for a restart).
 */
export function classifySlowRequests(slow: readonly SlowRequest[], readyAt: ReadonlyMap<number, number>): Map<SlowCause, { count: number; longestMs: number }> {
  const causes = new Map<SlowCause, { count: number; longestMs: number }>();
  for (const r of slow) {
    const cause = causeOf(r, readyAt);
    const seen = causes.get(cause) ?? { count: 0, longestMs: 0 };
    causes.set(cause, { count: seen.count + 1, longestMs: Math.max(seen.longestMs, r.waitedMs) });
  }
  return causes;
}

function causeOf(r: SlowRequest, readyAt: ReadonlyMap<number, number>): SlowCause {
  if (r.status === 'hung') return 'never answered';
  if (r.servedBy === undefined || r.servedMs === undefined) return 'Portico\'s own answer (no backend)';
  const before = r.servedMs - r.sentMs;
  const after = r.sentMs + r.waitedMs - r.servedMs;
  if (after > before) return 'answered by its backend, delivered late';
  const ready = readyAt.get(r.servedBy);
  return ready !== undefined && ready > r.sentMs ? 'waited for a worker to start' : 'reached a worker that was ready already, late';
}
