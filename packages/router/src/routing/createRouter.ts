import { dirname } from 'node:path';
import { identityHeaders, stripInboundHeaders, type Authenticator, type AuthRequest, type AuthTlsInfo } from '@portico/auth-forwarder';
import { systemClock, type Clock } from '@portico/supervisor';
import type { PoolState, ReadyWorker, WorkerExit } from '@portico/worker-actor';
import type { HeaderPair } from '../forward/ForwarderOptions.ts';
import type { RequestConnection } from '../forward/RequestConnection.ts';
import type { Upstream } from '../forward/Upstream.ts';
import type { RequestHead } from '../http1/RequestHead.ts';
import { InvalidRouterOptionError } from '../errors.ts';
import { ALLOWED_METHODS, cannedBody, CLIENT_CLOSED_REQUEST, traceAllowed } from '../internal/policy/index.ts';
import { hostSpecificity, normaliseHost, pathMatches, type AppMatch } from './AppMatch.ts';
import { AppOffline } from './AppOffline.ts';
import { errorPage } from './errorPage.ts';
import { ForwardDecision, type ForwardRouting } from './ForwardDecision.ts';
import { normaliseRequestPath } from './normaliseRequestPath.ts';
import { heldDown, liveApp, notReadyWithin, startupLimitMs, type RoutedApp, type WaitEnd, type Waited } from './RoutedApp.ts';

export type { ForwardDecision };

/** What the router needs of an app's workers; `WorkerPool` from `@portico/worker-actor` is one. */
export interface AppBackends {
  readonly ready: readonly ReadyWorker[];
  readonly state: PoolState;
  readonly lastExit: WorkerExit | undefined;
  /** While `failed`: when (ms, the router's clock) the app starts again by itself. */
  readonly retryAt?: number | undefined;
  /** Stopped by an operator (`portico stop APP`): requests get 503 and do not start it. */
  readonly held?: boolean;
  start(): Promise<void>;
  /** `why`: the reason status shows for the stop (app_offline.htm). */
  stop(options?: { readonly why?: string }): Promise<void>;
  /** A stopped app is idle again, its next request starts it (`WorkerPool.rest`); absent where another process keeps the pool. */
  rest?(why: string): void;
  onChange(listener: () => void): () => void;
}

export interface AppRoute {
  readonly name: string;
  readonly match: AppMatch;
  readonly backends: AppBackends;
  readonly authenticator?: Authenticator;
  /** Seconds from the request to the backend's response head before 504. Default 120 (ANCM). */
  readonly requestTimeout?: number;
  /** Seconds a request waits for a worker of an idle or restarting app. Default 120. */
  readonly startupTimeLimit?: number;
  /** Requests that may wait for a worker at once; past it, 503 with Retry-After. Default 1000. */
  readonly maxWaiting?: number;
  /** ANCM's disableStartUpErrorPage: a bare 502 instead of Portico's page. */
  readonly disableStartUpErrorPage?: boolean;
  /** Put the last exit code and stderr tail on the error page. Default false. */
  readonly detailedErrors?: boolean;
  /** ANCM's app_offline.htm, usually `<workingDirectory>/app_offline.htm`. */
  readonly appOfflineFile?: string;
  /**
   * Started with Portico rather than by its first request: it is started again as soon as its
   * `appOfflineFile` is removed, not by the next request, which would never come behind a
   * balancer that waits for `/readyz`. Default false.
   */
  readonly eager?: boolean;
  /** Forward TRACE to the backend instead of answering 405 (docs/proxy.md). Default false. */
  readonly allowTrace?: boolean;
  /** Send a well-formed inbound `x-request-id` upstream instead of Portico's own. Default false. */
  readonly trustRequestId?: boolean;
  /** Take `match.path` off the request-target and send it as `x-forwarded-prefix`. Default false. */
  readonly stripPrefix?: boolean;
  /** `aspnetcore`: send the pairing token as `MS-ASPNETCORE-TOKEN` too (docs/aspnetcore.md). */
  readonly compat?: 'aspnetcore';
}

