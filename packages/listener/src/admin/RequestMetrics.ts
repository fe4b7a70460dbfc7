import type { LogWriteFailureCounts } from '@portico/log-sink';
import { appStates, type PorticoStatus, type ResourceFigures } from './AdminSource.ts';
import { family, sample } from './internal/promText.ts';
import { addCounters, addFinite, type AppCountersSnapshot, type RequestCountersSnapshot } from './RequestCounters.ts';

/** Upper bounds of the latency histogram, in seconds (Prometheus' default buckets). */
export const durationBuckets: readonly number[] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** The app a request that matched no app counts under. No app can have this name (they are `[A-Za-z0-9._-]`). */
export const unroutedApp = '(none)';

const boundsMs = Float64Array.from(durationBuckets, (s) => s * 1000);
const bucketLabels = [...durationBuckets.map(String), '+Inf'];
const codeClasses = ['1xx', '2xx', '3xx', '4xx', '5xx'] as const;

/** The counters of one app, made once so that `record` only adds to numbers. */
class AppCounters {
  readonly requests = new Float64Array(codeClasses.length);
  /** Per bucket, not cumulative: one increment per request; `render` sums them. */
  readonly buckets = new Float64Array(boundsMs.length + 1);
  durationSumMs = 0;
  bytesIn = 0;
  bytesOut = 0;
  upstreamFailures = 0;
  clientClosed = 0;
  incomplete = 0;
}

/** Totals of one app since it was first seen, for computing rates. */
export interface AppRequestCounts {
  readonly requests: number;
  /** Responses with a 5xx status. */
  readonly serverErrors: number;
  readonly bytesIn: number;
  readonly bytesOut: number;
  readonly upstreamFailures: number;
  /** Requests whose client left before any of the response reached it (status 499). */
  readonly clientClosed: number;
  /** Requests whose response was cut after its head reached the client (counted with that head's status). */
  readonly incomplete: number;
}

export interface RequestMetricsOptions {
  /** Apps whose series exist from the start (at zero), so that `rate()` sees their first requests. */
  readonly apps?: readonly string[];
}

/**
 * Request counters for the data path, rendered in the Prometheus text format. `record` runs on
 * every request, so it allocates nothing: each app's counters are typed arrays made when the app
 * is first seen, and the latency histogram has fixed buckets.
 *
 * @example
 * const metrics = new RequestMetrics({ apps: ['shop'] });
 * metrics.record('shop', 200, 12.5, 512, 20_480);
 * metrics.render(source.status()); // "# HELP portico_requests_total …"
 */
export class RequestMetrics {
  readonly #apps = new Map<string, AppCounters>();
  /** Counters kept by other processes (the fronts), as each last sent them; added to every total. */
  readonly #sources = new Map<string, RequestCountersSnapshot>();
  #lastApp: string | undefined;
  #lastCounters: AppCounters | undefined;

  constructor(options: RequestMetricsOptions = {}) {
    for (const app of options.apps ?? []) this.addApp(app);
  }

