import { createSubrequestMark } from '@portico/auth-forwarder';
import { createListener, RequestMetrics, unroutedApp, type AdminServer, type Listener, type PorticoStatus } from '@portico/listener';
import { createLogger, logEvent, logWriteFailures, writeLogLine, type OutputLine } from '@portico/log-sink';
import { createRouter, type Router } from '@portico/router';
import { systemClock } from '@portico/supervisor';
import { createNodeProcessHost, type ForcedStop, type RestartReason } from '@portico/worker-actor';
import type { AppConfig } from '../config/AppSchema.ts';
import type { PorticoConfig } from '../config/PorticoConfigSchema.ts';
import { createFrontFleet } from '../fronts/createFrontFleet.ts';
import type { FrontFleet } from '../fronts/FrontFleet.ts';
import { AppOutputHub, appOutputJson } from './AppOutputHub.ts';
import { AppRuntime } from './AppRuntime.ts';
import { appStatus } from './appStatus.ts';
import { assertFrontLimits } from './assertFrontLimits.ts';
import { assertResolved } from './assertResolved.ts';
import { AppWatchers } from './AppWatchers.ts';
import { ChangeListeners } from './ChangeListeners.ts';
import { countFronts } from './countFronts.ts';
import { createPorticoAdmin } from './createPorticoAdmin.ts';
import { dispatchThrough } from './dispatchThrough.ts';
import { errorPageLogger } from './errorPageLogger.ts';
import { ForwarderSet } from './ForwarderSet.ts';
import { forwarderEventLogger } from './forwarderEventLogger.ts';
import { listenEntries } from './listenEntries.ts';
import { formatProblem } from '../config/ConfigProblem.ts';
import { ConfigInvalidError, PorticoStoppedError } from '../errors.ts';
import type { AppCommandResult, Portico, PorticoOptions, ReloadResult, Started } from './Portico.ts';
import { appliedSettings, restartNeeded } from './reloadRules.ts';
import { Rollouts, STOPPING_ERROR } from './Rollouts.ts';
import { samplingStatus } from './samplingStatus.ts';

const version = '0.1.0';

/**
 * Builds Portico from a loaded config (`loadConfig`): one worker pool per app, the router over
 * them, and a forwarder per listen entry. Nothing starts until `start()`; apps start lazily on
 * their first request unless `start: "eager"`.
 *
 * @example
 * const portico = createPortico(await loadConfig('portico.json'));
 * await portico.start();
 * process.on('SIGTERM', () => portico.stop());
 */
