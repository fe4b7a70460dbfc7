import { InvalidWorkerOptionError } from './errors.ts';

/**
 * When an app's workers are replaced although nothing is wrong with them (IIS's
 * `<periodicRestart>`): after a number of requests, above a memory limit held for some samples,
 * after a time, at times of day. Zero (or an empty list) turns each off.
 */
export interface Recycling {
  /** Requests one process answers before it is recycled (IIS `requests`, Passenger `passenger_max_requests`). */
  readonly requests: number;
  /** Resident memory of one worker's process tree, in MiB, above which it is recycled (IIS `privateMemory`, Passenger `passenger_memory_limit`). */
  readonly memory: number;
  /** Consecutive samples (`sampleInterval`) the memory must stay above `memory`, so one spike does not recycle. */
  readonly memorySamples: number;
  /** Seconds after the workers start (IIS `time`). */
  readonly time: number;
  /** Times of day, `HH:MM` in the server's local time (IIS `<schedule>`). */
  readonly schedule: readonly string[];
}

/** Why a recycle was asked: IIS's `logEventOnRecycle` names for the same reasons. */
export type RecycleReason = 'requests' | 'memory' | 'time' | 'schedule';

export const recyclingDefaults: Recycling = { requests: 0, memory: 0, memorySamples: 3, time: 0, schedule: [] };

const timeOfDay = /^([01]\d|2[0-3]):([0-5]\d)$/;

/** Throws `InvalidWorkerOptionError` naming the first wrong key of `recycling`. */
export function validateRecycling(recycling: Recycling): void {
  const check = (ok: boolean, key: string, problem: string) => {
    if (!ok) throw new InvalidWorkerOptionError(`recycling.${key}`, problem);
  };
  check(Number.isInteger(recycling.requests) && recycling.requests >= 0, 'requests', `must be a whole number of requests, 0 for off, got ${recycling.requests}`);
  check(Number.isFinite(recycling.memory) && recycling.memory >= 0, 'memory', `must be MiB, 0 for off, got ${recycling.memory}`);
  check(Number.isInteger(recycling.memorySamples) && recycling.memorySamples >= 1 && recycling.memorySamples <= 100, 'memorySamples', `must be a whole number from 1 to 100, got ${recycling.memorySamples}`);
  check(Number.isFinite(recycling.time) && recycling.time >= 0, 'time', `must be seconds, 0 for off, got ${recycling.time}`);
  for (const at of recycling.schedule) check(timeOfDay.test(at), 'schedule', `must list times of day as "HH:MM" (00:00 to 23:59), got ${JSON.stringify(at)}`);
}

/**
 * Milliseconds from `now` (ms since the epoch) to the next of `schedule`'s times of day in local
 * time, at least a minute away, so a pool made at 03:00 by the 03:00 recycle waits for tomorrow's.
 * `undefined` for an empty schedule.
 */
export function untilNextScheduled(now: number, schedule: readonly string[]): number | undefined {
  let best: number | undefined;
  for (const at of schedule) {
    const [, hours, minutes] = timeOfDay.exec(at)!;
    const next = new Date(now);
    next.setHours(Number(hours), Number(minutes), 0, 0);
    while (next.getTime() - now < 60_000) next.setDate(next.getDate() + 1);
    const wait = next.getTime() - now;
    if (best === undefined || wait < best) best = wait;
  }
  return best;
}