/** One of Portico's error pages as it was given (`RouterOptions.onErrorPage`). */
export interface ErrorPageShown {
  /** Undefined for a 404: no app matched. */
  readonly app: string | undefined;
  readonly status: number;
  /** The correlation id on the page: the request's `x-request-id`. */
  readonly requestId: string;
  /** Why, in a few words (the same as the page's detail when `detailedErrors` is on). */
  readonly reason: string;
}

/** One request as the router sees it. */
export interface RouteRequest {
  readonly head: RequestHead;
  readonly remoteAddress: string;
  readonly requestId: string;
  readonly tls?: AuthTlsInfo;
  /** When the head was complete, on the router's clock: the request is timed from it (the dispatch's `receivedAt`); absent, from `route`. */
  readonly receivedAt?: number | undefined;
  /**
   * What the request lives on (the dispatch's `connection`: the socket on HTTP/1.1, the stream on
   * HTTP/2). A WebSocket tunnel ends with its close, so its worker's drain waits for it (up to
   * shutdownTimeLimit); without it a tunnel holds nothing.
   */
  readonly connection?: RequestConnection;
}

/** Answer the client directly. */
export interface RespondDecision {
  readonly kind: 'respond';
  readonly app: string | undefined;
  readonly status: number;
  readonly headers: HeaderPair[];
  readonly body: string;
  /** The client left while the request waited for a worker: nothing is written, and it is counted as a client that closed its request (499). */
  readonly clientClosed?: boolean;
}

export type RouteDecision = ForwardDecision | RespondDecision;

export interface Router {
  /** Decides what happens to a request: forward it (perhaps after starting the app), or answer it. */
  route(request: RouteRequest): RouteDecision | Promise<RouteDecision>;
  /** Whether an absolute-form target's authority is a host some app serves. */
  servesHost(authority: string): boolean;
  /** Starts watching app_offline files and starts the eager apps. */
  start(eager?: readonly string[]): Promise<void>;
  /** Requests waiting for a worker of `app` right now. */
  waiting(app: string): number;
  /** The app_offline.htm that takes `app` offline now, or undefined while it is online. */
  offline(app: string): string | undefined;
  /**
   * Stops watching app_offline files and following the pools' changes (call it after `handOver`:
   * requests still waiting then wait on the next router); the apps' workers are their owner's to stop.
   */
  close(): void;
  /**
   * Called when a reload replaces this router with `next` (made by `createRouter` too): requests
   * still waiting for a worker of one of this router's apps, and retries of those in flight, wait
   * for `next`'s app of the same name from then on, and fail (the start-up failure page, or 502
   * for a retry) where `next` has no such app. A retired app's pool is never started again.
   */
  handOver(next: Router): void;
  /**
   * Portico is stopping: its pools stop for good, so no request waits for a worker from now on.
   * Requests waiting (an app starting, a retry after a worker died) are answered 503 now, and a
   * request that would wait gets it at once, without starting its app; ready workers serve on.
   * Before, a waiting request waited until the stop closed its connection, with no answer.
   */
  drain(): void;
}

export interface RouterOptions {
  /** Time for the start-queue limit and request durations; default the real clock. */
  readonly clock?: Clock;
  /**
   * Told about every request once it is over, for metrics: the app (undefined when none
   * matched), the status the client got (the head it was sent, even when the response was then
   * cut; 499: the client left before any of the response; 0: Portico cut it off before any of it),
   * milliseconds from the head to the end, the body bytes relayed each way, whether it could not
   * be forwarded (`upstreamFailed`: Portico answered 502 itself because the backend refused, reset
   * or closed the connection before any byte of a response), whether the client left before any
   * of the response reached it (`clientClosed`: the 499s; a backend's own 499 is not one), and
   * whether the response was cut after its head reached the client (`incomplete`,
   * `ExchangeOutcome.incomplete`). Called on the data path: keep it cheap, and it must not throw.
   */
  readonly onRequest?: (app: string | undefined, status: number, durationMs: number, bytesIn: number, bytesOut: number, upstreamFailed: boolean, clientClosed: boolean, incomplete: boolean) => void;
  /**
   * Told about each of Portico's own error pages as it is given (404, the start-up failure page,
   * 503, 504), with the correlation id the page shows, so that the id can be found in the log
   * (issue 19). Called on the data path: keep it cheap, and it must not throw.
   */
  readonly onErrorPage?: (page: ErrorPageShown) => void;
  /**
   * Told when an app's `appOfflineFile` appears (`offline` true: its workers are stopped) and
   * when it is removed, for the log: status alone said `stopped`, as after `portico stop`. Also
   * at `start()` when the file is there already.
   */
  readonly onOffline?: (app: string, offline: boolean, file: string) => void;
}

