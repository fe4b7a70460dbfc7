import { UsageError } from '../UsageError.ts';

/** What a command bears of silence from Portico when no `--timeout` is given: as `portico status` waits. */
export const defaultSilenceMs = 10_000;

/**
 * `--timeout SECONDS`: how long a command that waits for Portico to act (a reload's rollout, an
 * app's drain) bears silence from it. Not a bound on the whole wait, which is as long as the
 * rollout takes (startupTimeLimit, shutdownTimeLimit): Portico says `102 Processing` every second
 * while it works, and only a frozen one (SIGSTOP, a blocked event loop) is silent. From 2 s, twice
 * that interval, so one late tick on a busy machine is no failure; to an hour.
 */
export function silenceLimit(given: string | boolean | undefined): number {
  if (given === undefined) return defaultSilenceMs;
  const seconds = Number(given);
  if (typeof given !== 'string' || given.trim() === '' || !(seconds >= 2 && seconds <= 3600)) {
    throw new UsageError(`--timeout "${String(given)}" is not a number of seconds from 2 to 3600; e.g. --timeout 30`);
  }
  return seconds * 1000;
}
