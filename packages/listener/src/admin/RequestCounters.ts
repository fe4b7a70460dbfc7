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
}

/** Every app's counters of one `RequestMetrics`, by app name. */
export type RequestCountersSnapshot = Readonly<Record<string, AppCountersSnapshot>>;

/** `into` plus `add`, field by field. */
export function addCounters(into: AppCountersSnapshot | undefined, add: AppCountersSnapshot): AppCountersSnapshot {
  if (!into) return add;
  const sum = (a: readonly number[], b: readonly number[]) => a.map((n, i) => n + (b[i] ?? 0));
  return {
    requests: sum(into.requests, add.requests),
    buckets: sum(into.buckets, add.buckets),
    durationSumMs: into.durationSumMs + add.durationSumMs,
    bytesIn: into.bytesIn + add.bytesIn,
    bytesOut: into.bytesOut + add.bytesOut,
    upstreamFailures: into.upstreamFailures + add.upstreamFailures,
  };
}
