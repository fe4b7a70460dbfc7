import { logEvent, type EventLogger } from '@portico/log-sink';
import type { Clock } from '@portico/supervisor';
import type { RestartReason } from '@portico/worker-actor';
import type { AppRuntime } from './AppRuntime.ts';
import { replacementFailure, rollOut } from './rollOut.ts';

/** What a reload or an operator's command answers once `stop()` has begun. */
export const STOPPING_ERROR = 'Portico is stopping; nothing was changed';

/** Why new workers start beside an app's old ones. */
export type RolloutReason = 'reload' | RestartReason;

/** Each app's last rollout that failed, as `/status` shows it. */
export interface FailedRollout {
  readonly message: string;
  readonly at: number;
  /**
   * A reload's new version that did not start while the old workers served on: a reload that
   * puts their config back ends it (`reverted`).
   */
  readonly revertible: boolean;
}

/**
 * The rollouts under way (new runtimes starting beside old ones, and rolling restarts of a
 * runtime's workers, which `stop()` ends) and each app's last one that failed, cleared by the
 * next that succeeds or when a reload removes the app.
 */
export class Rollouts {
  readonly #logger: EventLogger;
  /** The injected clock: rollout times in events and the time of a failure in `/status`. */
  readonly #clock: Clock;
  readonly #closing: () => boolean;
  /** Closes a runtime that will never take traffic, and stops following it. */
  readonly #discard: (runtime: AppRuntime) => Promise<void>;
  readonly #underWay = new Set<AppRuntime>();
  /** Runtimes whose workers are being replaced one at a time. */
  readonly #restarting = new Set<AppRuntime>();
  readonly #failed = new Map<string, FailedRollout>();

  constructor(logger: EventLogger, clock: Clock, closing: () => boolean, discard: (runtime: AppRuntime) => Promise<void>) {
    this.#logger = logger;
    this.#clock = clock;
    this.#closing = closing;
    this.#discard = discard;
  }

  /** The app's last rollout, when it failed. */
  failure(app: string): FailedRollout | undefined {
    return this.#failed.get(app);
  }

  /**
   * A reload removed `app`: its failure goes with it, so apps renamed at each deploy do not pile
   * up, and an app added again later does not show the failure of a config long gone.
   */
  forget(app: string): void {
    this.#failed.delete(app);
  }

