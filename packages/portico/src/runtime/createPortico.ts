import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import type { AuthTlsInfo } from '@portico/auth-forwarder';
import {
  createAdminServer,
  createListener,
  RequestMetrics,
  type AdminServer,
  type AppStatus,
  type BoundAddress,
  type Listener,
  type PorticoStatus,
} from '@portico/listener';
import { createLogger, logEvent, logWriteFailures, type EventLogger } from '@portico/log-sink';
import { createEmbeddedForwarder, createForwarder, createRouter, type Dispatch, type DispatchRequest, type Forwarder, type ForwarderEvent, type Router } from '@portico/router';
import type { Clock } from '@portico/supervisor';
import { createNodeProcessHost, type ProcessHost } from '@portico/worker-actor';
import type { AppConfig } from '../config/AppSchema.ts';
import type { PorticoConfig } from '../config/PorticoConfigSchema.ts';
import { AppRuntime } from './AppRuntime.ts';

export interface PorticoOptions {
  /** Where Portico logs; default JSON lines on stdout (pretty on a terminal). */
  readonly logger?: EventLogger;
  readonly host?: ProcessHost;
  readonly clock?: Clock;
  /** The environment backends inherit; default `process.env`. */
  readonly baseEnvironment?: Readonly<Record<string, string | undefined>>;
  /** Loads the config file again, for `POST /reload` on the admin endpoint. */
  readonly loadConfig?: () => Promise<PorticoConfig>;
}

const version = '0.1.0';

/** Where `start()` bound: the front sockets, and the admin endpoint when configured. */
export interface Started {
  readonly listen: readonly BoundAddress[];
  readonly admin: { readonly host: string; readonly port: number } | undefined;
}

export type ReloadResult = { readonly ok: true; readonly changed: readonly string[] } | { readonly ok: false; readonly errors: readonly string[] };

