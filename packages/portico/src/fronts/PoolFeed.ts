import type { AppRuntime } from '../runtime/AppRuntime.ts';
import type { FrontReports } from './FrontReports.ts';

/**
 * What the fronts report, fed to the pools the control runs: the requests each front answered on
 * a worker, added to the worker's own count (`recycling.requests` sees them, up to a second
 * late), and a look of every pool at the requests in flight in the fronts (idle time, elastic
 * growth) once the reports read in this turn are in.
 */
export class PoolFeed {
  readonly #pools: () => Iterable<AppRuntime>;
  readonly #reports: FrontReports;
  #looking = false;

  constructor(pools: () => Iterable<AppRuntime>, reports: FrontReports) {
    this.#pools = pools;
    this.#reports = reports;
  }

  /** `more` requests a front answered on the worker `key` (`id@pid`), as the fronts report them (every second). */
  served(key: string, more: number): void {
    const at = key.lastIndexOf('@');
    const [id, pid] = [key.slice(0, at), Number(key.slice(at + 1))];
    for (const runtime of this.#pools()) {
      const worker = runtime.pool.ready.find((w) => w.id === id && w.pid === pid);
      if (!worker) continue;
      const load = worker.load;
      const before = load.served ?? 0;
      load.served = before + more;
      if (load.recycleAt !== undefined && before < load.recycleAt && load.served >= load.recycleAt) load.onRecycleAt?.();
      return;
    }
  }

  /**
   * The pools look at the fronts' reports once every report read in this turn of the event loop
   * is in: after the control process was held up, seconds of each front's reports come at once,
   * and the pools act on the latest, not on each stale one in turn (one that said every worker
   * was busy would start a worker that the next, read in the same moment, shows is not needed).
   */
  look(): void {
    if (this.#looking) return;
    this.#looking = true;
    setImmediate(() => {
      this.#looking = false;
      for (const runtime of this.#pools()) {
        // A request in flight at a front for longer than idleTimeout keeps the app from going idle.
        if (runtime.pool.ready.some((w) => this.#reports.inFlight(w.id, w.pid) > 0)) runtime.pool.noteActivity();
        // An elastic pool grows when every worker is busy, over every front.
        runtime.pool.reportInFlightElsewhere();
      }
    });
  }
}
