import { logEvent } from '@portico/log-sink';
import {
  createSupervisor,
  stopSupervisor,
  systemClock,
  type Clock,
  type SupervisorEmitted,
  type SupervisorRef,
} from '@portico/supervisor';
import { createActor, type Subscription } from 'xstate';
import { PoolHistory } from './PoolHistory.ts';
import { IdleWatch } from './IdleWatch.ts';
import { appFailed } from './internal/appFailed.ts';
import { FailedHold } from './internal/FailedHold.ts';
import { NewWorkers } from './internal/NewWorkers.ts';
import { PoolExits } from './internal/PoolExits.ts';
import { logSupervisorEvent, reportLimits } from './internal/poolEvents.ts';
import { PoolWorkers } from './internal/PoolWorkers.ts';
import { ReplacementQueue } from './internal/ReplacementQueue.ts';
import { ReadyView } from './internal/ReadyView.ts';
import { resolvePoolOptions } from './internal/resolvePoolOptions.ts';
import { StartBackoff } from './internal/StartBackoff.ts';
import { processOf, sampleTargets, workerLogs, workerRef } from './internal/supervisedWorkers.ts';
import { ElasticScaling } from './ElasticScaling.ts';
import { RecycleWatch } from './RecycleWatch.ts';
import type { RecycleReason } from './Recycling.ts';
import type { ReplacementFailure, RestartReason, RollingRestartOutcome } from './RollingRestart.ts';
import { defaultSampleInterval, ResourceSampler } from './ResourceSampler.ts';
import type { WorkerExit } from './WorkerExit.ts';
import { defaultBackoff, type WorkerPoolOptions } from './WorkerPoolOptions.ts';
import type { LoadElsewhere } from './LoadElsewhere.ts';
import type { ReadyWorker } from './ReadyWorker.ts';
import type { ForcedStop, PoolStopReport } from './PoolStopReport.ts';
import { takePeak } from './takePeak.ts';
import { liveWorkers, pastWorkers, shownWorkers, type WorkerStatus } from './WorkerStatus.ts';


/** `idle` until the first start; `failed` after the restart limit, until `retryAt` (`retryFailed`). */
export type PoolState = 'idle' | 'starting' | 'ready' | 'failed' | 'stopping' | 'stopped';

/**
 * The workers of one app: a one_for_one supervisor over `processesPerApplication` worker actors,
 * and the view the router reads on every request (`ready`), kept current from the actors'
 * snapshots, so the data path never sends an actor message. Start is lazy (`start()` on the
 * first request, as ANCM) or eager; after `rapidFailsPerMinute` restarts within a minute the pool
 * is `failed`, and starts again by itself at `retryAt` (`retryFailed`: 60 s, doubling to 600 s
 * while it keeps failing).
 */
export class WorkerPool {
  readonly app: string;
  readonly #options: WorkerPoolOptions;
  readonly #clock: Clock;
  /** The workers the pool holds, by name, with their load counters (and activation sockets). */
  readonly #members: PoolWorkers;
  readonly #listeners = new Set<() => void>();
  #supervisor: SupervisorRef | undefined;
  #subscriptions: Subscription[] = [];
  /** What the router reads on every request. */
  readonly #view: ReadyView;
  /** The workers' names, states and pids as status last showed them to listeners (`shownWorkers`). */
  #shown = '';
  #state: PoolState = 'idle';
  readonly #rapidFailsPerMinute: number;
  readonly #failedHold: FailedHold;
  #failure: string | undefined;
  readonly #exits: PoolExits;
  readonly #history: PoolHistory;
  #starting: Promise<void> | undefined;
  #stopping: Promise<void> | undefined;
  /** The workers the stop under way ended by force, for its report. */
  #forced: ForcedStop[] = [];
  #lastStop: PoolStopReport | undefined;
  /** Stopped by an operator: `start()` does nothing until `start({ resume: true })`. */
  #held = false;
  /**
   * A stop ended the pool's failed state: the start that follows is its retry, and the retry
   * schedule is told so (`FailedHold.retried`), as a start straight from failed tells it.
   */
  #stoppedFailed = false;
  /** Closed (`close()`): `start()` does nothing, ever. */
  #closed = false;
  /** Hung processes replaced and still stopping (within shutdownTimeLimit); `stop()` waits for them. */
  readonly #released = new Set<Promise<void>>();
  readonly #sampler: ResourceSampler;
  readonly #recycleWatch: RecycleWatch;
  readonly #idleWatch: IdleWatch;
  /**
   * Set while the pool stops to be `idle` again (for idleness, or to start again while starting);
   * a start asked meanwhile starts it again after.
   */
  #stopToIdle: { startAfter: boolean } | undefined;
  /** Requests in flight on a worker that other processes forward (the fronts' last reports). */
  #elsewhere: LoadElsewhere | undefined;