export function createPortico(initial: PorticoConfig, options: PorticoOptions = {}): Portico {
  assertResolved(initial, 'createPortico(config)');
  assertFrontLimits(options.frontLimits, 'createPortico(options)');
  const logger = options.logger ?? createLogger();
  const host = options.host ?? createNodeProcessHost(options.clock ? { clock: options.clock } : {});
  // Declared before the wiring that feeds it; `apps` is read when a line's app is asked about.
  let apps = new Map<string, AppRuntime>();
  const output = new AppOutputHub((name) => apps.has(name));
  const wiring = {
    host,
    logger,
    onOutput: (app: AppConfig, worker: string, pid: number, lines: readonly OutputLine[]) => {
      output.push(app.name, worker, pid, lines);
      // stdoutLog.toStdout: the app's lines join Portico's own on stdout, through its logger's
      // destination. The config is the one the writing process runs under, not the app of that
      // name configured now: a removed app's last lines, written as it stops after the reload, are
      // copied too (they were dropped), and a rolled-over app's old workers keep their setting.
      if (!app.stdoutLog.toStdout) return;
      for (const { stream, time, text } of lines) writeLogLine(logger, appOutputJson({ app: app.name, worker, pid, stream, time, line: text }));
    },
    sampleInterval: initial.sampleInterval,
    // One for this Portico, its fronts included: each knows the auth subrequests of all (docs/auth.md).
    subrequestMark: createSubrequestMark(),
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.baseEnvironment ? { baseEnvironment: options.baseEnvironment } : {}),
  };
  const startedAt = Date.now();
  const metrics = new RequestMetrics({ apps: initial.apps.map((a) => a.name) });
  const frontCount = countFronts(initial.fronts ?? options.fronts ?? 1);
  // Set once start() binds the listeners, when there is more than one front.
  let fleet: FrontFleet | undefined;
  const fleetOptions = {
    count: frontCount,
    logger,
    clock: options.clock ?? systemClock,
    environment: options.baseEnvironment ?? process.env,
    config: () => config,
    subrequestMark: wiring.subrequestMark,
    routed: () => [...apps.values()],
    metrics,
    onChange: () => notify(),
    // No front serves any more, and none is restarted: a Portico left running would keep its
    // sockets bound, and the kernel would queue connections that nobody accepts, for good.
    onGaveUp: () => {
      options.onFailed?.('the front processes exited too often (front.gave_up)');
      void portico.stop();
    },
    ...(options.frontLimits ? { limits: options.frontLimits } : {}),
  };
  const frontsFleet = frontCount > 1 ? createFrontFleet(fleetOptions) : undefined;
  const frontsInFlight = frontsFleet && ((slot: string, pid: number | undefined) => frontsFleet.reports.workerInFlight(slot, pid));
  const onErrorPage = errorPageLogger(logger);
  const onOffline = (app: string, offline: boolean, file: string) => logEvent(logger, offline ? 'app.offline' : 'app.online', { app, file });
  const onRequest = (app: string | undefined, status: number, durationMs: number, bytesIn: number, bytesOut: number, upstreamFailed: boolean, clientClosed: boolean, incomplete: boolean) => {
    metrics.record(app ?? unroutedApp, status, durationMs, bytesIn, bytesOut, clientClosed, incomplete);
    if (upstreamFailed && app !== undefined) metrics.upstreamFailure(app);
  };
  const listeners = new ChangeListeners();
  const notify = () => listeners.notify();

  let config = initial;
  let router: Router;
  const unsubscribe = new Map<AppRuntime, () => void>();
  const adopt = (app: AppRuntime) => {
    unsubscribe.set(app, app.pool.onChange(notify));
    frontsFleet?.track(app);
  };
  const drop = (app: AppRuntime) => {
    unsubscribe.get(app)?.();
    unsubscribe.delete(app);
    frontsFleet?.untrack(app);
  };
  const build = (configs: readonly AppConfig[], reuse: Map<string, AppRuntime>) => {
    const next = new Map<string, AppRuntime>();
    for (const app of configs) {
      const existing = reuse.get(app.name);
      // A changed app goes on with the history of the one it replaces.
      const runtime = existing?.sameAs(app) ? existing : new AppRuntime(app, wiring, existing?.pool.history);
      if (runtime !== existing) adopt(runtime);
      next.set(app.name, runtime);
    }
    return next;
  };
  apps = build(config.apps, apps);
  router = createRouter([...apps.values()].map((a) => a.route), { onRequest, onErrorPage, onOffline });

  // Reloads and operators' commands change the apps one at a time, in the order asked.
  let changing: Promise<unknown> = Promise.resolve();
  const oneAtATime = <T>(task: () => Promise<T>): Promise<T> => {
    const run = changing.then(task, task);
    changing = run.catch(() => {});
    return run;
  };
  /** Set when `stop()` begins: no reload or app command starts anything after it. */
  let closing = false;
  const rollouts = new Rollouts(logger, options.clock ?? systemClock, () => closing, async (fresh) => {
    await fresh.close();
    drop(fresh);
  });

  /** Old runtimes still draining after a switch; `stop()` waits for them. */
  const retiring = new Set<Promise<void>>();

  /**
   * Routes to `next` from now on; the runtimes no longer in it drain and stop within
   * shutdownTimeLimit, in the background: requests and WebSockets they hold are not cut sooner,
   * and the reload or restart that switched is done once the new workers serve.
   */
  const switchTo = async (next: Map<string, AppRuntime>, startEager: readonly string[]) => {
    const previous = apps;
    for (const name of next.keys()) metrics.addApp(name);
    const nextRouter = createRouter([...next.values()].map((a) => a.route), { onRequest, onErrorPage, onOffline });
    await nextRouter.start(startEager);
    const oldRouter = router;
    router = nextRouter;
    apps = next;
    for (const name of previous.keys()) {
      if (next.has(name)) continue;
      output.forget(name);
      rollouts.forget(name);
    }
    // A stop begun while the new router started drained only the old one: the new one, handed the
    // old one's waiters and routing for the rest of the stop, drains too (before the hand-over, so
    // a waiter moved to it gets 503 Portico is stopping and starts no app).
    if (closing) nextRouter.drain();
    oldRouter.handOver(nextRouter);
    oldRouter.close();
    // Done once every front routes to `next` too, as in one process, where the switch is at once.
    await fleet?.publishRoutes();
    const retired = [...previous.values()].filter((a) => [...next.values()].every((b) => b !== a));
    for (const a of retired) {
      const closing = (async () => {
        await a.close();
        drop(a);
        if (!apps.has(a.config.name)) {
          metrics.removeApp(a.config.name);
          fleet?.dropSeries(a.config.name);
        }
        notify();
      })();
      retiring.add(closing);
      void closing.finally(() => retiring.delete(closing));
    }
  };

  /**
   * Why `portico start APP` or `restart APP` cannot serve the app now: its app_offline.htm is
   * there, so requests would go on getting the page from workers started for nothing (before,
   * the command said "started" and the app answered 503).
   */
  const offlineRefusal = (name: string, command: 'start' | 'restart'): string | undefined => {
    const file = router.offline(name);
    return file === undefined ? undefined : `${name} is offline while ${file} exists (its requests get that page): remove the file to bring it back; nothing was ${command}ed`;
  };

  /** Runs an operator's command on one app; `task` resolves with its error, or with the workers a stop ended by force. */
  const appCommand = (name: string, task: (app: AppRuntime) => Promise<string | { readonly forced: readonly ForcedStop[] } | undefined>): Promise<AppCommandResult> =>
    oneAtATime(async () => {
      if (closing) return { ok: false, app: name, errors: [STOPPING_ERROR] };
      const app = apps.get(name);
      if (!app) return { ok: false, app: name, notFound: true, errors: [`no app named ${JSON.stringify(name)}; the apps are: ${[...apps.keys()].join(', ') || '(none)'}`] };
      const outcome = await task(app);
      notify();
      const state = apps.get(name)?.pool.state ?? 'stopped';
      if (typeof outcome === 'string') return { ok: false, app: name, errors: [outcome] };
      return { ok: true, app: name, state, ...(outcome?.forced.length ? { forced: outcome.forced } : {}) };
    });

  /**
   * Replaces `old`'s workers with new ones (same config): what `portico restart` and a watched
   * file's change do. A serving app's workers are replaced one at a time in place, each new one
   * ready before its old one drains; an app still starting starts again (its starting workers
   * stop first: one set, never two); an app with nothing serving (idle, failed, stopped) gets a
   * whole new set started beside it (same history), which traffic moves to once every new worker
   * is ready.
   */
  const rollOver = async (old: AppRuntime, why: RestartReason): Promise<{ ok: boolean; error?: string }> => {
    const inPlace = (await rollouts.restartInPlace(old, why)) ?? (await rollouts.restartStarting(old, why));
    if (inPlace) {
      // Done once every front has the pool's new view too (sent before these routes, in order).
      if (!closing) await fleet?.publishRoutes();
      return { ok: inPlace.error === undefined, ...inPlace };
    }
    const name = old.config.name;
    const fresh = new AppRuntime(old.config, wiring, old.pool.history);
    adopt(fresh);
    const { keep, error } = await rollouts.attempt(fresh, old, why);
    if (keep === fresh && !closing) await switchTo(new Map([...apps].map(([n, a]) => [n, n === name ? fresh : a])), []);
    return { ok: keep === fresh, ...(error === undefined ? {} : { error }) };
  };

  const watchers = new AppWatchers(options.clock ?? systemClock, logger, (name, files) => void filesChanged(name, files));
  const rewatch = () => watchers.update(apps, closing);
  /** A watched file changed: the app's workers are replaced as by `portico restart`, overlapped, if it runs. */
  const filesChanged = (name: string, files: readonly string[]): Promise<void> =>
    oneAtATime(async () => {
      const app = apps.get(name);
      if (closing || !app || ['idle', 'stopped', 'failed'].includes(app.pool.state) || app.pool.held) return;
      logEvent(logger, 'app.files_changed', { app: name, files: files.slice(0, 20) });
      await rollOver(app, 'watch');
      notify();
    });

  let listener: Listener | undefined;
  let admin: AdminServer | undefined;
  let starting: Promise<Started> | undefined;
  let stopping: Promise<void> | undefined;

  const dispatch = dispatchThrough(() => router);
  const forwarders = new ForwarderSet(initial.limits, {
    dispatch,
    servesHost: (authority) => router.servesHost(authority),
    onEvent: forwarderEventLogger(logger),
  });
  const applyLimits = async (limits: PorticoConfig['limits']): Promise<void> => {
    forwarders.useLimits(limits);
    listener?.setMaxConnections(limits.maxConnections);
    await fleet?.publishRoutes();
  };

  const eagerApps = () => [...apps.values()].filter((a) => a.config.start === 'eager');

  const reloadFromSource = async (): Promise<{ ok: true } | { ok: false; errors: readonly string[]; failedRollouts?: readonly string[] }> => {
    if (!options.loadConfig) return { ok: false, errors: ['this Portico was built from a config object; it has no file to reload'] };
    let next: PorticoConfig;
    try {
      next = await options.loadConfig();
    } catch (error) {
      // Each with its file and key: a message alone (`must be a number`, `is a FIFO…`) says not where.
      return { ok: false, errors: error instanceof ConfigInvalidError ? error.problems.map(formatProblem) : [String(error)] };
    }
    const result = await portico.reload(next);
    return result.ok ? { ok: true } : result;
  };

  const startAdmin = async (): Promise<Started['admin']> => {
    if (!config.admin) return undefined;
    const made = createPorticoAdmin(config.admin, options.baseEnvironment ?? process.env, {
      status: () => portico.status(),
      ready: () => portico.ready(),
      reload: () => reloadFromSource(),
      onChange: (listener) => portico.onChange(listener),
      logs: (app) => apps.get(app)?.pool.logs(),
      output,
      appCommand: (app, command) => (command === 'restart' ? portico.restart(app) : command === 'stop' ? portico.stopApp(app) : portico.startApp(app)),
      logWriteFailures: () => logWriteFailures(logger),
      ...(frontsFleet ? { refresh: () => frontsFleet.refresh() } : {}),
    }, metrics, logger);
    admin = made.server;
    return made.start();
  };

  const portico: Portico = {
    dispatch,
    handler: (req, res) => forwarders.embedded.handler(req, res),
    upgrade: (req, socket, head) => forwarders.embedded.upgrade(req, socket, head),
    metrics,
    get config() {
      return config;
    },
    onChange(listener) {
      return listeners.add(listener);
    },

    start(startOptions = {}) {
      // A stop releases the apps, the router and the host for good; starting again would answer
      // with the first start's result while every request got 503.
      if (stopping) return Promise.reject(new PorticoStoppedError());
      starting ??= (async () => {
        if (startOptions.listen === false) {
          // Embedded: the host's server brings the requests; start the rest.
          const adminAddress = await startAdmin();
          await router.start(eagerApps().map((a) => a.config.name));
          rewatch();
          return { listen: [], admin: adminAddress };
        }
        if (frontsFleet) {
          // Several fronts: they accept and forward; this process supervises (docs/architecture.md).
          fleet = frontsFleet;
          const addresses = await fleet.start();
          const adminAddress = await startAdmin();
          await router.start(eagerApps().map((a) => a.config.name));
          rewatch();
          return { listen: addresses, admin: adminAddress };
        }
        const { limits } = config;
        listener = createListener({
          entries: listenEntries(config.listen),
          maxConnections: limits.maxConnections,
          // Each connection goes to the forwarder of the limits in force when it was accepted.
          handler: (proto) => forwarders.handler(proto),
        });
        const addresses = await listener.start();
        const adminAddress = await startAdmin();
        await router.start(eagerApps().map((a) => a.config.name));
        rewatch();
        return { listen: addresses, admin: adminAddress };
      })();
      return starting;
    },

    stop() {
      stopping ??= (async () => {
        closing = true;
        // No app starts for a request from now on: the requests waiting for a worker get 503 now,
        // at the fronts too, before the app commands and reloads under way are waited for.
        router.drain();
        frontsFleet?.drain();
        rewatch();
        await starting?.catch(() => {});
        // A rollout in progress ends (its new workers stop) and changes nothing.
        await rollouts.stop();
        await changing;
        await listener?.stopAccepting();
        // No connection takes a request after the one it is on: a keep-alive client's next request
        // would only wait for a worker that is stopping, and be cut.
        forwarders.drain();
        await fleet?.stopAccepting();
        await admin?.close();
        // In-flight requests finish while the workers drain; the pools wait for them.
        await Promise.all([...apps.values()].map((a) => a.close()));
        await Promise.all(retiring);
        await frontsFleet?.close();
        await forwarders.close();
        router.close();
        for (const app of apps.values()) drop(app);
        // A host made here is ours to release; an injected one belongs to the caller.
        if (!options.host) await host.close?.();
      })();
      return stopping;
    },

    reload(next) {
      try {
        assertResolved(next, 'reload(config)');
      } catch (error) {
        return Promise.reject(error as Error);
      }
      // Said in the log, as every refusal of a reload is: a SIGHUP's reload that ran into a stop
      // was dropped without a word.
      const stoppingRefusal = (): ReloadResult => {
        logEvent(logger, 'config.reload_failed', { problems: [STOPPING_ERROR] });
        return { ok: false, errors: [STOPPING_ERROR] };
      };
      return oneAtATime(async (): Promise<ReloadResult> => {
        if (closing) return stoppingRefusal();
        const refused = restartNeeded(config, next);
        if (refused.length > 0) {
          logEvent(logger, 'config.reload_failed', { problems: refused });
          return { ok: false, errors: refused };
        }
        const settings = appliedSettings(config, next);
        const previous = apps;
        const built = build(next.apps, previous);
        const changed: string[] = [];
        const unchanged: string[] = [];
        for (const [name, app] of built) (previous.get(name) !== app ? changed : unchanged).push(name);
        for (const name of previous.keys()) if (!built.has(name)) changed.push(name);
        // New and changed apps that must run start beside the old ones; traffic moves only to ready ones.
        const fresh = [...built.values()].filter((a) => previous.get(a.config.name) !== a);
        const wasRunning = (a: AppRuntime) => !['idle', 'stopped'].includes(previous.get(a.config.name)?.pool.state ?? 'idle');
        const errors: string[] = [];
        const failed: string[] = [];
        await Promise.all(
          fresh
            .filter((a) => a.config.start === 'eager' || wasRunning(a))
            .map(async (a) => {
              const { keep, error } = await rollouts.attempt(a, previous.get(a.config.name), 'reload');
              built.set(a.config.name, keep);
              if (error === undefined) return;
              errors.push(error);
              failed.push(a.config.name);
            }),
        );
        if (closing) return stoppingRefusal();
        await switchTo(built, []);
        config = next;
        for (const name of unchanged) rollouts.reverted(name);
        if (settings.includes('limits')) await applyLimits(next.limits);
        if (settings.includes('sampleInterval')) {
          // Runtimes made from now on take it from the wiring; running ones are told.
          wiring.sampleInterval = next.sampleInterval;
          for (const app of apps.values()) app.pool.setSampleInterval(next.sampleInterval);
        }
        // An app whose rollout failed still runs its old workers: it was not rolled over.
        const applied = changed.filter((name) => !failed.includes(name));
        logEvent(logger, 'config.reloaded', { changed: applied, settings, ...(failed.length > 0 ? { failedRollouts: failed } : {}) });
        rewatch();
        notify();
        return failed.length === 0 ? { ok: true, changed, settings } : { ok: false, errors, failedRollouts: failed };
      });
    },

    restart(name) {
      return appCommand(name, async (old) => offlineRefusal(name, 'restart') ?? (await rollOver(old, 'restart')).error);
    },

    stopApp(name) {
      return appCommand(name, async (app) => {
        logEvent(logger, 'app.operator_command', { app: name, command: 'stop' });
        const before = app.pool.lastStop;
        await app.pool.stop({ hold: true });
        // An app already stopped ended nothing now: the report its pool keeps is of an earlier stop.
        const report = app.pool.lastStop;
        return { forced: report === before ? [] : (report?.forced ?? []) };
      });
    },

    startApp(name) {
      return appCommand(name, async (app) => {
        const refused = offlineRefusal(name, 'start');
        if (refused) return refused;
        logEvent(logger, 'app.operator_command', { app: name, command: 'start' });
        const { error } = await rollouts.start(app);
        return error?.replace(/^rollout of/, 'start of');
      });
    },

    status(): PorticoStatus {
      return {
        pid: process.pid,
        version,
        startedAt,
        sampling: samplingStatus(host, config.sampleInterval),
        ...(host.isolation ? { isolation: host.isolation() } : {}),
        apps: [...apps.values()].map((a) => appStatus(a, router.waiting(a.config.name) + (frontsFleet?.reports.waiting(a.config.name) ?? 0), rollouts.failure(a.config.name), frontsInFlight)),
        // Only once start() ran them: embedded ({ listen: false }), the host's server is the front door.
        ...(fleet ? { fronts: fleet.status() } : {}),
      };
    },

    ready() {
      return eagerApps().every((a) => a.pool.ready.length > 0);
    },
  };
  return portico;
}
