import type { EventLogger } from '@portico/log-sink';
import { logEvent } from '@portico/log-sink';
import type { Clock, SupervisorRef } from '@portico/supervisor';
import type { Elasticity } from '../ElasticScaling.ts';
import type { PoolHistory } from '../PoolHistory.ts';
import type { ReplaceReason, ReplacementFailure } from '../RollingRestart.ts';
import { appFailed } from './appFailed.ts';
import type { PoolWorkers } from './PoolWorkers.ts';
import type { StartBackoff } from './StartBackoff.ts';

/** A new worker beside the others: ready, or why not and how long the next one waits (seconds). */
type NewWorker = { readonly name: string; readonly pid: number } | { readonly name: string; readonly error: string; readonly failures: number; readonly retryIn: number };

export interface NewWorkersOptions {
  readonly app: string;
  readonly clock: Clock;
  readonly logger: EventLogger | undefined;
  readonly members: PoolWorkers;
  readonly history: PoolHistory;
  /** Failed starts of new workers in a row, and the wait they set before the next. */
  readonly startBackoff: StartBackoff;
  /** Set for an elastic pool (maxProcesses). */
  readonly elasticity: Elasticity | undefined;
  /** The pool's supervisor now, if it runs. */
  readonly supervisor: () => SupervisorRef | undefined;
  /** Whether the pool is stopping: a new worker is no longer wanted. */
  readonly stopping: () => boolean;
  /** Why the pool failed (its supervisor gave up: rapidFailsPerMinute), once it has. */
  readonly failure: () => string | undefined;
  /** Whether the replacement under way is to give up its new worker (Portico stops). */
  readonly abandoned: () => boolean;
  /** Whether `worker` is being replaced or waits to be. */
  readonly replacing: (worker: string) => boolean;
  /** The process `worker` runs now, if any. */
  readonly pidOf: (worker: string) => number | undefined;
  /** `worker` was not replaced (its replacement failed, or waited out a failed start): a recycle it is owed is asked again. */
  readonly notReplaced: (worker: string) => void;
  /** `replacement` took the place of a worker recycled for memory. */
  readonly replacedForMemory: (replacement: string) => void;
  /** Rebuilds the ready list after a worker left. */
  readonly refresh: () => void;
  /** Tells the pool's listeners (`newWorkerWait` changed). */
  readonly notify: () => void;
}

/**
 * The workers a pool starts beside the ones it has and those it retires: a recycle's or a
 * rolling restart's replacement, an elastic pool's growth and shrinking. Every such start goes
 * through one place, which keeps the run of failed starts (`StartBackoff`) that the next waits
 * after.
 */
export class NewWorkers {
  readonly #options: NewWorkersOptions;

  constructor(options: NewWorkersOptions) {
    this.#options = options;
  }

