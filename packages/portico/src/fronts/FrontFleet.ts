import type { BoundAddress, FrontStatusView, RequestMetrics } from '@portico/listener';
import type { EventLogger } from '@portico/log-sink';
import type { Clock } from '@portico/supervisor';
import type { PorticoConfig } from '../config/PorticoConfigSchema.ts';
import type { AppRuntime } from '../runtime/AppRuntime.ts';
import type { FrontReports } from './FrontReports.ts';

export interface FrontFleetOptions {
  readonly count: number;
  readonly logger: EventLogger;
  readonly clock: Clock;
  /** The environment the fronts run with (an app's `secretEnv` is read from it). */
  readonly environment: Readonly<Record<string, string | undefined>>;
  /** The config in force: its listen entries and limits. */
  readonly config: () => PorticoConfig;
  /** Given to every front's authenticators: the control's own (`AuthDeps.subrequestMark`). */
  readonly subrequestMark: string;
  /** The runtimes routed now, in config order. */
  readonly routed: () => readonly AppRuntime[];
  /** The control's request metrics: each front's counters are added to them. */
  readonly metrics: RequestMetrics;
  /** Told when a front starts serving or exits, for status listeners. */
  readonly onChange?: () => void;
  /** Told when the fronts exited too often and are no longer restarted (`front.gave_up`): none serves any more. */
  readonly onGaveUp?: () => void;
  /** The fronts' own limits (`PorticoOptions.frontLimits`); the defaults when not given. */
  readonly limits?: FrontLimits;
}

/**
 * The fronts' own limits, in seconds, which no config sets: they bound Portico's own processes,
 * not an app. `start`: what a starting front, until it listens, may go without answering a ping
 * (default 30, or three `frontPing.responseTime` if more; docs/events.md, front.unresponsive).
 * `shutdown`: what each front has at Portico's stop, once to stop accepting and once to close
 * its connections and exit, before it is killed (default 10; front.stop_hung). Given shorter only
 * by a test that waits for one: shorter than a loaded machine's front start, healthy fronts die.
 */
export interface FrontLimits {
  readonly start?: number;
  readonly shutdown?: number;
}

/** The control process's side of the fronts (docs/architecture.md, One control process, several fronts). */
export interface FrontFleet {
  /** Binds the listen entries and starts every front; resolves once each one listens. */
  start(): Promise<BoundAddress[]>;
  /** Sends the runtime's pool to the fronts on every change, until `untrack`. */
  track(runtime: AppRuntime): void;
  untrack(runtime: AppRuntime): void;
  /**
   * The routed apps changed (a reload, a restart's rollout) or the limits did: every front
   * switches; resolves once each running front routes by them (or has exited).
   */
  publishRoutes(): Promise<void>;
  /**
   * Portico's stop has begun: every front's router drains (`Router.drain`: the requests waiting
   * for a worker are answered 503, and no app starts for a request), those started from now on
   * too, as the control's own router does at once; the fronts accept until `stopAccepting`.
   */
  drain(): void;
  /**
   * Every front drains (`drain`), stops accepting and drains its connections (`Forwarder.drain`), as one process
   * does at its stop, and then the control closes its sockets: a new connection is refused. What
   * is in flight goes on.
   */
  stopAccepting(): Promise<void>;
  /** Stops the fronts (their connections close) and releases the sockets. Idempotent. */
  close(): Promise<void>;
  /**
   * Asks every running front for its figures now (`metrics.ask`), for `/status` and `/metrics`:
   * resolves once `reports` holds each one's answer, or a second after the ask (`MetricsAsks`).
   */
  refresh(): Promise<void>;
  /**
   * The control dropped `app`'s request series (a reload removed it, and it has drained): every
   * front drops its own (`series.drop`), so that what a front keeps does not grow with every app
   * name it ever served, and a re-added app starts from zero, as in one process.
   */
  dropSeries(app: string): void;
  /** What the fronts said they see: waiting requests, requests in flight, connections. */
  readonly reports: FrontReports;
  status(): FrontStatusView[];
}
