import { InvalidWorkerOptionError } from './errors.ts';

/**
 * How Portico tells a live backend from a hung one once it is ready (a deadlock, a stuck event
 * loop: the process is there and its socket accepts, but nothing answers). Seconds throughout.
 *
 * - `http`: `GET path` with the pairing token every `pingInterval` (IIS's `pingInterval`, 30 s);
 *   no 2xx within `pingResponseTime` is a failure; `failureThreshold` failures in a row
 *   (Kubernetes' liveness probe, 3) and the worker is replaced.
 * - `watchdog`: the backend sends keep-alives (systemd's `WATCHDOG=1`, `WatchdogSec=`); none
 *   within `watchdogSec` and the worker is replaced. Only with the `notify` readiness, whose
 *   channels carry them.
 */
export type Liveness =
  | {
      readonly kind: 'http';
      readonly path: string;
      readonly pingInterval?: number;
      readonly pingResponseTime?: number;
      readonly failureThreshold?: number;
    }
  | { readonly kind: 'watchdog'; readonly watchdogSec: number };

/**
 * IIS pings every 30 s and gives a worker 90 s to answer one; Kubernetes allows 3 failures of 1 s
 * each. Three pings 30 s apart, each given 10 s, replace a hung worker after about 90 s, as IIS
 * would, without taking a slow answer under load for a hang.
 */
export const livenessDefaults = { pingInterval: 30, pingResponseTime: 10, failureThreshold: 3 };

function check(ok: boolean, path: string, problem: string): void {
  if (!ok) throw new InvalidWorkerOptionError(`liveness.${path}`, problem);
}

/** Throws `InvalidWorkerOptionError` naming the first wrong liveness option. */
export function validateLiveness(liveness: Liveness, readinessKind: string): void {
  check(liveness.kind === 'http' || liveness.kind === 'watchdog', 'kind', `must be "http" or "watchdog", got ${JSON.stringify(liveness.kind)}`);
  if (liveness.kind === 'watchdog') {
    check(readinessKind === 'notify', 'kind', 'is "watchdog", which needs readiness { kind: "notify" }: keep-alives come on the notify channels');
    check(Number.isFinite(liveness.watchdogSec) && liveness.watchdogSec > 0 && liveness.watchdogSec <= 3600, 'watchdogSec', `must be seconds in (0, 3600], got ${liveness.watchdogSec}`);
    return;
  }
  check(typeof liveness.path === 'string' && liveness.path.startsWith('/'), 'path', 'must be a path starting with "/"');
  const interval = liveness.pingInterval ?? livenessDefaults.pingInterval;
  check(Number.isFinite(interval) && interval > 0 && interval <= 3600, 'pingInterval', `must be seconds in (0, 3600], got ${interval}`);
  const timeout = liveness.pingResponseTime ?? livenessDefaults.pingResponseTime;
  check(Number.isFinite(timeout) && timeout > 0 && timeout <= 3600, 'pingResponseTime', `must be seconds in (0, 3600], got ${timeout}`);
  const failures = liveness.failureThreshold ?? livenessDefaults.failureThreshold;
  check(Number.isInteger(failures) && failures >= 1 && failures <= 100, 'failureThreshold', `must be a whole number from 1 to 100, got ${failures}`);
}

/** `no 2xx to GET /healthz within 2 s, 3 times in a row`: why a worker was found unresponsive. */
export function describeLivenessFailure(liveness: Liveness, last: string): string {
  if (liveness.kind === 'watchdog') return `no WATCHDOG=1 keep-alive within watchdogSec (${liveness.watchdogSec} s)`;
  const failures = liveness.failureThreshold ?? livenessDefaults.failureThreshold;
  const timeout = liveness.pingResponseTime ?? livenessDefaults.pingResponseTime;
  return `no 2xx to GET ${liveness.path} within pingResponseTime (${timeout} s), ${failures} time${failures === 1 ? '' : 's'} in a row; last: ${last}`;
}
