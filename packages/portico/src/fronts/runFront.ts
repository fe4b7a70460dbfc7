import type { Authenticator } from '@portico/auth-forwarder';
import { createListener, RequestMetrics, unroutedApp, type Listener } from '@portico/listener';
import type { EventLogger } from '@portico/log-sink';
import { systemClock, type Clock } from '@portico/supervisor';
import { createRouter, type Router } from '@portico/router';
import type { PorticoConfig } from '../config/PorticoConfigSchema.ts';
import { appAuthenticator } from '../runtime/appAuthenticator.ts';
import { appRoute } from '../runtime/appRoute.ts';
import { dispatchThrough } from '../runtime/dispatchThrough.ts';
import { errorPageLogger } from '../runtime/errorPageLogger.ts';
import { forwarderEventLogger } from '../runtime/forwarderEventLogger.ts';
import { listenEntries } from '../runtime/listenEntries.ts';
import { SocketForwarders } from '../runtime/SocketForwarders.ts';
import type { ControlMessage, FrontMessage, RoutedApp } from './FrontMessage.ts';
import { LogBudget } from './LogBudget.ts';
import { PoolMirror, type LoadReport } from './PoolMirror.ts';
import { frontChannelFd } from './spawnFront.ts';

/** The front's end of its channel to the control process (`frontMain`: fd 3). */
export interface ControlChannel {
  send(message: FrontMessage): void;
  /** Bytes sent and not yet taken by the control process. */
  pending(): number;
  onMessage(listener: (message: ControlMessage) => void): void;
  /** Called when the control process asks the front to go: it has closed everything. */
  exit(code: number): void;
}

/**
 * One front process (docs/architecture.md, One control process, several fronts): listens on its
 * copies of the control's sockets and runs the framer, a router over mirrors of the control's
 * pools, and the forwarder, for its own connections.
 */
