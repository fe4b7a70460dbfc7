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
 */
export class FrontReports implements LoadElsewhere {
  readonly #latest = new Map<number, Report>();
  /** Per front, per process (`id@pid`): the most in flight at once since its pool last took it. */
  readonly #peaks = new Map<number, Map<string, number>>();

  /** Keeps `report`; returns, per process (`id@pid`), the requests it answered since this front's last report. */
  received(front: number, report: Report): Map<string, number> {
    const previous = this.#latest.get(front)?.served ?? {};
    this.#latest.set(front, report);
    let peaks = this.#peaks.get(front);
    if (!peaks) this.#peaks.set(front, (peaks = new Map<string, number>()));
    for (const [key, peak] of Object.entries(report.peak)) if (peak > (peaks.get(key) ?? 0)) peaks.set(key, peak);
    // A process the front no longer reports at all (nothing in flight, nothing answered) has left
    // it, and its pool: its peak would never be taken.
    for (const key of peaks.keys()) if (!Object.hasOwn(report.served, key) && !Object.hasOwn(report.inFlight, key) && !Object.hasOwn(report.peak, key)) peaks.delete(key);
    const more = new Map<string, number>();
    for (const [key, served] of Object.entries(report.served)) if (served > countOf(previous, key)) more.set(key, served - countOf(previous, key));
    return more;
  }

  /** A front that exited reports nothing until its successor does. */
  forget(front: number): void {
    this.#latest.delete(front);
    this.#peaks.delete(front);
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
