import type { AppCountersSnapshot, RequestCountersSnapshot } from '@portico/listener';
import type { LoadElsewhere } from '@portico/worker-actor';
import type { FrontMessage } from './FrontMessage.ts';

type Report = Extract<FrontMessage, { type: 'metrics' }>;

/**
 * A count of a report's record, 0 for a key it does not hold. Its keys are app names and process
 * keys, and an app may be called `constructor` or `toString`: `record[key] ?? 0` would read
 * Object.prototype's function for such a name, and add it up into a string.
 */
const countOf = (record: Readonly<Record<string, number>>, key: string): number => (Object.hasOwn(record, key) ? record[key]! : 0);

/**
 * What each front last said it sees (they report every second): requests waiting per app,
 * requests in flight per worker, client connections. `/status` adds them up, and each pool reads
 * its workers' load in the fronts here.
 *
 * Peaks are kept until the pool takes them, the most of every report since (`takePeak`): a pool
 * looks every tenth of its processIdleTime (30 s by default) while the fronts report every
 * second, and after the control process was held up it reads seconds of reports at once; the
 * latest report's peak alone would lose every burst the others saw. An asked report (`/status`)
 * covers only part of a period, and adds its peak like any other.
 *
 * A report is also held to the front's own earlier ones (`implausible`), which its shape
 * (`checkFrontMessage`) cannot tell: within one front process its request counts only grow, and
 * its workers answer no more requests than it counted.
 */
export class FrontReports implements LoadElsewhere {
  readonly #latest = new Map<number, Report>();
  /** Per front, per process (`id@pid`): the most in flight at once since its pool last took it. */
  readonly #peaks = new Map<number, Map<string, number>>();
  /** Per front, the requests its process's reports have added to its workers' `served` so far. */
  readonly #served = new Map<number, number>();
  /** The `series.drop`s sent and not yet applied by every front process: which app, by id. */
  readonly #drops: { readonly id: number; readonly app: string }[] = [];
  #lastDrop = 0;
  /** Per front process, the last drop it applied: its last report's `dropped`, or the last sent before it started. */
  readonly #dropped = new Map<number, number>();

  /**
   * The control dropped `app`'s request series (`RequestMetrics.removeApp`): the id of the
   * `series.drop` that tells the fronts to drop theirs. Until a front's report says it applied it
   * (`dropped`), what that front reports of the app is of the series dropped, not of a new one of
   * the same name (a reload may add the app again meanwhile): `counters` leaves it out.
   */
  dropSeries(app: string): number {
    this.#drops.push({ id: ++this.#lastDrop, app });
    return this.#lastDrop;
  }

  /** A front process starts: the last drop so far, which it is told (`init`): it has none of those series. */
  started(front: number): number {
    this.#dropped.set(front, this.#lastDrop);
    return this.#lastDrop;
  }

  /** Drops not yet applied by every front process (for tests: it is bounded by them). */
  get dropsPending(): number {
    return this.#drops.length;
  }

