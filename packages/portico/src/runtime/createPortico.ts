import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import {
  createAdminServer,
  createListener,
  RequestMetrics,
  type AdminServer,
  type AppCommandResult,
  type AppStatus,
  type BoundAddress,
  type Listener,
  type PorticoStatus,
  type SamplingStatus,
} from '@portico/listener';
import { createLogger, logEvent, logWriteFailures, writeLogLine, type EventLogger, type OutputLine } from '@portico/log-sink';
import { createEmbeddedForwarder, createRouter, type Dispatch, type DispatchRequest, type Forwarder, type Router } from '@portico/router';
import { systemClock, type Clock } from '@portico/supervisor';
import { createNodeProcessHost, type ProcessHost, type WorkerStatus } from '@portico/worker-actor';
import type { AppConfig } from '../config/AppSchema.ts';
import type { PorticoConfig } from '../config/PorticoConfigSchema.ts';
import { adminSocketGroup, configuredAdminToken, randomToken, writeGeneratedTokenAfterBind } from './adminAccess.ts';
import { createFrontFleet, type FrontFleet } from '../fronts/createFrontFleet.ts';
import { AppOutputHub, appOutputJson } from './AppOutputHub.ts';
import { AppRuntime } from './AppRuntime.ts';
import { countFronts } from './countFronts.ts';
import { listenEntries } from './listenEntries.ts';
import { createSocketForwarder } from './createSocketForwarder.ts';
import { dispatchThrough } from './dispatchThrough.ts';
import { errorPageLogger } from './errorPageLogger.ts';
import { forwarderEventLogger } from './forwarderEventLogger.ts';
import { appliedSettings, restartNeeded } from './reloadRules.ts';
import { rollOut } from './rollOut.ts';
import { watchAppFiles } from './watchAppFiles.ts';

export interface PorticoOptions {
  /** Where Portico logs; default JSON lines on stdout (pretty on a terminal). */
  readonly logger?: EventLogger;
  readonly host?: ProcessHost;
  readonly clock?: Clock;
  /** The environment backends inherit; default `process.env`. */
  readonly baseEnvironment?: Readonly<Record<string, string | undefined>>;
  /** Loads the config file again, for `POST /reload` on the admin endpoint. */
  readonly loadConfig?: () => Promise<PorticoConfig>;
  /** Front processes when the config has no `fronts`: default 1 (one process); `portico start` gives `auto`. */
  readonly fronts?: number | 'auto';
}

const version = '0.1.0';

/** Where `start()` bound: the front sockets, and the admin endpoint when configured. */
export interface Started {
  readonly listen: readonly BoundAddress[];
  readonly admin:
    | {
        readonly host: string;
        readonly port: number;
        /** The unix socket, which needs no token (`admin.socket`). */
        readonly socket: string;
        /** Where Portico wrote the token it made, when the config names none. */
        readonly tokenFile?: string;
      }
    | undefined;
}

/**
 * What a reload did: applied (`changed` lists the apps started, rolled over or removed), refused
 * (`errors`), or applied except for the apps in `failedRollouts`, whose new workers did not start:
 * their old ones keep serving, and `errors` says why for each.
 */
export type ReloadResult =
  | {
      readonly ok: true;
      /** The apps started, rolled over or removed. */
      readonly changed: readonly string[];
      /** The other top-level keys that changed and were applied (`limits`: for new connections). */
      readonly settings: readonly string[];
    }
  | { readonly ok: false; readonly errors: readonly string[]; readonly failedRollouts?: readonly string[] };

/** What an operator's `restart`, `stop` or `start` of one app did (docs/admin.md): the admin endpoint's own type. */
export type { AppCommandResult };

