import type { PorticoStatus } from '../AdminSource.ts';
import type { AppCountersSnapshot, RequestCountersSnapshot } from '../RequestCounters.ts';
import { durationBuckets } from '../RequestMetrics.ts';

/** Request figures over one sample's interval. Latencies are `null` when no request ended in it. */
export interface RequestFigures {
  readonly requestsPerSecond: number;
  readonly serverErrorsPerSecond: number;
  /** Estimated from the latency histogram's buckets, as Prometheus' `histogram_quantile` does. */
  readonly p50Ms: number | null;
  readonly p99Ms: number | null;
}

/** Request figures plus what the processes cost at the last resource sample, by worker slot (an app) or by app (the total). */
export interface HistoryFigures extends RequestFigures {
  readonly cpuPercent: Readonly<Record<string, number>>;
  readonly memoryBytes: Readonly<Record<string, number>>;
}

/** One front's request figures: over all its apps, and by app. */
export interface FrontFigures extends RequestFigures {
  readonly apps: Readonly<Record<string, RequestFigures>>;
}

/** One second of the page's charts. */
export interface HistorySample {
  /** When it was taken, milliseconds since the Unix epoch. */
  readonly at: number;
  readonly intervalMs: number;
  /** Over every app; CPU and memory by app. */
  readonly total: HistoryFigures;
  /** By app; CPU and memory by worker slot. */
  readonly apps: Readonly<Record<string, HistoryFigures>>;
  /** With several fronts: by front number. */
  readonly fronts?: Readonly<Record<string, FrontFigures>>;
}

const boundsMs = durationBuckets.map((s) => s * 1000);

/**
 * A fixed ring of the last `capacity` samples, one per `record` (the live feed records one a
 * second): what the status page draws, so a page opened now shows the last minutes. Memory is
 * bounded by the capacity times the size of one sample, which grows with the apps, their workers
 * and the fronts of the configuration, never with traffic.
 */
export class MetricsHistory {
  readonly capacity: number;
  /**
   * Each sample as its JSON, taken once when it is recorded: `GET /history` joins them instead of
   * serializing the whole ring on the event loop (at 100 apps of 8 workers, 25 MB took 0.4-0.6 s
   * a request), and the strings take less memory than the objects.
   */
  readonly #ring: ({ readonly at: number; readonly json: string } | undefined)[];
  #next = 0;
  #count = 0;
  /** The cumulative counters at the previous sample: by app, and by front then app. */
  #previousTotals = new Map<string, AppCountersSnapshot>();
  #previousSources = new Map<string, RequestCountersSnapshot>();

  constructor(capacity: number) {
    this.capacity = capacity;
    this.#ring = new Array<{ readonly at: number; readonly json: string } | undefined>(capacity);
  }

  /** Starts the deltas from these counters, so the first sample covers one interval and not all time. */
  prime(totals: ReadonlyMap<string, AppCountersSnapshot>, sources: ReadonlyMap<string, RequestCountersSnapshot>): void {
    this.#previousTotals = new Map(totals);
    this.#previousSources = new Map(sources);
  }