/** Portico in one object: the apps, the router, and (with `start`) the front sockets. */
export interface Portico {
  /** Binds the configured listeners and the admin endpoint, and starts the eager apps. Idempotent. */
  start(options?: { readonly listen?: boolean }): Promise<Started>;
  /** Stops accepting, lets in-flight requests finish, stops every app's workers. Idempotent. */
  stop(): Promise<void>;
  /** Applies a new config: unchanged apps keep running, changed ones roll over, removed ones drain. */
  reload(config: PorticoConfig): Promise<ReloadResult>;
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
  const wiring = {
    host,
    logger,
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.baseEnvironment ? { baseEnvironment: options.baseEnvironment } : {}),
  };
  const startedAt = Date.now();
  const metrics = new RequestMetrics({ apps: initial.apps.map((a) => a.name) });
  const onRequest = (app: string | undefined, status: number, durationMs: number, bytesIn: number, bytesOut: number) =>
    metrics.record(app ?? '(none)', status, durationMs, bytesIn, bytesOut);
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
  let apps = new Map<string, AppRuntime>();
  let router: Router;
  const unsubscribe = new Map<AppRuntime, () => void>();
  const adopt = (app: AppRuntime) => unsubscribe.set(app, app.pool.onChange(notify));
  const drop = (app: AppRuntime) => {
    unsubscribe.get(app)?.();
    unsubscribe.delete(app);
  };
  const build = (configs: readonly AppConfig[], reuse: Map<string, AppRuntime>) => {
    const next = new Map<string, AppRuntime>();
    for (const app of configs) {
      const existing = reuse.get(app.name);
      const runtime = existing?.sameAs(app) ? existing : new AppRuntime(app, wiring);
      if (runtime !== existing) adopt(runtime);
      next.set(app.name, runtime);
    }
    return next;
  };
  apps = build(config.apps, apps);
  router = createRouter([...apps.values()].map((a) => a.route), { onRequest });

  const forwarders: Forwarder[] = [];
  let listener: Listener | undefined;
  let admin: AdminServer | undefined;
  let starting: Promise<Started> | undefined;
  let stopping: Promise<void> | undefined;

  const tlsInfo = new WeakMap<object, AuthTlsInfo>();
  const dispatch = (request: DispatchRequest): Dispatch | Promise<Dispatch> => {
    const socket = request.socket as TLSSocket;
    let tls: AuthTlsInfo | undefined;
    if (socket.encrypted) {
      tls = tlsInfo.get(socket);
      if (!tls) {
        const peer = socket.getPeerCertificate();
        const der = peer && 'raw' in peer ? peer.raw : undefined;
        const error = socket.authorizationError;
        tls = {
          authorized: socket.authorized,
          ...(error ? { authorizationError: String(error) } : {}),
          ...(der ? { peerCertificateDer: der } : {}),
        };
        tlsInfo.set(socket, tls);
      }
    }
    return router.route({
      head: request.head,
      remoteAddress: socket.remoteAddress ?? 'unknown',
      requestId: request.requestId,
      ...(tls ? { tls } : {}),
    });
  };

  /** Both forwarders (sockets and embedded) report refusals, backend failures and cut responses alike. */
  const logForwarderEvent = (event: ForwarderEvent): void => {
    if (event.type === 'request.refused') logEvent(logger, 'proxy.request_refused', { status: event.status, reason: event.reason });
    else if (event.type === 'upstream.failed') logEvent(logger, 'proxy.upstream_failed', { upstream: event.upstreamId, err: event.error.message, retried: event.retried });
    else logEvent(logger, 'proxy.response_aborted', { reason: event.reason });
  };

  const embedded = createEmbeddedForwarder({
    dispatch,
    limits: { maxHeadBytes: initial.limits.maxHeaderBytes, maxHeaderCount: initial.limits.maxHeaderCount },
    servesHost: (authority) => router.servesHost(authority),
    onEvent: logForwarderEvent,
  });

  const eagerApps = () => [...apps.values()].filter((a) => a.config.start === 'eager');

  const reloadFromSource = async (): Promise<{ ok: true } | { ok: false; errors: readonly string[] }> => {
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
    admin = createAdminServer({
      source: {
        status: () => portico.status(),
        ready: () => portico.ready(),
        reload: () => reloadFromSource(),
        onChange: (listener) => portico.onChange(listener),
        logs: (app) => apps.get(app)?.pool.logs(),
        logWriteFailures: () => logWriteFailures(logger),
      },
      metrics,
      host: config.admin.host,
      port: config.admin.port,
      allowedHosts: config.admin.allowedHosts,
    });
    return admin.start();
  };


  const portico: Portico = {
    dispatch,
    handler: embedded.handler,
    upgrade: embedded.upgrade,
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
          return { listen: [], admin: adminAddress };
        }
        const { limits } = config;
        listener = createListener({
          entries: config.listen.map((entry) => ({
            port: entry.port,
            host: entry.host,
            ...(entry.tls ? { tls: { cert: entry.tls.cert, key: entry.tls.key, ...(entry.tls.ca ? { ca: entry.tls.ca } : {}), requestCert: entry.tls.requestCert } } : {}),
          })),
          maxConnections: limits.maxConnections,
          handler: (proto) => {
            const forwarder = createForwarder({
              dispatch: (request) => dispatch(request),
              proto,
              limits: { maxHeadBytes: limits.maxHeaderBytes, maxHeaderCount: limits.maxHeaderCount },
              headersTimeout: limits.headersTimeout * 1000,
              bodyIdleTimeout: limits.bodyIdleTimeout * 1000,
              sendTimeout: limits.sendTimeout * 1000,
              keepAliveTimeout: limits.keepAliveTimeout * 1000,
              servesHost: (authority) => router.servesHost(authority),
              onEvent: logForwarderEvent,
            });
            forwarders.push(forwarder);
            return forwarder;
          },
        });
        const addresses = await listener.start();
        const adminAddress = await startAdmin();
        await router.start(eagerApps().map((a) => a.config.name));
        return { listen: addresses, admin: adminAddress };
      })();
      return starting;
    },


    stop() {
      stopping ??= (async () => {
        await starting?.catch(() => {});
        await listener?.stopAccepting();
        await admin?.close();
        // In-flight requests finish while the workers drain; the pools wait for them.
        await Promise.all([...apps.values()].map((a) => a.close()));
        await Promise.all(forwarders.map((f) => f.close()));
        embedded.close();
        router.close();
        for (const app of apps.values()) drop(app);
        // A host made here is ours to release; an injected one belongs to the caller.
        if (!options.host) await host.close?.();
      })();
      return stopping;
    },

    async reload(next) {
      const changed: string[] = [];
      const previous = apps;
      const built = build(next.apps, previous);
      for (const [name, app] of built) if (previous.get(name) !== app) changed.push(name);
      for (const name of previous.keys()) if (!built.has(name)) changed.push(name);
      for (const name of built.keys()) metrics.addApp(name);
      // New and changed eager apps become ready before traffic switches to them.
      const fresh = [...built.values()].filter((a) => previous.get(a.config.name) !== a);
      const wasRunning = (a: AppRuntime) => (previous.get(a.config.name)?.pool.state ?? 'idle') !== 'idle';
      await Promise.all(fresh.filter((a) => a.config.start === 'eager' || wasRunning(a)).map((a) => readyOrSettled(a)));
      const nextRouter = createRouter([...built.values()].map((a) => a.route), { onRequest });
      await nextRouter.start(fresh.filter((a) => a.config.start === 'eager').map((a) => a.config.name));
      const oldRouter = router;
      router = nextRouter;
      apps = built;
      config = next;
      oldRouter.close();
      // Old workers drain within their shutdown limit; requests already sent to them finish.
      const retired = [...previous.values()].filter((a) => [...built.values()].every((b) => b !== a));
      await Promise.all(retired.map(async (a) => {
        await a.close();
        drop(a);
        if (!built.has(a.config.name)) metrics.removeApp(a.config.name);
      }));
      logEvent(logger, 'config.reloaded', { changed });
      notify();
      return { ok: true, changed };
    },

    status(): PorticoStatus {
      return {
        pid: process.pid,
        version,
        startedAt,
        apps: [...apps.values()].map((a) => appStatus(a, router.waiting(a.config.name))),
      };
    },

    ready() {
      return eagerApps().every((a) => a.pool.ready.length > 0);
    },
  };
  return portico;
}

