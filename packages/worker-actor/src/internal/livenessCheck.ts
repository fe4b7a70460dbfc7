import { clockOf } from '@portico/supervisor';
import { fromCallback } from 'xstate';
import { describeLivenessFailure, livenessDefaults, type Liveness } from '../Liveness.ts';
import type { Endpoint, ProcessHost } from '../ProcessHost.ts';

export interface LivenessInput {
  readonly host: ProcessHost;
  readonly endpoint: Endpoint;
  /** None: the check does nothing (the app has no liveness). */
  readonly liveness?: Liveness;
  /** The pairing token headers: a ping is a request like any other to the backend. */
  readonly headers: Readonly<Record<string, string>>;
}

/** Sent when the worker is found hung; `reason` says how, for the event and the exit. */
export type LivenessReport = { type: 'liveness.failed'; reason: string };

/**
 * Watches a ready worker. `http`: one ping at a time, each started `pingInterval` after the last
 * one started (or at once when a ping took longer); `failureThreshold` failures in a row report.
 * `watchdog`: a deadline of `watchdogSec`, pushed back by each keep-alive the worker forwards
 * (`{ type: 'watchdog' }`). Runs only while the worker is ready, so start-up is never judged.
 */
export const livenessCheck = fromCallback<{ type: 'watchdog' }, LivenessInput, LivenessReport>(({ input, sendBack, receive, system }) => {
  const clock = clockOf(system);
  const { liveness } = input;
  let stopped = false;
  let timer: unknown;
  const arm = (ms: number, run: () => void) => {
    if (timer !== undefined) clock.clearTimeout(timer);
    timer = clock.setTimeout(run, ms);
  };

  if (!liveness) {
    // No liveness configured: nothing to watch.
  } else if (liveness.kind === 'watchdog') {
    const fail = () => sendBack({ type: 'liveness.failed', reason: describeLivenessFailure(liveness, '') });
    arm(liveness.watchdogSec * 1000, fail);
    receive(() => {
      if (!stopped) arm(liveness.watchdogSec * 1000, fail);
    });
  } else {
    const intervalMs = (liveness.pingInterval ?? livenessDefaults.pingInterval) * 1000;
    const timeoutMs = (liveness.pingResponseTime ?? livenessDefaults.pingResponseTime) * 1000;
    const threshold = liveness.failureThreshold ?? livenessDefaults.failureThreshold;
    let failures = 0;
    const ping = async () => {
      const began = clock.now();
      const answer = await input.host.ping(input.endpoint, liveness.path, input.headers, timeoutMs);
      if (stopped) return;
      failures = answer.ok ? 0 : failures + 1;
      if (!answer.ok && failures >= threshold) return sendBack({ type: 'liveness.failed', reason: describeLivenessFailure(liveness, answer.why) });
      arm(Math.max(0, began + intervalMs - clock.now()), () => void ping());
    };
    // The first ping comes one interval after ready: the readiness check has just answered.
    arm(intervalMs, () => void ping());
  }

  return () => {
    stopped = true;
    if (timer !== undefined) clock.clearTimeout(timer);
  };
});
