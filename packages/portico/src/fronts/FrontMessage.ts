import type { RequestCountersSnapshot } from '@portico/listener';
import type { Endpoint, PoolState, WorkerExit } from '@portico/worker-actor';
import type { AppConfig } from '../config/AppSchema.ts';
import type { PorticoConfig } from '../config/PorticoConfigSchema.ts';

/**
 * What the control process and a front process say to each other over the front's channel, one
 * JSON message a line (`spawnFront`; docs/architecture.md, One control process, several fronts).
 * Plain JSON: no functions, no class instances.
 */

/** One pool as a front routes to it. `retryIn`: ms until a failed pool starts again by itself. */
export interface PoolView {
  readonly state: PoolState;
  readonly ready: readonly { readonly id: string; readonly pid: number; readonly endpoint: Endpoint; readonly token: string }[];
  readonly lastExit: WorkerExit | undefined;
  readonly retryIn: number | undefined;
  readonly held: boolean;
}

/** One app in force: its config and its pool, under the pool's key (`AppRuntime.key`). */
export interface RoutedApp {
  readonly key: string;
  readonly config: AppConfig;
  readonly view: PoolView;
}

export type ControlMessage =
  /** First message: which front this is, and the config its listeners, limits and apps come from. */
  /** `logLevels`: the levels the control's logger writes; a front sends no event of another level. */
  /** `seriesDropped`: the last `series.drop` sent so far; the new front process has none of those series. */
  /**
   * `stopping`: the front starts during Portico's stop (a restart in the drain), when the control
   * no longer gives it the listening sockets: it listens on nothing, and its router drains from
   * its first routes (`accept.stop`).
   */
  /** `subrequestMark`: the control's `AuthDeps.subrequestMark`, for the front's authenticators. */
  | { readonly type: 'init'; readonly index: number; readonly config: PorticoConfig; readonly subrequestMark: string; readonly logLevels: readonly string[]; readonly seriesDropped: number; readonly stopping: boolean }
  /** Answer with a `pong` (`frontPing`): a front that does not is hung, and replaced. */
  | { readonly type: 'ping'; readonly id: number }
  /** The apps in force, in config order: the front routes to these from now on. */
  | { readonly type: 'routes'; readonly id: number; readonly apps: readonly RoutedApp[]; readonly limits: PorticoConfig['limits'] }
  | { readonly type: 'pool'; readonly key: string; readonly view: PoolView }
  /** The pool was closed: the front forgets it. */
  | { readonly type: 'pool.closed'; readonly key: string }
  /**
   * The control dropped the app's request series (a reload removed it and it has drained): the
   * front drops its own, and its reports say from which one on they no longer hold it (`dropped`).
   */
  | { readonly type: 'series.drop'; readonly id: number; readonly app: string }
  /** Send a `metrics` message now, with this id (for `/status` and `/metrics`, `MetricsAsks`). */
  | { readonly type: 'metrics.ask'; readonly id: number }
  /**
   * Portico is stopping: answer the requests waiting for a worker 503 and start no app for a
   * request (`Router.drain`), the routers of later routes too; go on accepting until `accept.stop`.
   */
  | { readonly type: 'drain' }
  /**
   * Stop accepting and drain the connections (`Forwarder.drain`), the router too if no `drain`
   * came; what is in flight goes on (`stop()`: the apps drain meanwhile).
   */
  | { readonly type: 'accept.stop' }
  /** Close every connection and exit. */
  | { readonly type: 'close' };

export type FrontMessage =
  | { readonly type: 'listening' }
  | { readonly type: 'pong'; readonly id: number }
  | { readonly type: 'accept.stopped' }
  /** The front routes by the `routes` message `id` from now on. */
  | { readonly type: 'routes.applied'; readonly id: number }
  /** The front could not serve (a TLS file unreadable, a route refused): it exits with this. */
  | { readonly type: 'failed'; readonly message: string }
  | { readonly type: 'pool.start'; readonly key: string }
  | { readonly type: 'worker.unreachable'; readonly key: string; readonly id: string; readonly pid: number }
  | { readonly type: 'worker.idle'; readonly key: string; readonly id: string; readonly pid: number }
  /**
   * What this front sees now: waiting requests per app; per worker process (`id@pid`) requests in
   * flight, the most in flight at once since the last report, and requests answered so
   * far; client connections, and its request counters since it started (but those of the apps
   * dropped, `series.drop`); `answered`, the requests it counted since it started, dropped apps'
   * included; `dropped`, the id of the last `series.drop` it applied; `id` answers a `metrics.ask`.
   */
  | {
      readonly type: 'metrics';
      readonly id?: number;
      readonly served: Readonly<Record<string, number>>;
      readonly requests: RequestCountersSnapshot;
      readonly waiting: Readonly<Record<string, number>>;
      readonly inFlight: Readonly<Record<string, number>>;
      readonly peak: Readonly<Record<string, number>>;
      readonly connections: number;
      readonly answered: number;
      readonly dropped: number;
    }
  | { readonly type: 'log'; readonly event: string; readonly fields: Readonly<Record<string, unknown>> };

/**
 * A front's message as it crosses the channel: `sentAt` is the front's monotonic clock
 * (its `Clock`'s `now()`, whole ms) when it sent it, by which the control counts what a front sends
 * a second (`FrontInbox`).
 */
export type SentFrontMessage = FrontMessage & { readonly sentAt: number };