/** One app as `/status` shows it: its pool now, and what happened to it (docs/admin.md). */
function appStatus(app: AppRuntime, queueDepth: number): AppStatus {
  const { pool } = app;
  return {
    name: app.config.name,
    match: app.config.match,
    state: pool.state,
    eager: app.config.start === 'eager',
    workers: pool.status(),
    queueDepth,
    ...(pool.failure === undefined ? {} : { failure: pool.failure }),
    ...(pool.retryAt === undefined ? {} : { retryAt: Math.round(pool.retryAt) }),
    exits: pool.history.exits.map((e) => ({ worker: e.worker, pid: e.pid, at: Math.round(e.at), kind: e.kind, code: e.code, signal: e.signal, uptimeMs: e.uptimeMs, stderrTail: e.stderrTail })),
    history: pool.history.states.map((h) => ({ ...h, at: Math.round(h.at) })),
  };
}

/** Starts an app's workers and resolves once one is ready, or the pool has failed. */
function readyOrSettled(app: AppRuntime): Promise<void> {
  return new Promise((resolve) => {
    const check = () => {
      if (app.pool.ready.length > 0 || app.pool.state === 'failed') {
        off();
        resolve();
      }
    };
    const off = app.pool.onChange(check);
    void app.pool.start();
    check();
  });
}