  /** Creates the app's series at zero. Idempotent. */
  addApp(app: string): void {
    if (!this.#apps.has(app)) this.#apps.set(app, new AppCounters());
  }

  /**
   * Drops an app's series, e.g. after a reload removed the app: what every source counted of it
   * too, so that an app added again starts from zero, as in one process (a source's report is
   * kept until its next, which no longer names it: `setSource` takes only the apps with series).
   */
  removeApp(app: string): void {
    this.#apps.delete(app);
    if (this.#lastApp === app) this.#lastApp = this.#lastCounters = undefined;
    for (const [source, counters] of this.#sources) {
      if (Object.hasOwn(counters, app)) this.#sources.set(source, Object.fromEntries(Object.entries(counters).filter(([name]) => name !== app)));
    }
  }

  /** The apps with series, in the order they were first seen. */
  apps(): string[] {
    return [...this.#apps.keys()];
  }

  /**
   * Counts one finished request. A status outside 100–599 counts as 5xx: only Portico itself
   * produces one, and then something went wrong. Negative or NaN figures count as 0. A request
   * whose client left before any of the response reached it (`clientClosed`, nginx's "client
   * closed request", status 499) counts in its status's class and as client closed, and not in
   * the latency histogram: its time is how long the client waited before it left, not how long the
   * answer took, and a client that gives up early would pull the percentiles down (a long poll's,
   * up). The flag, not the status, says so: a backend's own 499 is an answer, timed as any. A
   * response cut after its head reached the client (`incomplete`: the backend failed mid-body, the
   * client left or read nothing for `sendTimeout`) counts with that head's status, as incomplete,
   * and is timed to the cut, as nginx logs it.
   */
  record(app: string, status: number, durationMs: number, bytesIn: number, bytesOut: number, clientClosed = false, incomplete = false): void {
    const counters = this.#counters(app);
    const k = (status / 100) | 0;
    counters.requests[k >= 1 && k <= 5 ? k - 1 : 4]! += 1;
    counters.bytesIn += bytesIn >= 0 ? bytesIn : 0;
    counters.bytesOut += bytesOut >= 0 ? bytesOut : 0;
    if (incomplete) counters.incomplete += 1;
    if (clientClosed) {
      counters.clientClosed += 1;
      return;
    }
    const ms = durationMs >= 0 ? durationMs : 0;
    let b = 0;
    while (b < boundsMs.length && ms > boundsMs[b]!) b++;
    counters.buckets[b]! += 1;
    counters.durationSumMs += ms;
  }

  /** Counts a request that could not be forwarded: the backend refused or reset the connection. */
  upstreamFailure(app: string): void {
    this.#counters(app).upstreamFailures += 1;
  }

  /** Every app's counters as plain numbers, to send to another process (`setSource` there). */
  snapshot(): RequestCountersSnapshot {
    const out: Record<string, AppCountersSnapshot> = {};
    for (const [app, c] of this.#apps) out[app] = { requests: [...c.requests], buckets: [...c.buckets], durationSumMs: c.durationSumMs, bytesIn: c.bytesIn, bytesOut: c.bytesOut, upstreamFailures: c.upstreamFailures, clientClosed: c.clientClosed, incomplete: c.incomplete };
    return out;
  }

  /**
   * What another process counted so far (a front, every second): added to every total and shown by
   * `source` in `render`. Only its figures of the apps with series here (`addApp`: the apps routed,
   * and those removed but still draining) and of `unroutedApp` are taken: the names are another
   * process's word, and each would be a series here, kept for good once the source is retired
   * (review of issue 21: a rogue front restarted 5 times left 20 481 app series).
   */
  setSource(source: string, counters: RequestCountersSnapshot): void {
    let known = true;
    for (const app in counters) if (!this.#takesFrom(app)) known = false;
    // A healthy source names only known apps: its report is kept as it is, without a copy.
    this.#sources.set(source, known ? counters : Object.fromEntries(Object.entries(counters).filter(([app]) => this.#takesFrom(app))));
  }

  /**
   * The source is gone (a front exited): what it counted stays in the totals, so they never go
   * down; what it counted of an app removed meanwhile goes with the app.
   */
  retireSource(source: string): void {
    const last = this.#sources.get(source);
    this.#sources.delete(source);
    for (const [app, add] of Object.entries(last ?? {})) {
      if (!this.#takesFrom(app)) continue;
      const c = this.#counters(app);
      add.requests.forEach((n, i) => (c.requests[i] = addFinite(c.requests[i]!, n)));
      add.buckets.forEach((n, i) => (c.buckets[i] = addFinite(c.buckets[i]!, n)));
      c.durationSumMs = addFinite(c.durationSumMs, add.durationSumMs);
      c.bytesIn = addFinite(c.bytesIn, add.bytesIn);
      c.bytesOut = addFinite(c.bytesOut, add.bytesOut);
      c.upstreamFailures = addFinite(c.upstreamFailures, add.upstreamFailures);
      c.clientClosed = addFinite(c.clientClosed, add.clientClosed);
      c.incomplete = addFinite(c.incomplete, add.incomplete);
    }
  }

  /** Every app's counters, this process's and every source's added up, as plain numbers (for the page's history). */
  totals(): ReadonlyMap<string, AppCountersSnapshot> {
    return this.#totals();
  }

  /** What each source (a front, by its number) last sent, by source; empty with one process. */
  sources(): ReadonlyMap<string, RequestCountersSnapshot> {
    return this.#sources;
  }

  /** This process's counters and every source's, added up, by app. */
  #totals(): Map<string, AppCountersSnapshot> {
    const totals = new Map<string, AppCountersSnapshot>(Object.entries(this.snapshot()));
    for (const counters of this.#sources.values()) for (const [app, add] of Object.entries(counters)) totals.set(app, addCounters(totals.get(app), add));
    return totals;
  }

  counts(app: string): AppRequestCounts | undefined {
    // One process (no sources): its own counters, with nothing to add.
    const c = this.#sources.size === 0 ? this.#apps.get(app) : this.#totals().get(app);
    if (!c) return undefined;
    let requests = 0;
    for (const n of c.requests) requests = addFinite(requests, n);
    return { requests, serverErrors: c.requests[4]!, bytesIn: c.bytesIn, bytesOut: c.bytesOut, upstreamFailures: c.upstreamFailures, clientClosed: c.clientClosed, incomplete: c.incomplete };
  }

  /**
   * The exposition, format 0.0.4. With `status`, also the gauges read from the running Portico
   * (workers up, restarts, queue depth, app state, process start time), and request series for
   * every app it lists, at zero if none was recorded. With `selfLog`, what Portico's own log
   * could not write.
   */
  render(status?: PorticoStatus, selfLog?: LogWriteFailureCounts): string {
    const out: string[] = [];
    for (const app of status?.apps ?? []) this.addApp(app.name);
    const apps = [...this.#totals()];

    family(out, 'portico_requests_total', 'counter', 'Requests answered, by app and status class.');
    for (const [app, c] of apps) codeClasses.forEach((cls, i) => sample(out, 'portico_requests_total', [['app', app], ['code_class', cls]], c.requests[i]!));

    family(out, 'portico_request_duration_seconds', 'histogram', 'Time from the request head to the last byte of the response, by app.');
    for (const [app, c] of apps) {
      let cumulative = 0;
      bucketLabels.forEach((le, i) => {
        cumulative = addFinite(cumulative, c.buckets[i]!);
        sample(out, 'portico_request_duration_seconds_bucket', [['app', app], ['le', le]], cumulative);
      });
      sample(out, 'portico_request_duration_seconds_sum', [['app', app]], c.durationSumMs / 1000);
      sample(out, 'portico_request_duration_seconds_count', [['app', app]], cumulative);
    }

    family(out, 'portico_bytes_received_total', 'counter', 'Request body bytes received from clients, by app.');
    for (const [app, c] of apps) sample(out, 'portico_bytes_received_total', [['app', app]], c.bytesIn);
    family(out, 'portico_bytes_sent_total', 'counter', 'Response body bytes sent to clients, by app.');
    for (const [app, c] of apps) sample(out, 'portico_bytes_sent_total', [['app', app]], c.bytesOut);
    family(out, 'portico_upstream_failures_total', 'counter', 'Requests that could not be forwarded to a backend, by app.');
    for (const [app, c] of apps) sample(out, 'portico_upstream_failures_total', [['app', app]], c.upstreamFailures);
    family(out, 'portico_requests_client_closed_total', 'counter', 'Requests whose client left before any of the response reached it (status 499, in the 4xx class), by app.');
    for (const [app, c] of apps) sample(out, 'portico_requests_client_closed_total', [['app', app]], c.clientClosed);
    family(out, 'portico_requests_incomplete_total', 'counter', "Requests whose response was cut after its head reached the client (counted with that head's status), by app.");
    for (const [app, c] of apps) sample(out, 'portico_requests_incomplete_total', [['app', app]], c.incomplete);

    if (this.#sources.size > 0) {
      // Several fronts: each one's share, labelled (docs/architecture.md).
      family(out, 'portico_front_requests_total', 'counter', 'Requests answered by each front process since it started, by app.');
      for (const [source, counters] of this.#sources) {
        for (const [app, c] of Object.entries(counters)) sample(out, 'portico_front_requests_total', [['front', source], ['app', app]], c.requests.reduce(addFinite, 0));
      }
    }
    if (status) renderStatus(out, status);
    if (selfLog) renderSelfLog(out, selfLog);
    return `${out.join('\n')}\n`;
  }

  /** Whether a source's figures of `app` are taken (`setSource`). */
  #takesFrom(app: string): boolean {
    return this.#apps.has(app) || app === unroutedApp;
  }

  #counters(app: string): AppCounters {
    // The data path records for the same app many times in a row: skip the map when it does.
    if (app === this.#lastApp && this.#lastCounters) return this.#lastCounters;
    let counters = this.#apps.get(app);
    if (!counters) {
      counters = new AppCounters();
      this.#apps.set(app, counters);
    }
    this.#lastApp = app;
    this.#lastCounters = counters;
    return counters;
  }
}

function renderStatus(out: string[], status: PorticoStatus): void {
  family(out, 'portico_workers_up', 'gauge', 'Workers in the ready state, by app.');
  for (const app of status.apps) sample(out, 'portico_workers_up', [['app', app.name]], app.workers.filter((w) => w.state === 'ready').length);
  family(out, 'portico_worker_restarts_total', 'counter', "Restarts of the app's workers since the app was last started.");
  for (const app of status.apps) sample(out, 'portico_worker_restarts_total', [['app', app.name]], app.workers.reduce((n, w) => n + w.restarts, 0));
  family(out, 'portico_queue_depth', 'gauge', 'Requests waiting for a ready worker, by app.');
  for (const app of status.apps) sample(out, 'portico_queue_depth', [['app', app.name]], app.queueDepth);
  family(out, 'portico_app_state', 'gauge', "1 for the app's current state, 0 for the others.");
  for (const app of status.apps) for (const state of appStates) sample(out, 'portico_app_state', [['app', app.name], ['state', state]], app.state === state ? 1 : 0);
  renderWorkers(out, status);
  if (status.fronts) {
    family(out, 'portico_front_connections', 'gauge', 'Client connections open on each front process, as it last reported.');
    for (const f of status.fronts) sample(out, 'portico_front_connections', [['front', String(f.front)]], f.connections);
    family(out, 'portico_front_restarts_total', 'counter', 'Restarts of each front process since Portico started.');
    for (const f of status.fronts) sample(out, 'portico_front_restarts_total', [['front', String(f.front)]], f.restarts);
    family(out, 'portico_front_messages_refused_total', 'counter', 'Messages of each front process that the control process refused (a figure that is not a count, a field missing) since Portico started.');
    for (const f of status.fronts) sample(out, 'portico_front_messages_refused_total', [['front', String(f.front)]], f.refusedMessages);
    family(out, 'portico_front_asks_unanswered_total', 'counter', 'Asks of /status and /metrics that each front process had not answered within a second, since Portico started: each gave its last report instead.');
    for (const f of status.fronts) sample(out, 'portico_front_asks_unanswered_total', [['front', String(f.front)]], f.unansweredAsks);
  }
  family(out, 'process_start_time_seconds', 'gauge', 'Start time of the process since the Unix epoch, in seconds.');
  sample(out, 'process_start_time_seconds', [], status.startedAt / 1000);
}

/**
 * One series per worker with a process, labelled `app` and `worker` (the slot, e.g. `shop#1`):
 * its requests, and what its process tree cost at the last sample. A worker's counters start
 * again at 0 with each new process, which `rate()` takes as a counter reset.
 */
function renderWorkers(out: string[], status: PorticoStatus): void {
  const live = status.apps.flatMap((app) => app.workers.filter((w) => w.pid !== undefined).map((w) => ({ app: app.name, worker: w })));
  const labels = (app: string, worker: string) => [['app', app], ['worker', worker]] as const;
  family(out, 'portico_worker_requests_in_flight', 'gauge', 'Requests being served by the worker now.');
  for (const { app, worker } of live) sample(out, 'portico_worker_requests_in_flight', labels(app, worker.id), worker.inFlight);
  family(out, 'portico_worker_requests_total', 'counter', "Requests answered by the worker's current process.");
  for (const { app, worker } of live) sample(out, 'portico_worker_requests_total', labels(app, worker.id), worker.requests ?? 0);
  family(out, 'portico_worker_start_time_seconds', 'gauge', "Start time of the worker's current process since the Unix epoch, in seconds (uptime: time() minus this).");
  for (const { app, worker } of live) if (worker.startedAt !== undefined) sample(out, 'portico_worker_start_time_seconds', labels(app, worker.id), worker.startedAt / 1000);
  const sampled = live.filter(({ worker }) => worker.resources !== undefined);
  const figures: readonly [string, 'counter' | 'gauge', string, (r: ResourceFigures) => number][] = [
    ['portico_worker_cpu_seconds_total', 'counter', "User and system CPU time of the worker's process tree, in seconds.", (r) => r.cpuSeconds],
    ['portico_worker_cpu_percent', 'gauge', "CPU of the worker's process tree between the last two samples, in percent of one core.", (r) => r.cpuPercent],
    ['portico_worker_resident_memory_bytes', 'gauge', "Resident memory of the worker's process tree, in bytes.", (r) => r.memoryBytes],
    ['portico_worker_open_fds', 'gauge', "Open file descriptors of the worker's process tree.", (r) => r.fds],
    ['portico_worker_processes', 'gauge', "Processes in the worker's tree, its own included.", (r) => r.processes],
  ];
  for (const [name, type, help, read] of figures) {
    family(out, name, type, help);
    for (const { app, worker } of sampled) sample(out, name, labels(app, worker.id), read(worker.resources!));
  }
}

function renderSelfLog(out: string[], selfLog: LogWriteFailureCounts): void {
  family(out, 'portico_log_write_failures_total', 'counter', "Writes of Portico's own log that failed, by error code (ENOSPC: the disk is full).");
  // The usual codes exist from the start at zero, so that an alert on increase() sees the first one.
  const codes = { ENOSPC: 0, EIO: 0, EPIPE: 0, EAGAIN: 0, ...selfLog.failedWrites };
  for (const [code, n] of Object.entries(codes)) sample(out, 'portico_log_write_failures_total', [['code', code]], n);
  family(out, 'portico_log_lines_dropped_total', 'counter', "Lines of Portico's own log dropped because they could not be written.");
  sample(out, 'portico_log_lines_dropped_total', [], selfLog.droppedLines);
}