/** Why an app is stopped while its app_offline.htm is there, as status shows it. */
function offlineReason(file: string, eager: boolean): string {
  return `app_offline.htm is in ${dirname(file)}; ${eager ? 'it starts again once the file is removed' : 'its first request after the file is removed starts it'}`;
}

/** Each router's apps by name, for `handOver` between two routers of this module. */
const appsOf = new WeakMap<Router, ReadonlyMap<string, RoutedApp>>();

/**
 * Whether two ready-list entries are the same backend process. A pool rebuilds its `ready` list
 * with new objects whenever a worker joins or leaves, so an entry held since the request began is
 * not `===` to the current one: comparing objects let a retry go back to the worker that had just
 * died (still listed until its exit is seen) when any other worker became ready in between.
 */
const sameProcess = (a: ReadyWorker, b: ReadyWorker) => a.id === b.id && a.pid === b.pid;

/** Whether `worker`'s process is in `ready`; a loop, not `some`: it runs as a request ends, and a callback would be made for each. */
function isReady(ready: readonly ReadyWorker[], worker: ReadyWorker): boolean {
  for (const w of ready) if (sameProcess(w, worker)) return true;
  return false;
}

const html = (status: number, body: string, extra: HeaderPair[] = []): Omit<RespondDecision, 'app'> => ({
  kind: 'respond',
  status,
  headers: [['content-type', 'text/html; charset=utf-8'], ['cache-control', 'no-store'], ...extra],
  body,
});

/**
 * The router: request → app (host, then longest path prefix) → worker. An idle app is started by
 * its first request, which waits in a bounded queue until a worker is ready; a failed app answers
 * 502 with an error page; an app with `app_offline.htm` answers 503 with it. Among ready workers
 * it picks the one with the fewest requests in flight, ties in turn.
 */
