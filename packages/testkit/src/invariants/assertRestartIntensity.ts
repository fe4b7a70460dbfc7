import type { TimedEvent } from '../recordEvents.ts';
import { formatTime } from '../Simulation.ts';
import { violated, type CheckOptions } from './violated.ts';

/**
 * No window of `period` seconds holds more than `intensity` restarts: checked on the
 * `supervisor.child_restarting` events (from `recordEvents` or `createCapturingLogger`), with
 * OTP's sliding window (a restart exactly `period` ago has left it). Pass the events of one
 * supervisor instance; `supervisor` filters a log that mixes several by its `supervisor` field.
 */
export function assertRestartIntensity(
  events: readonly TimedEvent[],
  limit: { readonly intensity: number; readonly period: number },
  options: CheckOptions & { readonly supervisor?: string } = {},
): void {
  const times = events
    .filter((e) => e.type === 'supervisor.child_restarting' && (options.supervisor === undefined || e.supervisor === options.supervisor))
    .map((e) => e.at);
  const window = limit.period * 1000;
  for (const end of times) {
    // Both ends of the window count, as in admitRestart and OTP.
    const inWindow = times.filter((t) => t >= end - window && t <= end);
    if (inWindow.length > limit.intensity) {
      violated(
        'restart intensity',
        `${inWindow.length} restarts within ${limit.period}s (at ${inWindow.map((t) => `t=${formatTime(t)}`).join(', ')}) but intensity is ${limit.intensity}`,
        options,
      );
    }
  }
}
