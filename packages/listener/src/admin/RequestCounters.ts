/** One app's request counters, as plain numbers: what a front process sends the control process. */
export interface AppCountersSnapshot {
  /** By status class, 1xx to 5xx. */
  readonly requests: readonly number[];
  /** Per latency bucket (not cumulative), `+Inf` last. */
  readonly buckets: readonly number[];
  readonly durationSumMs: number;
  readonly bytesIn: number;
  readonly bytesOut: number;
  readonly upstreamFailures: number;
  /** Requests whose client left before any of the response reached it (status 499). */
  readonly clientClosed: number;
  /** Requests whose response's head reached the client but whose response was cut (`incomplete`). */
  readonly incomplete: number;
}

/** Every app's counters of one `RequestMetrics`, by app name. */
export type RequestCountersSnapshot = Readonly<Record<string, AppCountersSnapshot>>;

/**
 * `a + b`, held at the largest finite number: a sum of figures other processes sent stays finite
 * whatever they sent, and Infinity in a counter would stay there for good (review of issue 21:
 * two fronts reporting 1e308 each made `/metrics` +Inf, and `retireSource` kept it).
 */
export const addFinite = (a: number, b: number): number => Math.min(a + b, Number.MAX_VALUE);

/** `into` plus `add`, field by field. */
export function addCounters(into: AppCountersSnapshot | undefined, add: AppCountersSnapshot): AppCountersSnapshot {
  if (!into) return add;
  const sum = (a: readonly number[], b: readonly number[]) => a.map((n, i) => addFinite(n, b[i] ?? 0));
  return {
    requests: sum(into.requests, add.requests),
    buckets: sum(into.buckets, add.buckets),
    durationSumMs: addFinite(into.durationSumMs, add.durationSumMs),
    bytesIn: addFinite(into.bytesIn, add.bytesIn),
    bytesOut: addFinite(into.bytesOut, add.bytesOut),
    upstreamFailures: addFinite(into.upstreamFailures, add.upstreamFailures),
    clientClosed: addFinite(into.clientClosed, add.clientClosed),
    incomplete: addFinite(into.incomplete, add.incomplete),
  };
}