  /**
   * A reload left `app` as it runs: the config in force for it is again the one its workers
   * run (the operator put the file back after a reload whose new version did not start), so a
   * reload's failure is over. Before, status said the rollout had failed for as long as Portico
   * ran. Any other failure stays: a failed restart's workers are still part old, part new, and an
   * app that was not serving runs the failed config itself.
   */
  reverted(app: string): void {
    if (this.#failed.get(app)?.revertible) this.#failed.delete(app);
  }

  /**
   * Starts `fresh` beside `old` and says whether traffic may move to it. When it may not, the old
   * runtime keeps serving if it was (fresh is closed); an app that was not serving anyway takes
   * the new one, which goes on trying on its own schedule.
   */
  async attempt(fresh: AppRuntime, old: AppRuntime | undefined, why: RolloutReason): Promise<{ keep: AppRuntime; error?: string }> {
    const name = fresh.config.name;
    const began = this.#clock.now();
    // A failed app's hold ends here: its retry timer would start the old workers beside the new.
    old?.pool.supersede();
    fresh.rollingOut(old !== undefined);
    const outcome = await this.#underWayWhile(fresh, rollOut(fresh));
    if (this.#closing()) {
      // Portico stopped meanwhile: the new runtime never takes traffic.
      await this.#discard(fresh);
      return { keep: old ?? fresh, error: STOPPING_ERROR };
    }
    if (outcome.ok) {
      fresh.rollingOut(false);
      this.#failed.delete(name);
      logEvent(this.#logger, 'app.rolled_out', { app: name, reason: why, ms: this.#clock.now() - began });
      return { keep: fresh };
    }
    const oldServes = old !== undefined && (old.pool.ready.length > 0 || old.pool.state === 'starting');
    // Kept though it failed, its workers are the app's from now on.
    if (!oldServes) fresh.rollingOut(false);
    this.#failed.set(name, { message: outcome.error, at: this.#clock.now(), revertible: why === 'reload' && oldServes });
    logEvent(this.#logger, 'app.rollout_failed', { app: name, reason: why, error: outcome.error, oldKeepsServing: oldServes });
    if (!oldServes) return { keep: fresh, error: outcome.error };
    await this.#discard(fresh);
    return { keep: old, error: outcome.error };
  }

  /**
   * Replaces the workers of `app`, whose config did not change, one at a time in place
   * (`WorkerPool.rollingRestart`), and reports it as a rollout: a failure stops there (the workers
   * not reached serve on, those replaced keep their new ones) and shows in status until a rollout
   * succeeds. `undefined` when the app is not serving (idle, starting, failed, stopped): nothing
   * to overlap, so the caller starts a whole new set instead.
   */
  async restartInPlace(app: AppRuntime, why: RestartReason): Promise<{ error?: string } | undefined> {
    const restart = app.pool.rollingRestart(why);
    if (!restart) return undefined;
    const name = app.config.name;
    const began = this.#clock.now();
    this.#restarting.add(app);
    const outcome = await restart.finally(() => this.#restarting.delete(app));
    if (this.#closing()) return { error: 'Portico is stopping; the restart ended before every worker was replaced' };
    if (outcome.ok) {
      this.#failed.delete(name);
      logEvent(this.#logger, 'app.rolled_out', { app: name, reason: why, ms: this.#clock.now() - began });
      return {};
    }
    const error = replacementFailure(app, outcome.failure);
    this.#failed.set(name, { message: error, at: this.#clock.now(), revertible: false });
    logEvent(this.#logger, 'app.rollout_failed', { app: name, reason: why, error, oldKeepsServing: app.pool.ready.length > 0 });
    return { error };
  }

  /**
   * Starts `app`'s workers again while they are still starting, none ready
   * (`WorkerPool.startAgain`): the starting ones stop and one new set starts, from the files as
   * they are now, rather than a second set beside the first. Reported as a rollout once the new
   * set is ready or one of its workers fails. `undefined` when the app was not starting.
   */
  async restartStarting(app: AppRuntime, why: RestartReason): Promise<{ error?: string } | undefined> {
    const began = this.#clock.now();
    if (!(await app.pool.startAgain())) return undefined;
    // Portico's stop began while the starting workers stopped: it closes the app, and does not wait for the new ones.
    if (this.#closing()) return { error: STOPPING_ERROR };
    const name = app.config.name;
    const outcome = await this.#underWayWhile(app, rollOut(app));
    if (this.#closing()) return { error: STOPPING_ERROR };
    if (outcome.ok) {
      this.#failed.delete(name);
      logEvent(this.#logger, 'app.rolled_out', { app: name, reason: why, ms: this.#clock.now() - began });
      return {};
    }
    this.#failed.set(name, { message: outcome.error, at: this.#clock.now(), revertible: false });
    logEvent(this.#logger, 'app.rollout_failed', { app: name, reason: why, error: outcome.error, oldKeepsServing: false });
    return { error: outcome.error };
  }

  /**
   * Starts a stopped or failed app's own workers (`portico start APP`) and resolves once they are
   * ready or one did not start. `stop()` ends it as a rollout: the start can take up to
   * startupTimeLimit, and Portico's stop must not wait for it (it did, far past
   * shutdownTimeLimit, only to stop the app once it was ready).
   */
  async start(app: AppRuntime): Promise<{ error?: string }> {
    const outcome = await this.#underWayWhile(app, rollOut(app));
    if (this.#closing()) return { error: STOPPING_ERROR };
    return outcome.ok ? {} : { error: outcome.error };
  }

  /** `app`'s pool is stopped by `stop()` until `starting` settles. */
  async #underWayWhile<T>(app: AppRuntime, starting: Promise<T>): Promise<T> {
    this.#underWay.add(app);
    try {
      return await starting;
    } finally {
      this.#underWay.delete(app);
    }
  }

  /** Ends the rollouts under way: their new workers stop (the old ones serve on until Portico's stop). */
  async stop(): Promise<void> {
    for (const app of this.#restarting) app.pool.abandonReplacements();
    await Promise.all([...this.#underWay].map((a) => a.pool.stop()));
  }
}