export function createRouter(routes: readonly AppRoute[], options: RouterOptions = {}): Router {
  const onRequest = options.onRequest;
  const onErrorPage = options.onErrorPage;
  const clock = options.clock ?? systemClock;
  const apps: RoutedApp[] = routes.map((route) => {
    if (!route.name) throw new InvalidRouterOptionError('apps[].name', 'must be a non-empty name');
    if (!route.match.path.startsWith('/')) throw new InvalidRouterOptionError(`apps.${route.name}.match.path`, 'must start with "/"');
    const app: RoutedApp = {
      ...route,
      offline: undefined,
      hostPattern: route.match.host.toLowerCase(),
      pathPrefix: route.stripPrefix === true && route.match.path !== '/' ? route.match.path.replace(/\/$/, '') : undefined,
      requestTimeoutMs: (route.requestTimeout ?? 120) * 1000,
      waiters: new Set(),
      upstreams: new WeakMap(),
      turn: 0,
      retired: false,
      draining: false,
      successor: undefined,
    };
    const file = route.appOfflineFile;
    let stopped = Promise.resolve();
    const offline = file
      ? new AppOffline(file, (isOffline) => {
          options.onOffline?.(route.name, isOffline, file);
          if (isOffline) {
            stopped = route.backends.stop({ why: offlineReason(file, route.eager === true) });
            return;
          }
          // After the stop: a file removed while the workers still drain would find the pool stopping, not stopped.
          void stopped.catch(() => {}).then(() => {
            if (offline?.content !== undefined) return;
            if (route.eager === true) void route.backends.start();
            else route.backends.rest?.('app_offline.htm was removed');
          });
        })
      : undefined;
    return Object.assign(app, { offline });
  });
  // A pool outlives the routers made over it (each reload, restart and rollout makes one; a
  // front's mirrors outlive them all): `close()` stops following it, or every router ever made
  // would be kept, with its apps, for as long as the pool lives.
  const unfollow = apps.map((app) =>
    app.backends.onChange(() => {
      for (const wake of [...app.waiters]) wake();
    }),
  );

  // Apps that all serve any host (`*`, the default) are chosen by path alone: no host to read per request.
  const byHost = apps.some((app) => app.hostPattern !== '*');

  function match(head: RequestHead, path: string): RoutedApp | undefined {
    const host = byHost ? normaliseHost(head.absolute?.authority ?? head.host) : '';
    let best: RoutedApp | undefined;
    let bestScore = 0;
    for (const app of apps) {
      const specificity = hostSpecificity(app.hostPattern, host);
      if (specificity === 0 || !pathMatches(app.match.path, path)) continue;
      const score = specificity * 10_000 + app.match.path.length;
      if (score > bestScore) {
        best = app;
        bestScore = score;
      }
    }
    return best;
  }

  function toUpstream(app: RoutedApp, worker: ReadyWorker): Upstream {
    let upstream = app.upstreams.get(worker);
    if (!upstream) {
      const { endpoint } = worker;
      upstream = {
        id: `${worker.id}@${worker.pid}`,
        address: endpoint.kind === 'tcp' ? { host: endpoint.host, port: endpoint.port } : { path: endpoint.path },
        token: worker.token,
        ...(app.compat === 'aspnetcore' ? { aspNetCoreToken: true } : {}),
      };
      app.upstreams.set(worker, upstream);
    }
    return upstream;
  }

  /**
   * Fewest requests in flight wins; ties are broken in turn (issue 18): the scan starts after the
   * last worker picked, so sequential requests to an idle pool go round its workers instead of all
   * to the first, and work and warm-up spread.
   */
  function leastLoaded(app: RoutedApp, ready: readonly ReadyWorker[], except?: ReadyWorker): ReadyWorker | undefined {
    const count = ready.length;
    const first = count === 0 ? 0 : app.turn % count;
    let best: ReadyWorker | undefined;
    let bestAt = 0;
    for (let i = 0; i < count; i++) {
      const at = first + i < count ? first + i : first + i - count;
      const worker = ready[at]!;
      if (except !== undefined && sameProcess(worker, except)) continue;
      if (!best || worker.load.inFlight < best.load.inFlight) {
        best = worker;
        bestAt = at;
      }
    }
    if (best) app.turn = bestAt + 1;
    return best;
  }

  /** Portico's error page for `request`, told to `onErrorPage` with the id it shows. */
  function shownPage(app: RoutedApp | undefined, request: RouteRequest, status: number, reason: string, page: string, extra: HeaderPair[] = []): RespondDecision {
    onErrorPage?.({ app: app?.name, status, requestId: request.requestId, reason });
    return { app: app?.name, ...html(status, page, extra) };
  }

  /** The answer while an operator holds the app stopped (`portico stop APP`). */
  function stoppedPage(app: RoutedApp, request: RouteRequest): RespondDecision {
    const notice = 'The app was stopped by its operator (portico stop); it serves again after portico start.';
    return shownPage(app, request, 503, 'stopped by its operator', errorPage(503, app.name, request.requestId, undefined, notice));
  }

  /** The answer while Portico stops (`drain`), to a request that would wait for a worker. */
  function stoppingPage(app: RoutedApp, request: RouteRequest): RespondDecision {
    const notice = 'Portico is stopping; no worker of this app will be ready before it has stopped.';
    return shownPage(app, request, 503, 'Portico is stopping', errorPage(503, app.name, request.requestId, undefined, notice));
  }

  function failurePage(app: RoutedApp, request: RouteRequest, reason: string): RespondDecision {
    // Stopped by its operator, or Portico stopping, while the request waited: the answer a request arriving now gets.
    if (app.backends.held) return stoppedPage(app, request);
    if (app.draining) return stoppingPage(app, request);
    // When a failed app is tried again is no secret: every visitor is told, and so is a client (Retry-After).
    const retryAt = app.backends.state === 'failed' ? app.backends.retryAt : undefined;
    const retryIn = retryAt === undefined ? undefined : Math.max(1, Math.ceil((retryAt - clock.now()) / 1000));
    const extra: HeaderPair[] = retryIn === undefined ? [] : [['retry-after', String(retryIn)]];
    if (app.disableStartUpErrorPage) {
      onErrorPage?.({ app: app.name, status: 502, requestId: request.requestId, reason });
      return { kind: 'respond', app: app.name, status: 502, headers: [['cache-control', 'no-store'], ...extra], body: '' };
    }
    const exit = app.backends.lastExit;
    const detail = app.detailedErrors
      ? { reason, exitCode: exit?.code ?? null, signal: exit?.signal ?? null, stderrTail: exit?.stderrTail ?? '' }
      : undefined;
    const notice = retryIn === undefined ? undefined : `The app failed too often and is held down; it is started again in ${retryIn} s, by itself.`;
    return shownPage(app, request, 502, reason, errorPage(502, app.name, request.requestId, detail, notice), extra);
  }

  /** A draining worker waits for its last request and tunnel; it is no longer in `ready`. */
  function releaseWorker(app: RoutedApp, worker: ReadyWorker): void {
    if (worker.load.inFlight <= 0 && !((worker.load.tunnels ?? 0) > 0) && !isReady(app.backends.ready, worker)) worker.notifyIdle();
  }

  /**
   * The least loaded ready worker once there is one (never `except`), or why there will be none,
   * by `endsAt`, holding a place in the app's queue meanwhile; a client that leaves (`connection`
   * closes: its socket, or its HTTP/2 stream reset) gives the place back at once. Waits on the live
   * app: when a reload hands `app` over, the wait moves to its successor (whose pool it starts),
   * and a removed app fails it; a retired pool is never started again.
   */
  function waitForWorker(app: RoutedApp, endsAt: number, connection: RequestConnection | undefined, except?: ReadyWorker): Promise<Waited | WaitEnd> {
    return new Promise((resolve) => {
      if (connection?.destroyed) return resolve('gone');
      let waitingOn: RoutedApp | undefined;
      const timer = clock.setTimeout(() => finish('timeout'), Math.max(0, endsAt - clock.now()));
      const check = () => {
        const live = liveApp(app);
        if (live === undefined) return finish('failed');
        if (live !== waitingOn) {
          waitingOn?.waiters.delete(check);
          live.waiters.add(check);
          waitingOn = live;
          if (!live.draining) void live.backends.start();
        }
        const ready = leastLoaded(live, live.backends.ready, except);
        if (ready) finish({ app: live, worker: ready });
        else if (live.backends.state === 'failed' || live.backends.held || live.draining) finish('failed');
      };
      const gone = () => finish('gone');
      const finish = (result: Waited | WaitEnd) => {
        clock.clearTimeout(timer);
        waitingOn?.waiters.delete(check);
        connection?.removeListener('close', gone);
        resolve(result);
      };
      connection?.once('close', gone);
      check();
    });
  }

  async function authenticated(app: RoutedApp, authenticator: Authenticator, request: RouteRequest): Promise<RespondDecision | ((headers: HeaderPair[]) => HeaderPair[])> {
    const { head } = request;
    const keepWebSocketUpgrade = head.upgrade?.kind === 'websocket';
    const authRequest: AuthRequest = {
      method: head.method,
      target: head.path,
      headers: head.headers,
      remoteAddress: request.remoteAddress,
      ...(request.tls ? { tls: request.tls } : {}),
    };
    // Portico's own auth subrequest, back for an app that would send another: answering it by the
    // rules would open one connection after another until the first one's timeout.
    if (authenticator.loopsBack(authRequest)) {
      const notice = 'This request is an authentication subrequest of this Portico that came back to it: the app\'s auth url leads into Portico itself. Point it at the auth service.';
      return shownPage(app, request, 508, 'an auth subrequest of this Portico came back to it (auth.url leads into Portico)', errorPage(508, app.name, request.requestId, undefined, notice));
    }
    const outcome = await authenticator.authenticate(authRequest);
    if (!outcome.ok) {
      return { kind: 'respond', app: app.name, status: outcome.status, headers: outcome.headers, body: outcome.body };
    }
    let added: [string, string][];
    try {
      added = identityHeaders(outcome.identity, authenticator.headerOptions);
    } catch {
      return { kind: 'respond', app: app.name, status: 403, headers: [['content-type', 'text/plain']], body: 'identity cannot be forwarded\n' };
    }
    const options = { ...authenticator.stripOptions, keepWebSocketUpgrade };
    // Identity before the client's headers, as Portico's own come first: a backend that keeps only
    // its first N header lines (Node: 1 000) drops the client's, never the identity.
    return (headers) => [...added, ...stripInboundHeaders(headers, options)];
  }

  /**
   * Synchronous when it can be (no authenticator, a worker ready): the common request costs no
   * promise and no extra turn of the event loop.
   */
  function routeToApp(app: RoutedApp, request: RouteRequest, began: number): RouteDecision | Promise<RouteDecision> {
    // A TRACE echo would hand the client the request as the backend got it, pairing token included.
    if (!traceAllowed(request.head.method, app.allowTrace === true)) {
      return { kind: 'respond', app: app.name, status: 405, headers: [['allow', ALLOWED_METHODS]], body: cannedBody(405) };
    }
    const offline = app.offline?.content;
    if (offline !== undefined) return { app: app.name, ...html(503, offline, [['retry-after', '5']]) };
    const authenticator = app.authenticator;
    // Without an authenticator no transform runs: the forwarding policy keeps every header of
    // Portico's own from a client, and the client's Authorization is the app's to check
    // (`forwardAuthToken` decides only for an app Portico authenticates).
    if (!authenticator) return toWorker(app, request, began, undefined);
    return authenticated(app, authenticator, request).then((auth) => (typeof auth === 'function' ? toWorker(app, request, began, auth) : auth));
  }

  function toWorker(app: RoutedApp, request: RouteRequest, began: number, auth: ((headers: HeaderPair[]) => HeaderPair[]) | undefined): RouteDecision | Promise<RouteDecision> {
    const ready = leastLoaded(app, app.backends.ready);
    if (ready) return new ForwardDecision(routing, app, ready, auth, began, request, undefined);
    if (app.backends.state === 'failed') return failurePage(app, request, heldDown);
    if (app.backends.held) return stoppedPage(app, request);
    if (app.draining) return stoppingPage(app, request);
    if (app.waiters.size >= (app.maxWaiting ?? 1000)) {
      const reason = `${app.waiters.size} requests already wait for a worker (queue.maxWaiting)`;
      return shownPage(app, request, 503, reason, errorPage(503, app.name, request.requestId), [['retry-after', '1']]);
    }
    const waitEnds = clock.now() + startupLimitMs(app);
    return waitForWorker(app, waitEnds, request.connection).then((waited) => {
      // nginx's 499: the client closed its request; nothing is written to it.
      if (waited === 'gone') return { kind: 'respond', app: app.name, status: CLIENT_CLOSED_REQUEST, headers: [], body: '', clientClosed: true };
      // The app the request waited on: after a reload, the one this app was handed over to.
      const live = liveApp(app) ?? app;
      if (waited === 'failed') return failurePage(live, request, 'The app could not be started.');
      if (waited === 'timeout') return failurePage(live, request, notReadyWithin(app));
      return new ForwardDecision(routing, waited.app, waited.worker, auth, began, request, waitEnds);
    });
  }

  const routing: ForwardRouting = { clock, onRequest, toUpstream, leastLoaded, releaseWorker, waitForWorker, failurePage, shownPage };

  /** Answers given by the router itself are over as soon as they are decided. */
  function answered(decision: RouteDecision, began: number): RouteDecision {
    if (decision.kind === 'respond') onRequest?.(decision.app, decision.status, clock.now() - began, 0, Buffer.byteLength(decision.body), false, decision.clientClosed === true, false);
    return decision;
  }

  /**
   * An answer of the router's decided after a wait (an authenticator's) whose client left
   * meanwhile is written to nobody (every engine drops it): nginx's 499, as for a client that
   * left while waiting for a worker. Before, it was counted with the answer's status (a 401, a
   * 502 of a failing authenticator) though the client got nothing.
   */
  function toClientLeft(decision: RouteDecision, request: RouteRequest): RouteDecision {
    if (decision.kind !== 'respond' || decision.clientClosed === true || request.connection?.destroyed !== true) return decision;
    return { kind: 'respond', app: decision.app, status: CLIENT_CLOSED_REQUEST, headers: [], body: '', clientClosed: true };
  }

  const router: Router = {
    route(request) {
      // The forwarder's reading of the clock where it gave one (DispatchRequest.receivedAt): one
      // clock read a request fewer, on Node 20 about 0.2 µs.
      const began = request.receivedAt ?? clock.now();
      const path = normaliseRequestPath(request.head.path);
      if (path === undefined) {
        return answered({ kind: 'respond', app: undefined, status: 400, headers: [['content-type', 'text/plain']], body: 'dot-segments ("/./", "/../", also between %2F or %5C, or with path parameters: "/..;/") are not allowed in the path: send the resolved path\n' }, began);
      }
      // `OPTIONS *` asks about the server as a whole: the app at `/` for that host answers.
      const app = match(request.head, request.head.form === 'asterisk' ? '/' : path);
      // Tomcat, Jetty and Spring drop each segment's path parameters: `/admin;x/users` is
      // `/admin/users` to them, and must not reach the app at `/`, past the `/admin` app's
      // authenticator. A path with `;` is rare, so the second match costs nothing on the rest.
      if (path.includes(';') && match(request.head, withoutPathParameters(path)) !== app) {
        return answered({ kind: 'respond', app: undefined, status: 400, headers: [['content-type', 'text/plain']], body: 'path parameters (";…") in a segment of the path would make it another app\'s for backends that drop them (Tomcat, Jetty, Spring): send the path without them\n' }, began);
      }
      if (!app) return answered(shownPage(undefined, request, 404, 'no app matches the host and path', errorPage(404, undefined, request.requestId)), began);
      const decision = routeToApp(app, request, began);
      return decision instanceof Promise ? decision.then((d) => answered(toClientLeft(d, request), began)) : answered(decision, began);
    },
    waiting(name) {
      return apps.find((a) => a.name === name)?.waiters.size ?? 0;
    },
    offline(name) {
      const app = apps.find((a) => a.name === name);
      return app?.offline?.content === undefined ? undefined : app.offline.file;
    },
    servesHost(authority) {
      const host = normaliseHost(authority);
      return apps.some((app) => hostSpecificity(app.hostPattern, host) > 0);
    },
    async start(eager = []) {
      await Promise.all(apps.flatMap((app) => (app.offline ? [app.offline.start()] : [])));
      await Promise.all(apps.filter((app) => eager.includes(app.name) && !app.offline?.content).map((app) => app.backends.start()));
    },
    close() {
      for (const app of apps) app.offline?.close();
      for (const off of unfollow.splice(0)) off();
    },
    drain() {
      for (const app of apps) {
        app.draining = true;
        for (const wake of [...app.waiters]) wake();
      }
    },
    handOver(next) {
      const successors = appsOf.get(next);
      for (const app of apps) {
        app.retired = true;
        app.successor = successors?.get(app.name);
        // Each waiter moves to the successor (or fails) on its own next check.
        for (const wake of [...app.waiters]) wake();
      }
    },
  };
  appsOf.set(router, new Map(apps.map((app) => [app.name, app])));
  return router;
}

/** The path as a backend that drops each segment's path parameters reads it: `/a;x/b;y` is `/a/b`. */
function withoutPathParameters(path: string): string {
  return path.replace(/;[^/]*/g, '');
}
