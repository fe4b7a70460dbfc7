import { UsageError } from '../UsageError.ts';

const units: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * `--since` of `portico logs`: a duration back from `now` (`90s`, `10m`, `2h`, `1d`, `1.5h`) or a
 * time `Date.parse` reads (`2026-12-06T02:00:00Z`, `2026-12-06 03:00`, local time without a zone).
 * Returns epoch milliseconds.
 */
export function parseSince(text: string, now: number): number {
  const duration = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(text.trim());
  if (duration) return now - Number(duration[1]) * units[duration[2]!]!;
  const time = Date.parse(text);
  if (Number.isFinite(time)) return time;
  throw new UsageError(`--since takes a duration back from now (90s, 10m, 2h, 1d) or a time (2026-12-06T02:00:00Z), got ${JSON.stringify(text)}`);
}
