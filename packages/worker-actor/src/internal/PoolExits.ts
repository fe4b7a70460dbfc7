import type { Clock } from '@portico/supervisor';
import type { PoolHistory } from '../PoolHistory.ts';
import { exitOfError, summarizeExit, type WorkerExit } from '../WorkerExit.ts';

/**
 * The exits of a pool's processes that it did not ask for: each kept in the pool's history, the
 * most recent for error pages and status, and how many of this pool's own there were (a rollout
 * watches the count; the history it was given does not count).
 */
export class PoolExits {
  readonly #history: PoolHistory;
  readonly #clock: Clock;
  #last: WorkerExit | undefined;
  #count = 0;

  constructor(history: PoolHistory, clock: Clock) {
    this.#history = history;
    this.#clock = clock;
    this.#last = history.exits.at(-1);
  }

  get last(): WorkerExit | undefined {
    return this.#last;
  }

  get count(): number {
    return this.#count;
  }

  /** `worker`'s process ended unasked (the supervisor saw it crash); `error` carries its exit. */
  crashed(worker: string, error: unknown): void {
    const exit = exitOfError(error);
    // Dated when the process exited: the worker reports it once the output is on disk.
    if (exit) this.#history.exited(worker, exit, exit.exitedAt ?? this.#clock.now());
    this.#last = exit ?? this.#last;
    this.#count++;
  }

  /**
   * A new worker beside the others ended before it was ready (its start was refused, no crash was
   * seen): its exit stays visible in status. A restart's failed start comes after its crash, with
   * the same exit, already kept.
   */
  startFailed(worker: string, error: unknown): void {
    const exit = exitOfError(error);
    if (!exit || this.#history.lastExit(worker) === exit) return;
    this.#history.exited(worker, exit, exit.exitedAt ?? this.#clock.now());
    this.#last = exit;
  }

  /** The pool could not start its workers at all (`message` says why): no process ran. */
  launchFailed(message: string): void {
    this.#last = { kind: 'failed_to_start', pid: undefined, code: null, signal: null, uptimeMs: 0, stderrTail: '', killed: false, spawnError: message };
  }

  /** `; last exit: crashed, code 1`, or `''` before any: how a failure's sentence ends. */
  lastSentence(): string {
    return this.#last ? `; last exit: ${this.#last.kind.replace(/_/g, ' ')}, ${summarizeExit(this.#last)}` : '';
  }
}
