import type { Clock } from '@portico/supervisor';
import type { ReadyWorker, WorkerLoad } from '@portico/worker-actor';
import type { ExchangeOutcome, RetryChoice } from '../forward/Dispatch.ts';
import type { HeaderPair } from '../forward/ForwarderOptions.ts';
import type { RequestConnection } from '../forward/RequestConnection.ts';
import type { Upstream } from '../forward/Upstream.ts';
import { NO_HIDDEN_HEADERS } from '../internal/policy/index.ts';
import type { RespondDecision, RouteRequest, RouterOptions } from './createRouter.ts';
import { errorPage } from './errorPage.ts';
import { heldDown, liveApp, notReadyWithin, startupLimitMs, type RoutedApp, type WaitEnd, type Waited } from './RoutedApp.ts';

/** The 502 page's title when the app is running but its answer could not be passed on (not a failed start). */
const BAD_ANSWER_TITLE = 'The app did not answer properly';

/** What a forward decision asks of the router that made it: one per router, shared by its requests. */
export interface ForwardRouting {
  readonly clock: Clock;
  readonly onRequest: RouterOptions['onRequest'];
  toUpstream(app: RoutedApp, worker: ReadyWorker): Upstream;
  /** The least loaded ready worker of `app`, never `except`. */
  leastLoaded(app: RoutedApp, ready: readonly ReadyWorker[], except?: ReadyWorker): ReadyWorker | undefined;
  /** Tells a draining worker it is idle once its last request and tunnel are over. */
  releaseWorker(app: RoutedApp, worker: ReadyWorker): void;
  waitForWorker(app: RoutedApp, endsAt: number, connection: RequestConnection | undefined, except?: ReadyWorker): Promise<Waited | WaitEnd>;
  failurePage(app: RoutedApp, request: RouteRequest, reason: string): RespondDecision;
  shownPage(app: RoutedApp, request: RouteRequest, status: number, reason: string, page: string): RespondDecision;
}

/** A connect the backend refused (TCP) or whose socket file is gone (unix): nothing listens there. */
function refusedConnect(error: Error): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ECONNREFUSED' || code === 'ENOENT';
}

/** One more request on a worker, keeping the most at once for an elastic pool's demand (`takePeak`). */
function takeRequest(load: WorkerLoad): void {
  const inFlight = ++load.inFlight;
  if (inFlight > (load.peak ?? 0)) load.peak = inFlight;
}

/**
 * Send the request to `upstream`, with these header changes; `release` when the exchange ends.
 * One object per forwarded request, its state in fields and its callbacks as methods, so that a
 * request costs no closures (docs/proxy.md); the forwarder calls them as methods of the dispatch.
 */
export class ForwardDecision {
  readonly kind = 'forward';
  readonly app: string;
  readonly upstream: Upstream;
  /**
   * The app's authenticator's header changes (identity added, credentials removed); inbound
   * headers go through it after the policy's removals, then Portico's are added. Undefined for an
   * app without one: the client's headers then go as the policy keeps them, with no transform.
   */
  readonly transformHeaders?: (headers: HeaderPair[]) => HeaderPair[];
  /** Send a well-formed inbound `x-request-id` upstream instead of Portico's own (the app's `trustRequestId`). */
  readonly trustRequestId: boolean;
  /** Response headers never relayed to the client: what the app's authenticator forwards (forward-auth's `copyHeaders`). */
  readonly hiddenResponseHeaders: readonly string[];
  /** The mount path to take off the target and send as `x-forwarded-prefix` (`stripPrefix`). */
  readonly pathPrefix?: string;
  /** Milliseconds to the response head before 504. */
  readonly requestTimeout: number;
  readonly #routing: ForwardRouting;
  readonly #request: RouteRequest;
  readonly #began: number;
  /** The worker the request is on now, and its app: a retry moves it, after a reload to the app's successor. */
  #worker: ReadyWorker;
  #workerApp: RoutedApp;
  /** A request waits for workers within startupTimeLimit in all, from its first wait. */
  #waitsEnd: number | undefined;
  #released = false;

  constructor(
    routing: ForwardRouting,
    app: RoutedApp,
    worker: ReadyWorker,
    transformHeaders: ((headers: HeaderPair[]) => HeaderPair[]) | undefined,
    began: number,
    request: RouteRequest,
    waitsEnd: number | undefined,
  ) {
    this.app = app.name;
    if (transformHeaders !== undefined) this.transformHeaders = transformHeaders;
    // What the authenticator forwards (forward-auth's copyHeaders) never comes back to the client.
    this.hiddenResponseHeaders = app.authenticator?.stripOptions.reservedHeaders ?? NO_HIDDEN_HEADERS;
    this.trustRequestId = app.trustRequestId === true;
    if (app.pathPrefix !== undefined) this.pathPrefix = app.pathPrefix;
    this.requestTimeout = app.requestTimeoutMs;
    this.#routing = routing;
    this.#request = request;
    this.#began = began;
    this.#worker = worker;
    this.#workerApp = app;
    this.#waitsEnd = waitsEnd;
    takeRequest(worker.load);
    // The least loaded worker is busy, so every one is: an elastic pool grows (`busyRequests`).
    if (worker.load.inFlight >= (worker.load.busyAt ?? Infinity)) worker.load.onBusy?.();
    this.upstream = routing.toUpstream(app, worker);
  }

