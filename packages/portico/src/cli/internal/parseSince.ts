import { UsageError } from '../UsageError.ts';

const units: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
/**
 * A date, then optionally a time (after `T` or a space) and a zone: ISO 8601 as people type it.
 * Date.parse alone reads far more, and wrongly: "10" as 2001-10-01, "x 5" as 2001-05-01, so
 * `--since 10` meant for minutes would silently show every line kept.
 */
const TIME = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/**
 * `--since` of `portico logs`: a duration back from `now` (`90s`, `10m`, `2h`, `1d`, `1.5h`) or a
 * time in ISO 8601 form (`2026-12-06T02:00:00Z`, `2026-12-06 03:00`, local time without a zone).
 * Returns epoch milliseconds.
 */
export function parseSince(text: string, now: number): number {
  const duration = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(text.trim());
  if (duration) return now - Number(duration[1]) * units[duration[2]!]!;
  const time = readTime(text.trim());
  if (time !== undefined) return time;
  throw new UsageError(`--since takes a duration back from now (90s, 10m, 2h, 1d) or a time (2026-12-06T02:00:00Z, 2026-12-06 03:00), got ${JSON.stringify(text)}`);
}

/**
 * A time of TIME's form, or undefined when it names no such moment. Read from its fields, not by
 * Date.parse, which takes a day alone (`2026-12-06`) as UTC midnight where a day with a time is
 * local, and a day the month does not have (`2026-02-30`) as one of the next month.
 */
function readTime(text: string): number | undefined {
  const match = TIME.exec(text);
  if (!match) return undefined;
  const [year, month, day, hour = 0, minute = 0, second = 0] = match.slice(1, 7).map((field) => Number(field ?? 0));
  // A fraction of any length (Python's isoformat writes six digits), to the millisecond: the
  // lines of that millisecond are shown, never fewer.
  const millisecond = Number((match[7] ?? '0').slice(0, 3).padEnd(3, '0'));
  const fields = [year!, month! - 1, day!, hour, minute, second, millisecond] as const;
  // Every field is checked against the moment it makes: one out of range moves to another day.
  const asUtc = new Date(Date.UTC(...fields));
  const same = [asUtc.getUTCFullYear(), asUtc.getUTCMonth(), asUtc.getUTCDate(), asUtc.getUTCHours(), asUtc.getUTCMinutes(), asUtc.getUTCSeconds()];
  if (same.some((value, i) => value !== fields[i])) return undefined;
  const zone = match[8];
  if (zone === undefined) return new Date(...fields).getTime();
  if (zone === 'Z') return asUtc.getTime();
  const offset = /^([+-])(\d{2}):?(\d{2})$/.exec(zone)!;
  // As Date.parse: an offset is less than a day, its minutes less than an hour.
  if (Number(offset[2]) > 23 || Number(offset[3]) > 59) return undefined;
  const minutes = (Number(offset[2]) * 60 + Number(offset[3])) * (offset[1] === '-' ? -1 : 1);
  return asUtc.getTime() - minutes * 60_000;
}