  /** `report`'s request counters that the control takes: none of an app dropped after the report was sent. */
  counters(report: Report): RequestCountersSnapshot {
    let stale: Set<string> | undefined;
    for (const drop of this.#drops) if (drop.id > report.dropped && Object.hasOwn(report.requests, drop.app)) (stale ??= new Set()).add(drop.app);
    if (!stale) return report.requests;
    return Object.fromEntries(Object.entries(report.requests).filter(([app]) => !stale.has(app)));
  }

  /**
   * Why `report` cannot come from the process of `front` that sent the reports taken so far, or
   * `undefined` if it can; nothing is kept. In one front process its request counters only grow
   * (its `RequestMetrics` takes no count back, and drops an app only when the control says so,
   * `series.drop`, and then says it did, `dropped`): one that falls would pull `/metrics`'
   * counters down, which Prometheus reads as a reset and counts again whole. And its workers
   * answer no more requests than it counted (`answered`, which only grows: a front counts each
   * request before it adds it to its worker's count): a front that reported its workers' counts
   * higher than its own, or down and up again (each rise is counted), would make the control
   * recycle workers (`recycling.requests`) on requests never answered. A restarted front's
   * process is a new series, from zero (`forget`).
   */
  implausible(front: number, report: Report): string | undefined {
    const previous = this.#latest.get(front);
    const droppedBefore = this.#dropped.get(front) ?? 0;
    if (report.dropped < droppedBefore || report.dropped > this.#lastDrop) return `dropped is ${report.dropped}, not between the ${droppedBefore} this front process applied before and the ${this.#lastDrop} sent`;
    for (const [app, before] of Object.entries(previous?.requests ?? {})) {
      // Dropped since its last report: gone, or a new series of an app added again.
      if (this.#drops.some((drop) => drop.app === app && drop.id > droppedBefore && drop.id <= report.dropped)) continue;
      const now = Object.hasOwn(report.requests, app) ? report.requests[app] : undefined;
      if (now === undefined) return `requests has no ${JSON.stringify(app)}, which this front process reported before: its counts only grow`;
      const fell = fallen(before, now);
      if (fell !== undefined) return `requests[${JSON.stringify(app)}]${fell}`;
    }
    const { answered } = report;
    if (answered < (previous?.answered ?? 0)) return `answered is ${answered}, less than the ${previous!.answered} this front process reported before: it only grows`;
    let served = this.#served.get(front) ?? 0;
    for (const more of servedSince(previous, report).values()) served += more;
    if (served > answered) return `served adds up to ${served} requests answered, more than the ${answered} this front process counted: a worker answers no request its front did not count`;
    return undefined;
  }

  /** Keeps `report`; returns, per process (`id@pid`), the requests it answered since this front's last report. */
  received(front: number, report: Report): Map<string, number> {
    const more = servedSince(this.#latest.get(front), report);
    this.#latest.set(front, report);
    this.#dropped.set(front, report.dropped);
    this.#pruneDrops();
    let peaks = this.#peaks.get(front);
    if (!peaks) this.#peaks.set(front, (peaks = new Map<string, number>()));
    for (const [key, peak] of Object.entries(report.peak)) if (peak > (peaks.get(key) ?? 0)) peaks.set(key, peak);
    // A process the front no longer reports at all (nothing in flight, nothing answered) has left
    // it, and its pool: its peak would never be taken.
    for (const key of peaks.keys()) if (!Object.hasOwn(report.served, key) && !Object.hasOwn(report.inFlight, key) && !Object.hasOwn(report.peak, key)) peaks.delete(key);
    let served = this.#served.get(front) ?? 0;
    for (const n of more.values()) served += n;
    this.#served.set(front, served);
    return more;
  }

  /** A front that exited reports nothing until its successor does. */
  forget(front: number): void {
    this.#latest.delete(front);
    this.#peaks.delete(front);
    this.#served.delete(front);
    this.#dropped.delete(front);
    this.#pruneDrops();
  }

  /** Forgets the drops every front process has applied (or started after). */
  #pruneDrops(): void {
    let applied = this.#lastDrop;
    for (const dropped of this.#dropped.values()) applied = Math.min(applied, dropped);
    while (this.#drops.length > 0 && this.#drops[0]!.id <= applied) this.#drops.shift();
  }

  /** Requests waiting for a worker of `app`, over every front. */
  waiting(app: string): number {
    let sum = 0;
    for (const report of this.#latest.values()) sum += countOf(report.waiting, app);
    return sum;
  }

  /** Requests in flight on one process (`id@pid`), over every front. */
  inFlight(id: string, pid: number | undefined): number {
    let sum = 0;
    for (const report of this.#latest.values()) sum += countOf(report.inFlight, `${id}@${String(pid)}`);
    return sum;
  }

  /**
   * Requests in flight on the process `pid` of the worker slot `slot` (`shop#1`, as `/status`
   * names its workers), over every front. The fronts key their figures by process (`shop#1#3@4242`,
   * the pool's ready list's id): looked up by the slot's name, `inFlight` found nothing, and
   * `/status`, `/metrics` and the live page showed 0 in flight on every worker with fronts.
   */
  workerInFlight(slot: string, pid: number | undefined): number {
    if (pid === undefined) return 0;
    const suffix = `@${String(pid)}`;
    let sum = 0;
    for (const report of this.#latest.values()) {
      for (const key in report.inFlight) {
        if (!Object.hasOwn(report.inFlight, key) || !key.endsWith(suffix)) continue;
        const id = key.slice(0, -suffix.length);
        if (id.slice(0, id.lastIndexOf('#')) === slot) sum += report.inFlight[key]!;
      }
    }
    return sum;
  }

  /**
   * The most requests in flight at once on one process (`id@pid`) in each front since the last
   * call, summed over the fronts; the next period starts from what each last said is in flight.
   */
  takePeak(id: string, pid: number | undefined): number {
    const key = `${id}@${String(pid)}`;
    let sum = 0;
    for (const [front, peaks] of this.#peaks) {
      sum += peaks.get(key) ?? 0;
      const latest = this.#latest.get(front);
      const inFlight = latest ? countOf(latest.inFlight, key) : 0;
      if (inFlight > 0) peaks.set(key, inFlight);
      else peaks.delete(key);
    }
    return sum;
  }

  /** Each front's last report, by front number. */
  byFront(): ReadonlyMap<number, Report> {
    return this.#latest;
  }
}

/** Per process (`id@pid`), the requests `report` says it answered since `previous`. */
function servedSince(previous: Report | undefined, report: Report): Map<string, number> {
  const before = previous?.served ?? {};
  const more = new Map<string, number>();
  for (const [key, served] of Object.entries(report.served)) if (served > countOf(before, key)) more.set(key, served - countOf(before, key));
  return more;
}

/** The first of `now`'s counters that is less than in `before`, as the rest of a sentence after the app's name. */
function fallen(before: AppCountersSnapshot, now: AppCountersSnapshot): string | undefined {
  const counts: (readonly [string, number, number])[] = [
    ...before.requests.map((was, i) => [`requests[${i}]`, was, now.requests[i]!] as const),
    ...before.buckets.map((was, i) => [`buckets[${i}]`, was, now.buckets[i]!] as const),
    ...(['durationSumMs', 'bytesIn', 'bytesOut', 'upstreamFailures', 'clientClosed', 'incomplete'] as const).map((field) => [field, before[field], now[field]] as const),
  ];
  const fell = counts.find(([, was, is]) => is < was);
  return fell && `.${fell[0]} is ${fell[2]}, less than the ${fell[1]} this front process reported before: its counts only grow`;
}