/** Portico in one object: the apps, the router, and (with `start`) the front sockets. */
export interface Portico {
  /** Binds the configured listeners and the admin endpoint, and starts the eager apps. Idempotent. */
  start(options?: { readonly listen?: boolean }): Promise<Started>;
  /** Stops accepting, lets in-flight requests finish, stops every app's workers. Idempotent. */
  stop(): Promise<void>;
  /** Applies a new config: unchanged apps keep running, changed ones roll over, removed ones drain. */
  reload(config: PorticoConfig): Promise<ReloadResult>;
  /**
   * Rolls `app` over to new workers: they start beside the old ones, traffic moves once every one
   * is ready, then the old ones drain. If they fail, the old ones keep serving. Ends a failed
   * state or an operator's stop at once.
   */
  restart(app: string): Promise<AppCommandResult>;
  /** Drains and stops `app`'s workers; requests get 503 and do not start it until `startApp`. */
  stopApp(app: string): Promise<AppCommandResult>;
  /** Starts `app` (after `stopApp`, or a failed one at once) and resolves once it is ready or has failed. */
  startApp(app: string): Promise<AppCommandResult>;
  status(): PorticoStatus;
  /** Whether every eager app has a ready worker. */
  ready(): boolean;
  /** The forwarder's dispatcher, for front ends other than the configured listeners. */
  readonly dispatch: (request: DispatchRequest) => Dispatch | Promise<Dispatch>;
  /** A `node:http` request listener that forwards like the listeners do, for mounting in a host server (docs/embedding.md). */
  readonly handler: (req: IncomingMessage, res: ServerResponse) => void;
  /** For a host server's `'upgrade'` event: forwards WebSocket handshakes, refuses other upgrades. */
  readonly upgrade: (req: IncomingMessage, socket: Duplex, head: Buffer) => void;
  /** The current config. */
  readonly config: PorticoConfig;
  /** Requests by app and status class, latency, bytes: what `/metrics` serves. */
  readonly metrics: RequestMetrics;
  onChange(listener: () => void): () => void;
}

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
  const logger = options.logger ?? createLogger();
  const host = options.host ?? createNodeProcessHost();
  // Declared before the wiring that feeds it; `apps` is read when a line's app is asked about.
  let apps = new Map<string, AppRuntime>();
  const output = new AppOutputHub((name) => apps.has(name));
  // stdoutLog.toStdout: the app's lines join Portico's own on stdout, through its logger's destination.
  output.subscribe((line) => {
    if (apps.get(line.app)?.config.stdoutLog.toStdout) writeLogLine(logger, appOutputJson(line));
  });
  const wiring = {
    host,
    logger,
    onOutput: (app: string, worker: string, pid: number, lines: readonly OutputLine[]) => output.push(app, worker, pid, lines),
    sampleInterval: initial.sampleInterval,
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
    routed: () => [...apps.values()],
    metrics,
    onChange: () => notify(),
  };
  const frontsFleet = frontCount > 1 ? createFrontFleet(fleetOptions) : undefined;
  const frontsInFlight = frontsFleet && ((id: string, pid: number | undefined) => frontsFleet.reports.inFlight(id, pid));
  const onErrorPage = errorPageLogger(logger);
  const onRequest = (app: string | undefined, status: number, durationMs: number, bytesIn: number, bytesOut: number, upstreamFailed: boolean) => {
    metrics.record(app ?? '(none)', status, durationMs, bytesIn, bytesOut);
    if (upstreamFailed && app !== undefined) metrics.upstreamFailure(app);
  };
  const listeners = new Set<() => void>();
  const notify = () => {
    for (const listener of listeners) {
      try {
        listener();
      } catch {
        // A status listener's failure is its own.
      }
    }
  };

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
  router = createRouter([...apps.values()].map((a) => a.route), { onRequest, onErrorPage });
  /** Each app's last rollout that failed, for status; cleared by the next that succeeds. */
  const failedRollouts = new Map<string, { readonly message: string; readonly at: number }>();

  // Reloads and operators' commands change the apps one at a time, in the order asked.
  let changing: Promise<unknown> = Promise.resolve();
  const oneAtATime = <T>(task: () => Promise<T>): Promise<T> => {
    const run = changing.then(task, task);
    changing = run.catch(() => {});
    return run;
  };
  /** Set when `stop()` begins: no reload or app command starts anything after it. */
  let closing = false;
  const stoppingError = 'Portico is stopping; nothing was changed';
  /** New runtimes starting beside old ones; `stop()` stops them, which ends their rollout. */
  const rollingOut = new Set<AppRuntime>();

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
    const nextRouter = createRouter([...next.values()].map((a) => a.route), { onRequest, onErrorPage });
    await nextRouter.start(startEager);
    const oldRouter = router;
    router = nextRouter;
    apps = next;
    oldRouter.handOver(nextRouter);
    oldRouter.close();
    // Done once every front routes to `next` too, as in one process, where the switch is at once.
    await fleet?.publishRoutes();
    const retired = [...previous.values()].filter((a) => [...next.values()].every((b) => b !== a));
    for (const a of retired) {
      const closing = (async () => {
        await a.close();
        drop(a);
        if (!apps.has(a.config.name)) metrics.removeApp(a.config.name);
        notify();
      })();
      retiring.add(closing);
      void closing.finally(() => retiring.delete(closing));
    }
  };

  /**
   * Starts `fresh` beside `old` and says whether traffic may move to it. When it may not, the old
   * runtime keeps serving if it was (fresh is closed); an app that was not serving anyway takes
   * the new one, which goes on trying on its own schedule.
   */
  const attemptRollout = async (fresh: AppRuntime, old: AppRuntime | undefined, why: 'reload' | 'restart' | 'watch'): Promise<{ keep: AppRuntime; error?: string }> => {
    const name = fresh.config.name;
    const began = Date.now();
    rollingOut.add(fresh);
    const outcome = await rollOut(fresh).finally(() => rollingOut.delete(fresh));
    if (closing) {
      // Portico stopped meanwhile: the new runtime never takes traffic.
      await fresh.close();
      drop(fresh);
      return { keep: old ?? fresh, error: stoppingError };
    }
    if (outcome.ok) {
      failedRollouts.delete(name);
      logEvent(logger, 'app.rolled_out', { app: name, reason: why, ms: Date.now() - began });
      return { keep: fresh };
    }
    failedRollouts.set(name, { message: outcome.error, at: Date.now() });
    const oldServes = old !== undefined && (old.pool.ready.length > 0 || old.pool.state === 'starting');
    logEvent(logger, 'app.rollout_failed', { app: name, reason: why, error: outcome.error, oldKeepsServing: oldServes });
    if (!oldServes) return { keep: fresh, error: outcome.error };
    await fresh.close();
    drop(fresh);
    return { keep: old, error: outcome.error };
  };

  const appCommand = (name: string, task: (app: AppRuntime) => Promise<string | undefined>): Promise<AppCommandResult> =>
    oneAtATime(async () => {
      if (closing) return { ok: false, app: name, errors: [stoppingError] };
      const app = apps.get(name);
      if (!app) return { ok: false, app: name, notFound: true, errors: [`no app named ${JSON.stringify(name)}; the apps are: ${[...apps.keys()].join(', ') || '(none)'}`] };
      const error = await task(app);
      notify();
      const state = apps.get(name)?.pool.state ?? 'stopped';
      return error === undefined ? { ok: true, app: name, state } : { ok: false, app: name, errors: [error] };
    });

  /**
   * Replaces `old`'s workers with new ones started beside them (same config, same history):
   * traffic moves once every new one is ready, then the old ones drain. What `portico restart`
   * and a watched file's change do.
   */
  const rollOver = async (old: AppRuntime, why: 'restart' | 'watch'): Promise<{ ok: boolean; error?: string }> => {
    const name = old.config.name;
    const fresh = new AppRuntime(old.config, wiring, old.pool.history);
    adopt(fresh);
    const { keep, error } = await attemptRollout(fresh, old, why);
    if (keep === fresh && !closing) await switchTo(new Map([...apps].map(([n, a]) => [n, n === name ? fresh : a])), []);
    return { ok: keep === fresh, ...(error === undefined ? {} : { error }) };
  };

  /** Each app's file watcher (`watchedFiles`), by name; made again for an app whose config changed. */
  const watchers = new Map<string, { readonly config: AppConfig; readonly close: () => void }>();
  const rewatch = () => {
    for (const [name, watcher] of watchers) {
      if (!closing && apps.get(name)?.config === watcher.config) continue;
      watcher.close();
      watchers.delete(name);
    }
    if (closing) return;
    for (const app of apps.values()) {
      const { name, watchedFiles, workingDirectory } = app.config;
      if (watchedFiles.length === 0 || watchers.has(name)) continue;
      const { close, unwatched } = watchAppFiles(workingDirectory, watchedFiles, options.clock ?? systemClock, (files) => void filesChanged(name, files));
      if (unwatched.length > 0) logEvent(logger, 'app.watch_failed', { app: name, paths: unwatched });
      watchers.set(name, { config: app.config, close });
    }
  };
  /** A watched file changed: the app's workers are replaced as by `portico restart`, overlapped, if it runs. */
  const filesChanged = (name: string, files: readonly string[]): Promise<void> =>
    oneAtATime(async () => {
      const app = apps.get(name);
      if (closing || !app || ['idle', 'stopped', 'failed'].includes(app.pool.state) || app.pool.held) return;
      logEvent(logger, 'app.files_changed', { app: name, files: files.slice(0, 20) });
      await rollOver(app, 'watch');
      notify();
    });

  const forwarders: Forwarder[] = [];
  let listener: Listener | undefined;
  let admin: AdminServer | undefined;
  let starting: Promise<Started> | undefined;
  let stopping: Promise<void> | undefined;

  const dispatch = dispatchThrough(() => router);
  const logForwarderEvent = forwarderEventLogger(logger);

  const makeEmbedded = (limits: PorticoConfig['limits']) =>
    createEmbeddedForwarder({
      dispatch,
      limits: { maxHeaderBytes: limits.maxHeaderBytes, maxHeaderCount: limits.maxHeaderCount },
      servesHost: (authority) => router.servesHost(authority),
      onEvent: logForwarderEvent,
    });
  // A reload that changes `limits` makes new forwarders for new connections and requests; the
  // old ones finish what they have and are closed with Portico.
  let embedded = makeEmbedded(initial.limits);
  const embeddedForwarders = [embedded];
  const socketForwarders = new Map<'http' | 'https', Forwarder>();
  const forwarderFor = (proto: 'http' | 'https'): Forwarder => {
    let forwarder = socketForwarders.get(proto);
    if (!forwarder) {
      forwarder = createSocketForwarder(proto, config.limits, {
        dispatch: (request) => dispatch(request),
        servesHost: (authority) => router.servesHost(authority),
        onEvent: logForwarderEvent,
      });
      forwarders.push(forwarder);
      socketForwarders.set(proto, forwarder);
    }
    return forwarder;
  };
  const applyLimits = async (limits: PorticoConfig['limits']): Promise<void> => {
    socketForwarders.clear();
    embedded = makeEmbedded(limits);
    embeddedForwarders.push(embedded);
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
      const problems = (error as { problems?: readonly { message: string }[] }).problems;
      return { ok: false, errors: problems ? problems.map((p) => p.message) : [String(error)] };
    }
    const result = await portico.reload(next);
    return result.ok ? { ok: true } : result;
  };

  const startAdmin = async (): Promise<Started['admin']> => {
    if (!config.admin) return undefined;
    const env = options.baseEnvironment ?? process.env;
    const configured = configuredAdminToken(config.admin, env);
    const generated = configured === undefined ? writeGeneratedTokenAfterBind : undefined;
    const group = adminSocketGroup(config.admin);
    const token = configured ?? randomToken();
    admin = createAdminServer({
      source: {
        status: () => portico.status(),
        ready: () => portico.ready(),
        reload: () => reloadFromSource(),
        onChange: (listener) => portico.onChange(listener),
        logs: (app) => apps.get(app)?.pool.logs(),
        output,
        appCommand: (app, command) => (command === 'restart' ? portico.restart(app) : command === 'stop' ? portico.stopApp(app) : portico.startApp(app)),
        logWriteFailures: () => logWriteFailures(logger),
      },
      metrics,
      host: config.admin.host,
      port: config.admin.port,
      allowedHosts: config.admin.allowedHosts,
      token,
      socket: { path: config.admin.socket, ...(group === undefined ? {} : { group }) },
    });
    const bound = await admin.start();
    // Written once the socket's folder exists, with the socket's protection (docs/admin.md).
    const tokenFile = generated?.(config.admin, token);
    return { host: bound.host, port: bound.port, socket: config.admin.socket, ...(tokenFile ? { tokenFile } : {}) };
  };


  const portico: Portico = {
    dispatch,
    handler: (req, res) => embedded.handler(req, res),
    upgrade: (req, socket, head) => embedded.upgrade(req, socket, head),
    metrics,
    get config() {
      return config;
    },
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },

    start(startOptions = {}) {
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
          rewatch();
        return { listen: addresses, admin: adminAddress };
        }
        const { limits } = config;
        listener = createListener({
          entries: listenEntries(config.listen),
          maxConnections: limits.maxConnections,
          // Each connection goes to the forwarder of the limits in force when it was accepted.
          handler: (proto) => ({
            handleConnection: (socket) => forwarderFor(proto).handleConnection(socket),
            handleHttp2Connection: (socket) => forwarderFor(proto).handleHttp2Connection(socket),
          }),
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
        rewatch();
        await starting?.catch(() => {});
        // A rollout in progress ends (its new workers stop) and changes nothing.
        await Promise.all([...rollingOut].map((a) => a.pool.stop()));
        await changing;
        await listener?.stopAccepting();
        await fleet?.stopAccepting();
        await admin?.close();
        // In-flight requests finish while the workers drain; the pools wait for them.
        await Promise.all([...apps.values()].map((a) => a.close()));
        await Promise.all(retiring);
        await frontsFleet?.close();
        await Promise.all(forwarders.map((f) => f.close()));
        for (const forwarder of embeddedForwarders) forwarder.close();
        router.close();
        for (const app of apps.values()) drop(app);
        // A host made here is ours to release; an injected one belongs to the caller.
        if (!options.host) await host.close?.();
      })();
      return stopping;
    },

    reload(next) {
      return oneAtATime(async (): Promise<ReloadResult> => {
        if (closing) return { ok: false, errors: [stoppingError] };
        const refused = restartNeeded(config, next);
        if (refused.length > 0) {
          logEvent(logger, 'config.reload_failed', { problems: refused });
          return { ok: false, errors: refused };
        }
        const settings = appliedSettings(config, next);
        const previous = apps;
        const built = build(next.apps, previous);
        const changed: string[] = [];
        for (const [name, app] of built) if (previous.get(name) !== app) changed.push(name);
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
              const { keep, error } = await attemptRollout(a, previous.get(a.config.name), 'reload');
              built.set(a.config.name, keep);
              if (error === undefined) return;
              errors.push(error);
              failed.push(a.config.name);
            }),
        );
        if (closing) return { ok: false, errors: [stoppingError] };
        await switchTo(built, []);
        config = next;
        if (settings.includes('limits')) await applyLimits(next.limits);
        if (settings.includes('sampleInterval')) {
          // Runtimes made from now on take it from the wiring; running ones are told.
          wiring.sampleInterval = next.sampleInterval;
          for (const app of apps.values()) app.pool.setSampleInterval(next.sampleInterval);
        }
        logEvent(logger, 'config.reloaded', { changed, settings });
        rewatch();
        notify();
        return failed.length === 0 ? { ok: true, changed, settings } : { ok: false, errors, failedRollouts: failed };
      });
    },

    restart(name) {
      return appCommand(name, async (old) => (await rollOver(old, 'restart')).error);
    },

    stopApp(name) {
      return appCommand(name, async (app) => {
        logEvent(logger, 'app.operator_command', { app: name, command: 'stop' });
        await app.pool.stop({ hold: true });
        return undefined;
      });
    },

    startApp(name) {
      return appCommand(name, async (app) => {
        logEvent(logger, 'app.operator_command', { app: name, command: 'start' });
        const outcome = await rollOut(app);
        return outcome.ok ? undefined : outcome.error.replace(/^rollout of/, 'start of');
      });
    },

    status(): PorticoStatus {
      return {
        pid: process.pid,
        version,
        startedAt,
        sampling: samplingStatus(host, config.sampleInterval),
        ...(host.isolation ? { isolation: host.isolation() } : {}),
        apps: [...apps.values()].map((a) => appStatus(a, router.waiting(a.config.name) + (frontsFleet?.reports.waiting(a.config.name) ?? 0), failedRollouts.get(a.config.name), frontsInFlight)),
        ...(frontsFleet ? { fronts: frontsFleet.status() } : {}),
      };
    },

    ready() {
      return eagerApps().every((a) => a.pool.ready.length > 0);
    },
  };
  return portico;
}

