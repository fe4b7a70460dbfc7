import { UsageError } from '../UsageError.ts';

const units: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
/**
 * A date, then optionally a time (after `T` or a space) and a zone: ISO 8601 as people type it.
 * Date.parse alone reads far more, and wrongly: "10" as 2001-10-01, "x 5" as 2001-05-01, so
 * `--since 10` meant for minutes would silently show every line kept.
 */
const TIME = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

/**
 * `--since` of `portico logs`: a duration back from `now` (`90s`, `10m`, `2h`, `1d`, `1.5h`) or a
 * time in ISO 8601 form (`2026-12-06T02:00:00Z`, `2026-12-06 03:00`, local time without a zone).
 * Returns epoch milliseconds.
 */
export function parseSince(text: string, now: number): number {
  const duration = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(text.trim());
  if (duration) return now - Number(duration[1]) * units[duration[2]!]!;
  const time = TIME.test(text.trim()) ? Date.parse(text) : Number.NaN;
  if (Number.isFinite(time)) return time;
  throw new UsageError(`--since takes a duration back from now (90s, 10m, 2h, 1d) or a time (2026-12-06T02:00:00Z, 2026-12-06 03:00), got ${JSON.stringify(text)}`);
}