  /**
   * Replaces `name` the way a rolling restart does: a new worker, under the lowest free name,
   * starts beside it; once the new one is ready, the old one leaves routing, drains and stops
   * within shutdownTimeLimit, and is forgotten. A new worker that fails to start is removed again
   * and the old one serves on (`worker.recycle_failed`); resolves with why. `switched` is called
   * once the new one is ready, before the old one drains. Never rejects.
   */
  async replace(name: string, reason: ReplaceReason, switched: () => void): Promise<ReplacementFailure | undefined> {
    const supervisor = this.#options.supervisor();
    if (!supervisor || !this.#options.members.loads.has(name)) return undefined;
    // A recycle's next worker waits out a failed start (an operator's restart does not): the rest
    // of a time or schedule recycle is asked again by its next trigger, a requests recycle at the
    // end of the wait.
    if (reason !== 'restart' && reason !== 'watch' && !this.#options.startBackoff.allows()) {
      this.#options.notReplaced(name);
      return undefined;
    }
    const { logger, app } = this.#options;
    const began = this.#options.clock.now();
    const oldPid = this.#options.pidOf(name);
    const added = await this.#add(() => !this.#options.abandoned());
    if (added === undefined) {
      const failed = this.#options.failure();
      return failed === undefined ? { worker: name, error: `the app stopped before ${name} was replaced` } : { worker: name, ...appFailed(failed) };
    }
    if ('error' in added) {
      const { failures, retryIn } = added;
      this.#options.notReplaced(name);
      if (logger) logEvent(logger, 'worker.recycle_failed', { app, worker: name, reason, error: added.error, failures, retryIn }, `replacement of ${name} failed ${times(failures)}, next try in ${retryIn} s`);
      const exit = this.#options.history.lastExit(added.name);
      return { worker: name, replacement: added.name, error: added.error, ...(exit ? { exit } : {}) };
    }
    if (reason === 'memory') this.#options.replacedForMemory(added.name);
    if (logger) logEvent(logger, 'worker.recycled', { app, worker: name, workerPid: oldPid, replacement: added.name, replacementPid: added.pid, reason, ms: Math.round(this.#options.clock.now() - began) });
    const retired = this.retire(name);
    switched();
    await retired;
    return undefined;
  }

  /** An elastic pool whose ready workers are all busy: one more, up to maxProcesses. */
  async grow(): Promise<void> {
    const added = await this.#add();
    if (added === undefined) return;
    const { logger, app } = this.#options;
    if ('error' in added) {
      const { failures, retryIn } = added;
      if (logger) logEvent(logger, 'app.scale_failed', { app, worker: added.name, error: added.error, failures, retryIn }, `growth of ${app} to ${added.name} failed ${times(failures)}, next try in ${retryIn} s`);
      return;
    }
    if (!logger) return;
    logEvent(logger, 'app.scaled_up', { app, worker: added.name, workerPid: added.pid, workers: this.#options.members.size, busyRequests: this.#options.elasticity!.busyRequests });
  }

  /** An elastic pool that had a worker more than it needed for processIdleTime: the last idle one goes. */
  async shrink(): Promise<void> {
    const names = [...this.#options.members.loads.keys()].filter((name) => !this.#options.replacing(name));
    const victim = names.findLast((name) => this.#options.members.loads.get(name)!.inFlight === 0) ?? names.at(-1);
    if (victim === undefined) return;
    const { logger, app } = this.#options;
    if (logger) logEvent(logger, 'app.scaled_down', { app, worker: victim, workers: this.#options.members.size - 1, processIdleTime: this.#options.elasticity!.idleTime });
    await this.retire(victim);
  }

  /**
   * A new worker beside the others, ready, or why not with the wait its failure set before the
   * next one (`StartBackoff`: every replacement and growth counts); `undefined` when the pool
   * stopped meanwhile or it is no longer `wanted`.
   */
  async #add(wanted?: () => boolean): Promise<NewWorker | undefined> {
    const supervisor = this.#options.supervisor();
    const current = () => this.#options.supervisor() === supervisor && !this.#options.stopping();
    if (!supervisor || !current()) return undefined;
    const added = await this.#options.members.add(supervisor, current, wanted);
    // The pool failed meanwhile: its supervisor, giving up, refused the new worker, which did not fail.
    if (added === undefined || ('error' in added && this.#options.failure() !== undefined)) return undefined;
    if (!('error' in added)) {
      this.#options.startBackoff.succeeded();
      return added;
    }
    const retryIn = this.#options.startBackoff.failed() / 1000;
    // `newWorkerWait` changed: status and the live page say it at once.
    this.#options.notify();
    return { ...added, failures: this.#options.startBackoff.failures, retryIn };
  }

  /** Takes `name` out of routing at once (draining), and forgets it once it stopped. */
  async retire(name: string): Promise<void> {
    const supervisor = this.#options.supervisor();
    if (!supervisor) return;
    await this.#options.members.retire(supervisor, name);
    this.#options.refresh();
  }
}

const times = (n: number) => (n === 1 ? 'once' : `${n} times`);
