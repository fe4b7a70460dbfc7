import type { ReadyWorker } from '@portico/worker-actor';
import type { Upstream } from '../forward/Upstream.ts';
import type { AppOffline } from './AppOffline.ts';
import type { AppRoute } from './createRouter.ts';

/** An app as a router holds it: its route, and what the router keeps about it between requests. */
export interface RoutedApp extends AppRoute {
  readonly offline: AppOffline | undefined;
  /** `match.host` lower-cased once, as requests' hosts are compared in. */
  readonly hostPattern: string;
  /** The mount path taken off the target and sent as `x-forwarded-prefix` (`stripPrefix`), made once. */
  readonly pathPrefix: string | undefined;
  /** `requestTimeout` in milliseconds. */
  readonly requestTimeoutMs: number;
  readonly waiters: Set<() => void>;
  readonly upstreams: WeakMap<ReadyWorker, Upstream>;
  /** Where the next tie of least outstanding is broken: the ready index after the last pick. */
  turn: number;
  /** Set by `handOver`: this app's router was replaced; waits go to `successor`, if any. */
  retired: boolean;
  /** Set by the router's `drain`: Portico is stopping, and no request waits for a worker of this app. */
  draining: boolean;
  successor: RoutedApp | undefined;
}

/** The app a wait should use now: `app`, or the one that took it over on a reload; none when removed. */
export function liveApp(app: RoutedApp): RoutedApp | undefined {
  let live: RoutedApp | undefined = app;
  while (live?.retired) live = live.successor;
  return live;
}

/** A worker found after a wait, with the app it belongs to (after a reload, the successor). */
export interface Waited {
  readonly app: RoutedApp;
  readonly worker: ReadyWorker;
}

/**
 * Why a wait for a worker ended without one: the app failed (or a reload removed it), no worker
 * was ready by startupTimeLimit, or the client left (its connection closed).
 */
export type WaitEnd = 'failed' | 'timeout' | 'gone';

export const startupLimitMs = (app: AppRoute) => (app.startupTimeLimit ?? 120) * 1000;
export const notReadyWithin = (app: AppRoute) => `No worker was ready within ${app.startupTimeLimit ?? 120} s.`;
export const heldDown = 'The app exited too often within a minute (rapidFailsPerMinute).';