/** One app as `/status` shows it: its pool now, and what happened to it (docs/admin.md). */
function appStatus(
  app: AppRuntime,
  queueDepth: number,
  rollout: { readonly message: string; readonly at: number } | undefined,
  frontsInFlight?: (id: string, pid: number | undefined) => number,
): AppStatus {
  const { pool } = app;
  // With fronts, the requests in flight are theirs: as each last reported.
  const workers = frontsInFlight ? pool.status().map((w) => ({ ...w, inFlight: w.inFlight + frontsInFlight(w.id, w.pid) })) : pool.status();
  return {
    name: app.config.name,
    match: app.config.match,
    state: pool.state,
    eager: app.config.start === 'eager',
    workers,
    ...appSums(workers),
    queueDepth,
    ...(pool.failure === undefined ? {} : { failure: pool.failure }),
    ...(pool.retryAt === undefined ? {} : { retryAt: Math.round(pool.retryAt) }),
    ...(rollout === undefined ? {} : { rollout: { state: 'failed' as const, message: rollout.message, at: rollout.at } }),
    exits: pool.history.exits.map((e) => ({ worker: e.worker, pid: e.pid, at: Math.round(e.at), kind: e.kind, code: e.code, signal: e.signal, uptimeMs: e.uptimeMs, stderrTail: e.stderrTail })),
    history: pool.history.states.map((h) => ({ ...h, at: Math.round(h.at) })),
  };
}