  readonly #replacements: ReplacementQueue;
  /** Failed starts of new workers beside the others in a row: recycles and growth wait after them. */
  readonly #startBackoff: StartBackoff;
  /** Set when maxProcesses is above processesPerApplication. */
  readonly #scaling: ElasticScaling | undefined;
  /** Replacements, growth and shrinking: the workers started beside the others and those retired. */
  readonly #newWorkers: NewWorkers;

  constructor(options: WorkerPoolOptions) {
    const { count, rapidFailsPerMinute, retryFailed, recycling, elasticity, idleTimeout } = resolvePoolOptions(options);
    this.#rapidFailsPerMinute = rapidFailsPerMinute;
    this.#history = new PoolHistory(options.history);
    this.app = options.worker.app;
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
    this.#exits = new PoolExits(this.#history, this.#clock);
    this.#failedHold = new FailedHold(this.#clock, retryFailed);
    this.#startBackoff = new StartBackoff(this.#clock);
    this.#members = new PoolWorkers({
      app: this.app,
      count,
      pool: options,
      history: this.#history,
      released: this.#released,
      onChange: (listener) => this.onChange(listener),
      forgotten: (name) => this.#recycleWatch.forget(name),
    });
    this.#sampler = new ResourceSampler({
      host: options.worker.host,
      clock: this.#clock,
      interval: options.sampleInterval ?? defaultSampleInterval,
      targets: () => sampleTargets(this.#supervisor),
      onSample: () => this.#afterSample(),
    });
    this.#recycleWatch = new RecycleWatch({
      recycling,
      clock: this.#clock,
      history: this.#history,
      recycle: (reason, detail, worker) => this.#recycle(reason, detail, worker),
      memoryAgain: (worker, memoryBytes) => this.#memoryAgain(worker, memoryBytes, recycling.memory),
      replacing: (worker) => this.#replacements.has(worker),
      waitUntil: () => this.#startBackoff.retryAt,
      processOf: (worker) => processOf(this.#supervisor, worker),
    });
    this.#replacements = new ReplacementQueue(
      (worker, reason, switched) => this.#newWorkers.replace(worker, reason, switched),
      () => [...this.#members.loads.keys()],
    );
    this.#scaling =
      elasticity &&
      new ElasticScaling({
        elasticity,
        clock: this.#clock,
        inFlight: () => this.#view.ready.map((worker) => worker.load.inFlight + (this.#elsewhere?.inFlight(worker.id, worker.pid) ?? 0)),
        demand: () => {
          let sum = 0;
          for (const worker of this.#view.ready) sum += takePeak(worker.load) + (this.#elsewhere?.takePeak(worker.id, worker.pid) ?? 0);
          return sum;
        },
        count: () => this.#members.size,
        steady: () => this.#state === 'ready' && !this.#stopToIdle && !this.#replacements.active,
        held: () => !this.#startBackoff.allows(),
        grow: () => this.#newWorkers.grow(),
        shrink: () => this.#newWorkers.shrink(),
      });
    this.#idleWatch = new IdleWatch({
      clock: this.#clock,
      idleTimeout,
      answered: () => [...this.#members.loads.values()].reduce((n, load) => n + (load.served ?? 0), 0),
      // A replacement under way (a rolling restart, a recycle) is activity: stopped halfway, the
      // restart would be reported as failed.
      busy: () => this.#replacements.active || [...this.#members.loads.values()].some((load) => load.inFlight > 0 || (load.tunnels ?? 0) > 0),
      onIdle: () => void this.#stopIdle(idleTimeout),
    });
    this.#newWorkers = new NewWorkers({
      app: this.app,
      clock: this.#clock,
      logger: options.logger,
      members: this.#members,
      history: this.#history,
      startBackoff: this.#startBackoff,
      elasticity,
      supervisor: () => this.#supervisor,
      stopping: () => this.#state === 'stopping',
      failure: () => this.#failure,
      abandoned: () => this.#replacements.abandoned,
      replacing: (worker) => this.#replacements.has(worker),
      pidOf: (worker) => processOf(this.#supervisor, worker),
      notReplaced: (worker) => this.#recycleWatch.notReplaced(worker),
      replacedForMemory: (replacement) => this.#recycleWatch.replacedForMemory(replacement),
      refresh: () => this.#refresh(),
      notify: () => this.#notify(),
    });
    this.#view = new ReadyView({
      app: this.app,
      logger: options.logger,
      requests: recycling.requests,
      busyRequests: elasticity?.busyRequests,
      servedLimit: (worker, pid) => this.#recycleWatch.servedLimit(worker, pid),
      busy: () => this.#scaling!.busy(),
      rebuilt: (changed) => {
        const state = this.#state === 'starting' && this.#view.ready.length > 0 ? 'ready' : this.#state;
        // A worker's spawn, drain or asked exit changes no ready list, but the status shows it.
        const shown = shownWorkers(this.#supervisor?.getSnapshot().children ?? []);
        const moved = shown !== this.#shown;
        this.#shown = shown;
        if (changed || moved || state !== this.#state) this.#setState(state);
      },
    });
  }

  /** Ready backends, least loaded not implied: the router balances. Replaced (not mutated) on change. */
  get ready(): readonly ReadyWorker[] {
    return this.#view.ready;
  }

  get state(): PoolState {
    return this.#state;
  }

  /** How the last stop that completed went: the workers it ended by force (SIGKILL after shutdownTimeLimit); none before the first. */
  get lastStop(): PoolStopReport | undefined {
    return this.#lastStop;
  }

  /** The most recent unasked exit, for error pages and status. */
  get lastExit(): WorkerExit | undefined {
    return this.#exits.last;
  }

  /** While `failed`: when (the clock's ms) the pool starts again by itself. */
  get retryAt(): number | undefined {
    return this.#failedHold.retryAt;
  }

  /**
   * While new workers beside the others (a recycle's replacement, an elastic pool's growth) wait
   * after `failures` such starts failed in a row: when (the clock's ms) the next may start.
   */
  get newWorkerWait(): { readonly failures: number; readonly retryAt: number } | undefined {
    const retryAt = this.#startBackoff.retryAt;
    return retryAt === undefined ? undefined : { failures: this.#startBackoff.failures, retryAt };
  }

  /** While `failed`: why, in a sentence (how many restarts, and the last exit). */
  get failure(): string | undefined {
    return this.#failure;
  }

  /** The pool's state changes and its workers' unasked exits, kept across restarts and failures. */
  get history(): PoolHistory {
    return this.#history;
  }

  /** Stopped by an operator (`stop({ hold: true })`): requests do not start it. */
  get held(): boolean {
    return this.#held;
  }

  /** How many of this pool's processes ended unasked; a rollout watches it. */
  get exitCount(): number {
    return this.#exits.count;
  }

  /** Whether this pool's workers are sampled (`available`: the host can tell what a process costs), and how often. */
  get sampling(): { readonly available: boolean; readonly interval: number } {
    return { available: this.#sampler.available, interval: this.#sampler.interval };
  }

  /** Samples every worker now, as the timer does every `sampleInterval`. */
  sampleResources(): void {
    this.#sampler.sample();
  }

  /** A reload changed `sampleInterval`: applies from the next sample. */
  setSampleInterval(seconds: number): void {
    this.#sampler.setInterval(seconds);
  }

  /**
   * Replaces every worker the way recycling does, one at a time (IIS's overlapped recycle,
   * Passenger's rolling restart): per worker, a new one starts beside the others under the lowest
   * free name and takes requests once ready; only then does the old one leave routing, drain and
   * stop, and the next is replaced after that, so the pool never has fewer ready workers than
   * before, nor more than one process more. Resolves once the last new worker is ready and the
   * last old one leaves routing (it drains in the background, as after a reload), or at the first
   * new worker that does not become ready (an exit before ready, or startupTimeLimit):
   * it is removed, the workers not reached serve on, and those already replaced keep their new
   * processes. `undefined` when the pool is not serving (idle, starting, failed, stopped): there
   * is nothing to overlap, and the caller starts it instead.
   */
  rollingRestart(reason: RestartReason): Promise<RollingRestartOutcome> | undefined {
    if (this.#state !== 'ready' || this.#stopToIdle) return undefined;
    return this.#replacements.restartAll(reason).then((outcome) => {
      // The time recycle counts from when the workers started, which they just did.
      if (outcome.ok && this.#state === 'ready') this.#recycleWatch.arm();
      return outcome;
    });
  }

  /**
   * While the workers are starting (none ready yet): stops them and starts a new set, as the first
   * start did, from the app's files as they are now. A restart asked meanwhile (`portico
   * restart`, a watched file) so runs one set of workers, never a second beside the first: at most
   * `processesPerApplication` processes. Requests wait throughout, for the new set. Resolves once
   * the new set's supervisor runs; `false` when the pool was not starting.
   */
  async startAgain(): Promise<boolean> {
    if (this.#state !== 'starting' || this.#stopToIdle) return false;
    await this.#stopThenIdle('started again while starting (a restart)');
    await this.start();
    return true;
  }

  /**
   * Gives up the replacements waiting and the one under way (Portico stops): a new worker not yet
   * ready is removed, and the old one serves on until the pool's own stop.
   */
  abandonReplacements(): void {
    this.#replacements.abandon();
    // A wait for a new worker's readiness looks again at each change: it sees it is not wanted.
    this.#notify();
  }

  /** Resolves once no worker is being replaced or waits to be (recycling). */
  replacementsSettled(): Promise<void> {
    return this.#replacements.settled();
  }

  /** A request is in flight on one of these workers in another process (a front): the pool is not idle. */
  noteActivity(): void {
    this.#idleWatch.noteActivity();
  }

  /**
   * Where to read the requests on each worker that other processes forward (the fronts), counted
   * with this process's own when an elastic pool decides to grow or shrink. Set once; each report
   * of theirs is `reportInFlightElsewhere()`.
   */
  readLoadElsewhere(elsewhere: LoadElsewhere): void {
    this.#elsewhere = elsewhere;
  }

  /** The other processes reported their requests in flight (once a second): an elastic pool grows at once if every worker is busy. */
  reportInFlightElsewhere(): void {
    this.#scaling?.busy();
  }

  /**
   * Called whenever `ready` or `state` changes, a process ends unasked, or a worker's state or
   * process in `status()` changes (a spawn, a drain, an asked exit). Returns an unsubscribe function.
   */
  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Starts the workers if they are not running: on first use, or after `stop()` (app_offline.htm
   * was removed). A failed pool stays failed until `retryAt`, when it starts again by itself.
   * Idempotent; resolves once the supervisor runs, not when a worker is ready.
   */
  start(options: { readonly resume?: boolean } = {}): Promise<void> {
    // Closed for good: what a request asks after the app's stop (a lazy start) starts nothing.
    if (this.#closed) return Promise.resolve();
    if (options.resume) {
      // An operator's start: ends an operator's hold and a failed state's wait at once.
      this.#held = false;
      if (this.#state === 'failed') {
        this.#failedHold.retried();
        this.#leaveFailed();
      }
    }
    if (this.#held) return Promise.resolve();
    if (this.#stopToIdle) {
      // Stopping to be idle again: a request arrived meanwhile; it is served once the stop is over.
      this.#stopToIdle.startAfter = true;
      return Promise.resolve();
    }
    if (this.#state === 'stopped') {
      this.#stopping = undefined;
      this.#state = 'idle';
    }
    if (this.#state !== 'idle') return this.#starting ?? Promise.resolve();
    // The first start after a stop that ended a failed state (directly, or idle in between) is its retry.
    if (this.#stoppedFailed) this.#failedHold.retried();
    this.#stoppedFailed = false;
    this.#setState('starting');
    this.#starting = this.#launch().catch((error: unknown) => {
      this.#exits.launchFailed((error as Error).message);
      this.#fail(`could not start: ${(error as Error).message}`);
    });
    return this.#starting;
  }

  /**
   * A stopped pool is `idle` again, as before its first request, which starts it: a lazy app's
   * app_offline.htm was removed, and status must not go on saying why it was stopped. `why` goes
   * to the history. A pool an operator stopped (`hold`) stays stopped.
   */
  rest(why: string): void {
    if (this.#state !== 'stopped' || this.#held || this.#closed) return;
    this.#stopping = undefined;
    this.#history.entered('idle', this.#clock.now(), why);
    this.#state = 'idle';
    this.#notify();
  }

  /**
   * Drains and stops every worker within its shutdown limit. Idempotent; `start()` may follow.
   * With `hold` (an operator's stop), requests do not start the pool again; `start({ resume: true })` does.
   * `lastStop` then says which workers it had to end by force. `why` goes to the history with
   * `stopped` (app_offline.htm), where status shows it.
   */
  stop(options: { readonly hold?: boolean; readonly why?: string } = {}): Promise<void> {
    if (options.hold) this.#held = true;
    this.#stopping ??= (async () => {
      this.#forced = [];
      this.#leaveFailedForStop();
      await this.#starting;
      this.#setState('stopping');
      if (this.#supervisor) await this.#stopWorkers(this.#supervisor);
      await Promise.all(this.#released);
      this.#teardown();
      // A failure while stopping (the restart limit reached by the workers' own exits) armed a
      // retry that must not start a stopped pool again.
      this.#leaveFailedForStop();
      this.#lastStop = { forced: this.#forced };
      this.#setState('stopped', options.why);
    })();
    return this.#stopping;
  }

  /**
   * The supervisor stops its children one at a time in reverse order, each within its shutdown
   * time: OTP's rule for siblings that depend on each other. A pool's workers depend on none, so
   * once the supervisor is stopping (their exits are then expected, not restarted) each is asked
   * at once (still in reverse start order) and all drain together: the pool is down within one shutdownTimeLimit, not one per
   * worker, which is what TimeoutStopSec and terminationGracePeriodSeconds are sized for.
   */
  async #stopWorkers(supervisor: SupervisorRef): Promise<void> {
    const stopped = stopSupervisor(supervisor);
    for (const child of supervisor.getSnapshot().children.toReversed()) child.ref?.send({ type: 'portico.shutdown' });
    await stopped;
  }

  /**
   * A new pool takes this failed one's place (a restart or a reload of a failed app): its hold
   * ends without starting it again, so that its retry timer does not start the old workers beside
   * the new ones. It stays `failed`, with no `retryAt`, until it is closed.
   */
  supersede(): void {
    if (this.#state === 'failed') this.#failedHold.end();
  }

  /**
   * Stops the workers and releases what the pool holds for good (activation sockets); a closed
   * pool never starts again. Before, a request that reached Portico's router on a keep-alive
   * connection during Portico's stop, after the app's pool had closed, started it again (a lazy
   * start): its new workers outlived the stop.
   */
  async close(): Promise<void> {
    this.#closed = true;
    await this.stop();
    await this.#members.close();
  }

  /** Every worker slot, with its restarts and last exit kept across the pool's restarts and failures. */
  status(): readonly WorkerStatus[] {
    const children = this.#supervisor?.getSnapshot().children;
    const state = this.#state === 'failed' ? 'failed' : this.#state === 'idle' ? 'idle' : 'stopped';
    // No workers now (failed, stopped, or never started): the slots and what they went through.
    if (!children) return this.#history.exits.length === 0 && this.#state === 'idle' ? [] : pastWorkers(this.#members.names(), state, this.#history);
    return liveWorkers(children, this.#members.loads, this.#history, this.#sampler);
  }

  /** What each worker slot's current process wrote lately (stdout and stderr together); `''` while a slot has no process. */
  logs(): { worker: string; pid: number | undefined; tail: string }[] {
    return workerLogs(this.#supervisor);
  }

  async #launch(): Promise<void> {
    const children = await this.#members.starting();
    if (this.#options.logger) reportLimits(this.#options.logger, this.app, this.#options.worker);
    if (process.getuid?.() === 0 && this.#options.worker.account === undefined && this.#options.logger) {
      logEvent(this.#options.logger, 'worker.runs_as_root', { app: this.app });
    }
    const supervisor = createActor(
      createSupervisor({
        strategy: 'one_for_one',
        intensity: this.#rapidFailsPerMinute,
        period: 60,
        backoff: this.#options.backoff ?? defaultBackoff,
        children,
      }),
      { clock: this.#clock },
    );
    this.#supervisor = supervisor;
    // A whole set of workers starts: what failed before is for the new ones to tell again.
    this.#startBackoff.succeeded();
    supervisor.on('*', (event) => this.#onSupervisorEvent(event));
    this.#subscriptions.push(supervisor.subscribe({ next: () => this.#refresh(), error: () => {} }));
    supervisor.start();
    this.#sampler.start();
    this.#recycleWatch.arm();
    this.#idleWatch.start();
    this.#scaling?.start();
  }

  /** A recycling trigger fired: `worker` (requests, memory) or every worker (time, schedule) is replaced, one at a time. */
  #recycle(reason: RecycleReason, detail: string, worker: string | undefined): void {
    if (this.#state !== 'ready' || this.#stopToIdle) return;
    const logger = this.#options.logger;
    if (logger) logEvent(logger, 'app.recycling', { app: this.app, reason, detail });
    this.#replacements.add(worker === undefined ? [...this.#members.loads.keys()] : [worker], reason);
  }

  /**
   * No request for `idleTimeout` seconds: drain and stop the workers, and be `idle` again, as
   * before the first request, which starts them again. A request that came while they stopped
   * starts them again at once.
   */
  async #stopIdle(idleTimeout: number): Promise<void> {
    if (this.#held || this.#stopToIdle) return;
    // Not serving yet (still starting, or restarting): idle from when it is, so look again.
    if (this.#state !== 'ready') return this.#idleWatch.start();
    const logger = this.#options.logger;
    if (logger) logEvent(logger, 'app.idle_stopped', { app: this.app, idleTimeout });
    if (await this.#stopThenIdle(`no request for ${idleTimeout} s (idleTimeout)`)) void this.start();
  }

  /** Stops the workers and is `idle` again, as before the first start (`why` goes to the history); says whether a start was asked meanwhile. */
  async #stopThenIdle(why: string): Promise<boolean> {
    const stopToIdle = { startAfter: false };
    this.#stopToIdle = stopToIdle;
    await this.stop();
    this.#stopToIdle = undefined;
    // Held or closed meanwhile (an operator's stop, Portico's): it stays stopped.
    if ((this.#state as PoolState) !== 'stopped' || this.#held || this.#closed) return false;
    this.#stopping = undefined;
    this.#history.entered('idle', this.#clock.now(), why);
    this.#state = 'idle';
    this.#notify();
    return stopToIdle.startAfter;
  }

  /** Each sampled worker's memory goes to the recycling limit; then listeners see the new figures. */
  #afterSample(): void {
    for (const target of sampleTargets(this.#supervisor)) {
      const figures = this.#sampler.get(target.slot, target.pid);
      if (figures) this.#recycleWatch.sampled(target.slot, target.pid, figures.memoryBytes);
    }
    this.#notify();
  }

  /**
   * The memory limit was passed again within a minute of a memory recycle: overlapping again would
   * loop. The worker is stopped gracefully in its slot instead (requests wait for its restart), and
   * the supervisor's restart counts towards rapidFailsPerMinute, so an app that cannot stay under
   * its limit ends failed rather than recycling for ever.
   */
  #memoryAgain(worker: string, memoryBytes: number, limitMiB: number): void {
    const ref = workerRef(this.#supervisor, worker);
    if (!ref || ref.getSnapshot().status !== 'active') return;
    const logger = this.#options.logger;
    if (logger) logEvent(logger, 'worker.memory_limit_again', { app: this.app, worker, workerPid: ref.getSnapshot().context.pid, memoryBytes, memoryLimit: limitMiB });
    ref.send({ type: 'portico.shutdown' });
  }

  #onSupervisorEvent(event: SupervisorEmitted): void {
    if (event.type === 'supervisor.child_exited' && event.exit.kind === 'crash') {
      this.#exits.crashed(event.childId, event.exit.error);
      this.#notify();
    }
    if (event.type === 'supervisor.child_start_failed') this.#exits.startFailed(event.childId, event.error);
    if (event.type === 'supervisor.child_stopped' && event.how !== 'graceful' && event.how !== 'crashed' && this.#state === 'stopping') {
      this.#forced.push({ worker: event.childId, reason: event.reason ?? `stopped by force (${event.how})` });
    }
    const logger = this.#options.logger;
    if (event.type === 'supervisor.gave_up') {
      this.#failure = `${event.restarts} restart${event.restarts === 1 ? '' : 's'} within ${event.period} s passed rapidFailsPerMinute (${event.intensity})${this.#exits.lastSentence()}`;
      if (logger) logEvent(logger, 'worker.rapid_fail_limit', { app: this.app, failures: event.restarts, rapidFailsPerMinute: event.intensity });
    }
    if (event.type === 'supervisor.stopped' && event.reason === 'gave_up') this.#fail(this.#failure ?? 'the restart limit was passed');
    if (logger) logSupervisorEvent(logger, this.app, event);
  }

  /** Follows the supervisor's children (new refs after restarts) and rebuilds the ready list. */
  #refresh(): void {
    this.#view.follow(this.#supervisor?.getSnapshot().children ?? []);
  }

  /** Held down on the `retryFailed` schedule; a timer, not a request, starts the pool again. */
  #fail(reason: string): void {
    this.#teardown(appFailed(reason));
    this.#failure = reason;
    this.#failedHold.hold(() => {
      if (this.#state !== 'failed') return;
      this.#failedHold.retried();
      this.#leaveFailed();
      void this.start();
    });
    this.#setState('failed');
  }

  /** Back to `idle`, ready for a start: the hold is over or was cut short. */
  #leaveFailed(): void {
    this.#failedHold.end();
    this.#failure = undefined;
    if (this.#state === 'failed') this.#state = 'idle';
  }

  /** A stop leaves the failed state (its hold ends with no retry): the next start is the retry. */
  #leaveFailedForStop(): void {
    if (this.#state === 'failed') this.#stoppedFailed = true;
    this.#leaveFailed();
  }

  /** `why`: what a restart under way is told (the pool failed); by default, that it stopped. */
  #teardown(why?: ReplacementFailure): void {
    this.#replacements.clear(why);
    this.#scaling?.stop();
    this.#sampler.stop();
    this.#recycleWatch.disarm();
    this.#idleWatch.stop();
    for (const child of this.#supervisor?.getSnapshot().children ?? []) this.#history.addRestarts(child.id, child.restarts);
    for (const subscription of this.#subscriptions) subscription.unsubscribe();
    this.#subscriptions = [];
    this.#view.clear();
    this.#supervisor = undefined;
    this.#starting = undefined;
  }

  #setState(state: PoolState, why?: string): void {
    if (state !== this.#state) this.#history.entered(state, this.#clock.now(), state === 'failed' ? this.#failure : why);
    this.#state = state;
    this.#notify();
  }

  #notify(): void {
    for (const listener of this.#listeners) {
      try {
        listener();
      } catch {
        // A listener's failure is its own; the pool goes on.
      }
    }
  }
}

