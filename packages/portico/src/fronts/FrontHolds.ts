import type { ReadyWorker } from '@portico/worker-actor';

/**
 * Which front may still have requests on which worker (docs/architecture.md, draining across
 * processes). A worker's load counter lives in the control process, which sees none of the
 * fronts' requests; so each front publishing a worker puts one hold on it (`load.holds`), and
 * gives it back when it says the worker is idle there, or by exiting. The last hold given back
 * tells a draining worker it may stop.
 */
export class FrontHolds {
  /** Front → `poolKey id@pid` → the worker as the control's pool published it. */
  readonly #held = new Map<number, Map<string, ReadyWorker>>();

  /** `front` is about to be told of `worker` (of the pool `poolKey`): it holds it from now. */
  hold(front: number, poolKey: string, worker: ReadyWorker): void {
    let mine = this.#held.get(front);
    if (!mine) this.#held.set(front, (mine = new Map<string, ReadyWorker>()));
    const key = `${poolKey} ${worker.id}@${worker.pid}`;
    if (mine.has(key)) return;
    mine.set(key, worker);
    worker.load.holds = (worker.load.holds ?? 0) + 1;
  }

  /** `front` said the worker is idle there. */
  release(front: number, poolKey: string, id: string, pid: number): void {
    const mine = this.#held.get(front);
    const key = `${poolKey} ${id}@${pid}`;
    const worker = mine?.get(key);
    if (!worker) return;
    mine!.delete(key);
    this.#give(worker);
  }

  /** `front` exited: whatever it had in flight is gone with it. */
  releaseAll(front: number): void {
    const mine = this.#held.get(front);
    this.#held.delete(front);
    for (const worker of mine?.values() ?? []) this.#give(worker);
  }

  #give(worker: ReadyWorker): void {
    worker.load.holds = Math.max(0, (worker.load.holds ?? 1) - 1);
    if (worker.load.holds === 0 && worker.load.inFlight <= 0 && !((worker.load.tunnels ?? 0) > 0)) worker.notifyIdle();
  }
}
