import type { AppBackends } from '@portico/router';
import { systemClock, type Clock } from '@portico/supervisor';
import { takePeak, type PoolState, type ReadyWorker, type WorkerExit, type WorkerLoad } from '@portico/worker-actor';
import type { FrontMessage, PoolView } from './FrontMessage.ts';

/** Per worker process (`id@pid`): what a front's metrics report says of the requests on it. */
export interface LoadReport {
  readonly inFlight: Record<string, number>;
  readonly peak: Record<string, number>;
  readonly served: Record<string, number>;
}

const processKey = (id: string, pid: number) => `${id}@${pid}`;

/**
 * A front process's copy of one pool of the control process (docs/architecture.md): what the
 * router reads on every request (`ready`, `state`), kept current by the control's `pool`
 * messages, and what it asks of the pool (`start`, a refused connect, a drained worker) sent back.
 * Requests in flight are counted here, per front: each front balances over its own.
 */
export class PoolMirror implements AppBackends {
  readonly key: string;
  readonly #send: (message: FrontMessage) => void;
  readonly #clock: Clock;
  readonly #listeners = new Set<() => void>();
  /** Per process, kept while the process is ready or has requests of this front on it. */
  readonly #loads = new Map<string, WorkerLoad>();
  /**
   * The loads of the last processes to leave (`departedKept`), oldest first: one that comes back
   * (its readiness probe passed again after a refused connect) gets its own box again, by which the
   * router knows it has answered a request (`WorkerLoad.answeredPid`); with a new box it was taken for
   * a process that never had, and its next failure for a failed start. With each, the number of
   * reports made before it left (`#reports`).
   */
  readonly #departed = new Map<string, { readonly load: WorkerLoad; readonly reports: number }>();
  /** Reports made so far (`loads`). */
  #reports = 0;
  #ready: readonly ReadyWorker[] = [];
  #view: PoolView;
  #retryAt: number | undefined;
  /** When each request to the control (`pool.start`, a worker's `worker.unreachable`) was last sent. */
  readonly #askedAt = new Map<string, number>();

  constructor(key: string, view: PoolView, send: (message: FrontMessage) => void, clock: Clock = systemClock) {
    this.key = key;
    this.#send = send;
    this.#clock = clock;
    this.#view = view;
    this.update(view);
  }

  get ready(): readonly ReadyWorker[] {
    return this.#ready;
  }

  get state(): PoolState {
    return this.#view.state;
  }

  get lastExit(): WorkerExit | undefined {
    return this.#view.lastExit;
  }

  get retryAt(): number | undefined {
    return this.#retryAt;
  }

  get held(): boolean {
    return this.#view.held;
  }

  /**
   * Requests of this front in flight, the most at once, and answered so far, per process
   * (`id@pid`), for the control's status, elastic pools and recycling. Every report takes the
   * peaks (the next period starts now): the control keeps the most of every report until its
   * pool's look (`FrontReports`), so a report asked between two periodic ones loses nothing.
   */
  loads(report: LoadReport): void {
    this.#reports++;
    for (const [key, load] of this.#loads) {
      if (load.inFlight > 0) report.inFlight[key] = (report.inFlight[key] ?? 0) + load.inFlight;
      const peak = takePeak(load);
      if (peak > 0) report.peak[key] = (report.peak[key] ?? 0) + peak;
      if ((load.served ?? 0) > 0) report.served[key] = (report.served[key] ?? 0) + load.served!;
    }
  }

  /** A request waits for a worker: the control process starts the pool (idempotent there). */
  start(): Promise<void> {
    this.#ask('start', { type: 'pool.start', key: this.key });
    return Promise.resolve();
  }

  /** The control process watches app_offline.htm itself and stops the pool; nothing to ask. */
  stop(): Promise<void> {
    return Promise.resolve();
  }

  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** The control's new view of the pool. Workers that left it get their hold back once idle here. */
  update(view: PoolView): void {
    this.#view = view;
    this.#retryAt = view.retryIn === undefined ? undefined : this.#clock.now() + view.retryIn;
    const ready: ReadyWorker[] = [];
    const keep = new Set<string>();
    for (const worker of view.ready) {
      const key = processKey(worker.id, worker.pid);
      keep.add(key);
      let load = this.#loads.get(key);
      if (!load) this.#loads.set(key, (load = this.#returning(key) ?? { inFlight: 0 }));
      ready.push({
        id: worker.id,
        pid: worker.pid,
        endpoint: worker.endpoint,
        token: worker.token,
        load,
        notifyIdle: () => this.#idle(worker.id, worker.pid),
        notifyUnreachable: () => this.#ask(key, { type: 'worker.unreachable', key: this.key, id: worker.id, pid: worker.pid }),
      });
    }
    this.#ready = ready;
    for (const [key, load] of this.#loads) {
      if (keep.has(key) || load.inFlight > 0 || (load.tunnels ?? 0) > 0) continue;
      // Left the ready list with nothing of ours on it: the control may stop it as far as we care.
      const at = key.lastIndexOf('@');
      this.#idle(key.slice(0, at), Number(key.slice(at + 1)));
    }
    for (const listener of [...this.#listeners]) listener();
  }

  /**
   * Sends a request the control acts on once (it is idempotent there) at most every 50 ms: every
   * request waiting for a pool asks for its start, and every connect refused by a dead worker
   * reports it, so a burst of thousands would otherwise be as many messages (FrontInbox's bounds).
   */
  #ask(what: string, message: FrontMessage): void {
    const now = this.#clock.now();
    if (now - (this.#askedAt.get(what) ?? -Infinity) < 50) return;
    this.#askedAt.set(what, now);
    if (this.#askedAt.size > 2 * this.#loads.size + 8) for (const [key, at] of this.#askedAt) if (now - at >= 50) this.#askedAt.delete(key);
    this.#send(message);
  }

  #idle(id: string, pid: number): void {
    const key = processKey(id, pid);
    const load = this.#loads.get(key);
    if (!load) return;
    this.#loads.delete(key);
    this.#departed.set(key, { load, reports: this.#reports });
    if (this.#departed.size > departedKept) this.#departed.delete(this.#departed.keys().next().value!);
    this.#send({ type: 'worker.idle', key: this.key, id, pid });
  }

  /**
   * The box of a process back in the ready list, if it left lately. Its answered count starts
   * again from zero if a report was made since it left, which dropped it (`FrontReports` counts it
   * from zero then); back before any, it goes on: the control counts what the next report adds to
   * the last one's count, and from zero it counted none of the requests the process answered
   * until it passed that count again.
   */
  #returning(key: string): WorkerLoad | undefined {
    const departed = this.#departed.get(key);
    if (!departed) return undefined;
    this.#departed.delete(key);
    if (this.#reports > departed.reports) departed.load.served = 0;
    return departed.load;
  }
}

/** Processes that left a pool's ready list whose load a mirror keeps, should they come back. */
const departedKept = 64;
