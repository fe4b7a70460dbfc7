import type { LoadElsewhere } from '@portico/worker-actor';
import type { FrontMessage } from './FrontMessage.ts';

type Report = Extract<FrontMessage, { type: 'metrics' }>;

/**
 * What each front last said it sees (they report every second): requests waiting per app,
 * requests in flight per worker, client connections. `/status` adds them up, and each pool reads
 * its workers' load in the fronts here.
 */
export class FrontReports implements LoadElsewhere {
  readonly #latest = new Map<number, Report>();

  /** Keeps `report`; returns, per process (`id@pid`), the requests it answered since this front's last report. */
  received(front: number, report: Report): Map<string, number> {
    const kept = this.#latest.get(front);
    const previous = kept?.served ?? {};
    // An asked report's peaks cover only part of a period: the last full period's still count.
    this.#latest.set(front, report.id === undefined || !kept ? report : { ...report, peak: mostOf(kept.peak, report.peak) });
    const more = new Map<string, number>();
    for (const [key, served] of Object.entries(report.served)) if (served > (previous[key] ?? 0)) more.set(key, served - (previous[key] ?? 0));
    return more;
  }

  /** A front that exited reports nothing until its successor does. */
  forget(front: number): void {
    this.#latest.delete(front);
  }

  /** Requests waiting for a worker of `app`, over every front. */
  waiting(app: string): number {
    let sum = 0;
    for (const report of this.#latest.values()) sum += report.waiting[app] ?? 0;
    return sum;
  }

  /** Requests in flight on one process (`id@pid`), over every front. */
  inFlight(id: string, pid: number | undefined): number {
    let sum = 0;
    for (const report of this.#latest.values()) sum += report.inFlight[`${id}@${String(pid)}`] ?? 0;
    return sum;
  }

  /** The most requests in flight at once on one process (`id@pid`) in each front's last period, summed over the fronts. */
  peak(id: string, pid: number | undefined): number {
    let sum = 0;
    for (const report of this.#latest.values()) sum += report.peak[`${id}@${String(pid)}`] ?? 0;
    return sum;
  }

  /** Each front's last report, by front number. */
  byFront(): ReadonlyMap<number, Report> {
    return this.#latest;
  }
}

function mostOf(a: Readonly<Record<string, number>>, b: Readonly<Record<string, number>>): Record<string, number> {
  const most: Record<string, number> = { ...a };
  for (const [key, n] of Object.entries(b)) most[key] = Math.max(most[key] ?? 0, n);
  return most;
}
