import type { FrontLimits } from '../fronts/FrontFleet.ts';
import { InvalidPorticoOptionError } from '../errors.ts';

/**
 * Throws `InvalidPorticoOptionError` unless each of `limits`' keys given is seconds from 0.1 to
 * 3600: from JavaScript, a NaN start limit made every ping's verdict false, and a front was
 * killed at its first ping.
 */
export function assertFrontLimits(limits: FrontLimits | undefined, call: string): void {
  for (const key of ['start', 'shutdown'] as const) {
    const seconds: unknown = limits?.[key];
    if (seconds === undefined || (typeof seconds === 'number' && seconds >= 0.1 && seconds <= 3600)) continue;
    throw new InvalidPorticoOptionError(call, `frontLimits.${key} is ${typeof seconds === 'string' ? `"${seconds}"` : String(seconds)}, not seconds from 0.1 to 3600: leave it out for the default (start 30, shutdown 10)`);
  }
}