export function runFront(channel: ControlChannel, clock: Clock = systemClock, listenHandle: (entry: number) => object | undefined = inheritedListenSocket): void {
  const send = (message: FrontMessage) => channel.send(message);
  // Events go to the control process's log, which adds this front's number; within a budget, so
  // that a flood of refused requests cannot make this front flood the control (FrontInbox).
  const budget = new LogBudget(clock, () => channel.pending());
  let logLevels: ReadonlySet<string> | undefined;
  const logger = logThrough((level, message) => {
    if (logLevels?.has(level) !== false && budget.take()) send(message);
  });
  const logForwarderEvent = forwarderEventLogger(logger);
  let config: PorticoConfig | undefined;
  let subrequestMark: string | undefined;
  const mirrors = new Map<string, PoolMirror>();
  const authenticators = new Map<string, Authenticator | undefined>();
  const metrics = new RequestMetrics();
  /** Requests counted since this front started, over every app, those of apps dropped since included. */
  let answered = 0;
  /** The last `series.drop` applied: the reports hold no series of an app dropped up to it. */
  let seriesDropped = 0;
  const onRequest = (app: string | undefined, status: number, durationMs: number, bytesIn: number, bytesOut: number, upstreamFailed: boolean, clientClosed: boolean, incomplete: boolean) => {
    answered++;
    metrics.record(app ?? unroutedApp, status, durationMs, bytesIn, bytesOut, clientClosed, incomplete);
    if (upstreamFailed && app !== undefined) metrics.upstreamFailure(app);
  };
  let router: Router | undefined;
  /** The names of the apps `router` routes to. */
  let routed: readonly string[] = [];
  let limits: PorticoConfig['limits'] | undefined;
  const dispatch = dispatchThrough(() => router!);
  // Made with the first routes, which bring the limits; before them no connection is accepted.
  let forwarders: SocketForwarders | undefined;
  let listener: Listener | undefined;
  let changing: Promise<void> = Promise.resolve();
  /** Portico is stopping (`drain`, `accept.stop`, or `init` for a front started in the stop): a router made from now on drains from its start. */
  let draining = false;
  /** Started in Portico's stop (`init`'s `stopping`): given no socket, the front listens on nothing. */
  let startedInStop = false;
  /** The first routes are in: the front listens (or, started in the stop, has nothing to listen on). */
  let started = false;

  const mirrorOf = (routed: RoutedApp): PoolMirror => {
    let mirror = mirrors.get(routed.key);
    if (mirror) mirror.update(routed.view);
    else mirrors.set(routed.key, (mirror = new PoolMirror(routed.key, routed.view, send)));
    if (!authenticators.has(routed.key)) authenticators.set(routed.key, appAuthenticator(routed.config, { logger, baseEnvironment: process.env, ...(subrequestMark === undefined ? {} : { subrequestMark }) }));
    return mirror;
  };

  /** A new set of apps: a new router, to which the old one hands its waiting requests over. */
  const applyRoutes = async (apps: readonly RoutedApp[], nextLimits: PorticoConfig['limits']): Promise<void> => {
    if (limits !== undefined && JSON.stringify(limits) !== JSON.stringify(nextLimits)) {
      // New connections get the new limits; those open keep their forwarder.
      forwarders?.useLimits(nextLimits);
      listener?.setMaxConnections(nextLimits.maxConnections);
    }
    limits = nextLimits;
    forwarders ??= new SocketForwarders(nextLimits, { dispatch, servesHost: (authority) => router!.servesHost(authority), onEvent: logForwarderEvent });
    const next = createRouter(
      apps.map((routed) => appRoute(routed.config, mirrorOf(routed), authenticators.get(routed.key))),
      { onRequest, onErrorPage: errorPageLogger(logger) },
    );
    await next.start([]);
    if (draining) next.drain();
    const previous = router;
    router = next;
    routed = apps.map((app) => app.config.name);
    if (previous) {
      previous.handOver(next);
      previous.close();
    }
    if (!started) {
      started = true;
      // A front started in the stop has no socket to listen on (`init`'s `stopping`): its start
      // is over all the same.
      if (!startedInStop) await listen();
      send({ type: 'listening' });
    }
  };

  const listen = async (): Promise<void> => {
    listener = createListener({
      entries: listenEntries(
        config!.listen,
        config!.listen.map((_, entry) => listenHandle(entry)),
      ),
      maxConnections: limits!.maxConnections,
      handler: (proto) => forwarders!.handler(proto),
    });
    await listener.start();
  };

  const report = (id?: number): void => {
    const dropped = budget.dropped();
    if (dropped > 0) send({ type: 'log', event: 'front.logs_dropped', fields: { dropped, budget: LogBudget.perSecond } });
    const waiting: Record<string, number> = {};
    // Every app routed, not only those counted: an app that has answered nothing yet (its first
    // start) has requests waiting too.
    for (const name of routed) waiting[name] = router?.waiting(name) ?? 0;
    const loads: LoadReport = { inFlight: {}, peak: {}, served: {} };
    for (const mirror of mirrors.values()) mirror.loads(loads);
    send({ type: 'metrics', ...(id === undefined ? {} : { id }), waiting, ...loads, connections: forwarders?.connectionCount ?? 0, requests: metrics.snapshot(), answered, dropped: seriesDropped });
  };

  /**
   * Portico is stopping, and this front's router drains as the control's does (`createPortico`'s
   * stop): no app starts for a request from now on, and the requests waiting for a worker get 503
   * now (`Router.drain`). At once, not after routes being applied: the router they make drains
   * too, and the one in force hands it its waiters drained.
   */
  const drain = (): void => {
    draining = true;
    router?.drain();
  };

  /**
   * The front stops accepting, and the connections open drain as in one process: an idle
   * keep-alive connection closes now, a request in flight is answered with `connection: close`,
   * an HTTP/2 session gets GOAWAY (`Forwarder.drain`).
   */
  const stopAccepting = async (): Promise<void> => {
    await listener?.stopAccepting();
    forwarders?.drain();
  };

  const close = async (): Promise<void> => {
    await listener?.stopAccepting();
    await changing;
    await forwarders?.close();
    router?.close();
    await Promise.all([...authenticators.values()].flatMap((a) => (a ? [a.close()] : [])));
    clock.clearTimeout(reportTimer);
  };

  // Every second, what this front sees, for /status and /metrics, until it has closed (the front
  // process lives on its channel, and exits when the control closes it or goes).
  let reportTimer: unknown;
  const reportEverySecond = (): void => {
    reportTimer = clock.setTimeout(() => {
      report();
      reportEverySecond();
    }, 1000);
  };
  reportEverySecond();

  /** Runs `change` now, or after the routes being applied if there are any. */
  let applying = 0;
  const inOrder = (change: () => void): void => {
    if (applying === 0) change();
    else changing = changing.then(change);
  };

  channel.onMessage((message) => {
    switch (message.type) {
      case 'init':
        config = message.config;
        subrequestMark = message.subrequestMark;
        logLevels = new Set(message.logLevels);
        seriesDropped = message.seriesDropped;
        startedInStop = message.stopping;
        draining = message.stopping;
        return;
      case 'ping':
        send({ type: 'pong', id: message.id });
        return;
      case 'routes':
        applying++;
        changing = changing
          .then(() => applyRoutes(message.apps, message.limits))
          .then(() => send({ type: 'routes.applied', id: message.id }))
          .catch((error: unknown) => {
            send({ type: 'failed', message: error instanceof Error ? error.message : String(error) });
            channel.exit(1);
          })
          .finally(() => applying--);
        return;
      // A pool's change, or its close, after routes still being applied waits for them: applied
      // first, the routes' older view of the pool would undo it (a worker stopped or drained by a
      // rollout routed to again, a closed pool mirrored again) until the pool's next change.
      case 'pool':
        inOrder(() => {
          const mirror = mirrors.get(message.key);
          if (mirror) mirror.update(message.view);
          // A pool not routed yet (a rollout's new one): mirrored, so its workers' holds come back.
          else mirrors.set(message.key, new PoolMirror(message.key, message.view, send));
        });
        return;
      case 'pool.closed':
        inOrder(() => {
          mirrors.delete(message.key);
          void authenticators.get(message.key)?.close();
          authenticators.delete(message.key);
        });
        return;
      // After the routes before it: those may still route to the app, and count its requests.
      case 'series.drop':
        inOrder(() => {
          metrics.removeApp(message.app);
          seriesDropped = message.id;
        });
        return;
      case 'metrics.ask':
        report(message.id);
        return;
      case 'drain':
        drain();
        return;
      // After routes still being applied: a front still starting as the stop begins listens with
      // its first routes, then stops accepting and drains.
      case 'accept.stop':
        drain();
        inOrder(() => void stopAccepting().then(() => send({ type: 'accept.stopped' })));
        return;
      case 'close':
        void close().then(() => channel.exit(0));
        return;
    }
  });
}

/**
 * The control's listening socket for `listen` entry `entry`: inherited after the channel's fd, in
 * `listen` order (spawnFront). Undefined (a test's front) listens on the entry's own address.
 */
function inheritedListenSocket(entry: number): object {
  return { fd: frontChannelFd + 1 + entry };
}

/** An `EventLogger` that sends each event to the control process to be logged there. */
function logThrough(send: (level: string, message: FrontMessage) => void): EventLogger {
  const at = (level: string) => (line: object) => {
    // `eventId` is the catalogue's, which the control writes: a front sends its event's fields only (checkFrontMessage).
    const { event, eventId: _eventId, ...fields } = line as { event: string; eventId: number };
    send(level, { type: 'log', event, fields });
  };
  return { trace: at('trace'), debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), fatal: at('fatal') } as unknown as EventLogger;
}
