import type { TimedEvent } from '../recordEvents.ts';
import { formatTime } from '../Simulation.ts';
import { violated, type CheckOptions } from './violated.ts';

/**
 * No window of `period` seconds holds more than `intensity` restarts: checked on the
 * `supervisor.child_restarting` events (from `recordEvents` or `createCapturingLogger`), with
 * OTP's sliding window (a restart exactly `period` ago has left it). Each restart is dated as the
 * supervisor dates it: at its child's exit, when the child says it ended (a worker's
 * `WorkerExit.exitedAt`, carried by its `supervisor.child_exited`), kept within the child's life
 * (not before its `supervisor.child_started`, not after the exit was heard of); else when the exit
 * was heard of. Pass the events of one supervisor instance; `supervisor` filters a log that mixes
 * several by its `supervisor` field.
 */
export function assertRestartIntensity(
  events: readonly TimedEvent[],
  limit: { readonly intensity: number; readonly period: number },
  options: CheckOptions & { readonly supervisor?: string } = {},
): void {
  const times = restartTimes(events, options.supervisor);
  const window = limit.period * 1000;
  for (const end of times) {
    // Both ends of the window count, as in admitRestart and OTP.
    const inWindow = times.filter((t) => t >= end - window && t <= end).sort((a, b) => a - b);
    if (inWindow.length > limit.intensity) {
      violated(
        'restart intensity',
        `${inWindow.length} restarts within ${limit.period}s (at ${inWindow.map((t) => `t=${formatTime(t)}`).join(', ')}) but intensity is ${limit.intensity}`,
        options,
      );
    }
  }
}

/** Each restart's time: its child's exit, dated by the supervisor's rule (`SupervisorRuntime#exited`). */
function restartTimes(events: readonly TimedEvent[], supervisor: string | undefined): number[] {
  const startedAt = new Map<unknown, number>();
  const exitedAt = new Map<unknown, number>();
  const times: number[] = [];
  for (const e of events) {
    if (supervisor !== undefined && e['supervisor'] !== supervisor) continue;
    const child = e['childId'];
    if (e.type === 'supervisor.child_started') startedAt.set(child, e.at);
    else if (e.type === 'supervisor.child_exited') {
      const said = exitTimeOf(e['exit']);
      exitedAt.set(child, said === undefined ? e.at : Math.min(e.at, Math.max(startedAt.get(child) ?? Number.NEGATIVE_INFINITY, said)));
    } else if (e.type === 'supervisor.child_restarting') {
      times.push(exitedAt.get(child) ?? e.at);
      exitedAt.delete(child);
    }
  }
  return times;
}

/** `exitedAt` of a worker's exit: the `WorkerExit` itself (a logged event), or the one its crash error carries (an emitted one). */
function exitTimeOf(exit: unknown): number | undefined {
  const record = (value: unknown): Record<string, unknown> | undefined => (typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined);
  const direct = record(exit)?.['exitedAt'];
  const carried = record(record(record(exit)?.['error'])?.['exit'])?.['exitedAt'];
  const at = direct ?? carried;
  return typeof at === 'number' && Number.isFinite(at) ? at : undefined;
}