  /** Takes one sample from the counters now and the status, and keeps it (the oldest goes when full). */
  record(at: number, intervalMs: number, totals: ReadonlyMap<string, AppCountersSnapshot>, sources: ReadonlyMap<string, RequestCountersSnapshot>, status: PorticoStatus | undefined): HistorySample {
    const seconds = Math.max(intervalMs, 1) / 1000;
    const apps: Record<string, HistoryFigures> = {};
    const all: AppCountersSnapshot[] = [];
    const totalCpu: Record<string, number> = {};
    const totalMemory: Record<string, number> = {};
    const statusApps = new Map((status?.apps ?? []).map((a) => [a.name, a]));
    const names = new Set([...totals.keys(), ...statusApps.keys()]);
    for (const app of names) {
      const current = totals.get(app);
      const delta = current ? since(current, this.#previousTotals.get(app)) : undefined;
      if (delta) all.push(delta);
      const cpuPercent: Record<string, number> = {};
      const memoryBytes: Record<string, number> = {};
      for (const w of statusApps.get(app)?.workers ?? []) {
        if (!w.resources) continue;
        cpuPercent[w.id] = w.resources.cpuPercent;
        memoryBytes[w.id] = w.resources.memoryBytes;
      }
      const summed = statusApps.get(app)?.resources;
      if (summed) {
        totalCpu[app] = summed.cpuPercent;
        totalMemory[app] = summed.memoryBytes;
      }
      apps[app] = { ...figures(delta ? [delta] : [], seconds), cpuPercent, memoryBytes };
    }
    const sample: HistorySample = {
      at,
      intervalMs,
      total: { ...figures(all, seconds), cpuPercent: totalCpu, memoryBytes: totalMemory },
      apps,
      ...(sources.size > 0 ? { fronts: this.#fronts(sources, seconds) } : {}),
    };
    this.#previousTotals = new Map(totals);
    this.#previousSources = new Map(sources);
    this.#ring[this.#next] = { at, json: JSON.stringify(sample) };
    this.#next = (this.#next + 1) % this.capacity;
    this.#count = Math.min(this.#count + 1, this.capacity);
    return sample;
  }

  /** When the newest sample kept was taken (epoch ms); undefined before the first. */
  get newestAt(): number | undefined {
    return this.#count === 0 ? undefined : this.#ring[(this.#next - 1 + this.capacity) % this.capacity]!.at;
  }

  /** The samples kept, oldest first; with `seconds`, only those of the last that many seconds before `now`. */
  samples(now?: number, seconds?: number): HistorySample[] {
    return JSON.parse(this.samplesJson(now, seconds)) as HistorySample[];
  }

  /** `samples()` as a JSON array, joined from each sample's JSON. */
  samplesJson(now?: number, seconds?: number): string {
    const kept: string[] = [];
    const after = now === undefined || seconds === undefined ? -Infinity : now - seconds * 1000;
    for (let i = 0; i < this.#count; i++) {
      const entry = this.#ring[(this.#next - this.#count + i + this.capacity) % this.capacity]!;
      if (entry.at > after) kept.push(entry.json);
    }
    return `[${kept.join(',')}]`;
  }

  #fronts(sources: ReadonlyMap<string, RequestCountersSnapshot>, seconds: number): Record<string, FrontFigures> {
    const fronts: Record<string, FrontFigures> = {};
    for (const [front, counters] of sources) {
      const before = this.#previousSources.get(front) ?? {};
      const byApp: Record<string, RequestFigures> = {};
      const all: AppCountersSnapshot[] = [];
      for (const [app, current] of Object.entries(counters)) {
        const delta = since(current, before[app]);
        all.push(delta);
        byApp[app] = figures([delta], seconds);
      }
      fronts[front] = { ...figures(all, seconds), apps: byApp };
    }
    return fronts;
  }
}

/**
 * What was counted between two cumulative snapshots. Counters only grow, except when a front
 * process starts again from zero: then everything it has now is new.
 */
function since(current: AppCountersSnapshot, previous: AppCountersSnapshot | undefined): AppCountersSnapshot {
  const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);
  if (!previous || sum(current.requests) < sum(previous.requests)) return current;
  const minus = (a: readonly number[], b: readonly number[]) => a.map((n, i) => Math.max(0, n - (b[i] ?? 0)));
  return {
    requests: minus(current.requests, previous.requests),
    buckets: minus(current.buckets, previous.buckets),
    durationSumMs: Math.max(0, current.durationSumMs - previous.durationSumMs),
    bytesIn: Math.max(0, current.bytesIn - previous.bytesIn),
    bytesOut: Math.max(0, current.bytesOut - previous.bytesOut),
    upstreamFailures: Math.max(0, current.upstreamFailures - previous.upstreamFailures),
    clientClosed: Math.max(0, current.clientClosed - previous.clientClosed),
    incomplete: Math.max(0, current.incomplete - previous.incomplete),
  };
}

function figures(deltas: readonly AppCountersSnapshot[], seconds: number): RequestFigures {
  let requests = 0;
  let serverErrors = 0;
  const buckets = new Array<number>(boundsMs.length + 1).fill(0);
  for (const d of deltas) {
    for (const n of d.requests) requests += n;
    serverErrors += d.requests[4] ?? 0;
    d.buckets.forEach((n, i) => (buckets[i]! += n));
  }
  const round = (n: number) => Math.round(n * 100) / 100;
  return {
    requestsPerSecond: round(requests / seconds),
    serverErrorsPerSecond: round(serverErrors / seconds),
    p50Ms: quantile(buckets, 0.5),
    p99Ms: quantile(buckets, 0.99),
  };
}

/**
 * The q-quantile of a histogram (per-bucket counts, `+Inf` last), interpolated linearly within its
 * bucket as Prometheus' `histogram_quantile` does; past the last bound, the last bound.
 */
export function quantile(buckets: readonly number[], q: number): number | null {
  const count = buckets.reduce((a, b) => a + b, 0);
  if (count === 0) return null;
  const rank = q * count;
  let below = 0;
  for (let b = 0; b < buckets.length; b++) {
    const n = buckets[b]!;
    if (below + n >= rank && n > 0) {
      if (b >= boundsMs.length) return boundsMs[boundsMs.length - 1]!;
      const lower = b === 0 ? 0 : boundsMs[b - 1]!;
      return Math.round((lower + (boundsMs[b]! - lower) * ((rank - below) / n)) * 100) / 100;
    }
    below += n;
  }
  return boundsMs[boundsMs.length - 1]!;
}