/** Whether the workers' costs are read: not without `/proc` (macOS), nor with `sampleInterval: 0`. */
function samplingStatus(host: ProcessHost, interval: number): SamplingStatus {
  if (typeof host.usage !== 'function') {
    return { available: false, interval, note: 'this system has no /proc (macOS): CPU, memory and file descriptors are not shown, nor is recycling.memory applied; uptime, requests and in-flight are' };
  }
  if (interval === 0) return { available: true, interval, note: 'sampleInterval is 0: CPU, memory and file descriptors are not read, nor is recycling.memory applied' };
  return { available: true, interval };
}

/** An app's figures: its workers' sums. */
function appSums(workers: readonly WorkerStatus[]): Pick<AppStatus, 'resources' | 'requests' | 'inFlight'> {
  let requests = 0;
  let inFlight = 0;
  let resources: { cpuPercent: number; cpuSeconds: number; memoryBytes: number; fds: number; processes: number } | undefined;
  for (const worker of workers) {
    requests += worker.requests;
    inFlight += worker.inFlight;
    const r = worker.resources;
    if (!r) continue;
    resources ??= { cpuPercent: 0, cpuSeconds: 0, memoryBytes: 0, fds: 0, processes: 0 };
    resources.cpuPercent += r.cpuPercent;
    resources.cpuSeconds += r.cpuSeconds;
    resources.memoryBytes += r.memoryBytes;
    resources.fds += r.fds;
    resources.processes += r.processes;
  }
  return { requests, inFlight, ...(resources ? { resources } : {}) };
}
