import type { ReplaceReason, ReplacementFailure, RollingRestartOutcome } from '../RollingRestart.ts';

/** Workers to replace for one reason: the ones named, or (a rolling restart) every worker the pool holds when its turn comes. */
interface Job {
  readonly workers: readonly string[] | undefined;
  readonly reason: ReplaceReason;
  /** A rolling restart's caller: told how it ended; it stops at the first failure. */
  readonly settle?: (outcome: RollingRestartOutcome) => void;
}

/**
 * The workers of a pool waiting to be replaced, carried out one at a time, as a rolling restart
 * does: each replacement starts a new worker beside the others and retires the old one once the
 * new one is ready, so the pool never has fewer ready workers than before, and at most one
 * process more than its count (issue 18, "Recycling, overlapped"). Recycles and rolling restarts
 * share the queue, so they never overlap each other either.
 */
export class ReplacementQueue {
  readonly #replace: Replace;
  readonly #workers: () => readonly string[];
  readonly #waiting: Job[] = [];
  /** The job under way: the worker being replaced now, and those after it. */
  #current: string | undefined;
  #pending: string[] = [];
  /** Set by `clear()` during a job, with how it ends: after the replacement under way. */
  #cleared: RollingRestartOutcome | undefined;
  /** Set by `abandon()`: the replacement under way gives up its new worker. */
  #abandoned = false;
  #running: Promise<void> | undefined;
  /** Tells the caller of the job under way how it ended (once; later calls do nothing). */
  #tellCurrent: ((outcome: RollingRestartOutcome) => void) | undefined;

  /** `workers` lists the pool's workers now. */
  constructor(replace: Replace, workers: () => readonly string[]) {
    this.#replace = replace;
    this.#workers = workers;
  }

  /** Whether a replacement is under way or waits. */
  get active(): boolean {
    return this.#running !== undefined;
  }

  /** Whether the replacement under way should give up its new worker (`abandon()`). */
  get abandoned(): boolean {
    return this.#abandoned;
  }

  /** Whether `worker` is being replaced or waits to be (a rolling restart waiting covers every worker). */
  has(worker: string): boolean {
    return this.#current === worker || this.#pending.includes(worker) || this.#waiting.some((job) => job.workers === undefined || job.workers.includes(worker));
  }

  /** Queues each of `workers` not queued already; starts the first now unless one runs. */
  add(workers: readonly string[], reason: ReplaceReason): void {
    const fresh = workers.filter((worker) => !this.has(worker));
    if (fresh.length > 0) this.#waiting.push({ workers: fresh, reason });
    this.#run();
  }

  /**
   * Queues the replacement of every worker, one at a time, taken when its turn comes (after a
   * replacement under way), and resolves once the last one's replacement is ready and it leaves
   * routing (it drains after, as the queue's last step), or at the first that fails: the workers
   * after it keep their processes.
   */
  restartAll(reason: ReplaceReason): Promise<RollingRestartOutcome> {
    return new Promise((settle) => {
      this.#waiting.push({ workers: undefined, reason, settle });
      this.#run();
    });
  }

  /**
   * Drops what waits (the pool stops, or fails: `why`); the replacement under way ends with it.
   * Every restart is answered now, with `why`, the one under way too: its old worker may still drain for shutdownTimeLimit,
   * and Portico's stop, waiting on the answer, kept accepting requests meanwhile, then gave the
   * workers a shutdownTimeLimit of their own after it.
   */
  clear(why: ReplacementFailure = stoppedFailure): void {
    const outcome: RollingRestartOutcome = { ok: false, failure: why };
    for (const job of this.#waiting.splice(0)) job.settle?.(outcome);
    this.#pending = [];
    if (this.#running) this.#cleared = outcome;
    this.#tellCurrent?.(outcome);
  }

  /** Drops what waits, and the replacement under way gives up its new worker (Portico stops). */
  abandon(): void {
    this.clear();
    if (this.#running) this.#abandoned = true;
  }

  /** Resolves once nothing is queued or under way. */
  async settled(): Promise<void> {
    while (this.#running) await this.#running;
  }

  #run(): void {
    this.#running ??= this.#work().finally(() => {
      this.#running = undefined;
      this.#abandoned = false;
    });
  }

  async #work(): Promise<void> {
    for (let job = this.#waiting.shift(); job; job = this.#waiting.shift()) {
      this.#cleared = undefined;
      this.#pending = [...(job.workers ?? this.#workers())];
      let told = false;
      const tell = (outcome: RollingRestartOutcome) => {
        if (!told && job.settle) job.settle(outcome);
        told = true;
      };
      // The last worker's replacement is ready: the restart is done; the old one drains.
      this.#tellCurrent = tell;
      const switched = () => this.#pending.length === 0 && this.#cleared === undefined && tell({ ok: true });
      let failure: ReplacementFailure | undefined;
      for (let worker = this.#pending.shift(); worker !== undefined; worker = this.#pending.shift()) {
        this.#current = worker;
        failure = await this.#replace(worker, job.reason, switched);
        this.#current = undefined;
        // A recycle goes on with the next worker (the failed one serves on until the next
        // trigger); a rolling restart stops, so the workers not reached keep serving.
        if (failure && job.settle) this.#pending = [];
      }
      tell(failure ? { ok: false, failure } : (this.#cleared ?? { ok: true }));
      this.#tellCurrent = undefined;
    }
  }
}

/**
 * Starts a new worker beside `worker` and retires `worker` once it is ready, calling `switched`
 * then (before the old one drains); resolves with why not when it could not. Never rejects.
 */
type Replace = (worker: string, reason: ReplaceReason, switched: () => void) => Promise<ReplacementFailure | undefined>;

const stoppedFailure: ReplacementFailure = { error: 'the app stopped before every worker was replaced' };