  /**
   * Picks another ready worker for a retry (never the same one); when none is ready, waits for one
   * (a crashed worker's restart) within the app's start-up limit, counted from the request's first
   * wait; when the app failed or the limit passed, the start-up failure page; undefined when a
   * reload removed the app. A refused connect or a failed start takes the worker out of routing first.
   */
  retry(error: Error, failedStart: boolean): RetryChoice | Promise<RetryChoice> {
    // A failed start (issue 20: a server that binds before its app is loaded) or a refused
    // connect: out of routing until the readiness probe passes again; its restart takes over.
    if (failedStart || refusedConnect(error)) this.#worker.notifyUnreachable();
    const live = liveApp(this.#workerApp);
    const next = live && this.#routing.leastLoaded(live, live.backends.ready, this.#worker);
    if (live && next) return this.#moveTo(live, next);
    // No other worker: the forwarder's retry rule allowed a retry, so wait for the restart.
    const waitingApp = this.#workerApp;
    this.#waitsEnd ??= this.#routing.clock.now() + startupLimitMs(waitingApp);
    return this.#routing.waitForWorker(waitingApp, this.#waitsEnd, this.#request.connection, this.#worker).then((waited): RetryChoice => {
      // The client left meanwhile: nothing goes upstream for it.
      if (this.#released || waited === 'gone') return undefined;
      if (typeof waited !== 'string') return this.#moveTo(waited.app, waited.worker);
      // Removed by a reload: nothing to name. Otherwise the app is held down, or still not up.
      const live = liveApp(waitingApp);
      if (live === undefined) return undefined;
      return this.#routing.failurePage(live, this.#request, waited === 'failed' ? heldDown : notReadyWithin(live));
    });
  }

  /** Whether the worker behind `upstream` has answered a request before (docs/proxy.md, failed starts). */
  hasAnswered(upstream: Upstream): boolean {
    const worker = this.#worker;
    const app = this.#workerApp;
    return upstream !== this.#routing.toUpstream(app, worker) || worker.load.answeredPid === worker.pid;
  }

  /**
   * The start-up failure page for a request whose worker failed to start and which cannot be sent
   * again; the 504 page naming the app when the backend sent nothing in time, and the 502 page
   * naming it when the backend's answer could not be passed on (it broke HTTP's rules, or the
   * backend closed before answering a request that cannot be sent again); undefined (the bare
   * status) otherwise. The reason is logged with the page's correlation id, and shown on it only
   * with `detailedErrors`.
   */
  failureAnswer(status: number, error: Error, failedStart: boolean): RespondDecision | undefined {
    const app = this.#workerApp;
    if (failedStart) {
      this.#worker.notifyUnreachable();
      return this.#routing.failurePage(app, this.#request, 'The app closed the connection without answering, before it had answered any request.');
    }
    if (status !== 504 && status !== 502) return undefined;
    const reason = status === 504 ? `${error.message} (requestTimeout).` : `${error.message}.`;
    const detail = app.detailedErrors ? { reason } : undefined;
    const title = status === 502 ? BAD_ANSWER_TITLE : undefined;
    return this.#routing.shownPage(app, this.#request, status, reason, errorPage(status, app.name, this.#request.requestId, detail, undefined, title));
  }

  /** Called once the exchange is over (a second call does nothing): metrics, and the worker's load. */
  release(outcome: ExchangeOutcome): void {
    if (this.#released) return;
    this.#released = true;
    const routing = this.#routing;
    // Portico's own 502 with nothing from the backend: the request could not be forwarded.
    const upstreamFailed = outcome.status === 502 && !outcome.answered;
    routing.onRequest?.(this.app, outcome.status, (outcome.endedAt ?? routing.clock.now()) - this.#began, outcome.bytesIn, outcome.bytesOut, upstreamFailed, outcome.clientClosed, outcome.incomplete);
    const worker = this.#worker;
    const workerApp = this.#workerApp;
    if (outcome.answered) worker.load.answeredPid = worker.pid;
    // A WebSocket lives on after its exchange: it holds the worker until the client's connection closes.
    const connection = this.#request.connection;
    if (outcome.status === 101 && connection) {
      worker.load.tunnels = (worker.load.tunnels ?? 0) + 1;
      const closed = () => {
        worker.load.tunnels = (worker.load.tunnels ?? 1) - 1;
        routing.releaseWorker(workerApp, worker);
      };
      if (connection.destroyed) closed();
      else connection.once('close', closed);
    }
    worker.load.inFlight--;
    worker.load.served = (worker.load.served ?? 0) + 1;
    // The process answered its last request before a recycle (`recycling.requests`).
    if (worker.load.served === worker.load.recycleAt) worker.load.onRecycleAt?.();
    routing.releaseWorker(workerApp, worker);
  }

  /** Moves the request to `worker` of `app` for a retry, and gives back the one it was on. */
  #moveTo(app: RoutedApp, worker: ReadyWorker): Upstream {
    this.#worker.load.inFlight--;
    this.#routing.releaseWorker(this.#workerApp, this.#worker);
    this.#worker = worker;
    this.#workerApp = app;
    takeRequest(worker.load);
    return this.#routing.toUpstream(app, worker);
  }
}
